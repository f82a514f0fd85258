//! The packet store's writer on a thread of its own.
//!
//! The capture thread copies each packet once into a buffer
//! ([`Options::buffer_bytes`], 256 KiB: the packets' bytes side by side, and
//! for each its time, lengths, link and the [`Meta`] the sensor decoded) and
//! hands full buffers to the writer thread over a bounded queue
//! ([`Options::queue`] buffers). When the queue is full the capture thread
//! **waits** ([`Sink::write_decoded`] blocks): a capture file loses nothing;
//! a live capture stops reading its interface meanwhile and the kernel's
//! ring drops what overflows (counted by the live path as kernel drops).
//! Buffers written are recycled through a free list: at most
//! `queue + 4` buffers exist.
//!
//! The writer thread does everything else: the file writes, rotation,
//! ageing, the index ([`Writer`]).
//!
//! What a search sees: everything handed in before the last
//! [`Sink::flush`] returned; of later packets, those the writer thread
//! wrote and flushed. At most one buffer being filled and the queue behind
//! it are not yet on disk; every [`Options::flush_every`] (500 ms) the
//! writer thread takes the buffer being filled too (when the capture thread
//! is not holding it at that instant) and closes its index blocks, so a
//! search of a live capture lags by about that much when the writer keeps
//! up.
//!
//! Errors: a write error on the writer thread is logged (the first one),
//! counted ([`Sink::errors`]: packets not kept), and the first one not yet
//! reported is returned by the next [`Sink::write_decoded`] or
//! [`Sink::flush`] (the packet handed to that call was accepted). Dropping
//! the sink hands over the buffer being filled, waits for the queue to
//! drain and the writer to flush, and logs an error not yet reported.

use crate::ring::{Writer, WriterStats};
use crate::{Error, Result};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender};
use std::sync::{Arc, Mutex, MutexGuard, TryLockError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use wirewatch_wire::packet::{Link, Meta};

/// Bytes of packets per buffer handed to the writer thread.
pub const BUFFER_BYTES: usize = 256 * 1024;
/// Full buffers the queue holds before the capture thread waits (2 MiB).
pub const QUEUE: usize = 8;
/// How often the writer thread makes what it was handed searchable.
pub const FLUSH_EVERY: Duration = Duration::from_millis(500);

/// How the sink buffers.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// A buffer is handed over once it holds this many bytes of packets.
    pub buffer_bytes: usize,
    /// Full buffers waiting for the writer before the capture thread waits.
    pub queue: usize,
    /// The writer thread writes the buffer being filled and closes its
    /// index blocks this often.
    pub flush_every: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            buffer_bytes: BUFFER_BYTES,
            queue: QUEUE,
            flush_every: FLUSH_EVERY,
        }
    }
}

/// What the writer thread writes into: the ring's [`Writer`] (a stand-in in tests).
pub(crate) trait Target: Send + 'static {
    fn put(
        &mut self,
        ts_ns: i64,
        wire_len: u32,
        link: Option<Link>,
        data: &[u8],
        m: &Meta,
    ) -> Result<()>;
    fn flush(&mut self) -> Result<()>;
    fn stats(&self) -> WriterStats;
}

impl Target for Writer {
    fn put(
        &mut self,
        ts_ns: i64,
        wire_len: u32,
        link: Option<Link>,
        data: &[u8],
        m: &Meta,
    ) -> Result<()> {
        self.write_decoded(ts_ns, wire_len, link, data, m)
    }
    fn flush(&mut self) -> Result<()> {
        Writer::flush(self)
    }
    fn stats(&self) -> WriterStats {
        self.stats
    }
}

/// One packet of a buffer.
struct Rec {
    ts_ns: i64,
    wire_len: u32,
    link: Option<Link>,
    len: u32,
    meta: Meta,
}

/// Packets handed over together: their bytes side by side, in order.
#[derive(Default)]
struct Buffer {
    data: Vec<u8>,
    recs: Vec<Rec>,
}

enum Msg {
    Write(Buffer),
    /// Write the buffer, flush the writer, answer (when asked) with the result.
    Flush(Buffer, Option<SyncSender<Result<()>>>),
}

/// What the two threads share.
struct Shared {
    /// The buffer being filled by the capture thread.
    fill: Mutex<Buffer>,
    /// Buffers written, ready to be filled again.
    free: Mutex<Vec<Buffer>>,
    /// The first error not yet reported to a caller.
    error: Mutex<Option<Error>>,
    failed: AtomicBool,
    /// Packets the writer could not keep, and flushes that failed.
    errors: AtomicU64,
    stats: Mutex<WriterStats>,
    opts: Options,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Shared {
    fn buffer(&self) -> Buffer {
        lock(&self.free).pop().unwrap_or_else(|| Buffer {
            data: Vec::with_capacity(self.opts.buffer_bytes),
            recs: Vec::new(),
        })
    }

    fn recycle(&self, mut b: Buffer) {
        b.data.clear();
        b.recs.clear();
        let mut free = lock(&self.free);
        if free.len() < 2 {
            free.push(b);
        }
    }

    fn failure(&self, e: Error) {
        if self.errors.fetch_add(1, Ordering::Relaxed) == 0 {
            tracing::error!(error = %e, "the packet store could not keep packets");
        }
        let mut pending = lock(&self.error);
        if pending.is_none() {
            *pending = Some(e);
            self.failed.store(true, Ordering::Release);
        }
    }

    /// The error not yet reported, if any (reported once).
    fn take_error(&self) -> Result<()> {
        if !self.failed.load(Ordering::Acquire) {
            return Ok(());
        }
        let mut pending = lock(&self.error);
        self.failed.store(false, Ordering::Release);
        match pending.take() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

/// The packet store's writer running on its own thread (see the module's docs).
pub struct Sink {
    shared: Arc<Shared>,
    tx: Option<SyncSender<Msg>>,
    thread: Option<JoinHandle<()>>,
}

impl Sink {
    /// Run `writer` on a thread of its own with the default [`Options`].
    pub fn spawn(writer: Writer) -> Result<Sink> {
        Sink::spawn_with(writer, Options::default())
    }

    /// Run `writer` on a thread of its own.
    pub fn spawn_with(writer: Writer, opts: Options) -> Result<Sink> {
        Sink::start(writer, opts)
    }

    pub(crate) fn start<T: Target>(target: T, opts: Options) -> Result<Sink> {
        let opts = Options {
            buffer_bytes: opts.buffer_bytes.max(1),
            queue: opts.queue.max(1),
            flush_every: opts.flush_every.max(Duration::from_millis(1)),
        };
        let shared = Arc::new(Shared {
            fill: Mutex::new(Buffer::default()),
            free: Mutex::new(Vec::new()),
            error: Mutex::new(None),
            failed: AtomicBool::new(false),
            errors: AtomicU64::new(0),
            stats: Mutex::new(target.stats()),
            opts,
        });
        let (tx, rx) = mpsc::sync_channel(opts.queue);
        let thread = std::thread::Builder::new()
            .name("packet-store".into())
            .spawn({
                let shared = shared.clone();
                move || run(target, rx, &shared)
            })
            .map_err(|e| Error::Config(format!("starting the packet store's writer: {e}")))?;
        Ok(Sink {
            shared,
            tx: Some(tx),
            thread: Some(thread),
        })
    }

    /// Keep one packet the caller decoded (`m`: what `Sensor::packet`
    /// returned; `link` `None`: a link type the store does not know, counted
    /// as skipped). Copies the packet into the buffer being filled; hands
    /// the buffer to the writer thread when full, **waiting** while the
    /// queue is full. An `Err` is an earlier packet's failure on the writer
    /// thread (this packet was accepted).
    pub fn write_decoded(
        &self,
        ts_ns: i64,
        wire_len: u32,
        link: Option<Link>,
        data: &[u8],
        m: &Meta,
    ) -> Result<()> {
        let Some(tx) = &self.tx else {
            return Err(Error::Stopped);
        };
        {
            let mut fill = lock(&self.shared.fill);
            if !fill.recs.is_empty() && fill.data.len() + data.len() > self.shared.opts.buffer_bytes
            {
                let full = std::mem::replace(&mut *fill, self.shared.buffer());
                // Sent while holding the buffer being filled: the writer
                // thread's timed take of it cannot overtake this one.
                tx.send(Msg::Write(full)).map_err(|_| Error::Stopped)?;
            }
            let (data, len) = if link.is_some() {
                (data, data.len() as u32)
            } else {
                (&[][..], 0)
            };
            fill.data.extend_from_slice(data);
            fill.recs.push(Rec {
                ts_ns,
                wire_len,
                link,
                len,
                meta: *m,
            });
        }
        self.shared.take_error()
    }

    /// Hand over the buffer being filled and ask the writer thread to make
    /// everything searchable, without waiting for it (except while the
    /// queue is full).
    pub fn flush_later(&self) -> Result<()> {
        let Some(tx) = &self.tx else {
            return Err(Error::Stopped);
        };
        {
            let mut fill = lock(&self.shared.fill);
            let part = std::mem::take(&mut *fill);
            tx.send(Msg::Flush(part, None))
                .map_err(|_| Error::Stopped)?;
        }
        self.shared.take_error()
    }

    /// Wait until everything handed in so far is written and searchable;
    /// returns the first write error not yet reported.
    pub fn flush(&self) -> Result<()> {
        let Some(tx) = &self.tx else {
            return Err(Error::Stopped);
        };
        let (reply, done) = mpsc::sync_channel(1);
        {
            let mut fill = lock(&self.shared.fill);
            let part = std::mem::take(&mut *fill);
            tx.send(Msg::Flush(part, Some(reply)))
                .map_err(|_| Error::Stopped)?;
        }
        let flushed = done.recv().map_err(|_| Error::Stopped)?;
        self.shared.take_error()?;
        flushed
    }

    /// What the writer did (as of the last buffer it wrote).
    pub fn stats(&self) -> WriterStats {
        *lock(&self.shared.stats)
    }

    /// Packets the writer could not keep, and failed flushes, so far.
    pub fn errors(&self) -> u64 {
        self.shared.errors.load(Ordering::Relaxed)
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        if let Some(tx) = self.tx.take() {
            let part = std::mem::take(&mut *lock(&self.shared.fill));
            if !part.recs.is_empty() {
                let _ = tx.send(Msg::Write(part));
            }
        }
        if let Some(t) = self.thread.take() {
            if t.join().is_err() {
                tracing::error!("the packet store's writer thread panicked");
            }
        }
        if let Err(e) = self.shared.take_error() {
            tracing::error!(error = %e, errors = self.errors(),
                "the packet store could not keep every packet");
        }
    }
}

/// The writer thread: writes what it is handed until the sink is dropped.
fn run<T: Target>(mut target: T, rx: Receiver<Msg>, shared: &Shared) {
    let every = shared.opts.flush_every;
    let mut next_tick = Instant::now() + every;
    let mut dirty = false;
    loop {
        let wait = next_tick.saturating_duration_since(Instant::now());
        match rx.recv_timeout(wait) {
            Ok(msg) => handle(&mut target, msg, shared, &mut dirty),
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => break,
        }
        if Instant::now() < next_tick {
            continue;
        }
        // The buffer being filled, unless the capture thread holds it right
        // now (it is then about to hand a buffer over anyway).
        let fill = match shared.fill.try_lock() {
            Ok(g) => Some(g),
            Err(TryLockError::Poisoned(p)) => Some(p.into_inner()),
            Err(TryLockError::WouldBlock) => None,
        };
        if let Some(mut fill) = fill {
            if !fill.recs.is_empty() {
                // Buffers are sent while holding `fill`: every buffer handed
                // over before this one is in the queue now. Write them first.
                let earlier: Vec<Msg> = rx.try_iter().collect();
                let part = std::mem::replace(&mut *fill, shared.buffer());
                drop(fill);
                for msg in earlier {
                    handle(&mut target, msg, shared, &mut dirty);
                }
                handle(&mut target, Msg::Write(part), shared, &mut dirty);
            }
        }
        if dirty {
            if let Err(e) = target.flush() {
                shared.failure(e);
            }
            dirty = false;
        }
        next_tick = Instant::now() + every;
    }
    if let Err(e) = target.flush() {
        shared.failure(e);
    }
    *lock(&shared.stats) = target.stats();
}

fn handle<T: Target>(target: &mut T, msg: Msg, shared: &Shared, dirty: &mut bool) {
    let (buffer, reply) = match msg {
        Msg::Write(b) => (b, None),
        Msg::Flush(b, reply) => (b, Some(reply)),
    };
    let mut at = 0usize;
    for r in &buffer.recs {
        let end = at + r.len as usize;
        if let Err(e) = target.put(r.ts_ns, r.wire_len, r.link, &buffer.data[at..end], &r.meta) {
            shared.failure(e);
        }
        at = end;
    }
    *dirty |= !buffer.recs.is_empty();
    shared.recycle(buffer);
    let Some(reply) = reply else {
        *lock(&shared.stats) = target.stats();
        return;
    };
    let r = target.flush();
    *dirty = false;
    // Before answering: a caller of `flush` then reads current stats.
    *lock(&shared.stats) = target.stats();
    match reply {
        Some(reply) => {
            if let Err(e) = &r {
                if shared.errors.fetch_add(1, Ordering::Relaxed) == 0 {
                    tracing::error!(error = %e, "the packet store could not flush");
                }
            }
            let _ = reply.send(r);
        }
        None => {
            if let Err(e) = r {
                shared.failure(e);
            }
        }
    }
}
