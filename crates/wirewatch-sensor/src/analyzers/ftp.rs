//! FTP control channel: commands, replies, users and login outcomes.

use super::{Analyzer, FlowCtx, Protocol, Sink};
use crate::flow::Dir;
use std::collections::VecDeque;

/// Longest command or reply line kept (RFC 959 lines are short; longer is abuse).
pub const MAX_LINE: usize = 4096;
/// Most commands waiting for a reply (pipelined clients send a few).
pub const MAX_PENDING: usize = 64;

/// A command and its reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FtpEvent {
    pub user: Option<String>,
    pub command: String,
    pub arg: String,
    pub reply_code: u16,
    pub reply_msg: String,
}

/// One FTP control connection.
#[derive(Debug, Default)]
pub struct Ftp {
    client_buf: Vec<u8>,
    server_buf: Vec<u8>,
    user: Option<String>,
    pending: VecDeque<(String, String)>,
    multiline: Option<u16>,
}

fn lines(buf: &mut Vec<u8>, data: &[u8]) -> Vec<String> {
    buf.extend_from_slice(data);
    let mut out = Vec::new();
    while let Some(i) = buf.iter().position(|b| *b == b'\n') {
        let line: Vec<u8> = buf.drain(..=i).collect();
        let s = String::from_utf8_lossy(&line)
            .trim_end_matches(['\r', '\n'])
            .to_string();
        out.push(s);
    }
    if buf.len() > MAX_LINE {
        buf.clear();
    }
    out
}

impl Ftp {
    /// Bytes from the client: commands.
    pub fn client(&mut self, data: &[u8]) {
        for line in lines(&mut self.client_buf, data) {
            let (cmd, arg) = line.split_once(' ').unwrap_or((&line, ""));
            let cmd = cmd.to_ascii_uppercase();
            if cmd.is_empty() || !cmd.chars().all(|c| c.is_ascii_alphabetic()) {
                continue;
            }
            if cmd == "USER" {
                self.user = Some(arg.trim().to_string());
            }
            if self.pending.len() < MAX_PENDING {
                self.pending.push_back((cmd, arg.trim().to_string()));
            }
        }
    }

    /// Bytes from the server: replies, each answering the oldest pending command.
    pub fn server(&mut self, data: &[u8]) -> Vec<FtpEvent> {
        let mut out = Vec::new();
        for line in lines(&mut self.server_buf, data) {
            let code = line.get(..3).and_then(|c| c.parse::<u16>().ok());
            let sep = line.as_bytes().get(3).copied();
            match (code, sep) {
                (Some(c), Some(b'-')) => {
                    self.multiline.get_or_insert(c);
                }
                (Some(c), sep) if sep.is_none() || sep == Some(b' ') => {
                    if self.multiline.is_some_and(|m| m != c) {
                        continue;
                    }
                    self.multiline = None;
                    // 1xx replies are preliminary: the command waits for its final reply.
                    if (100..200).contains(&c) {
                        continue;
                    }
                    let msg = line.get(4..).unwrap_or("").to_string();
                    let Some((command, arg)) = self.pending.pop_front() else {
                        continue;
                    };
                    out.push(FtpEvent {
                        user: self.user.clone(),
                        arg: if command == "PASS" {
                            String::new()
                        } else {
                            arg
                        },
                        command,
                        reply_code: c,
                        reply_msg: msg,
                    });
                }
                _ => {}
            }
        }
        out
    }
}

/// `~ftp`: the control connection, TCP to port 21.
pub const PROTOCOL: Protocol = Protocol {
    name: "ftp",
    tcp_ports: &[21],
    sniff: None,
    udp: None,
    start: || Box::new(Ftp::default()),
};

impl Analyzer for Ftp {
    fn payload(&mut self, flow: &mut FlowCtx<'_>, dir: Dir, bytes: &[u8], sink: &mut Sink<'_>) {
        if dir == Dir::Orig {
            self.client(bytes);
            return;
        }
        let ends = flow.ends;
        for ev in self.server(bytes) {
            *flow.service = Some("ftp");
            if ev.command == "PASS" {
                for server in flow.server_objects() {
                    sink.metrics
                        .count(ends.ts_ns, server.clone(), "ftp_server", "logins", "", 1.0);
                    if ev.reply_code == 530 {
                        sink.metrics.count(
                            ends.ts_ns,
                            server,
                            "ftp_server",
                            "login_failures",
                            "",
                            1.0,
                        );
                    }
                }
            }
            sink.out.ftp.push((ends, ev));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_failure_and_success() {
        let mut f = Ftp::default();
        assert!(f.server(b"220 hello\r\n").is_empty());
        f.client(b"USER bob\r\nPASS secret\r\n");
        let ev = f.server(b"331 Password required\r\n530 Login incorrect.\r\n");
        assert_eq!(ev.len(), 2);
        assert_eq!(
            (
                ev[1].command.as_str(),
                ev[1].reply_code,
                ev[1].user.as_deref()
            ),
            ("PASS", 530, Some("bob"))
        );
        assert_eq!(ev[1].arg, "", "passwords are not kept");
        f.client(b"USER bob\r\nPA");
        f.client(b"SS right\r\n");
        let ev = f.server(b"331 ok\r\n230-Welcome\r\n230-more\r\n230 Logged in\r\n");
        assert_eq!(ev.last().unwrap().reply_code, 230);
        f.client(b"RETR x\r\n");
        assert!(f.server(b"150 Opening\r\n").is_empty());
        assert_eq!(f.server(b"226 Done\r\n")[0].command, "RETR");
    }
}
