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

/// The string form of a time: an integer with an optional unit, short enough
/// that the milliseconds fit in 64 bits (what [`TimeSpec::resolve`] reads).
pub const TIME_PATTERN: &str =
    "^-?([0-9]{1,18}(ms)?|[0-9]{1,15}s|[0-9]{1,14}m|[0-9]{1,12}h|[0-9]{1,10}[dw]|[0-9]{1,9}M|[0-9]{1,8}y)$";

/// How times are written in requests.
pub const TIME_TEXT: &str =
    "Milliseconds since the epoch; `0` is now and a negative value is relative to now. \
     A string may add a unit: `ms`, `s`, `m`, `h`, `d`, `w`, `M` (30 days) or `y` (365 days), e.g. `\"-30m\"`.";

/// Longest a lifetime ([`TimeSpec::ttl_ms`]) may be: one hour.
pub const MAX_TTL_MS: i64 = 3_600_000;

/// The string form of a lifetime ([`TimeSpec::ttl_ms`]): 1 ms to one hour,
/// with an optional unit.
pub const TTL_PATTERN: &str = "^(([1-9][0-9]{0,5}|[12][0-9]{6}|3[0-5][0-9]{5}|3600000)(ms)?\
                               |([1-9][0-9]{0,2}|[12][0-9]{3}|3[0-5][0-9]{2}|3600)s\
                               |([1-9]|[1-5][0-9]|60)m|1h)$";

/// The schema of a time in a request body: milliseconds, or a string with a
/// unit (`#[schemars(schema_with = "time_schema", transform = time_text)]`).
pub fn time_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({
        "oneOf": [
            {"type": "integer", "format": "int64"},
            {"type": "string", "pattern": TIME_PATTERN},
        ],
    })
}

/// Add [`TIME_TEXT`] to the description of a time field.
pub fn time_text(schema: &mut schemars::Schema) {
    append_description(schema, TIME_TEXT);
}

/// The schema of a lifetime in a request body (`context_ttl`): 1 ms to one
/// hour, or a string with a unit (`#[schemars(schema_with = "ttl_schema",
/// transform = ttl_text)]`).
pub fn ttl_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({
        "oneOf": [
            {"type": "integer", "format": "int64", "minimum": 1, "maximum": MAX_TTL_MS},
            {"type": "string", "pattern": TTL_PATTERN},
        ],
    })
}

/// Add how a lifetime is written to the description of a lifetime field.
pub fn ttl_text(schema: &mut schemars::Schema) {
    append_description(
        schema,
        &format!(
            "Milliseconds (1 to {MAX_TTL_MS}), or a number with a unit (`ms`, `s`, `m`, `h`, e.g. `\"5m\"`); \
             at most one hour."
        ),
    );
}

fn append_description(schema: &mut schemars::Schema, text: &str) {
    let d = match schema.get("description").and_then(|d| d.as_str()) {
        Some(d) if !d.is_empty() => format!("{d} {text}"),
        _ => text.to_string(),
    };
    schema.insert("description".into(), d.into());
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

/// A time value that cannot be resolved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimeError {
    #[error("\"{0}\" is not a time: use milliseconds or a number with a unit (ms, s, m, h, d, w, M, y), e.g. \"-30m\"")]
    NotATime(String),
    #[error("\"{0}\" is not a time unit; use ms, s, m, h, d, w, M or y")]
    Unit(String),
    #[error("time out of range")]
    OutOfRange,
    #[error("must be between 1 ms and {MAX_TTL_MS} ms")]
    Lifetime,
}

impl TimeSpec {
    /// Read as a lifetime (`context_ttl`): milliseconds, or a number with a
    /// unit, between 1 ms and [`MAX_TTL_MS`]; a string's sign is ignored.
    pub fn ttl_ms(&self) -> Result<i64, TimeError> {
        let ms = match self {
            TimeSpec::Ms(n) => *n,
            TimeSpec::Text(s) => TimeSpec::Text(format!("-{}", s.trim().trim_start_matches('-')))
                .resolve(0)?
                .saturating_neg(),
        };
        if ms <= 0 || ms > MAX_TTL_MS {
            return Err(TimeError::Lifetime);
        }
        Ok(ms)
    }

    /// Resolve to milliseconds since the epoch, given the current time.
    pub fn resolve(&self, now_ms: i64) -> Result<i64, TimeError> {
        let (value, unit) = match self {
            TimeSpec::Ms(n) => (*n, 1),
            TimeSpec::Text(s) => {
                let s = s.trim();
                let split = s.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(s.len());
                let (num, suffix) = s.split_at(split);
                let value: i64 = num
                    .trim()
                    .parse()
                    .map_err(|_| TimeError::NotATime(s.to_string()))?;
                let unit = unit_ms(suffix).ok_or_else(|| TimeError::Unit(suffix.to_string()))?;
                (value, unit)
            }
        };
        let scaled = value.checked_mul(unit).ok_or(TimeError::OutOfRange)?;
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

    /// The documented time strings ([`TIME_PATTERN`]) are the ones `resolve` reads.
    #[test]
    fn the_time_pattern_is_what_resolve_reads() {
        let re = regex::Regex::new(TIME_PATTERN).unwrap();
        for t in [
            "-30m",
            "0",
            "1767225600000",
            "-10ms",
            "-2h",
            "-1w",
            "-1M",
            "-1y",
            "-90s",
            "-7d",
        ] {
            assert!(re.is_match(t), "{t}");
            TimeSpec::Text(t.into())
                .resolve(1_767_225_600_000)
                .unwrap_or_else(|e| panic!("{t}: {e}"));
        }
        for t in ["soon", "-3q", "-1.5h", "m"] {
            assert!(!re.is_match(t), "{t}");
            assert!(TimeSpec::Text(t.into()).resolve(0).is_err(), "{t}");
        }
        assert!(TIME_TEXT.contains("`M` (30 days)"));
        // The longest number of each unit still fits in 64 bits of milliseconds.
        for (unit, digits) in [
            ("", 18),
            ("ms", 18),
            ("s", 15),
            ("m", 14),
            ("h", 12),
            ("d", 10),
            ("w", 10),
            ("M", 9),
            ("y", 8),
        ] {
            let longest = format!("-{}{unit}", "9".repeat(digits));
            assert!(re.is_match(&longest), "{longest}");
            TimeSpec::Text(longest.clone())
                .resolve(1_767_225_600_000)
                .unwrap_or_else(|e| panic!("{longest}: {e}"));
            let longer = format!("-{}{unit}", "9".repeat(digits + 1));
            assert!(!re.is_match(&longer), "{longer}");
        }
    }

    /// [`TTL_PATTERN`] matches exactly the lifetimes `ttl_ms` accepts (1 ms to an hour).
    #[test]
    fn the_ttl_pattern_is_what_ttl_ms_accepts() {
        let ttl = regex::Regex::new(TTL_PATTERN).unwrap();
        let accepted = |t: &str| TimeSpec::Text(t.into()).ttl_ms().is_ok();
        for (unit, unit_ms) in [
            ("", 1),
            ("ms", 1),
            ("s", 1_000),
            ("m", 60_000),
            ("h", 3_600_000),
            ("d", 86_400_000),
        ] {
            let max: i64 = MAX_TTL_MS / unit_ms;
            let mut ns: Vec<i64> = (0..=1_200).collect();
            ns.extend([
                max - 1,
                max,
                max + 1,
                max * 2,
                99_999,
                100_000,
                999_999,
                1_000_000,
                1_999_999,
            ]);
            ns.extend([
                2_000_000, 2_999_999, 3_000_000, 3_099_999, 3_500_000, 3_599_999, 3_600_001,
                9_999_999,
            ]);
            for n in ns.into_iter().filter(|n| *n >= 0) {
                let t = format!("{n}{unit}");
                assert_eq!(ttl.is_match(&t), accepted(&t), "context_ttl {t}");
            }
        }
        for t in ["5 m", "1.5h", "m", ""] {
            assert!(!ttl.is_match(t), "{t}");
        }
        // A string's sign is ignored (the pattern documents the unsigned form).
        assert!(!ttl.is_match("-5m"));
        assert_eq!(TimeSpec::Text("-5m".into()).ttl_ms(), Ok(300_000));
        assert_eq!(TimeSpec::Ms(MAX_TTL_MS).ttl_ms(), Ok(MAX_TTL_MS));
        assert_eq!(TimeSpec::Ms(0).ttl_ms(), Err(TimeError::Lifetime));
        assert_eq!(
            TimeSpec::Ms(MAX_TTL_MS + 1).ttl_ms(),
            Err(TimeError::Lifetime)
        );
    }
}

/// The Julian day number of 1970-01-01.
const UNIX_EPOCH_JULIAN_DAY: i64 = 2_440_588;

/// Days since 1970-01-01 of a proleptic Gregorian date; `None` when there is
/// no such date (month 13, 31 February) or it is outside years ±9999.
pub fn days_from_civil(y: i64, m: i64, d: i64) -> Option<i64> {
    let month = time::Month::try_from(u8::try_from(m).ok()?).ok()?;
    let date = time::Date::from_calendar_date(i32::try_from(y).ok()?, month, u8::try_from(d).ok()?)
        .ok()?;
    Some(i64::from(date.to_julian_day()) - UNIX_EPOCH_JULIAN_DAY)
}

/// The date of a day count since 1970-01-01 (clamped to years ±9999).
fn date_from_days(z: i64) -> time::Date {
    let julian = z.saturating_add(UNIX_EPOCH_JULIAN_DAY).clamp(
        i64::from(time::Date::MIN.to_julian_day()),
        i64::from(time::Date::MAX.to_julian_day()),
    );
    // In range after the clamp.
    time::Date::from_julian_day(julian as i32).unwrap_or(time::Date::MIN)
}

/// The (year, month, day) of a day count since 1970-01-01 (clamped to years ±9999).
pub fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let date = date_from_days(z);
    (
        i64::from(date.year()),
        i64::from(u8::from(date.month())),
        i64::from(date.day()),
    )
}

/// Parse an ISO 8601 / RFC 3339 time (`2020-03-31T06:40:21.674Z`,
/// `2026-11-23T09:01:33.000+0000`, `2026-11-23 09:01:33`, taken as UTC) into
/// milliseconds since the epoch.
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let t = s.get(r)?;
        t.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| t.parse().ok())?
    };
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, se) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || se > 60 {
        return None;
    }
    let mut rest = &s[19..];
    let mut ms = 0i64;
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        let f = &frac[..digits];
        let padded: String = f.chars().chain(std::iter::repeat('0')).take(3).collect();
        ms = padded.parse().ok()?;
        rest = &frac[digits..];
    }
    let offset_min = match rest {
        "" | "Z" | "z" => 0,
        o if o.len() >= 5 && (o.starts_with('+') || o.starts_with('-')) => {
            let sign = if o.starts_with('-') { -1 } else { 1 };
            let o = o[1..].replace(':', "");
            if o.len() != 4 || !o.bytes().all(|c| c.is_ascii_digit()) {
                return None;
            }
            sign * (o[..2].parse::<i64>().ok()? * 60 + o[2..].parse::<i64>().ok()?)
        }
        _ => return None,
    };
    let days = days_from_civil(y, mo, d)?;
    Some(((days * 86_400 + h * 3600 + mi * 60 + se) - offset_min * 60) * 1000 + ms)
}

/// `2020-03-31T09:01:33.000Z`.
pub fn format_iso(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let t = secs.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        t / 3600,
        t % 3600 / 60,
        t % 60,
        ms.rem_euclid(1000)
    )
}

#[cfg(test)]
mod iso_tests {
    use super::*;

    #[test]
    fn iso_times_round_trip() {
        let t = parse_rfc3339("2020-03-31T06:40:21.674Z").unwrap();
        assert_eq!(t, 1_585_636_821_674);
        assert_eq!(format_iso(t), "2020-03-31T06:40:21.674Z");
        assert_eq!(parse_rfc3339("2020-03-31T08:40:21.674+0200"), Some(t));
        assert_eq!(parse_rfc3339("2020-03-31 06:40:21"), Some(t - 674));
        assert_eq!(parse_rfc3339("yesterday"), None);
        assert_eq!(parse_rfc3339("2020-13-31T06:40:21Z"), None);
    }
}
