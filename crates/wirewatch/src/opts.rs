//! Options `serve` and `ingest` share: detector thresholds and record retention.

use anyhow::{bail, Context};
use clap::Args;
use serde_json::{Map, Value};
use std::path::PathBuf;
use wirewatch_detect::detectors::Thresholds;
use wirewatch_store::Retention;

/// A duration flag that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum DurationError {
    #[error(transparent)]
    Time(#[from] wirewatch_model::time::TimeError),
    #[error("\"{0}\" is not a positive duration")]
    NotPositive(String),
}

/// A duration such as `30d` or `12h` in milliseconds.
pub(crate) fn parse_duration(s: &str) -> Result<i64, DurationError> {
    let t = wirewatch_model::time::TimeSpec::Text(format!("-{}", s.trim().trim_start_matches('-')));
    let ms = -t.resolve(0)?;
    if ms <= 0 {
        return Err(DurationError::NotPositive(s.to_string()));
    }
    Ok(ms)
}

/// Detector thresholds: the built-in defaults, then a JSON file, then
/// `--threshold NAME=VALUE` flags, in that order.
#[derive(Args, Clone, Debug, Default)]
pub struct DetectorArgs {
    /// A JSON object of detector thresholds (any subset of the names
    /// `--threshold` takes), e.g. {"ssh_failures": 5, "scan_ports": 50}.
    #[arg(long, env = "WIREWATCH_THRESHOLDS_FILE", value_name = "FILE")]
    thresholds_file: Option<PathBuf>,
    /// Set one detector threshold, NAME=VALUE (repeatable): ssh_failures,
    /// ssh_failed_max_server_bytes, ssh_max_failed_ms, ftp_failures,
    /// scan_ports, scan_hosts, window_ms, dns_long_label, dns_entropy,
    /// dns_tunnel_queries. `window_ms` and `ssh_max_failed_ms` also take a
    /// duration with a unit (90s, 2h).
    #[arg(long = "threshold", value_name = "NAME=VALUE")]
    threshold: Vec<String>,
}

/// Fields counted in milliseconds, which also accept a duration with a unit.
const DURATIONS: [&str; 2] = ["window_ms", "ssh_max_failed_ms"];

impl DetectorArgs {
    /// The thresholds these options give; an unknown name or a bad value is
    /// an error naming it (and, for names, listing the known ones).
    pub fn thresholds(&self) -> anyhow::Result<Thresholds> {
        let Value::Object(mut merged) = serde_json::to_value(Thresholds::default())? else {
            bail!("thresholds are not an object");
        };
        let known: Vec<String> = merged.keys().cloned().collect();
        let check = |name: &str| -> anyhow::Result<()> {
            if known.iter().any(|k| k == name) {
                Ok(())
            } else {
                bail!(
                    "unknown detector threshold \"{name}\"; known: {}",
                    known.join(", ")
                )
            }
        };
        if let Some(path) = &self.thresholds_file {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?;
            let file: Map<String, Value> = serde_json::from_str(&text).with_context(|| {
                format!("{}: expected a JSON object of thresholds", path.display())
            })?;
            for (k, v) in file {
                check(&k).with_context(|| format!("in {}", path.display()))?;
                let v = match (&v, DURATIONS.contains(&k.as_str())) {
                    (Value::String(s), true) => Value::from(
                        parse_duration(s)
                            .map_err(|e| anyhow::anyhow!("{}: {k}: {e}", path.display()))?,
                    ),
                    _ => v,
                };
                merged.insert(k, v);
            }
        }
        for kv in &self.threshold {
            let Some((k, v)) = kv.split_once('=') else {
                bail!("--threshold {kv}: expected NAME=VALUE");
            };
            let (k, v) = (k.trim(), v.trim());
            check(k).with_context(|| format!("--threshold {kv}"))?;
            let value = if DURATIONS.contains(&k) && v.parse::<f64>().is_err() {
                Value::from(
                    parse_duration(v).map_err(|e| anyhow::anyhow!("--threshold {kv}: {e}"))?,
                )
            } else {
                serde_json::from_str::<Value>(v)
                    .ok()
                    .filter(Value::is_number)
                    .with_context(|| format!("--threshold {kv}: \"{v}\" is not a number"))?
            };
            merged.insert(k.to_string(), value);
        }
        for (k, v) in &merged {
            if v.as_f64().is_some_and(|n| n <= 0.0) {
                bail!("detector threshold {k} must be greater than 0 (got {v})");
            }
        }
        let t = serde_json::from_value::<Thresholds>(Value::Object(merged.clone()));
        let t = match t {
            Ok(t) => t,
            Err(e) => {
                // Name the value at fault: the one that fails on its own.
                let defaults = serde_json::to_value(Thresholds::default())?;
                let culprit = merged.iter().find(|(k, v)| {
                    let mut one = defaults.clone();
                    one[k.as_str()] = (*v).clone();
                    serde_json::from_value::<Thresholds>(one).is_err()
                });
                match culprit {
                    Some((k, v)) => bail!("detector threshold {k}: {v} is not a whole number"),
                    None => bail!("detector thresholds: {e}"),
                }
            }
        };
        Ok(t)
    }
}

/// How long and how many records the store keeps.
#[derive(Args, Clone, Debug)]
pub struct RetentionArgs {
    /// Records stored longer ago than this are deleted (by segments of at most a day's records): a number and a unit (s, m, h, d, w, M, y).
    #[arg(long, env = "WIREWATCH_RECORDS_MAX_AGE", default_value = "30d", value_parser = parse_duration)]
    pub records_max_age: i64,
    /// Most records kept; the earliest stored go first.
    #[arg(long, env = "WIREWATCH_RECORDS_MAX", default_value_t = 50_000_000)]
    pub records_max: u64,
}

impl RetentionArgs {
    pub fn retention(&self) -> Retention {
        Retention {
            max_age_ms: self.records_max_age,
            max_records: self.records_max,
        }
    }
}

/// A size flag such as `2GiB` or `500MB` (MB = 10^6 bytes, MiB = 2^20).
pub(crate) fn parse_size(s: &str) -> Result<u64, wirewatch_packets::units::SizeError> {
    wirewatch_packets::units::parse_bytes(s)
}

/// TLS decryption: the budget of RSA private-key operations (each TLS 1.2
/// session with the RSA key exchange decrypted costs one: about 5 ms of a
/// core with a 2,048-bit key, 34 ms with a 4,096-bit one, `bench/rsa.sh`).
#[derive(Args, Clone, Debug)]
pub struct TlsArgs {
    /// RSA private-key operations allowed per second, in 2,048-bit
    /// operations (a 3,072-bit one counts 4, a 4,096-bit one 8); sessions
    /// past the budget are not decrypted and are counted in
    /// /ssldecryptkeys/keylog.
    #[arg(long, env = "WIREWATCH_TLS_RSA_PER_SECOND",
          default_value_t = wirewatch_pipeline::tls_keys::DEFAULT_RSA_PER_SECOND,
          value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub tls_rsa_per_second: u32,
    /// RSA private-key operations (2,048-bit) allowed at once after a quiet time.
    #[arg(long, env = "WIREWATCH_TLS_RSA_BURST",
          default_value_t = wirewatch_pipeline::tls_keys::DEFAULT_RSA_BURST,
          value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub tls_rsa_burst: u32,
}

impl TlsArgs {
    pub fn state(&self) -> std::sync::Arc<wirewatch_pipeline::tls_keys::DecryptState> {
        wirewatch_pipeline::tls_keys::decrypt_state(self.tls_rsa_per_second, self.tls_rsa_burst)
    }
}

/// The packet store: how much it keeps and for how long.
#[derive(Args, Clone, Debug)]
pub struct PacketArgs {
    /// Most bytes the packet store keeps (pcap segments and their index
    /// under DATA_DIR/packets; the oldest segments are deleted first), e.g.
    /// 2GiB, 500MB (MB = 10^6 bytes, MiB = 2^20); 0 turns the store off.
    #[arg(long, env = "WIREWATCH_PACKETS_MAX_BYTES", default_value = "2GiB", value_parser = parse_size)]
    pub packets_max_bytes: u64,
    /// Packet segments written longer ago than this are deleted: a number and a unit (s, m, h, d, w, M, y).
    #[arg(long, env = "WIREWATCH_PACKETS_MAX_AGE", default_value = "7d", value_parser = parse_duration)]
    pub packets_max_age: i64,
}

impl PacketArgs {
    /// Open the packet store's writer in `data_dir` (`None` when turned
    /// off). Another process writing it (a `serve` with captures while an
    /// `ingest` runs) is a warning: the packets are not kept.
    pub fn writer(
        &self,
        data_dir: &std::path::Path,
    ) -> anyhow::Result<Option<wirewatch_pipeline::PacketSink>> {
        if self.packets_max_bytes == 0 {
            return Ok(None);
        }
        let cfg = wirewatch_packets::Config::new(
            wirewatch_packets::dir_in(data_dir),
            self.packets_max_bytes,
            self.packets_max_age,
        )?;
        match wirewatch_packets::Writer::open(cfg) {
            Ok(w) => {
                if w.stats.blocks_rebuilt > 0 {
                    tracing::warn!(
                        blocks = w.stats.blocks_rebuilt,
                        "packet store: index blocks rebuilt from segments a stopped run left"
                    );
                }
                Ok(Some(std::sync::Arc::new(wirewatch_packets::Sink::spawn(
                    w,
                )?)))
            }
            Err(e @ wirewatch_packets::Error::Config(_)) => {
                tracing::warn!(error = %e, "packets are not kept by this run");
                Ok(None)
            }
            Err(e) => Err(e.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(file: Option<&str>, flags: &[&str]) -> anyhow::Result<Thresholds> {
        let dir = tempfile::tempdir()?;
        let thresholds_file = match file {
            Some(text) => {
                let p = dir.path().join("t.json");
                std::fs::write(&p, text)?;
                Some(p)
            }
            None => None,
        };
        DetectorArgs {
            thresholds_file,
            threshold: flags.iter().map(|s| s.to_string()).collect(),
        }
        .thresholds()
    }

    #[test]
    fn defaults_then_file_then_flags() {
        let t = args(None, &[]).unwrap();
        assert_eq!(t.ssh_failures, Thresholds::default().ssh_failures);
        let t = args(
            Some(r#"{"ssh_failures": 4, "scan_ports": 20, "window_ms": "10m"}"#),
            &["ssh_failures=3", "dns_entropy=3.5", "ssh_max_failed_ms=30s"],
        )
        .unwrap();
        assert_eq!(t.ssh_failures, 3, "a flag wins over the file");
        assert_eq!(t.scan_ports, 20);
        assert_eq!(t.window_ms, 600_000);
        assert_eq!(t.ssh_max_failed_ms, 30_000);
        assert_eq!(t.dns_entropy, 3.5);
        assert_eq!(t.ftp_failures, Thresholds::default().ftp_failures);
    }

    #[test]
    fn bad_thresholds_are_named() {
        let e = format!("{:#}", args(None, &["ssh_fails=3"]).unwrap_err());
        assert!(
            e.contains("unknown detector threshold \"ssh_fails\"") && e.contains("ssh_failures"),
            "{e}"
        );
        let e = format!("{:#}", args(None, &["scan_ports=many"]).unwrap_err());
        assert!(e.contains("\"many\" is not a number"), "{e}");
        let e = format!("{:#}", args(None, &["scan_ports=0"]).unwrap_err());
        assert!(e.contains("scan_ports must be greater than 0"), "{e}");
        let e = format!("{:#}", args(None, &["scan_ports=2.5"]).unwrap_err());
        assert!(e.contains("scan_ports: 2.5 is not a whole number"), "{e}");
        let e = format!("{:#}", args(Some(r#"{"nope": 1}"#), &[]).unwrap_err());
        assert!(e.contains("\"nope\""), "{e}");
        let e = format!("{:#}", args(None, &["window_ms=soon"]).unwrap_err());
        assert!(e.contains("--threshold window_ms=soon"), "{e}");
    }
}

/// How the connection to the SMTP server is protected.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum SmtpSecurityArg {
    /// Plain SMTP (a relay on the same host or network); default port 25.
    None,
    /// STARTTLS, required; default port 587.
    Starttls,
    /// TLS from the first byte (SMTPS); default port 465.
    Tls,
}

/// Alert evaluation and alert e-mail.
#[derive(Args, Clone)]
pub struct AlertArgs {
    /// How often the alerts are evaluated (a number and a unit).
    #[arg(long, env = "WIREWATCH_ALERT_INTERVAL", default_value = "30s", value_parser = parse_duration)]
    pub alert_interval: i64,
    /// The SMTP server alert e-mail goes through. Without it alerts still
    /// fire (recorded, trigger events, detections) but send no e-mail.
    #[arg(long, env = "WIREWATCH_SMTP_HOST")]
    pub smtp_host: Option<String>,
    /// The SMTP server's port (default: 25, 587 or 465 by --smtp-security).
    #[arg(long, env = "WIREWATCH_SMTP_PORT")]
    pub smtp_port: Option<u16>,
    /// The sender address of alert e-mail.
    #[arg(
        long,
        env = "WIREWATCH_SMTP_FROM",
        default_value = "wirewatch@localhost"
    )]
    pub smtp_from: String,
    /// How the connection to the SMTP server is protected.
    #[arg(
        long,
        env = "WIREWATCH_SMTP_SECURITY",
        value_enum,
        default_value = "starttls"
    )]
    pub smtp_security: SmtpSecurityArg,
    /// The user name for SMTP AUTH (with --smtp-password).
    #[arg(long, env = "WIREWATCH_SMTP_USERNAME", requires = "smtp_password")]
    pub smtp_username: Option<String>,
    /// The password for SMTP AUTH: a secret, never logged; prefer the
    /// environment variable to the flag (visible in the process list).
    #[arg(
        long,
        env = "WIREWATCH_SMTP_PASSWORD",
        hide_env_values = true,
        requires = "smtp_username"
    )]
    pub smtp_password: Option<String>,
}

impl AlertArgs {
    /// The SMTP configuration, when a server is given.
    pub fn smtp(&self) -> Option<wirewatch_alerts::SmtpConfig> {
        use wirewatch_alerts::SmtpSecurity;
        let host = self.smtp_host.clone()?;
        let (security, port) = match self.smtp_security {
            SmtpSecurityArg::None => (SmtpSecurity::None, 25),
            SmtpSecurityArg::Starttls => (SmtpSecurity::StartTls, 587),
            SmtpSecurityArg::Tls => (SmtpSecurity::Tls, 465),
        };
        Some(wirewatch_alerts::SmtpConfig {
            host,
            port: self.smtp_port.unwrap_or(port),
            from: self.smtp_from.clone(),
            security,
            credentials: self.smtp_username.clone().zip(self.smtp_password.clone()),
            timeout: std::time::Duration::from_secs(30),
        })
    }
}
