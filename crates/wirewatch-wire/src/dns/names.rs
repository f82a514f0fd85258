//! Names of DNS types, rcodes, classes and opcodes: the IANA mnemonics, and
//! the exact text Zeek's `dns.log` uses (`base/protocols/dns/consts.zeek`).

/// IANA mnemonic of a TYPE / QTYPE ("A", "AAAA", "ANY", "HTTPS", ...);
/// unassigned or unknown types as `TYPE<n>` (RFC 3597 §5).
pub fn qtype_name(t: u16) -> String {
    match t {
        255 => "ANY".to_string(),
        _ => iana_type(t).map_or_else(|| format!("TYPE{t}"), str::to_string),
    }
}

/// The type a [`qtype_name`] names (`A` → 1, `ANY` → 255, `TYPE99` → 99),
/// for names written by other tools (Suricata's `rrtype`).
pub fn qtype_from_name(name: &str) -> Option<u16> {
    if name == "ANY" {
        return Some(255);
    }
    if let Some(n) = name.strip_prefix("TYPE") {
        return n.parse().ok();
    }
    // The registry's types lie below 300 and at 32768–32769.
    (0..300u16)
        .chain(32768..=32769)
        .find(|t| iana_type(*t) == Some(name))
}

/// The `qtype_name` text of Zeek's `dns.log`: the IANA mnemonics Zeek knows,
/// `*` for ANY, a few private-use names, and `query-<n>` for the rest.
pub fn zeek_qtype_name(t: u16) -> String {
    let name = match t {
        255 => Some("*"),
        65281 => Some("WINS"),
        65282 => Some("WINS-R"),
        65422 => Some("XPF"),
        65521 => Some("INTEGRITY"),
        // Registered after Zeek's table was written.
        66 | 128 | 258..=264 => None,
        _ => iana_type(t),
    };
    name.map_or_else(|| format!("query-{t}"), str::to_string)
}

/// IANA mnemonic of an RCODE ("NOERROR", "NXDOMAIN", ...). Values above 15
/// only occur with the EDNS extended RCODE (or in TSIG/TKEY records);
/// unassigned values are `"UNKNOWN"`.
pub fn rcode_name(r: u8) -> &'static str {
    match r {
        0 => "NOERROR",
        1 => "FORMERR",
        2 => "SERVFAIL",
        3 => "NXDOMAIN",
        4 => "NOTIMP",
        5 => "REFUSED",
        6 => "YXDOMAIN",
        7 => "YXRRSET",
        8 => "NXRRSET",
        9 => "NOTAUTH",
        10 => "NOTZONE",
        11 => "DSOTYPENI",
        16 => "BADVERS",
        17 => "BADKEY",
        18 => "BADTIME",
        19 => "BADMODE",
        20 => "BADNAME",
        21 => "BADALG",
        22 => "BADTRUNC",
        23 => "BADCOOKIE",
        _ => "UNKNOWN",
    }
}

/// The `rcode_name` text of Zeek's `dns.log` (note Zeek's `NXRRSet`), with
/// `unassigned-<n>` for 11-15 and `rcode-<n>` for values it does not know.
pub fn zeek_rcode_name(r: u16) -> String {
    let name = match r {
        0 => "NOERROR",
        1 => "FORMERR",
        2 => "SERVFAIL",
        3 => "NXDOMAIN",
        4 => "NOTIMP",
        5 => "REFUSED",
        6 => "YXDOMAIN",
        7 => "YXRRSET",
        8 => "NXRRSet",
        9 => "NOTAUTH",
        10 => "NOTZONE",
        11..=15 => return format!("unassigned-{r}"),
        16 => "BADVERS",
        17 => "BADKEY",
        18 => "BADTIME",
        19 => "BADMODE",
        20 => "BADNAME",
        21 => "BADALG",
        22 => "BADTRUNC",
        23 => "BADCOOKIE",
        3842 => "BADSIG",
        _ => return format!("rcode-{r}"),
    };
    name.to_string()
}

/// The `qclass_name` text of Zeek's `dns.log` (`C_INTERNET`, ...;
/// `qclass-<n>` otherwise).
pub fn zeek_qclass_name(c: u16) -> String {
    let name = match c {
        1 => "C_INTERNET",
        2 => "C_CSNET",
        3 => "C_CHAOS",
        4 => "C_HESIOD",
        254 => "C_NONE",
        255 => "C_ANY",
        _ => return format!("qclass-{c}"),
    };
    name.to_string()
}

/// The `opcode_name` text of Zeek's `dns.log` (`query`, `notify`, ...;
/// `opcode-<n>` otherwise).
pub fn zeek_opcode_name(opcode: u8) -> String {
    let name = match opcode {
        0 => "query",
        1 => "iquery",
        2 => "server-status",
        4 => "notify",
        5 => "dynamic-update",
        6 => "dso",
        _ => return format!("opcode-{opcode}"),
    };
    name.to_string()
}

/// The IANA "Resource Record (RR) TYPEs" registry, ANY (255) excepted.
fn iana_type(t: u16) -> Option<&'static str> {
    Some(match t {
        1 => "A",
        2 => "NS",
        3 => "MD",
        4 => "MF",
        5 => "CNAME",
        6 => "SOA",
        7 => "MB",
        8 => "MG",
        9 => "MR",
        10 => "NULL",
        11 => "WKS",
        12 => "PTR",
        13 => "HINFO",
        14 => "MINFO",
        15 => "MX",
        16 => "TXT",
        17 => "RP",
        18 => "AFSDB",
        19 => "X25",
        20 => "ISDN",
        21 => "RT",
        22 => "NSAP",
        23 => "NSAP-PTR",
        24 => "SIG",
        25 => "KEY",
        26 => "PX",
        27 => "GPOS",
        28 => "AAAA",
        29 => "LOC",
        30 => "NXT",
        31 => "EID",
        32 => "NIMLOC",
        33 => "SRV",
        34 => "ATMA",
        35 => "NAPTR",
        36 => "KX",
        37 => "CERT",
        38 => "A6",
        39 => "DNAME",
        40 => "SINK",
        41 => "OPT",
        42 => "APL",
        43 => "DS",
        44 => "SSHFP",
        45 => "IPSECKEY",
        46 => "RRSIG",
        47 => "NSEC",
        48 => "DNSKEY",
        49 => "DHCID",
        50 => "NSEC3",
        51 => "NSEC3PARAM",
        52 => "TLSA",
        53 => "SMIMEA",
        55 => "HIP",
        56 => "NINFO",
        57 => "RKEY",
        58 => "TALINK",
        59 => "CDS",
        60 => "CDNSKEY",
        61 => "OPENPGPKEY",
        62 => "CSYNC",
        63 => "ZONEMD",
        64 => "SVCB",
        65 => "HTTPS",
        66 => "DSYNC",
        99 => "SPF",
        100 => "UINFO",
        101 => "UID",
        102 => "GID",
        103 => "UNSPEC",
        104 => "NID",
        105 => "L32",
        106 => "L64",
        107 => "LP",
        108 => "EUI48",
        109 => "EUI64",
        128 => "NXNAME",
        249 => "TKEY",
        250 => "TSIG",
        251 => "IXFR",
        252 => "AXFR",
        253 => "MAILB",
        254 => "MAILA",
        256 => "URI",
        257 => "CAA",
        258 => "AVC",
        259 => "DOA",
        260 => "AMTRELAY",
        261 => "RESINFO",
        262 => "WALLET",
        263 => "CLA",
        264 => "IPN",
        32768 => "TA",
        32769 => "DLV",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qtype_names_read_back() {
        for t in [
            1u16, 2, 5, 6, 12, 15, 16, 28, 33, 65, 255, 256, 32769, 99, 4242,
        ] {
            assert_eq!(qtype_from_name(&qtype_name(t)), Some(t), "{t}");
        }
        assert_eq!(qtype_from_name("NOPE"), None);
    }
}
