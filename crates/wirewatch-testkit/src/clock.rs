//! Wall-clock timestamps in the two wire formats the fakes speak.

use std::time::{SystemTime, UNIX_EPOCH};

/// A UTC instant split into calendar fields.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Utc {
    year: i64,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
    millis: u32,
}

impl Utc {
    /// The current time.
    pub(crate) fn now() -> Utc {
        let since = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        Utc::from_unix_millis(since.as_millis() as i64)
    }

    /// Calendar fields of a Unix time in milliseconds.
    pub(crate) fn from_unix_millis(ms: i64) -> Utc {
        let secs = ms.div_euclid(1000);
        let millis = ms.rem_euclid(1000) as u32;
        let days = secs.div_euclid(86_400);
        let of_day = secs.rem_euclid(86_400) as u32;
        let (year, month, day) = civil_from_days(days);
        Utc {
            year,
            month,
            day,
            hour: of_day / 3600,
            minute: of_day / 60 % 60,
            second: of_day % 60,
            millis,
        }
    }

    /// Jira's format: `2026-11-23T09:01:33.000+0000`.
    pub(crate) fn jira(&self) -> String {
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}+0000",
            self.year, self.month, self.day, self.hour, self.minute, self.second, self.millis
        )
    }

    /// ServiceNow's glide date-time format: `2026-11-23 09:01:33` (UTC).
    pub(crate) fn glide(&self) -> String {
        format!(
            "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        )
    }
}

/// Days since 1970-01-01 to (year, month, day) in the proleptic Gregorian
/// calendar (the well-known era-based conversion).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::Utc;

    #[test]
    fn formats_known_instants() {
        let t = Utc::from_unix_millis(0);
        assert_eq!(t.jira(), "1970-01-01T00:00:00.000+0000");
        // 2026-11-23 09:01:33.250 UTC
        let t = Utc::from_unix_millis(1_795_424_493_250);
        assert_eq!(t.jira(), "2026-11-23T09:01:33.250+0000");
        assert_eq!(t.glide(), "2026-11-23 09:01:33");
        // a leap day
        let t = Utc::from_unix_millis(951_782_400_000);
        assert_eq!(t.glide(), "2000-02-29 00:00:00");
    }
}
