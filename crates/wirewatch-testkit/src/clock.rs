//! Wall-clock timestamps in the two wire formats the fakes speak.

use time::macros::format_description;
use time::OffsetDateTime;

/// A UTC instant.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Utc(OffsetDateTime);

impl Utc {
    /// The current time.
    pub(crate) fn now() -> Utc {
        Utc(OffsetDateTime::now_utc())
    }

    /// A Unix time in milliseconds (the epoch when out of range).
    #[cfg(test)]
    pub(crate) fn from_unix_millis(ms: i64) -> Utc {
        Utc(
            OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
                .unwrap_or(OffsetDateTime::UNIX_EPOCH),
        )
    }

    /// Jira's format: `2026-11-23T09:01:33.000+0000`.
    pub(crate) fn jira(&self) -> String {
        let f = format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]+0000"
        );
        self.0.format(f).unwrap_or_default()
    }

    /// ServiceNow's glide date-time format: `2026-11-23 09:01:33` (UTC).
    pub(crate) fn glide(&self) -> String {
        let f = format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
        self.0.format(f).unwrap_or_default()
    }
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
