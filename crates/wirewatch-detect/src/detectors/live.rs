//! Thresholds changed while the detectors run: one shared cell the running
//! configuration writes and every pipeline of the process reads (one atomic
//! load per batch or event; the engine takes the new values when the
//! version moved).

use super::Thresholds;
use serde_json::{Map, Value};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::RwLock;

/// The thresholds every pipeline of a process uses, changeable while they run.
#[derive(Debug, Default)]
pub struct LiveThresholds {
    version: AtomicU64,
    value: RwLock<Thresholds>,
}

impl LiveThresholds {
    pub fn new(t: Thresholds) -> LiveThresholds {
        LiveThresholds {
            version: AtomicU64::new(0),
            value: RwLock::new(t),
        }
    }

    /// Bumped by every [`LiveThresholds::set`].
    pub fn version(&self) -> u64 {
        self.version.load(Ordering::Acquire)
    }

    pub fn get(&self) -> Thresholds {
        self.value
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    pub fn set(&self, t: Thresholds) {
        *self
            .value
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = t;
        self.version.fetch_add(1, Ordering::AcqRel);
    }
}

/// Check a whole set of thresholds given as a JSON object: every threshold
/// present, no unknown name, each a number greater than 0 (a whole number
/// where the threshold counts). The error names the threshold and says why.
pub fn check_thresholds(given: &Map<String, Value>) -> Result<Thresholds, (String, String)> {
    let Ok(Value::Object(defaults)) = serde_json::to_value(Thresholds::default()) else {
        return Err((String::new(), "thresholds are not an object".into()));
    };
    for k in given.keys() {
        if !defaults.contains_key(k) {
            let known: Vec<&str> = defaults.keys().map(String::as_str).collect();
            return Err((
                k.clone(),
                format!("unknown detector threshold; known: {}", known.join(", ")),
            ));
        }
    }
    for (k, default) in &defaults {
        let Some(v) = given.get(k) else {
            return Err((k.clone(), "is required".into()));
        };
        if !v.as_f64().is_some_and(|n| n > 0.0 && n.is_finite()) {
            return Err((k.clone(), "must be a number greater than 0".into()));
        }
        let whole = default.is_u64() || default.is_i64();
        if whole && !(v.is_u64() || v.is_i64()) {
            return Err((k.clone(), "must be a whole number".into()));
        }
        let mut one = Value::Object(defaults.clone());
        one[k.as_str()] = v.clone();
        if serde_json::from_value::<Thresholds>(one).is_err() {
            return Err((k.clone(), "is out of range".into()));
        }
    }
    serde_json::from_value(Value::Object(given.clone())).map_err(|e| (String::new(), e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all() -> Map<String, Value> {
        match serde_json::to_value(Thresholds::default()).unwrap() {
            Value::Object(m) => m,
            _ => unreachable!(),
        }
    }

    #[test]
    fn a_whole_set_is_checked_naming_the_threshold() {
        let mut m = all();
        m["scan_ports"] = Value::from(7);
        assert_eq!(check_thresholds(&m).unwrap().scan_ports, 7);
        m["scan_ports"] = Value::from(0);
        assert_eq!(check_thresholds(&m).unwrap_err().0, "scan_ports");
        m["scan_ports"] = Value::from(2.5);
        assert_eq!(check_thresholds(&m).unwrap_err().0, "scan_ports");
        m["scan_ports"] = Value::from(7);
        m["dns_entropy"] = Value::from(3.5);
        assert_eq!(check_thresholds(&m).unwrap().dns_entropy, 3.5);
        m.remove("ftp_failures");
        assert_eq!(
            check_thresholds(&m).unwrap_err(),
            ("ftp_failures".into(), "is required".into())
        );
        m.insert("ftp_failures".into(), Value::from(u64::MAX));
        assert_eq!(check_thresholds(&m).unwrap_err().0, "ftp_failures");
        let mut m = all();
        m.insert("nope".into(), Value::from(1));
        assert_eq!(check_thresholds(&m).unwrap_err().0, "nope");
    }

    #[test]
    fn a_change_moves_the_version() {
        let l = LiveThresholds::new(Thresholds::default());
        let v = l.version();
        let t = Thresholds {
            scan_ports: 3,
            ..Default::default()
        };
        l.set(t);
        assert_ne!(l.version(), v);
        assert_eq!(l.get().scan_ports, 3);
    }
}
