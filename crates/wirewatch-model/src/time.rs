//! Time values of the API: milliseconds since the epoch, `0` for now, negative
//! values relative to now, optionally with a unit suffix (`-30m`, `-2h`, `-1w`).

use serde::{Deserialize, Deserializer};

/// A time as given in a request: a number or a string with a unit suffix.
#[derive(Debug, Clone, PartialEq)]
pub enum TimeSpec {
    Ms(i64),
    Text(String),
}

impl<'de> Deserialize<'de> for TimeSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            N(i64),
            F(f64),
            S(String),
        }
        Ok(match Raw::deserialize(d)? {
            Raw::N(n) => TimeSpec::Ms(n),
            Raw::F(f) => TimeSpec::Ms(f as i64),
            Raw::S(s) => TimeSpec::Text(s),
        })
    }
}

/// Milliseconds per unit suffix (a month is 30 days, a year 365).
fn unit_ms(suffix: &str) -> Option<i64> {
    Some(match suffix {
        "" | "ms" => 1,
        "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        "w" => 7 * 86_400_000,
        "M" => 30 * 86_400_000,
        "y" => 365 * 86_400_000,
        _ => return None,
    })
}

impl TimeSpec {
    /// Resolve to milliseconds since the epoch, given the current time.
    pub fn resolve(&self, now_ms: i64) -> Result<i64, String> {
        let (value, unit) = match self {
            TimeSpec::Ms(n) => (*n, 1),
            TimeSpec::Text(s) => {
                let s = s.trim();
                let split = s.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(s.len());
                let (num, suffix) = s.split_at(split);
                let value: i64 = num
                    .trim()
                    .parse()
                    .map_err(|_| format!("\"{s}\" is not a time: use milliseconds or a number with a unit (ms, s, m, h, d, w, M, y), e.g. \"-30m\""))?;
                let unit = unit_ms(suffix).ok_or_else(|| {
                    format!("\"{suffix}\" is not a time unit; use ms, s, m, h, d, w, M or y")
                })?;
                (value, unit)
            }
        };
        let scaled = value
            .checked_mul(unit)
            .ok_or_else(|| "time out of range".to_string())?;
        Ok(if value == 0 {
            now_ms
        } else if value < 0 {
            now_ms.saturating_add(scaled)
        } else {
            scaled
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_and_relative_times() {
        let now = 1_000_000_000_000;
        assert_eq!(TimeSpec::Ms(0).resolve(now), Ok(now));
        assert_eq!(TimeSpec::Ms(-500).resolve(now), Ok(now - 500));
        assert_eq!(TimeSpec::Ms(1234).resolve(now), Ok(1234));
        assert_eq!(
            TimeSpec::Text("-30m".into()).resolve(now),
            Ok(now - 1_800_000)
        );
        assert_eq!(
            TimeSpec::Text("-2h".into()).resolve(now),
            Ok(now - 7_200_000)
        );
        assert_eq!(
            TimeSpec::Text("-1M".into()).resolve(now),
            Ok(now - 30 * 86_400_000)
        );
        assert_eq!(TimeSpec::Text("-10ms".into()).resolve(now), Ok(now - 10));
        assert!(TimeSpec::Text("-3q".into()).resolve(now).is_err());
        assert!(TimeSpec::Text("soon".into()).resolve(now).is_err());
    }
}
