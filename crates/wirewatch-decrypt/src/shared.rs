//! What every TLS session a sensor decrypts shares: the budget of RSA
//! private-key operations ([`RsaBudget`]) and the master secrets of earlier
//! TLS 1.2 sessions, by session id and by session ticket, that resumed
//! sessions reuse ([`Resumption`]). One [`DecryptState`] lives as long as
//! the sensor (it outlives key changes: a key ring is replaced whole, the
//! secrets learned and the budget spent are not).

use crate::session::Source;
use sha2::{Digest, Sha256};
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Instant;

/// RSA private-key operations allowed per second, by default, counted in
/// 2,048-bit operations (a larger key's costs more tokens: [`rsa_cost`]).
/// One 2,048-bit operation cost 4.3 to 4.9 ms of CPU in a release build
/// here, a 4,096-bit one 34 ms (`bench/rsa.sh`, on a loaded machine), so
/// 50 a second is about a quarter of a core whatever the key size.
pub const DEFAULT_RSA_PER_SECOND: u32 = 50;
/// Tokens held at most (operations allowed at once after a quiet time), by default.
pub const DEFAULT_RSA_BURST: u32 = 100;

/// The tokens one private-key operation with a key of `bits` costs: the
/// work grows as the cube of the size, so `ceil((bits / 2048)^3)`: 1 up
/// to 2,048 bits, 4 at 3,072, 8 at 4,096 (measured: 7 times a 2,048-bit one).
pub fn rsa_cost(bits: usize) -> u32 {
    let r = bits as f64 / 2048.0;
    (r * r * r).ceil().max(1.0) as u32
}
/// Master secrets kept for resumption (by session id and by ticket
/// together); the oldest go first. Each entry is under 200 bytes.
pub const RESUMPTION_ENTRIES: usize = 20_000;

/// A token bucket of RSA private-key operations (the pre-master secrets
/// of TLS 1.2 RSA key exchanges): `per_second` tokens a second, at most
/// `burst` held, an operation taking [`rsa_cost`] tokens. RSA decryption in the `rsa` crate is not constant-time
/// (RUSTSEC-2023-0071) and each costs milliseconds, so crafted handshakes
/// on a port with keys must not buy unbounded work. Wall-clock time.
#[derive(Debug)]
pub struct RsaBudget {
    per_second: f64,
    burst: f64,
    bucket: Mutex<(f64, Instant)>,
    ops: AtomicU64,
    dropped: AtomicU64,
}

impl RsaBudget {
    /// `per_second` and `burst` of at least 1 (0 is taken as 1).
    pub fn new(per_second: u32, burst: u32) -> RsaBudget {
        let burst = f64::from(burst.max(1));
        RsaBudget {
            per_second: f64::from(per_second.max(1)),
            burst,
            bucket: Mutex::new((burst, Instant::now())),
            ops: AtomicU64::new(0),
            dropped: AtomicU64::new(0),
        }
    }

    /// Take the tokens of one operation (`cost`, at most the burst):
    /// `false` (and counted as dropped) when there are not enough.
    pub fn take(&self, cost: u32) -> bool {
        let cost = f64::from(cost.max(1)).min(self.burst);
        let now = Instant::now();
        let ok = {
            let mut b = self.bucket.lock().unwrap_or_else(|e| e.into_inner());
            let elapsed = now.saturating_duration_since(b.1).as_secs_f64();
            b.0 = (b.0 + elapsed * self.per_second).min(self.burst);
            b.1 = now;
            if b.0 >= cost {
                b.0 -= cost;
                true
            } else {
                false
            }
        };
        if ok {
            self.ops.fetch_add(1, Ordering::Relaxed);
        } else {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
        ok
    }

    /// Operations allowed so far.
    pub fn ops(&self) -> u64 {
        self.ops.load(Ordering::Relaxed)
    }

    /// Operations refused so far (each a session not decrypted).
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    pub fn per_second(&self) -> u32 {
        self.per_second as u32
    }

    pub fn burst(&self) -> u32 {
        self.burst as u32
    }
}

impl Default for RsaBudget {
    fn default() -> Self {
        RsaBudget::new(DEFAULT_RSA_PER_SECOND, DEFAULT_RSA_BURST)
    }
}

/// What a resumed session is looked up by.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum ResumeKey {
    /// The session id of the full handshake's ServerHello (at most 32 bytes).
    SessionId(Vec<u8>),
    /// The SHA-256 of a ticket of a NewSessionTicket (tickets can be long).
    Ticket([u8; 32]),
}

/// A master secret to resume with, and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resumable {
    pub master: Vec<u8>,
    pub source: Source,
}

#[derive(Debug, Default)]
struct Cache {
    map: HashMap<ResumeKey, Resumable>,
    order: VecDeque<ResumeKey>,
}

/// A bounded cache of TLS 1.2 master secrets, by session id and by
/// session ticket, filled by sessions that decrypted (so a crafted
/// handshake cannot put a secret in it) and read by resumed ones.
#[derive(Debug)]
pub struct Resumption {
    cap: usize,
    cache: Mutex<Cache>,
}

impl Resumption {
    pub fn new(cap: usize) -> Resumption {
        Resumption {
            cap: cap.max(1),
            cache: Mutex::new(Cache::default()),
        }
    }

    fn insert(&self, k: ResumeKey, v: Resumable) {
        let mut c = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(old) = c.map.get_mut(&k) {
            *old = v;
            return;
        }
        while c.map.len() >= self.cap {
            match c.order.pop_front() {
                Some(oldest) => {
                    c.map.remove(&oldest);
                }
                None => break,
            }
        }
        c.order.push_back(k.clone());
        c.map.insert(k, v);
    }

    fn get(&self, k: &ResumeKey) -> Option<Resumable> {
        let c = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        c.map.get(k).cloned()
    }

    /// Keep the master secret of a session under its (non-empty) session id.
    pub fn by_session_id(&self, id: &[u8], v: Resumable) {
        if !id.is_empty() {
            self.insert(ResumeKey::SessionId(id.to_vec()), v);
        }
    }

    /// Keep the master secret of a session under a ticket the server gave.
    pub fn by_ticket(&self, ticket: &[u8], v: Resumable) {
        if !ticket.is_empty() {
            self.insert(ResumeKey::Ticket(Sha256::digest(ticket).into()), v);
        }
    }

    pub fn session_id(&self, id: &[u8]) -> Option<Resumable> {
        (!id.is_empty())
            .then(|| self.get(&ResumeKey::SessionId(id.to_vec())))
            .flatten()
    }

    pub fn ticket(&self, ticket: &[u8]) -> Option<Resumable> {
        (!ticket.is_empty())
            .then(|| self.get(&ResumeKey::Ticket(Sha256::digest(ticket).into())))
            .flatten()
    }

    /// Entries held.
    pub fn len(&self) -> usize {
        self.cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .map
            .len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Default for Resumption {
    fn default() -> Self {
        Resumption::new(RESUMPTION_ENTRIES)
    }
}

/// The state every decrypted session of a sensor shares.
#[derive(Debug, Default)]
pub struct DecryptState {
    pub rsa: RsaBudget,
    pub resumption: Resumption,
}

impl DecryptState {
    pub fn new(rsa: RsaBudget) -> DecryptState {
        DecryptState {
            rsa,
            resumption: Resumption::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bucket_gives_its_burst_then_refuses() {
        // 1 a second: the test does not last long enough for a second token.
        let b = RsaBudget::new(1, 5);
        let allowed = (0..50).filter(|_| b.take(1)).count();
        assert!((5..=6).contains(&allowed), "{allowed}");
        assert_eq!(b.ops() + b.dropped(), 50);
        assert_eq!(b.ops() as usize, allowed);
        // A 4,096-bit operation costs 8 tokens: 2 of 16.
        let b = RsaBudget::new(1, 16);
        let allowed = (0..10).filter(|_| b.take(rsa_cost(4096))).count();
        assert_eq!(allowed, 2);
        // A cost above the burst is the burst (else never allowed).
        let b = RsaBudget::new(1, 4);
        assert!(b.take(8));
        assert_eq!([1024, 2048, 3072, 4096].map(rsa_cost), [1, 1, 4, 8]);
    }

    #[test]
    fn the_cache_is_bounded_and_keeps_the_newest() {
        let r = Resumption::new(3);
        let v = |n: u8| Resumable {
            master: vec![n; 48],
            source: Source::Keylog,
        };
        for n in 1..=5u8 {
            r.by_session_id(&[n; 32], v(n));
        }
        r.by_ticket(b"a ticket", v(9));
        assert_eq!(r.len(), 3);
        assert!(r.session_id(&[1; 32]).is_none());
        assert!(r.session_id(&[3; 32]).is_none());
        assert_eq!(r.session_id(&[5; 32]), Some(v(5)));
        assert_eq!(r.ticket(b"a ticket"), Some(v(9)));
        assert!(r.ticket(b"another").is_none());
        assert!(r.session_id(&[]).is_none());
    }
}
