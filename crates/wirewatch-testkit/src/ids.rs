//! Identifier generation: random-looking hex ids without a `rand` dependency,
//! and stable ids derived from names (so a person keeps one id everywhere).

use std::time::{SystemTime, UNIX_EPOCH};

/// A splitmix64 sequence; seeded from the clock so two fakes differ.
#[derive(Debug)]
pub(crate) struct HexIds {
    state: u64,
}

impl HexIds {
    pub(crate) fn new() -> HexIds {
        let seed = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0x5eed);
        HexIds { state: seed }
    }

    fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        mix(self.state)
    }

    /// 32 lowercase hex digits, like a ServiceNow `sys_id`.
    pub(crate) fn sys_id(&mut self) -> String {
        format!("{:016x}{:016x}", self.next_u64(), self.next_u64())
    }
}

fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// FNV-1a, then mixed: a stable 64-bit value for a name.
fn name_hash(name: &str, salt: u64) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ salt;
    for b in name.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    mix(h)
}

/// 24 hex digits derived from a name, shaped like a Jira Cloud `accountId`.
pub(crate) fn account_id(name: &str) -> String {
    format!(
        "{:016x}{:08x}",
        name_hash(name, 1),
        name_hash(name, 2) as u32
    )
}

/// 32 hex digits derived from a name, used as a `sys_user` sys_id.
pub(crate) fn user_sys_id(name: &str) -> String {
    format!("{:016x}{:016x}", name_hash(name, 3), name_hash(name, 4))
}

/// True when `s` is 32 lowercase hex digits.
pub(crate) fn is_sys_id(s: &str) -> bool {
    s.len() == 32 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        let mut ids = HexIds::new();
        let a = ids.sys_id();
        let b = ids.sys_id();
        assert!(is_sys_id(&a) && is_sys_id(&b) && a != b);
        assert_eq!(account_id("Beth Anglin").len(), 24);
        assert_eq!(user_sys_id("Beth Anglin"), user_sys_id("Beth Anglin"));
        assert!(is_sys_id(&user_sys_id("x")));
    }
}
