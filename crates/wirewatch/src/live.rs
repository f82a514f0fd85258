//! `wirewatch serve --interface IF`: live capture through libpcap (cargo
//! feature `live`), fed through the same pipeline as capture files; records and
//! detections are stored every second, devices and metrics every 30 seconds.

use wirewatch_pipeline::Pipeline;

/// Capture on `iface` until the process ends, into `pipeline`.
#[cfg(feature = "live")]
pub fn run(mut pipeline: Pipeline, iface: String) -> anyhow::Result<()> {
    use anyhow::Context;
    use std::time::{Duration, Instant};
    use wirewatch_sensor::capture::Packet;
    use wirewatch_sensor::Sensor;
    use wirewatch_wire::packet::Link;

    let mut cap = pcap::Capture::from_device(iface.as_str())
        .with_context(|| format!("interface {iface}"))?
        .promisc(true)
        .snaplen(65_535)
        .timeout(500)
        .immediate_mode(true)
        .open()
        .with_context(|| format!("opening {iface} for capture (needs CAP_NET_RAW or root)"))?;
    let link = Link::from_linktype(cap.get_datalink().0 as u32);
    tracing::info!(interface = %iface, "live capture started");
    let mut sensor = Sensor::default();
    pipeline.refresh_custom_devices(&mut sensor);
    pipeline.refresh_tls_keys(&mut sensor);
    let (mut last_flush, mut last_devices) = (Instant::now(), Instant::now());
    let mut dropped = 0u64;
    loop {
        match cap.next_packet() {
            Ok(p) => {
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
        }
        if last_devices.elapsed() >= Duration::from_secs(30) {
            pipeline.store_devices_and_metrics(&mut sensor)?;
            last_devices = Instant::now();
            // What the kernel dropped because analysis fell behind the
            // link (libpcap's counters since the capture opened).
            if let Ok(st) = cap.stats() {
                let total = u64::from(st.dropped) + u64::from(st.if_dropped);
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
}

/// Without the `live` feature there is no libpcap: say how to get it.
#[cfg(not(feature = "live"))]
pub fn run(_pipeline: Pipeline, iface: String) -> anyhow::Result<()> {
    anyhow::bail!(
        "live capture on {iface} needs the `live` feature: install libpcap-dev and build with `cargo build --release --features live`"
    )
}
