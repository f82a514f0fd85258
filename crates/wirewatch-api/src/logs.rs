//! The recent log lines of this process, kept in memory for support packs: a
//! `tracing` layer ([`layer`]) that the binary installs beside its stderr
//! output. Bounded: the last [`LINES`] events, each cut at [`LINE_BYTES`].

use parking_lot::Mutex;
use std::collections::VecDeque;
use std::fmt::Write as _;
use std::sync::OnceLock;
use tracing::field::{Field, Visit};
use tracing_subscriber::layer::Context;
use tracing_subscriber::Layer;

/// Lines kept.
pub const LINES: usize = 2_000;
/// Longest line kept (longer ones are cut).
pub const LINE_BYTES: usize = 2_048;

static RING: OnceLock<Mutex<VecDeque<String>>> = OnceLock::new();

/// Whether a layer was installed (the binary does; in-process tests do not).
pub fn installed() -> bool {
    RING.get().is_some()
}

/// The kept lines, oldest first.
pub fn lines() -> Vec<String> {
    RING.get()
        .map(|r| r.lock().iter().cloned().collect())
        .unwrap_or_default()
}

/// The layer that keeps the lines.
pub fn layer() -> LogRing {
    RING.get_or_init(|| Mutex::new(VecDeque::with_capacity(LINES)));
    LogRing
}

/// See [`layer`].
pub struct LogRing;

struct Line(String);

impl Visit for Line {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.0, " {value:?}");
        } else {
            let _ = write!(self.0, " {}={value:?}", field.name());
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            let _ = write!(self.0, " {value}");
        } else {
            let _ = write!(self.0, " {}={value:?}", field.name());
        }
    }
}

impl<S: tracing::Subscriber> Layer<S> for LogRing {
    fn on_event(&self, event: &tracing::Event<'_>, _ctx: Context<'_, S>) {
        let Some(ring) = RING.get() else { return };
        let meta = event.metadata();
        let now = time::OffsetDateTime::now_utc();
        let mut line = Line(format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z {} {}:",
            now.year(),
            u8::from(now.month()),
            now.day(),
            now.hour(),
            now.minute(),
            now.second(),
            now.millisecond(),
            meta.level(),
            meta.target()
        ));
        event.record(&mut line);
        let mut text = line.0;
        if text.len() > LINE_BYTES {
            let mut cut = LINE_BYTES;
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            text.truncate(cut);
            text.push('…');
        }
        let mut r = ring.lock();
        if r.len() >= LINES {
            r.pop_front();
        }
        r.push_back(text);
    }
}
