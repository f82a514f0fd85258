//! The files a search answers with: pcap (microsecond timestamps, the most
//! widely read form) or pcapng (nanosecond timestamps, one interface per
//! link type). With a slice length (the `slices_only` packet privilege)
//! each packet is cut to its first bytes; its original length is kept.

use crate::pcap::{self, Record};

/// The file format of an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Pcap,
    Pcapng,
}

/// Writes matching packets as one file.
#[derive(Debug)]
pub struct Encoder {
    format: Format,
    slice: Option<u32>,
    /// pcap: the link type of the file (its first packet's).
    linktype: Option<u32>,
    /// pcapng: the link types of the interfaces described so far.
    ifaces: Vec<u32>,
    started: bool,
    /// pcap: packets of another link type than the file's, left out.
    pub omitted: u64,
}

const SHB: u32 = 0x0A0D_0D0A;
const IDB: u32 = 1;
const EPB: u32 = 6;

impl Encoder {
    pub fn new(format: Format, slice: Option<u32>) -> Self {
        Encoder {
            format,
            slice,
            linktype: None,
            ifaces: Vec::new(),
            started: false,
            omitted: 0,
        }
    }

    fn snaplen(&self) -> u32 {
        self.slice.unwrap_or(pcap::SNAPLEN)
    }

    /// A file of no packets (an empty pcap says Ethernet).
    pub fn empty(&self) -> Vec<u8> {
        match self.format {
            Format::Pcap => pcap::file_header(pcap::MAGIC_US, 1, self.snaplen()).to_vec(),
            Format::Pcapng => shb(),
        }
    }

    /// Append one packet (and the headers it needs first) to `out`.
    pub fn packet(&mut self, linktype: u32, r: &Record<'_>, out: &mut Vec<u8>) {
        let data = match self.slice {
            Some(n) => &r.data[..r.data.len().min(n as usize)],
            None => r.data,
        };
        let wire = r.wire_len.max(r.data.len() as u32);
        match self.format {
            Format::Pcap => {
                match self.linktype {
                    None => {
                        out.extend_from_slice(&pcap::file_header(
                            pcap::MAGIC_US,
                            linktype,
                            self.snaplen(),
                        ));
                        self.linktype = Some(linktype);
                    }
                    Some(l) if l != linktype => {
                        self.omitted += 1;
                        return;
                    }
                    Some(_) => {}
                }
                out.extend_from_slice(&pcap::record_header(r.ts_ns, data.len() as u32, wire, 1000));
                out.extend_from_slice(data);
            }
            Format::Pcapng => {
                if !self.started {
                    out.extend_from_slice(&shb());
                    self.started = true;
                }
                let iface = match self.ifaces.iter().position(|l| *l == linktype) {
                    Some(i) => i,
                    None => {
                        out.extend_from_slice(&idb(linktype, self.snaplen()));
                        self.ifaces.push(linktype);
                        self.ifaces.len() - 1
                    }
                };
                let pad = (4 - data.len() % 4) % 4;
                let len = (32 + data.len() + pad) as u32;
                let ts = r.ts_ns.max(0) as u64;
                out.extend_from_slice(&EPB.to_le_bytes());
                out.extend_from_slice(&len.to_le_bytes());
                out.extend_from_slice(&(iface as u32).to_le_bytes());
                out.extend_from_slice(&((ts >> 32) as u32).to_le_bytes());
                out.extend_from_slice(&(ts as u32).to_le_bytes());
                out.extend_from_slice(&(data.len() as u32).to_le_bytes());
                out.extend_from_slice(&wire.to_le_bytes());
                out.extend_from_slice(data);
                out.extend(std::iter::repeat_n(0u8, pad));
                out.extend_from_slice(&len.to_le_bytes());
            }
        }
    }
}

fn shb() -> Vec<u8> {
    let mut b = Vec::with_capacity(28);
    b.extend_from_slice(&SHB.to_le_bytes());
    b.extend_from_slice(&28u32.to_le_bytes());
    b.extend_from_slice(&0x1A2B_3C4Du32.to_le_bytes());
    b.extend_from_slice(&1u16.to_le_bytes());
    b.extend_from_slice(&0u16.to_le_bytes());
    b.extend_from_slice(&(-1i64).to_le_bytes());
    b.extend_from_slice(&28u32.to_le_bytes());
    b
}

/// An interface description with nanosecond timestamps (`if_tsresol` 9).
fn idb(linktype: u32, snaplen: u32) -> Vec<u8> {
    let mut b = Vec::with_capacity(32);
    b.extend_from_slice(&IDB.to_le_bytes());
    b.extend_from_slice(&32u32.to_le_bytes());
    b.extend_from_slice(&(linktype as u16).to_le_bytes());
    b.extend_from_slice(&0u16.to_le_bytes());
    b.extend_from_slice(&snaplen.to_le_bytes());
    // if_tsresol = 9 (10^-9 s), padded; then opt_endofopt.
    b.extend_from_slice(&9u16.to_le_bytes());
    b.extend_from_slice(&1u16.to_le_bytes());
    b.extend_from_slice(&[9, 0, 0, 0]);
    b.extend_from_slice(&[0, 0, 0, 0]);
    b.extend_from_slice(&32u32.to_le_bytes());
    b
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(data: &[u8]) -> Record<'_> {
        Record {
            ts_ns: 1_700_000_000_123_456_789,
            wire_len: 1500,
            data,
        }
    }

    #[test]
    fn slices_keep_the_original_length() {
        let data = [7u8; 200];
        let mut e = Encoder::new(Format::Pcap, Some(64));
        let mut out = Vec::new();
        e.packet(1, &rec(&data), &mut out);
        assert_eq!(out.len(), 24 + 16 + 64);
        assert_eq!(
            u32::from_le_bytes(out[16..20].try_into().unwrap()),
            64,
            "snaplen"
        );
        assert_eq!(
            u32::from_le_bytes(out[32..36].try_into().unwrap()),
            64,
            "caplen"
        );
        assert_eq!(
            u32::from_le_bytes(out[36..40].try_into().unwrap()),
            1500,
            "original length"
        );
        assert_eq!(
            u32::from_le_bytes(out[28..32].try_into().unwrap()),
            123_456,
            "microseconds"
        );
        // Another link type cannot share a pcap file.
        e.packet(113, &rec(&data), &mut out);
        assert_eq!(e.omitted, 1);
        assert_eq!(out.len(), 24 + 16 + 64);
    }

    #[test]
    fn pcapng_blocks_are_aligned_and_describe_each_link_type() {
        let mut e = Encoder::new(Format::Pcapng, None);
        let mut out = Vec::new();
        e.packet(1, &rec(&[1, 2, 3]), &mut out);
        e.packet(113, &rec(&[4; 8]), &mut out);
        e.packet(1, &rec(&[5]), &mut out);
        // SHB 28, IDB 32, EPB 36, IDB 32, EPB 40, EPB 36.
        assert_eq!(out.len(), 28 + 32 + 36 + 32 + 40 + 36);
        let mut at = 0;
        let mut types = Vec::new();
        while at < out.len() {
            let t = u32::from_le_bytes(out[at..at + 4].try_into().unwrap());
            let len = u32::from_le_bytes(out[at + 4..at + 8].try_into().unwrap()) as usize;
            assert_eq!(len % 4, 0);
            assert_eq!(
                u32::from_le_bytes(out[at + len - 4..at + len].try_into().unwrap()) as usize,
                len
            );
            types.push(t);
            at += len;
        }
        assert_eq!(types, vec![SHB, IDB, EPB, IDB, EPB, EPB]);
        assert_eq!(Encoder::new(Format::Pcapng, None).empty().len(), 28);
        assert_eq!(Encoder::new(Format::Pcap, None).empty().len(), 24);
    }
}
