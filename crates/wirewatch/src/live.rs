//! `wirewatch serve --interface IF`: live capture through libpcap (cargo
//! feature `live`), fed through the same pipeline as capture files; records and
//! detections are stored every second, devices and metrics every 30 seconds.
//! libpcap's counters (received, dropped by the kernel, dropped by the
//! interface) are published every second to the API
//! (`GET /api/v1/extrahop/capture/interfaces`).

use wirewatch_model::capture::{CaptureStats, InterfaceStats};
use wirewatch_pipeline::Pipeline;

/// Capture on `iface` until the process ends, into `pipeline`, publishing
/// the interface's counters in `stats` (and why it stopped, if it does).
pub fn run(pipeline: Pipeline, iface: String, stats: CaptureStats) -> anyhow::Result<()> {
    let mut st = InterfaceStats::starting(&iface, wirewatch_model::now_ms());
    stats.set(st.clone());
    let r = capture(pipeline, &iface, &stats, &mut st);
    if let Err(e) = &r {
        st.state = "stopped".into();
        st.error = Some(format!("{e:#}"));
        stats.set(st);
    }
    r
}

#[cfg(feature = "live")]
fn capture(
    mut pipeline: Pipeline,
    iface: &str,
    stats: &CaptureStats,
    st: &mut InterfaceStats,
) -> anyhow::Result<()> {
    use anyhow::Context;
    use std::time::{Duration, Instant};
    use wirewatch_sensor::capture::Packet;
    use wirewatch_sensor::Sensor;
    use wirewatch_wire::packet::Link;

    let mut cap = pcap::Capture::from_device(iface)
        .with_context(|| format!("interface {iface}"))?
        .promisc(true)
        .snaplen(65_535)
        .timeout(500)
        .immediate_mode(true)
        .open()
        .with_context(|| format!("opening {iface} for capture (needs CAP_NET_RAW or root)"))?;
    let link = Link::from_linktype(cap.get_datalink().0 as u32);
    tracing::info!(interface = %iface, "live capture started");
    st.state = "capturing".into();
    stats.set(st.clone());
    let mut sensor = Sensor::default();
    pipeline.refresh_custom_devices(&mut sensor);
    pipeline.refresh_tls_keys(&mut sensor);
    let (mut last_flush, mut last_devices) = (Instant::now(), Instant::now());
    let (mut dropped, mut read_at_flush) = (0u64, 0u64);
    loop {
        match cap.next_packet() {
            Ok(p) => {
                st.packets_read += 1;
                // `timeval` fields are i64 here but narrower on some platforms.
                #[allow(clippy::useless_conversion)]
                let ts_ns = i64::from(p.header.ts.tv_sec) * 1_000_000_000
                    + i64::from(p.header.ts.tv_usec) * 1_000;
                let packet = Packet {
                    ts_ns,
                    wire_len: p.header.len,
                    link,
                    data: p.data,
                };
                let meta = sensor.packet(&packet);
                // Waits while the packet store's writer thread is 2 MiB
                // behind (a disk slower than the link): meanwhile libpcap
                // is not read and the kernel's capture buffer drops what
                // overflows, as it does whenever analysis falls behind.
                pipeline.keep_packet(&packet, &meta);
            }
            Err(pcap::Error::TimeoutExpired) => {}
            Err(e) => return Err(anyhow::anyhow!("capture on {iface}: {e}")),
        }
        if last_flush.elapsed() >= Duration::from_secs(1) {
            pipeline.flush(&mut sensor)?;
            last_flush = Instant::now();
            // Counters for the API: libpcap's since the capture opened.
            let now = wirewatch_model::now_ms();
            if st.packets_read > read_at_flush {
                st.last_packet_time = Some(now);
                read_at_flush = st.packets_read;
            }
            if let Ok(c) = cap.stats() {
                st.received = u64::from(c.received);
                st.dropped = u64::from(c.dropped);
                st.if_dropped = u64::from(c.if_dropped);
                st.stats_time = Some(now);
            }
            stats.set(st.clone());
        }
        if last_devices.elapsed() >= Duration::from_secs(30) {
            pipeline.store_devices_and_metrics(&mut sensor)?;
            last_devices = Instant::now();
            // What the kernel dropped because analysis fell behind the
            // link (libpcap's counters since the capture opened).
            let total = st.dropped + st.if_dropped;
            if total > dropped {
                tracing::warn!(
                    interface = %iface,
                    received = st.received,
                    dropped = st.dropped,
                    if_dropped = st.if_dropped,
                    new = total - dropped,
                    "the kernel dropped packets: analysis fell behind the link"
                );
                dropped = total;
            }
        }
    }
}

/// Without the `live` feature there is no libpcap: say how to get it.
#[cfg(not(feature = "live"))]
fn capture(
    _pipeline: Pipeline,
    iface: &str,
    _stats: &CaptureStats,
    _st: &mut InterfaceStats,
) -> anyhow::Result<()> {
    anyhow::bail!(
        "live capture on {iface} needs the `live` feature: install libpcap-dev and build with `cargo build --release --features live`"
    )
}
