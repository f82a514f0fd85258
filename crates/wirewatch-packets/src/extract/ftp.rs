//! FTP: the files of data connections, found through their control
//! connection. The client's commands pair in order with the server's final
//! replies (one each; `1xx` preliminary replies and the greeting aside), so
//! a `PASV` takes its address from its `227` reply, an `EPSV` its port from
//! its `229` reply (on the control connection's server address), a `PORT`
//! or `EPRT` from itself. The `RETR` (a download), `STOR`/`APPE`/`STOU` (an
//! upload) or listing that follows uses that address: the first data
//! connection to it opened after the address was given carries the file
//! (the direction that carried bytes). A transfer the server refused opens
//! no connection; one it reports aborted (`426`) is marked incomplete.

use super::{cut_note, Ep, File, Protocol, Stream};
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Commands read from one control connection.
const MAX_COMMANDS: usize = 100_000;

struct Transfer {
    /// The data connection's listening end.
    at: Ep,
    /// When the address was given (the data connection opens after).
    announced_ns: i64,
    name: Option<String>,
    verb: String,
    /// The final reply's code.
    reply: Option<u16>,
}

fn lines(b: &[u8]) -> impl Iterator<Item = (usize, &[u8])> {
    let mut at = 0;
    std::iter::from_fn(move || {
        if at >= b.len() {
            return None;
        }
        let end = b[at..].iter().position(|c| *c == b'\n')? + at;
        let l = &b[at..end];
        let start = at;
        at = end + 1;
        Some((start, l.strip_suffix(b"\r").unwrap_or(l)))
    })
}

/// The final replies (code, text), the greeting first.
fn replies(b: &[u8]) -> Vec<(u16, String)> {
    let mut out = Vec::new();
    let mut multi: Option<&[u8]> = None;
    for (_, l) in lines(b) {
        if let Some(code) = multi {
            // A multi-line reply ends at a line starting with its code and a space.
            if l.len() >= 4 && &l[..3] == code && l[3] == b' ' {
                multi = None;
            } else {
                continue;
            }
        } else if l.len() >= 4 && l[..3].iter().all(u8::is_ascii_digit) && l[3] == b'-' {
            multi = Some(&l[..3]);
            continue;
        }
        let Some(code) = l
            .get(..3)
            .and_then(|c| std::str::from_utf8(c).ok())
            .and_then(|c| c.parse::<u16>().ok())
        else {
            continue;
        };
        if (100..200).contains(&code) {
            continue;
        }
        out.push((
            code,
            String::from_utf8_lossy(l.get(4..).unwrap_or(b"")).into_owned(),
        ));
    }
    out
}

/// `h1,h2,h3,h4,p1,p2` anywhere in `t` (a PORT argument, a 227 reply).
fn six_numbers(t: &str) -> Option<Ep> {
    let start = t.find(|c: char| c.is_ascii_digit())?;
    let nums: Vec<u16> = t[start..]
        .split(|c: char| !(c.is_ascii_digit() || c == ','))
        .next()?
        .split(',')
        .map(|n| n.parse().ok())
        .collect::<Option<_>>()?;
    let [a, b, c, d, p1, p2] = nums[..] else {
        return None;
    };
    if [a, b, c, d, p1, p2].iter().any(|n| *n > 255) {
        return None;
    }
    Some(Ep(
        IpAddr::V4(Ipv4Addr::new(a as u8, b as u8, c as u8, d as u8)),
        p1 * 256 + p2,
    ))
}

/// `|1|ip|port|` (EPRT) or `(|||port|)` (229): the address (if any) and port.
fn extended(t: &str) -> Option<(Option<IpAddr>, u16)> {
    let open = t.find('|')?;
    let d = t[open..].chars().next()?;
    let fields: Vec<&str> = t[open + 1..].split(d).collect();
    let (addr, port) = (fields.get(1)?, fields.get(2)?);
    let port = port.trim().parse().ok()?;
    let addr = if addr.is_empty() {
        None
    } else {
        Some(addr.parse().ok()?)
    };
    Some((addr, port))
}

fn unspecified(a: IpAddr) -> bool {
    a == IpAddr::V4(Ipv4Addr::UNSPECIFIED) || a == IpAddr::V6(Ipv6Addr::UNSPECIFIED)
}

fn transfers(c: &Stream) -> Vec<Transfer> {
    let mut finals = replies(&c.down.data).into_iter();
    // The greeting answers no command.
    finals.next();
    let mut out = Vec::new();
    let mut current: Option<(Ep, i64)> = None;
    for (at, l) in lines(&c.up.data).take(MAX_COMMANDS) {
        let text = String::from_utf8_lossy(l);
        let (verb, arg) = text.split_once(' ').unwrap_or((&text, ""));
        let verb = verb.to_ascii_uppercase();
        let arg = arg.trim();
        let reply = finals.next();
        let time = c.up.time_at(at as u64);
        let ok = reply.as_ref().is_some_and(|r| r.0 / 100 == 2);
        let text = reply.as_ref().map_or("", |r| r.1.as_str());
        // A refused address command leaves no address to use.
        match verb.as_str() {
            "PASV" => {
                current = six_numbers(text).filter(|_| ok).map(|mut e| {
                    // A server behind NAT or bound to any address.
                    if unspecified(e.0) {
                        e.0 = c.server.0;
                    }
                    (e, time)
                });
            }
            "EPSV" => {
                current = extended(text)
                    .filter(|_| ok)
                    .map(|(_, p)| (Ep(c.server.0, p), time));
            }
            "PORT" => current = six_numbers(arg).filter(|_| ok).map(|e| (e, time)),
            "EPRT" => {
                current = extended(arg)
                    .filter(|_| ok)
                    .map(|(a, p)| (Ep(a.unwrap_or(c.client.0), p), time));
            }
            "RETR" | "STOR" | "APPE" | "STOU" | "LIST" | "NLST" | "MLSD" => {
                let refused = reply.as_ref().is_some_and(|r| r.0 >= 400 && r.0 != 426);
                if let (Some((ep, announced_ns)), false) = (current.take(), refused) {
                    out.push(Transfer {
                        at: ep,
                        announced_ns,
                        name: (!arg.is_empty()).then(|| arg.to_string()),
                        verb,
                        reply: reply.map(|r| r.0),
                    });
                }
            }
            _ => {}
        }
    }
    out
}

pub(crate) fn files(
    control: &[Stream],
    mut data: Vec<Stream>,
    out: &mut Vec<File>,
    notes: &mut Vec<String>,
) {
    data.sort_by_key(|s| s.first_ns);
    let mut used = vec![false; data.len()];
    // The connections by each of their ends, oldest first.
    let mut by_end: HashMap<Ep, Vec<usize>> = HashMap::new();
    for (i, s) in data.iter().enumerate() {
        by_end.entry(s.client).or_default().push(i);
        if s.server != s.client {
            by_end.entry(s.server).or_default().push(i);
        }
    }
    for c in control {
        for t in transfers(c) {
            let found = by_end.get(&t.at).and_then(|list| {
                list.iter()
                    .copied()
                    .find(|&i| !used[i] && data[i].first_ns >= t.announced_ns)
            });
            let is_file = matches!(t.verb.as_str(), "RETR" | "STOR" | "APPE" | "STOU");
            let Some(i) = found else {
                if is_file {
                    notes.push(format!(
                        "FTP {} {} on {} -> {}: its data connection (to {}) is not in the matched packets",
                        t.verb,
                        t.name.as_deref().unwrap_or(""),
                        c.client.sock(),
                        c.server.sock(),
                        t.at.sock()
                    ));
                }
                continue;
            };
            used[i] = true;
            if !is_file {
                continue;
            }
            let s = &data[i];
            let (a, sender, receiver) = if s.up.data.len() >= s.down.data.len() {
                (&s.up, s.client, s.server)
            } else {
                (&s.down, s.server, s.client)
            };
            let mut note = cut_note(a, u64::MAX);
            if !a.fin {
                // Without the sender's FIN the data connection may go on
                // past the packets matched (a search limit, a capture cut).
                note.get_or_insert_with(|| {
                    "the data connection's end (its FIN) is not in the matched packets: the file may be cut short".into()
                });
            }
            if t.reply == Some(426) {
                note.get_or_insert_with(|| "the server reported the transfer aborted (426)".into());
            }
            let name = t
                .name
                .as_deref()
                .and_then(|n| n.rsplit(['/', '\\']).next())
                .filter(|n| !n.is_empty())
                .map_or_else(
                    || format!("ftp-{}", t.verb.to_ascii_lowercase()),
                    str::to_string,
                );
            out.push(File {
                name,
                protocol: Protocol::Ftp,
                sender: sender.sock(),
                receiver: receiver.sock(),
                time_ns: a.time_at(0),
                data: a.data.clone(),
                content_type: None,
                decoded_from: None,
                complete: note.is_none(),
                note,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::tcp::Assembled;

    fn ep(s: &str, p: u16) -> Ep {
        Ep(s.parse().unwrap(), p)
    }

    fn stream(client: Ep, server: Ep, first_ns: i64, up: &[u8], down: &[u8]) -> Stream {
        Stream {
            client,
            server,
            first_ns,
            up: Assembled::from_bytes(up),
            down: Assembled::from_bytes(down),
        }
    }

    #[test]
    fn pasv_epsv_and_port_name_their_data_connections() {
        let up = b"USER a\r\nPASS b\r\nEPSV\r\nRETR x.bin\r\nPASV\r\nRETR /dir/missing\r\nPORT 10,0,0,1,156,64\r\nSTOR up.txt\r\nPASV\r\nRETR y.bin\r\n";
        let down = b"220-hello\r\n220 there\r\n331 pw\r\n230 ok\r\n229 Entering (|||40001|)\r\n150 go\r\n226 done\r\n227 Entering (10,0,0,2,156,66)\r\n550 no such file\r\n200 PORT ok\r\n150 go\r\n226 done\r\n227 Entering (0,0,0,0,156,67)\r\n150 go\r\n426 aborted\r\n";
        let (cl, sv) = (ep("10.0.0.1", 50000), ep("10.0.0.2", 21));
        let control = [stream(cl, sv, 0, up, down)];
        let data = vec![
            stream(
                ep("10.0.0.1", 50002),
                ep("10.0.0.2", 40001),
                0,
                b"",
                b"x content",
            ),
            stream(
                ep("10.0.0.2", 20),
                ep("10.0.0.1", 40000),
                0,
                b"",
                b"uploaded",
            ),
            stream(
                ep("10.0.0.1", 50003),
                ep("10.0.0.2", 40003),
                0,
                b"",
                b"partial",
            ),
            // Not announced by the control connection: not a file.
            stream(
                ep("10.0.0.1", 50004),
                ep("10.0.0.2", 40009),
                0,
                b"",
                b"other",
            ),
        ];
        let mut out = Vec::new();
        let mut notes = Vec::new();
        files(&control, data, &mut out, &mut notes);
        let got: Vec<_> = out
            .iter()
            .map(|f| {
                (
                    f.name.as_str(),
                    f.data.as_slice(),
                    f.complete,
                    f.sender.port(),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                ("x.bin", &b"x content"[..], true, 40001),
                ("up.txt", &b"uploaded"[..], true, 40000),
                ("y.bin", &b"partial"[..], false, 40003),
            ]
        );
        assert!(notes.is_empty(), "{notes:?}");
    }

    #[test]
    fn without_the_senders_fin_a_transfer_may_be_cut_and_says_so() {
        let (cl, sv) = (ep("10.0.0.1", 50000), ep("10.0.0.2", 21));
        let control = [stream(
            cl,
            sv,
            0,
            b"USER a\r\nPASV\r\nRETR big.iso\r\n",
            b"220 hi\r\n331 pw\r\n227 Entering (10,0,0,2,156,66)\r\n150 go\r\n226 done\r\n",
        )];
        let mut data = stream(
            ep("10.0.0.1", 50002),
            ep("10.0.0.2", 40002),
            0,
            b"",
            b"first part",
        );
        data.down.fin = false;
        let mut out = Vec::new();
        let mut notes = Vec::new();
        files(&control, vec![data], &mut out, &mut notes);
        assert_eq!(out.len(), 1);
        assert!(!out[0].complete);
        assert!(
            out[0].note.as_deref().unwrap().contains("FIN"),
            "{:?}",
            out[0].note
        );
    }
}
