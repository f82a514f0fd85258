//! The segment format: classic pcap, little-endian, nanosecond timestamps
//! (magic `0xa1b23c4d`), one link type per segment. Records are read back
//! only whole: a record cut short (a kill while writing) ends the segment.

/// pcap magic for nanosecond timestamps.
pub const MAGIC_NS: u32 = 0xa1b2_3c4d;
/// pcap magic for microsecond timestamps (the files searches answer with).
pub const MAGIC_US: u32 = 0xa1b2_c3d4;
/// Size of the file header.
pub const FILE_HEADER: usize = 24;
/// Size of a record header.
pub const RECORD_HEADER: usize = 16;
/// Largest packet kept (the capture reader's own limit): a longer record in
/// a segment means the segment is damaged from there on.
pub const MAX_PACKET: usize = 256 * 1024;
/// Snap length stated in segment headers.
pub const SNAPLEN: u32 = 262_144;

/// A pcap file header.
pub fn file_header(magic: u32, linktype: u32, snaplen: u32) -> [u8; FILE_HEADER] {
    let mut h = [0u8; FILE_HEADER];
    h[0..4].copy_from_slice(&magic.to_le_bytes());
    h[4..6].copy_from_slice(&2u16.to_le_bytes());
    h[6..8].copy_from_slice(&4u16.to_le_bytes());
    // thiszone, sigfigs: 0
    h[16..20].copy_from_slice(&snaplen.to_le_bytes());
    h[20..24].copy_from_slice(&linktype.to_le_bytes());
    h
}

/// The link type of a segment's header, if it is one of ours.
pub fn parse_file_header(h: &[u8]) -> Option<u32> {
    if h.len() < FILE_HEADER || h[0..4] != MAGIC_NS.to_le_bytes() {
        return None;
    }
    Some(u32::from_le_bytes([h[20], h[21], h[22], h[23]]))
}

/// A record header: seconds and sub-second units (`frac_div`: 1 for
/// nanoseconds, 1000 for microseconds), captured and original lengths.
pub fn record_header(ts_ns: i64, caplen: u32, wire_len: u32, frac_div: i64) -> [u8; RECORD_HEADER] {
    let secs = ts_ns.div_euclid(1_000_000_000);
    let frac = ts_ns.rem_euclid(1_000_000_000) / frac_div;
    let mut h = [0u8; RECORD_HEADER];
    h[0..4].copy_from_slice(&(secs.clamp(0, u32::MAX as i64) as u32).to_le_bytes());
    h[4..8].copy_from_slice(&(frac as u32).to_le_bytes());
    h[8..12].copy_from_slice(&caplen.to_le_bytes());
    h[12..16].copy_from_slice(&wire_len.max(caplen).to_le_bytes());
    h
}

/// One stored packet.
#[derive(Debug, Clone, Copy)]
pub struct Record<'a> {
    pub ts_ns: i64,
    pub wire_len: u32,
    pub data: &'a [u8],
}

/// The whole records of `buf` (records of a segment, from a record
/// boundary), each with its offset relative to `buf`. Stops at the first
/// incomplete or implausible record.
pub struct Records<'a> {
    buf: &'a [u8],
    at: usize,
}

impl<'a> Records<'a> {
    pub fn new(buf: &'a [u8]) -> Self {
        Records { buf, at: 0 }
    }

    /// Bytes consumed by the whole records returned so far.
    pub fn consumed(&self) -> usize {
        self.at
    }
}

impl<'a> Iterator for Records<'a> {
    type Item = (usize, Record<'a>);

    fn next(&mut self) -> Option<Self::Item> {
        let h = self.buf.get(self.at..self.at + RECORD_HEADER)?;
        let u = |i: usize| u32::from_le_bytes([h[i], h[i + 1], h[i + 2], h[i + 3]]);
        let (secs, nanos, caplen, wire) = (u(0), u(4), u(8) as usize, u(12));
        if caplen > MAX_PACKET || nanos >= 1_000_000_000 {
            return None;
        }
        let start = self.at + RECORD_HEADER;
        let data = self.buf.get(start..start + caplen)?;
        let offset = self.at;
        self.at = start + caplen;
        Some((
            offset,
            Record {
                ts_ns: i64::from(secs) * 1_000_000_000 + i64::from(nanos),
                wire_len: wire,
                data,
            },
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip_and_stop_at_a_cut_record() {
        let mut buf = Vec::new();
        for (i, len) in [10u32, 0, 70].iter().enumerate() {
            buf.extend_from_slice(&record_header(
                1_700_000_000_123_456_789 + i as i64,
                *len,
                *len + 5,
                1,
            ));
            buf.extend(std::iter::repeat_n(i as u8, *len as usize));
        }
        let whole = buf.len();
        // A fourth record cut in its data.
        buf.extend_from_slice(&record_header(1_700_000_001_000_000_000, 40, 40, 1));
        buf.extend_from_slice(&[9u8; 12]);
        let mut it = Records::new(&buf);
        let got: Vec<_> = it.by_ref().collect();
        assert_eq!(got.len(), 3);
        assert_eq!(got[0].1.ts_ns, 1_700_000_000_123_456_789);
        assert_eq!(got[2].1.data, &[2u8; 70][..]);
        assert_eq!(got[2].1.wire_len, 75);
        assert_eq!(it.consumed(), whole);
    }

    #[test]
    fn microsecond_headers_divide_the_fraction() {
        let h = record_header(1_000_000_001_999_999_999, 4, 4, 1000);
        assert_eq!(u32::from_le_bytes([h[4], h[5], h[6], h[7]]), 999_999);
    }

    #[test]
    fn file_header_states_the_link_type() {
        let h = file_header(MAGIC_NS, 113, SNAPLEN);
        assert_eq!(parse_file_header(&h), Some(113));
        assert_eq!(parse_file_header(&file_header(MAGIC_US, 1, 64)), None);
    }
}
