//! Throttling of password logins (`POST /apikeys`): failures counted per
//! source address and per username, with a lockout window, and a cap on the
//! password checks one source may have running at once.
//!
//! A source is an IPv4 address or an IPv6 /64 (one host usually owns a whole
//! /64). A username lockout does not apply to a source that logged in as that
//! user successfully before (within [`ThrottleConfig::trusted_for`]), so an
//! attacker guessing the setup user's password from elsewhere does not lock
//! the real administrator out. Unknown usernames are counted like known ones,
//! so lockouts say nothing about which users exist. Every map is bounded.

use parking_lot::Mutex;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The limits; [`Default`] gives the server's defaults.
#[derive(Debug, Clone)]
pub struct ThrottleConfig {
    /// Failures from one source within `window` before it is locked out.
    pub source_failures: u32,
    /// Failures for one username within `window` before it is locked out.
    pub user_failures: u32,
    /// The window failures are counted in.
    pub window: Duration,
    /// How long a lockout lasts.
    pub lockout: Duration,
    /// Password checks one source may have running or queued at once.
    pub source_in_flight: usize,
    /// How long a successful login exempts its source from that user's lockout.
    pub trusted_for: Duration,
    /// The most sources, usernames or trusted pairs remembered (each map).
    pub max_entries: usize,
}

impl Default for ThrottleConfig {
    fn default() -> Self {
        ThrottleConfig {
            source_failures: 10,
            user_failures: 20,
            window: Duration::from_secs(15 * 60),
            lockout: Duration::from_secs(5 * 60),
            source_in_flight: 2,
            trusted_for: Duration::from_secs(30 * 24 * 3600),
            max_entries: 10_000,
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Counter {
    failures: u32,
    since: Instant,
    locked_until: Option<Instant>,
}

#[derive(Default)]
struct State {
    sources: HashMap<IpAddr, Counter>,
    users: HashMap<String, Counter>,
    in_flight: HashMap<IpAddr, usize>,
    trusted: HashMap<(String, IpAddr), Instant>,
}

/// The login throttle shared by every request.
pub struct LoginThrottle {
    config: ThrottleConfig,
    state: Arc<Mutex<State>>,
}

/// Why a login attempt was refused before its password was checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The source or the username is locked out for this long.
    Locked(Duration),
    /// The source has too many checks running.
    Busy,
}

/// Held while one password check runs; frees the source's slot when dropped.
pub struct Attempt {
    state: Arc<Mutex<State>>,
    source: Option<IpAddr>,
}

impl Drop for Attempt {
    fn drop(&mut self) {
        if let Some(src) = self.source {
            let mut st = self.state.lock();
            if let Some(n) = st.in_flight.get_mut(&src) {
                *n -= 1;
                if *n == 0 {
                    st.in_flight.remove(&src);
                }
            }
        }
    }
}

/// IPv4 as is (IPv4-mapped IPv6 too), IPv6 reduced to its /64.
fn source_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

fn remaining(c: &Counter, now: Instant) -> Option<Duration> {
    c.locked_until
        .and_then(|t| t.checked_duration_since(now))
        .filter(|d| !d.is_zero())
}

impl LoginThrottle {
    pub fn new(config: ThrottleConfig) -> Self {
        LoginThrottle {
            config,
            state: Arc::default(),
        }
    }

    pub fn config(&self) -> &ThrottleConfig {
        &self.config
    }

    /// May this source try this username's password now?
    pub fn begin(&self, source: Option<IpAddr>, username: &str) -> Result<Attempt, Refusal> {
        let now = Instant::now();
        let source = source.map(source_key);
        let mut st = self.state.lock();
        let mut wait = Duration::ZERO;
        if let Some(src) = source {
            if let Some(d) = st.sources.get(&src).and_then(|c| remaining(c, now)) {
                wait = wait.max(d);
            }
        }
        let trusted = source.is_some_and(|src| {
            st.trusted
                .get(&(username.to_string(), src))
                .is_some_and(|t| now.duration_since(*t) < self.config.trusted_for)
        });
        if !trusted {
            if let Some(d) = st.users.get(username).and_then(|c| remaining(c, now)) {
                wait = wait.max(d);
            }
        }
        if !wait.is_zero() {
            return Err(Refusal::Locked(wait));
        }
        if let Some(src) = source {
            let n = st.in_flight.entry(src).or_insert(0);
            if *n >= self.config.source_in_flight {
                return Err(Refusal::Busy);
            }
            *n += 1;
        }
        Ok(Attempt {
            state: self.state.clone(),
            source,
        })
    }

    /// A wrong password (or unknown user) from this source.
    pub fn failed(&self, source: Option<IpAddr>, username: &str) {
        let now = Instant::now();
        let cfg = &self.config;
        let mut st = self.state.lock();
        if let Some(src) = source.map(source_key) {
            bound(&mut st.sources, cfg, now);
            let c = count(st.sources.entry(src), cfg, now);
            if c.failures >= cfg.source_failures && c.locked_until.is_none() {
                c.locked_until = Some(now + cfg.lockout);
                tracing::warn!(source = %src, failures = c.failures, lockout_s = cfg.lockout.as_secs(),
                    "login: source locked out after repeated wrong passwords");
            }
        }
        bound(&mut st.users, cfg, now);
        let c = count(st.users.entry(username.to_string()), cfg, now);
        if c.failures >= cfg.user_failures && c.locked_until.is_none() {
            c.locked_until = Some(now + cfg.lockout);
            tracing::warn!(username, failures = c.failures, lockout_s = cfg.lockout.as_secs(),
                "login: username locked out after repeated wrong passwords (sources that logged in as it before are exempt)");
        }
    }

    /// A successful login: the source's failures are forgotten and it is
    /// trusted for this username.
    pub fn succeeded(&self, source: Option<IpAddr>, username: &str) {
        let Some(src) = source.map(source_key) else {
            return;
        };
        let now = Instant::now();
        let mut st = self.state.lock();
        st.sources.remove(&src);
        if st.trusted.len() >= self.config.max_entries {
            let keep = self.config.trusted_for;
            st.trusted.retain(|_, t| now.duration_since(*t) < keep);
            if st.trusted.len() >= self.config.max_entries {
                st.trusted.clear();
            }
        }
        st.trusted.insert((username.to_string(), src), now);
    }
}

/// The counter of `entry`, restarted when its window (and any lockout) ended.
fn count<'a, K>(
    entry: std::collections::hash_map::Entry<'a, K, Counter>,
    cfg: &ThrottleConfig,
    now: Instant,
) -> &'a mut Counter {
    let c = entry.or_insert(Counter {
        failures: 0,
        since: now,
        locked_until: None,
    });
    let lock_over = c.locked_until.is_some_and(|t| t <= now);
    if lock_over || (c.locked_until.is_none() && now.duration_since(c.since) > cfg.window) {
        *c = Counter {
            failures: 0,
            since: now,
            locked_until: None,
        };
    }
    c.failures += 1;
    c
}

/// Keep a map under its size: forget counters whose window and lockout are
/// over, then (a flood of distinct names) every counter not locked out.
fn bound<K>(map: &mut HashMap<K, Counter>, cfg: &ThrottleConfig, now: Instant) {
    if map.len() < cfg.max_entries {
        return;
    }
    map.retain(|_, c| match c.locked_until {
        Some(t) => t > now,
        None => now.duration_since(c.since) <= cfg.window,
    });
    if map.len() >= cfg.max_entries {
        map.retain(|_, c| c.locked_until.is_some_and(|t| t > now));
    }
    if map.len() >= cfg.max_entries {
        map.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> ThrottleConfig {
        ThrottleConfig {
            source_failures: 3,
            user_failures: 5,
            window: Duration::from_secs(60),
            lockout: Duration::from_secs(30),
            source_in_flight: 2,
            trusted_for: Duration::from_secs(3600),
            max_entries: 100,
        }
    }

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().unwrap())
    }

    #[test]
    fn a_source_is_locked_after_its_failures_and_others_are_not() {
        let t = LoginThrottle::new(cfg());
        for _ in 0..3 {
            let _a = t.begin(ip("10.0.0.1"), "setup").unwrap();
            t.failed(ip("10.0.0.1"), "setup");
        }
        assert!(matches!(
            t.begin(ip("10.0.0.1"), "anyone"),
            Err(Refusal::Locked(d)) if d > Duration::from_secs(25)
        ));
        assert!(t.begin(ip("10.0.0.2"), "setup").is_ok());
    }

    #[test]
    fn ipv6_sources_count_per_64() {
        let t = LoginThrottle::new(cfg());
        for i in 0..3 {
            t.failed(ip(&format!("2001:db8:1:2::{i}")), "u");
        }
        assert!(t.begin(ip("2001:db8:1:2:ffff::9"), "v").is_err());
        assert!(t.begin(ip("2001:db8:1:3::1"), "v").is_ok());
    }

    #[test]
    fn a_username_lockout_spares_sources_that_logged_in_before() {
        let t = LoginThrottle::new(cfg());
        t.succeeded(ip("10.0.0.9"), "setup");
        // Five failures from five different sources: the name is locked.
        for i in 0..5 {
            t.failed(ip(&format!("192.0.2.{i}")), "setup");
        }
        assert!(matches!(
            t.begin(ip("198.51.100.1"), "setup"),
            Err(Refusal::Locked(_))
        ));
        // Unknown names are locked the same way (no enumeration)...
        for i in 0..5 {
            t.failed(ip(&format!("192.0.2.{}", 10 + i)), "nobody-here");
        }
        assert!(t.begin(ip("198.51.100.1"), "nobody-here").is_err());
        // ...but the administrator's usual source still gets in.
        assert!(t.begin(ip("10.0.0.9"), "setup").is_ok());
    }

    #[test]
    fn in_flight_checks_per_source_are_capped_and_released() {
        let t = LoginThrottle::new(cfg());
        let a = t.begin(ip("10.0.0.1"), "u").unwrap();
        let _b = t.begin(ip("10.0.0.1"), "u").unwrap();
        assert_eq!(t.begin(ip("10.0.0.1"), "u").err(), Some(Refusal::Busy));
        drop(a);
        assert!(t.begin(ip("10.0.0.1"), "u").is_ok());
    }

    #[test]
    fn maps_stay_bounded_under_a_flood_of_names() {
        let t = LoginThrottle::new(cfg());
        for i in 0..10_000 {
            t.failed(None, &format!("user{i}"));
        }
        assert!(t.state.lock().users.len() <= 100);
    }
}
