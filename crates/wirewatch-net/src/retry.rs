//! The one retry policy of every sink and connector: capped exponential backoff with
//! jitter; HTTP 408, 429 (honouring `Retry-After`) and 5xx except 501 are
//! retried, other statuses refused. Nothing else retries its own way.

use rand::Rng;
use std::time::Duration;

/// First delay after a failure.
pub const BASE: Duration = Duration::from_millis(100);
/// Longest delay between attempts.
pub const CAP: Duration = Duration::from_secs(30);
/// Longest `Retry-After` honoured.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(600);

/// Backoff state of one target.
#[derive(Debug, Default, Clone)]
pub struct Backoff {
    failures: u32,
}

impl Backoff {
    /// Delay before the next attempt after one more failure: "equal jitter",
    /// uniformly between half and all of `min(CAP, BASE * 2^failures)`.
    pub fn fail(&mut self) -> Duration {
        let exp = BASE.saturating_mul(1u32 << self.failures.min(20)).min(CAP);
        self.failures = self.failures.saturating_add(1);
        let half = exp / 2;
        let jitter = rand::thread_rng().gen_range(0..=half.as_millis() as u64);
        half + Duration::from_millis(jitter)
    }

    pub fn reset(&mut self) {
        self.failures = 0;
    }

    pub fn failures(&self) -> u32 {
        self.failures
    }
}

/// What to do with a message after the target answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Sent,
    /// Try again later (after at least the given delay, if any).
    Retry {
        error: String,
        after: Option<Duration>,
    },
    /// The target refused it for good: a dead letter.
    Refused(String),
}

/// Classify an HTTP status.
pub fn http_outcome(status: u16, retry_after: Option<&str>, body: &str) -> Outcome {
    let snippet: String = body.chars().take(200).collect();
    match status {
        200..=299 => Outcome::Sent,
        408 | 429 | 500 | 502..=599 => Outcome::Retry {
            error: format!("HTTP {status}: {snippet}").trim_end().to_string(),
            after: retry_after.and_then(parse_retry_after),
        },
        _ => Outcome::Refused(format!("HTTP {status}: {snippet}").trim_end().to_string()),
    }
}

/// `Retry-After` as delay-seconds (HTTP dates are treated as "soon": 1 s).
pub fn parse_retry_after(v: &str) -> Option<Duration> {
    let v = v.trim();
    let d = match v.parse::<u64>() {
        Ok(s) => Duration::from_secs(s),
        Err(_) if !v.is_empty() => Duration::from_secs(1),
        Err(_) => return None,
    };
    Some(d.min(MAX_RETRY_AFTER))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_to_the_cap_with_jitter() {
        let mut b = Backoff::default();
        let first = b.fail();
        assert!(first >= BASE / 2 && first <= BASE);
        for _ in 0..30 {
            let d = b.fail();
            assert!(d <= CAP);
        }
        let d = b.fail();
        assert!(d >= CAP / 2);
        b.reset();
        assert!(b.fail() <= BASE);
    }

    #[test]
    fn statuses_are_classified_as_the_policy_says() {
        assert_eq!(http_outcome(201, None, ""), Outcome::Sent);
        for s in [408, 429, 500, 502, 503, 504, 599] {
            assert!(
                matches!(http_outcome(s, None, ""), Outcome::Retry { .. }),
                "{s}"
            );
        }
        for s in [301, 400, 401, 403, 404, 409, 413, 501] {
            assert!(
                matches!(http_outcome(s, None, ""), Outcome::Refused(_)),
                "{s}"
            );
        }
        assert_eq!(
            http_outcome(429, Some("7"), ""),
            Outcome::Retry {
                error: "HTTP 429:".into(),
                after: Some(Duration::from_secs(7))
            }
        );
        assert_eq!(parse_retry_after("100000"), Some(MAX_RETRY_AFTER));
    }
}
