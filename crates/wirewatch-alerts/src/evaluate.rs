//! One round of alert evaluation against the store.
//!
//! **Threshold alerts.** The clock is the sensor's packet clock: the end of
//! the newest 30-second cycle in which packets were counted, but never past
//! the last cycle the wall clock has finished (a live cycle still filling is
//! not judged). The window is the `interval_length` seconds before it. For
//! each device the alert applies to, the value is the metric over the window:
//! the sum of its counts (restricted to the detail key `param`, if set) or,
//! for a dataset metric (timings), the mean of its samples; with
//! `field_op: "/"` it is divided by `field_name2` (a zero denominator gives
//! no value). `units` turn a count into a rate (`1 sec`, `1 min`, `1 hr`:
//! the total divided by the window's length in that unit; `none` and
//! `period` keep the total). A device with no point of the metric in the
//! window has no value and is not judged. The alert fires when
//! `value operator operand` holds, unless it fired for the same device less
//! than `refire_interval` seconds earlier (on the same clock).
//!
//! **Trend alerts.** The same clock and metric as a threshold alert; the
//! window `[until - interval_length, until)` is the newest of `1 +
//! trend_lookback / interval_length` consecutive windows of that length.
//! Each earlier window in which the sensor counted packets (the packet
//! clock's own metric) gives a history value, computed as the current one,
//! except that a count metric without a point there is 0 (the device was
//! quiet while the sensor was not); a timing without samples, or a ratio
//! whose denominator is 0, gives none. The trend is the mean of the history
//! values, or their `trend_percentile` (nearest rank). The current window
//! also counts an absent count as 0, so a device that falls silent
//! is judged (-100%). The deviation `(value - trend) / trend × 100` is
//! compared with `operator operand`. Not judged: fewer than
//! [`MIN_TREND_WINDOWS`] history values, or a trend of 0 (any rise from
//! nothing is infinitely many percent: a threshold alert says that better).
//!
//! **Detection alerts.** Every detection created after the alert (or after
//! the last round) is looked at once: the alert fires for each participant
//! device it applies to, when one of the alert's `categories` is one of the
//! detection's categories or a prefix of one (`sec` matches
//! `sec.attack`); no categories: any detection. Refire as above, on the
//! detection's creation time.
//!
//! A firing of a threshold or trend alert of severity 0 to 2 (immediate
//! attention) raises a `metric_threshold_alert` detection; detection alerts
//! raise none (they fire on a detection already).

use crate::Error;
use std::collections::HashMap;
use wirewatch_model::alert::{param_key, Alert};
use wirewatch_model::detection::{NewDetection, NewParticipant, ParticipantKind, Role};
use wirewatch_model::device::Device;
use wirewatch_store::{Firing, NewFiring, Store, StoredPoint};

/// The cycle of the points evaluation reads (ms).
pub const CYCLE_MS: i64 = 30_000;
/// Most detections a detection alert looks at per round (the rest wait for the next).
pub const MAX_DETECTIONS_PER_ROUND: usize = 10_000;
/// Fewest history windows with a value for a trend to be judged.
pub const MIN_TREND_WINDOWS: usize = 2;

/// What one round did.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Round {
    /// The packet clock the threshold alerts were judged at (ms), if any data.
    pub until: Option<i64>,
    /// The firings recorded.
    pub fired: Vec<Firing>,
    /// Whether firings queue e-mail.
    pub mail: bool,
}

/// The clock threshold alerts are judged at: see the module docs.
pub fn packet_clock(store: &Store, wall_now: i64) -> Result<Option<i64>, Error> {
    let Some(newest) = store.newest_metric_time()? else {
        return Ok(None);
    };
    let finished = wall_now.div_euclid(CYCLE_MS) * CYCLE_MS;
    Ok(Some((newest + CYCLE_MS).min(finished)))
}

/// Evaluate every enabled alert once, queueing e-mail for its firings.
pub fn evaluate(store: &Store, wall_now: i64) -> Result<Round, Error> {
    evaluate_with(store, wall_now, true)
}

/// Evaluate every enabled alert once; `mail`: whether firings queue e-mail.
pub fn evaluate_with(store: &Store, wall_now: i64, mail: bool) -> Result<Round, Error> {
    let until = packet_clock(store, wall_now)?;
    let mut round = Round {
        until,
        fired: Vec::new(),
        mail,
    };
    let mut devices: HashMap<u64, Option<Device>> = HashMap::new();
    for a in store.alerts()?.into_iter().filter(|a| !a.disabled) {
        let result = match a.kind.as_str() {
            "threshold" => match until {
                Some(until) => threshold(store, &a, until, &mut devices, &mut round),
                None => Ok(()),
            },
            "trend" => match until {
                Some(until) => trend(store, &a, until, &mut devices, &mut round),
                None => Ok(()),
            },
            "detection" => detection(store, &a, &mut devices, &mut round),
            _ => Ok(()),
        };
        if let Err(e) = result {
            tracing::warn!(alert = a.id, error = %e, "evaluating an alert failed");
        }
    }
    Ok(round)
}

/// The value of one metric of one device over `[from, until)`.
fn metric_value(points: &[StoredPoint], key: Option<&str>) -> Option<f64> {
    let mut total = 0.0;
    let mut counted = false;
    let (mut sum, mut n) = (0.0, 0u64);
    for p in points.iter().filter(|p| key.is_none_or(|k| p.key1 == k)) {
        if let Some(c) = p.count {
            total += c;
            counted = true;
        }
        if let Some(ds) = &p.dataset {
            for (v, f) in ds {
                sum += v * *f as f64;
                n += f;
            }
        }
    }
    if counted {
        Some(total)
    } else if n > 0 {
        Some(sum / n as f64)
    } else {
        None
    }
}

fn is_dataset(points: &[StoredPoint]) -> bool {
    points.iter().all(|p| p.count.is_none()) && points.iter().any(|p| p.dataset.is_some())
}

/// The alert's value over one window of `secs` seconds from the points of
/// its metric there (`p2`: the denominator's, for a ratio); see the module
/// docs. `empty_is_zero`: a count metric without a point there is 0.
fn window_value(
    a: &Alert,
    p1: &[StoredPoint],
    p2: Option<&[StoredPoint]>,
    secs: u32,
    empty_is_zero: bool,
) -> Option<f64> {
    let mut value = match metric_value(p1, param_key(&a.param)) {
        Some(v) => v,
        None if empty_is_zero => 0.0,
        None => return None,
    };
    if let Some(p2) = p2 {
        match metric_value(p2, param_key(&a.param2)) {
            Some(d) if d != 0.0 => value /= d,
            _ => return None,
        }
    } else if !is_dataset(p1) {
        let per = match a.units.as_deref() {
            Some("1 sec") => Some(1.0),
            Some("1 min") => Some(60.0),
            Some("1 hr") => Some(3600.0),
            _ => None,
        };
        if let Some(per) = per {
            value /= f64::from(secs) / per;
        }
    }
    Some(value)
}

/// The points of `[from, until)` among points ordered by time.
fn slice(points: &[StoredPoint], from: i64, until: i64) -> &[StoredPoint] {
    let lo = points.partition_point(|p| p.time_ms < from);
    let hi = points.partition_point(|p| p.time_ms < until);
    &points[lo..hi.max(lo)]
}

/// The trend of history values: their mean, or a percentile (nearest rank).
fn trend_of(mut values: Vec<f64>, percentile: Option<u8>) -> f64 {
    match percentile {
        None => values.iter().sum::<f64>() / values.len() as f64,
        Some(p) => {
            values.sort_by(f64::total_cmp);
            let rank = (f64::from(p) / 100.0 * values.len() as f64).ceil() as usize;
            values[rank.clamp(1, values.len()) - 1]
        }
    }
}

/// A number as a firing's condition shows it: at most 3 decimals.
fn shown(x: f64) -> String {
    format!("{}", (x * 1000.0).round() / 1000.0)
}

fn compare(value: f64, operator: &str, operand: f64) -> bool {
    match operator {
        "==" => (value - operand).abs() <= f64::EPSILON * value.abs().max(operand.abs()).max(1.0),
        ">" => value > operand,
        "<" => value < operand,
        ">=" => value >= operand,
        "<=" => value <= operand,
        _ => false,
    }
}

fn device<'a>(
    store: &Store,
    cache: &'a mut HashMap<u64, Option<Device>>,
    id: u64,
) -> Result<&'a Option<Device>, Error> {
    if let std::collections::hash_map::Entry::Vacant(e) = cache.entry(id) {
        e.insert(store.device(id)?);
    }
    Ok(&cache[&id])
}

fn object_name(d: &Device) -> String {
    let ip = d.ipaddr4.as_deref().or(d.ipaddr6.as_deref());
    match ip {
        Some(ip) if ip != d.display_name => format!("{} ({ip})", d.display_name),
        _ => d.display_name.clone(),
    }
}

/// Whether the alert is still within its refire interval for the device at `time`.
fn quiet(store: &Store, a: &Alert, device: u64, time: i64) -> Result<bool, Error> {
    Ok(store
        .last_firing(a.id, device)?
        .is_some_and(|f| time - f.time < i64::from(a.refire_interval) * 1000))
}

/// What a threshold or trend alert judges: its metric (category, field,
/// optional divisor field), operand, operator and window in seconds; `None`
/// while the alert lacks one of them.
#[allow(clippy::type_complexity)]
fn condition(a: &Alert) -> Option<((&str, &str, Option<&str>), f64, &str, u32)> {
    Some((
        a.metric()?,
        a.operand_value()?,
        a.operator.as_deref()?,
        a.interval_length?,
    ))
}

fn threshold(
    store: &Store,
    a: &Alert,
    until: i64,
    devices: &mut HashMap<u64, Option<Device>>,
    round: &mut Round,
) -> Result<(), Error> {
    let Some(((cat, f1, f2), operand, operator, secs)) = condition(a) else {
        return Ok(());
    };
    let window = i64::from(secs) * 1000;
    let from = until - window;
    for id in store.alert_device_ids(a)? {
        let points = |name: &str| {
            store.metric_points("device", &[id as i64], cat, name, CYCLE_MS, from, until)
        };
        let p1 = points(f1)?;
        let p2 = match f2 {
            Some(f2) => Some(points(f2)?),
            None => None,
        };
        let Some(value) = window_value(a, &p1, p2.as_deref(), secs, false) else {
            continue;
        };
        if !compare(value, operator, operand) || quiet(store, a, id, until)? {
            continue;
        }
        let Some(d) = device(store, devices, id)?.clone() else {
            continue;
        };
        let condition = format!(
            "{value} {operator} {}",
            a.operand.as_deref().unwrap_or_default()
        );
        let firing = Firing {
            id: 0,
            alert_id: a.id,
            alert_name: a.name.clone(),
            severity: a.severity,
            object_type: "device".into(),
            object_id: id,
            object_name: object_name(&d),
            time: until,
            from: Some(from),
            value: Some(value),
            condition: Some(condition),
            trend: None,
            detection_id: None,
            raised_detection_id: None,
            recipients: store.alert_recipients(a)?,
            recorded: 0,
        };
        let detection = (a.severity <= 2).then(|| raised(a, &d, &firing));
        record(store, firing, detection, round)?;
    }
    Ok(())
}

fn trend(
    store: &Store,
    a: &Alert,
    until: i64,
    devices: &mut HashMap<u64, Option<Device>>,
    round: &mut Round,
) -> Result<(), Error> {
    let Some(((cat, f1, f2), operand, operator, secs)) = condition(a) else {
        return Ok(());
    };
    let window = i64::from(secs) * 1000;
    let history = (a.lookback() / secs).max(1) as usize;
    let from = until - window;
    let start = from - history as i64 * window;
    // Window `i` is [start + i × window, …); `history` is the current one.
    let bounds = |i: usize| (start + i as i64 * window, start + (i as i64 + 1) * window);
    let pkts = store.metric_points("network", &[1], "net", "pkts", CYCLE_MS, start, until)?;
    let active: Vec<bool> = (0..=history)
        .map(|i| {
            let (lo, hi) = bounds(i);
            slice(&pkts, lo, hi)
                .iter()
                .any(|p| p.count.is_some_and(|c| c > 0.0))
        })
        .collect();
    if !active[history] {
        return Ok(());
    }
    for id in store.alert_device_ids(a)? {
        let points = |name: &str| {
            store.metric_points("device", &[id as i64], cat, name, CYCLE_MS, start, until)
        };
        let p1 = points(f1)?;
        if p1.is_empty() {
            continue;
        }
        let p2 = match f2 {
            Some(f2) => Some(points(f2)?),
            None => None,
        };
        let counts = !is_dataset(&p1);
        let value_at = |i: usize| {
            let (lo, hi) = bounds(i);
            let s2 = p2.as_deref().map(|p| slice(p, lo, hi));
            active[i]
                .then(|| window_value(a, slice(&p1, lo, hi), s2, secs, counts))
                .flatten()
        };
        let Some(value) = value_at(history) else {
            continue;
        };
        let past: Vec<f64> = (0..history).filter_map(value_at).collect();
        if past.len() < MIN_TREND_WINDOWS {
            continue;
        }
        let n = past.len();
        let trend = trend_of(past, a.trend_percentile);
        if !(trend > 0.0 && trend.is_finite()) {
            continue;
        }
        let deviation = (value - trend) / trend * 100.0;
        if !compare(deviation, operator, operand) || quiet(store, a, id, until)? {
            continue;
        }
        let Some(d) = device(store, devices, id)?.clone() else {
            continue;
        };
        let sign = if deviation >= 0.0 { "+" } else { "" };
        let of = match a.trend_percentile {
            Some(p) => format!("the {p}th percentile"),
            None => "the mean".into(),
        };
        let condition = format!(
            "{sign}{}% {operator} {}% ({} against a trend of {}: {of} of {n} windows of {secs} s over the previous {} s)",
            shown(deviation),
            a.operand.as_deref().unwrap_or_default(),
            shown(value),
            shown(trend),
            a.lookback(),
        );
        let firing = Firing {
            id: 0,
            alert_id: a.id,
            alert_name: a.name.clone(),
            severity: a.severity,
            object_type: "device".into(),
            object_id: id,
            object_name: object_name(&d),
            time: until,
            from: Some(from),
            value: Some(value),
            condition: Some(condition),
            trend: Some(trend),
            detection_id: None,
            raised_detection_id: None,
            recipients: store.alert_recipients(a)?,
            recorded: 0,
        };
        let detection = (a.severity <= 2).then(|| raised(a, &d, &firing));
        record(store, firing, detection, round)?;
    }
    Ok(())
}

/// The detection a threshold or trend firing of severity 0 to 2 raises.
fn raised(a: &Alert, d: &Device, f: &Firing) -> NewDetection {
    let mut properties = serde_json::Map::new();
    properties.insert("alert_id".into(), a.id.into());
    properties.insert("alert_name".into(), a.name.clone().into());
    properties.insert("value".into(), f.value.unwrap_or_default().into());
    properties.insert(
        "operator".into(),
        a.operator.clone().unwrap_or_default().into(),
    );
    properties.insert(
        "operand".into(),
        a.operand.clone().unwrap_or_default().into(),
    );
    if let Some(t) = f.trend {
        properties.insert("trend".into(), t.into());
    }
    let mut new: NewDetection = serde_json::from_value(serde_json::json!({
        "type": "metric_threshold_alert",
        "participants": [],
    }))
    .expect("a minimal detection");
    new.title = Some(format!("Alert {}: {}", a.name, f.object_name));
    new.description = Some(format!(
        "The alert \"{}\" (severity {}) fired for {}: {} over {} s ending at {} ms.",
        a.name,
        a.severity,
        f.object_name,
        f.condition.as_deref().unwrap_or_default(),
        a.interval_length.unwrap_or_default(),
        f.time
    ));
    new.start_time = f.from;
    new.end_time = Some(f.time);
    new.properties = properties;
    new.participants = vec![NewParticipant {
        object_type: ParticipantKind::Device,
        object_id: Some(d.id),
        object_value: None,
        role: Role::Offender,
        ipaddr: d.ipaddr4.clone().or(d.ipaddr6.clone()),
        hostname: None,
        external: None,
        scanner_service: None,
        usernames: vec![],
        origins: vec![],
    }];
    new
}

fn detection(
    store: &Store,
    a: &Alert,
    devices: &mut HashMap<u64, Option<Device>>,
    round: &mut Round,
) -> Result<(), Error> {
    let mark = store.alert_detection_mark(a.id)?;
    let news = store.detections_after(mark, MAX_DETECTIONS_PER_ROUND)?;
    let Some(last) = news.last().map(|d| d.id) else {
        return Ok(());
    };
    let applies: Vec<u64> = store.alert_device_ids(a)?;
    let wanted = a.categories.as_deref().unwrap_or_default();
    for det in &news {
        let matches = wanted.is_empty()
            || det.categories.iter().any(|c| {
                wanted.iter().any(|w| {
                    c == w
                        || c.strip_prefix(w.as_str())
                            .is_some_and(|r| r.starts_with('.'))
                })
            });
        if !matches {
            continue;
        }
        let mut ids: Vec<u64> = det
            .participants
            .iter()
            .filter(|p| p.object_type == ParticipantKind::Device)
            .filter_map(|p| p.object_id)
            .filter(|id| applies.binary_search(id).is_ok())
            .collect();
        ids.sort_unstable();
        ids.dedup();
        for id in ids {
            if quiet(store, a, id, det.create_time)? {
                continue;
            }
            let Some(d) = device(store, devices, id)?.clone() else {
                continue;
            };
            let firing = Firing {
                id: 0,
                alert_id: a.id,
                alert_name: a.name.clone(),
                severity: a.severity,
                object_type: "device".into(),
                object_id: id,
                object_name: object_name(&d),
                time: det.create_time,
                from: None,
                value: None,
                condition: None,
                trend: None,
                detection_id: Some(det.id),
                raised_detection_id: None,
                recipients: store.alert_recipients(a)?,
                recorded: 0,
            };
            record(store, firing, None, round)?;
        }
    }
    store.set_alert_detection_mark(a.id, last)?;
    Ok(())
}

fn record(
    store: &Store,
    firing: Firing,
    detection: Option<NewDetection>,
    round: &mut Round,
) -> Result<(), Error> {
    let mail = round.mail.then(|| crate::notify::message(&firing));
    let f = store.record_firing(NewFiring {
        firing,
        mail,
        detection,
    })?;
    tracing::info!(
        alert = f.alert_id,
        device = f.object_id,
        firing = f.id,
        "alert fired"
    );
    round.fired.push(f);
    Ok(())
}
