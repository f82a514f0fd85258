//! `wirewatch serve`: open the store, make sure the setup user exists, and serve.

use anyhow::Context;
use clap::{Args, ValueEnum};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;
use wirewatch_api::{ApiConfig, AppState};
use wirewatch_store::{Durability, Store, StoreOptions};

#[derive(Clone, Copy, ValueEnum)]
enum DurabilityArg {
    /// Acknowledged writes survive a crash of the process (SIGKILL).
    Process,
    /// Acknowledged writes also survive a crash of the machine (fsync per commit).
    Full,
}

#[derive(Args)]
pub struct ServeArgs {
    /// Data directory: the store, the TLS certificate.
    #[arg(long, env = "WIREWATCH_DATA_DIR", default_value = "data")]
    data_dir: PathBuf,
    /// Address to listen on.
    #[arg(long, env = "WIREWATCH_LISTEN", default_value = "0.0.0.0:8443")]
    listen: SocketAddr,
    /// Serve plain HTTP instead of HTTPS (for loopback and tests).
    #[arg(long)]
    no_tls: bool,
    /// Firmware version reported by /extrahop and /extrahop/version.
    #[arg(long, env = "WIREWATCH_FIRMWARE_VERSION", default_value = "25.2.0.0")]
    firmware_version: String,
    /// Host name reported by /extrahop (default: the machine's).
    #[arg(long, env = "WIREWATCH_HOSTNAME")]
    hostname: Option<String>,
    /// Base URL clients use to reach this server (default: from --listen).
    #[arg(long, env = "WIREWATCH_PUBLIC_URL")]
    public_url: Option<String>,
    /// How hard a commit works to reach the disk.
    #[arg(long, value_enum, default_value = "process")]
    durability: DurabilityArg,
    /// A JSON array of detections (the body of POST /api/v1/detections) to
    /// load when the store holds none yet, e.g. samples/detections.json.
    #[arg(long)]
    load_detections: Option<PathBuf>,
    #[command(flatten)]
    retention: crate::opts::RetentionArgs,
    #[command(flatten)]
    detectors: crate::opts::DetectorArgs,
    #[command(flatten)]
    alerts: crate::opts::AlertArgs,
    #[command(flatten)]
    packets: crate::opts::PacketArgs,
    #[command(flatten)]
    tls: crate::opts::TlsArgs,
    /// Network interfaces to capture from live (needs the `live` feature and CAP_NET_RAW).
    #[arg(long, num_args = 1..)]
    interface: Vec<String>,
    /// Capture files to analyse into the store while the server runs (files
    /// it already holds are skipped, an interrupted analysis is resumed).
    #[arg(long, num_args = 1..)]
    pcap: Vec<PathBuf>,
    /// With --pcap: analyse the files again even when the store holds them.
    #[arg(long, requires = "pcap")]
    pcap_force: bool,
    /// A Suricata EVE JSON file to follow while serving: its events go
    /// through the pipeline (detectors, records, trigger events), alerts
    /// become detections; idempotent by byte offset like `ingest --eve`.
    #[arg(long)]
    eve: Option<PathBuf>,
    /// Most messages queued per ODS target; beyond it new messages become dead letters (reason queue_full).
    #[arg(long, env = "WIREWATCH_ODS_QUEUE_LIMIT", default_value_t = wirewatch_store::DEFAULT_QUEUE_LIMIT)]
    ods_queue_limit: u64,
    /// Messages a failing ODS target has not accepted after this long become dead letters (reason expired).
    #[arg(long, env = "WIREWATCH_ODS_MAX_AGE", default_value = "7d", value_parser = parse_duration)]
    ods_max_age: i64,
    /// Longest one trigger run may take, in milliseconds, before it is stopped.
    #[arg(long, env = "WIREWATCH_TRIGGER_BUDGET_MS", default_value_t = 100)]
    trigger_budget_ms: u64,
    /// Memory the trigger engine's JavaScript heap may use, in MiB.
    #[arg(long, env = "WIREWATCH_TRIGGER_MEMORY_MB", default_value_t = 64)]
    trigger_memory_mb: usize,
    /// Detections one trigger run may commit; beyond it they are dropped (counted, logged).
    #[arg(
        long,
        env = "WIREWATCH_TRIGGER_MAX_DETECTIONS",
        default_value_t = 1_000
    )]
    trigger_max_detections: usize,
    /// Remote messages one trigger run may send; beyond it they are dropped (counted, logged).
    #[arg(long, env = "WIREWATCH_TRIGGER_MAX_MESSAGES", default_value_t = 10_000)]
    trigger_max_messages: usize,
    /// How often the status and assignee of open external incidents are pulled back (a number and a unit).
    #[arg(long, env = "WIREWATCH_INCIDENT_SYNC_INTERVAL", default_value = "60s", value_parser = parse_duration)]
    incident_sync_interval: i64,
    /// Incident pushes in flight at once (automatic external ticketing).
    #[arg(long, env = "WIREWATCH_INCIDENT_CONCURRENCY", default_value_t = 16)]
    incident_concurrency: usize,
    /// Connections served at once; beyond it new ones are closed (and logged).
    #[arg(long, env = "WIREWATCH_MAX_CONNECTIONS", default_value_t = 512)]
    max_connections: usize,
    /// Connections one source address may hold at once.
    #[arg(
        long,
        env = "WIREWATCH_MAX_CONNECTIONS_PER_SOURCE",
        default_value_t = 128
    )]
    max_connections_per_source: usize,
    /// Longest wait for a request's line and headers, and longest idle time
    /// of a keep-alive connection (a number and a unit).
    #[arg(long, env = "WIREWATCH_HEADER_TIMEOUT", default_value = "30s", value_parser = parse_duration)]
    header_timeout: i64,
    /// Longest pause inside a request body before it is answered 408 and the connection closed.
    #[arg(long, env = "WIREWATCH_BODY_TIMEOUT", default_value = "30s", value_parser = parse_duration)]
    body_timeout: i64,
    /// Wrong passwords from one source address before it is locked out of password login.
    #[arg(long, env = "WIREWATCH_LOGIN_SOURCE_FAILURES", default_value_t = 10)]
    login_source_failures: u32,
    /// Wrong passwords for one username (from sources that never logged in as it) before it is locked out.
    #[arg(long, env = "WIREWATCH_LOGIN_USER_FAILURES", default_value_t = 20)]
    login_user_failures: u32,
    /// How long a password-login lockout lasts (a number and a unit).
    #[arg(long, env = "WIREWATCH_LOGIN_LOCKOUT", default_value = "5m", value_parser = parse_duration)]
    login_lockout: i64,
}

fn millis(ms: i64) -> Duration {
    Duration::from_millis(ms.max(1) as u64)
}

use crate::opts::parse_duration;

/// Load a JSON array of detections into an empty store.
fn load_detections(store: &Store, path: &std::path::Path) -> anyhow::Result<()> {
    if store.detection_count()? > 0 {
        return Ok(());
    }
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let list: Vec<wirewatch_model::detection::NewDetection> =
        serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
    let n = list.len();
    for d in list {
        store
            .create_detection(d)
            .map_err(wirewatch_model::Error::from)?;
    }
    tracing::info!(count = n, file = %path.display(), "loaded detections");
    Ok(())
}

fn machine_hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .map(|s| s.trim().to_string())
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "wirewatch".to_string())
}

/// The address other machines reach us at: the source address of a route outward.
fn mgmt_ipaddr(listen: SocketAddr) -> String {
    if !listen.ip().is_unspecified() {
        return listen.ip().to_string();
    }
    std::net::UdpSocket::bind("0.0.0.0:0")
        .and_then(|s| {
            s.connect("192.0.2.1:9")?;
            s.local_addr()
        })
        .map(|a| a.ip().to_string())
        .unwrap_or_else(|_| "127.0.0.1".to_string())
}

/// `WIREWATCH_SETUP_PASSWORD`, which must meet the API's password rule.
fn setup_password() -> anyhow::Result<Option<String>> {
    let Ok(p) = std::env::var("WIREWATCH_SETUP_PASSWORD") else {
        return Ok(None);
    };
    if !p.is_empty() {
        if let Err(e) = wirewatch_store::validate_password("WIREWATCH_SETUP_PASSWORD", &p) {
            anyhow::bail!(
                "{} (the setup user's password; the API refuses shorter ones too)",
                e.message
            );
        }
    }
    Ok(Some(p))
}

pub fn run(args: ServeArgs) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let thresholds = args.detectors.thresholds()?;
    let password = setup_password()?;
    let store = Store::open(
        &args.data_dir,
        StoreOptions {
            durability: match args.durability {
                DurabilityArg::Process => Durability::Process,
                DurabilityArg::Full => Durability::Full,
            },
            readers: 0,
            ..crate::store_options()?
        },
    )
    .with_context(|| format!("opening the store in {}", args.data_dir.display()))?;
    if let Some(generated) = store.ensure_setup_user(password.as_deref())? {
        // Printed once, at first start; only its hash is stored.
        println!("wirewatch: generated the setup user's password: {generated}");
        println!("wirewatch: create an API key with: curl -k -X POST {{url}}/api/v1/apikeys -d '{{\"password\": \"{generated}\"}}'");
    }
    if let Some(path) = &args.load_detections {
        load_detections(&store, path)?;
    }
    let hostname = args.hostname.clone().unwrap_or_else(machine_hostname);
    let listener = std::net::TcpListener::bind(args.listen)
        .with_context(|| format!("listening on {}", args.listen))?;
    listener.set_nonblocking(true)?;
    let local = listener.local_addr()?;
    let scheme = if args.no_tls { "http" } else { "https" };
    let shown_host = if local.ip().is_unspecified() {
        "127.0.0.1".to_string()
    } else {
        local.ip().to_string()
    };
    let public_url = args
        .public_url
        .clone()
        .unwrap_or_else(|| {
            format!(
                "{scheme}://{}",
                SocketAddr::new(shown_host.parse().unwrap_or(local.ip()), local.port())
            )
        })
        .trim_end_matches('/')
        .to_string();
    store.set_ods_queue_limit(args.ods_queue_limit);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let ods = {
        let _in_runtime = runtime.enter();
        wirewatch_ods::Ods::start(
            store.clone(),
            wirewatch_ods::WorkerOptions {
                max_age: Duration::from_millis(args.ods_max_age.max(1000) as u64),
            },
        )
    };
    let waker = ods.clone();
    let triggers = wirewatch_triggers::Runner::spawn(
        store.clone(),
        wirewatch_triggers::Limits {
            run_time: Duration::from_millis(args.trigger_budget_ms.max(1)),
            memory: args.trigger_memory_mb.max(4) * 1024 * 1024,
            detections: args.trigger_max_detections,
            messages: args.trigger_max_messages,
            ..Default::default()
        },
        Box::new(move |q| waker.wake(q)),
    )?;
    // The pipelines (captures, interfaces, EVE) hand sensor events to it.
    let triggers = std::sync::Arc::new(triggers);
    let mut state = AppState::new(
        store.clone(),
        ApiConfig {
            version: args.firmware_version.clone(),
            hostname: hostname.clone(),
            external_hostname: hostname.clone(),
            mgmt_ipaddr: mgmt_ipaddr(local),
            platform: "wirewatch".into(),
            edition: "wirewatch NDR (open source)".into(),
            public_url: public_url.clone(),
        },
    );
    // The ODS delivery settings: the flags, unless changed through the
    // running configuration (kept in the store).
    let ods_settings = state
        .settings
        .start_with_ods(wirewatch_api::settings::OdsSection {
            queue_limit: args.ods_queue_limit.max(1),
            max_age_ms: args.ods_max_age.max(1000),
        });
    store.set_ods_queue_limit(ods_settings.queue_limit);
    ods.set_max_age(Duration::from_millis(ods_settings.max_age_ms as u64));
    state.ods = Some(ods);
    let tls = if args.no_tls {
        None
    } else {
        Some(crate::tls::ensure_certificate(&args.data_dir, &hostname)?)
    };
    state.certificate = tls.as_ref().map(|(cert, _)| cert.clone());
    // The detector thresholds: the flags, unless changed through the
    // running configuration; every pipeline follows later changes.
    let live_thresholds =
        std::sync::Arc::new(wirewatch_detect::detectors::LiveThresholds::new(thresholds));
    if state
        .settings
        .start_with_detectors(&store, live_thresholds.clone())
    {
        tracing::info!("detector thresholds from the running configuration (set through the API) override --threshold and --thresholds-file");
    }
    let thresholds = live_thresholds.get();
    state.settings.set_capture(args.interface.clone());
    let smtp = args.alerts.smtp();
    if let Some(config) = &smtp {
        config
            .check()
            .context("the SMTP configuration (--smtp-*)")?;
    }
    if state.settings.start_with_smtp(smtp) {
        tracing::info!("the SMTP server from the running configuration (set through the API) overrides --smtp-*");
    }
    if !state.settings.mail_enabled() {
        tracing::info!("no --smtp-host: alerts fire without sending e-mail");
    }
    if state
        .settings
        .start_with_retention(args.retention.retention())
    {
        tracing::info!(
            retention = ?state.settings.retention(),
            "record retention from the running configuration (set through the API) overrides --records-max-age and --records-max"
        );
    }
    let settings = state.settings.clone();
    // One threat matcher for every input and the API, its first build
    // started now (off the inputs' path; rebuilt in the background when the
    // collections change).
    let threats = state.threats.clone();
    threats.refresh_later();
    match wirewatch_threat::backsearch::fail_interrupted(&store) {
        Ok(0) => {}
        Ok(n) => tracing::warn!(
            collections = n,
            "threat collection back-searches interrupted by the last stop marked failed"
        ),
        Err(e) => tracing::warn!(error = %e, "could not check for interrupted back-searches"),
    }
    // The live captures publish their counters here; the API reads them.
    let capture = state.capture.clone();
    state.packets =
        (args.packets.packets_max_bytes > 0).then(|| wirewatch_packets::dir_in(&args.data_dir));
    // The writer is opened only when this process captures: an `ingest`
    // into the same data directory can then keep its packets.
    let packet_sink = if args.pcap.is_empty() && args.interface.is_empty() {
        None
    } else {
        args.packets.writer(&args.data_dir)?
    };
    state.logins = std::sync::Arc::new(wirewatch_api::throttle::LoginThrottle::new(
        wirewatch_api::throttle::ThrottleConfig {
            source_failures: args.login_source_failures.max(1),
            user_failures: args.login_user_failures.max(1),
            lockout: millis(args.login_lockout),
            ..Default::default()
        },
    ));
    state.connectors = wirewatch_connectors::pusher::Connectors::new(
        store.clone(),
        wirewatch_connectors::pusher::Options {
            concurrency: args.incident_concurrency.max(1),
            sync_interval: wirewatch_connectors::sync::clamp_interval(Duration::from_millis(
                args.incident_sync_interval as u64,
            )),
            public_url: public_url.clone(),
            ..Default::default()
        },
    );
    {
        let _in_runtime = runtime.enter();
        state.connectors.start();
    }
    let mut limits = crate::listener::Limits {
        max_connections: args.max_connections.max(1),
        max_per_source: args.max_connections_per_source.max(1),
        header_timeout: millis(args.header_timeout),
        body_timeout: millis(args.body_timeout),
    };
    crate::listener::fit_to_file_limit(&mut limits);
    // The certificate is served through a resolver that
    // `/extrahop/sslcert` changes while serving.
    let resolver = match &tls {
        Some(_) => {
            let control = wirewatch_api::certs::TlsControl::load(&args.data_dir, &hostname)
                .context("loading the TLS certificate")?;
            let r = control.resolver();
            let mut system = wirewatch_api::SystemState::new(&store);
            system.tls = Some(control);
            state.system = std::sync::Arc::new(system);
            Some(r)
        }
        None => None,
    };
    state
        .system
        .triggers
        .store(true, std::sync::atomic::Ordering::Relaxed);
    state.system.capture.store(
        !args.pcap.is_empty() || args.eve.is_some() || !args.interface.is_empty(),
        std::sync::atomic::Ordering::Relaxed,
    );
    let app = wirewatch_api::with_body_timeout(wirewatch_api::app(state), limits.body_timeout);
    // One RSA budget and resumption cache for every capture of the process.
    let tls_state = args.tls.state();
    if !args.pcap.is_empty() {
        let (st, files) = (store.clone(), args.pcap.clone());
        // The server's sweep applies retention while it runs.
        let opts = wirewatch_pipeline::capture::SensorOptions {
            quiet: true,
            max_flows: wirewatch_sensor::flow::DEFAULT_MAX_FLOWS,
            thresholds: thresholds.clone(),
            retention: None,
            force: args.pcap_force,
            packets: packet_sink.clone(),
            tls_state: tls_state.clone(),
            threats: Some(threats.clone()),
        };
        let t = Some(triggers.clone());
        std::thread::Builder::new()
            .name("wirewatch-ingest".into())
            .spawn(move || {
                match wirewatch_pipeline::capture::ingest_files(&st, &files, &opts, t) {
                    Ok(summary) => {
                        crate::ingest::print_summary(&summary);
                        for (file, why) in summary.failed {
                            tracing::error!(file = %file, error = %why, "capture file not read");
                        }
                    }
                    Err(e) => tracing::error!(error = %e, "analysing captures"),
                }
            })?;
    }
    if let Some(eve) = args.eve.clone() {
        let mut pipeline = wirewatch_pipeline::Pipeline::new(
            store.clone(),
            thresholds.clone(),
            Some(triggers.clone()),
        )
        .with_threats(Some(threats.clone()))
        .with_live_thresholds(live_thresholds.clone());
        std::thread::Builder::new()
            .name("wirewatch-eve".into())
            .spawn(move || {
                if let Err(e) = crate::ingest::ingest_eve(&mut pipeline, &eve, true, false) {
                    tracing::error!(error = %e, "reading EVE stopped");
                }
            })?;
    }
    for iface in &args.interface {
        let pipeline = || {
            wirewatch_pipeline::Pipeline::new(
                store.clone(),
                thresholds.clone(),
                Some(triggers.clone()),
            )
            .with_live_thresholds(live_thresholds.clone())
            .with_packets(packet_sink.clone())
            .with_tls_state(tls_state.clone())
            .with_threats(Some(threats.clone()))
        };
        let name = iface.clone();
        #[cfg(not(feature = "live"))]
        crate::live::run(pipeline(), name.clone(), capture.clone())?;
        let pipeline = pipeline();
        let stats = capture.clone();
        std::thread::Builder::new()
            .name(format!("wirewatch-capture-{iface}"))
            .spawn(move || {
                if let Err(e) = crate::live::run(pipeline, name, stats) {
                    tracing::error!(error = %e, "live capture stopped");
                }
            })?;
    }
    runtime.block_on(async move {
        let handle = axum_server::Handle::new();
        let h = handle.clone();
        tokio::spawn(async move {
            shutdown_signal().await;
            h.graceful_shutdown(Some(Duration::from_secs(10)));
        });
        // Alert e-mail follows the running configuration's SMTP section.
        tokio::spawn(wirewatch_alerts::run_live(
            store.clone(),
            settings.smtp_watch(),
            Duration::from_secs(1),
            std::future::pending(),
        ));
        let mail = settings.clone();
        tokio::spawn(wirewatch_alerts::run_evaluator(
            store.clone(),
            millis(args.alerts.alert_interval),
            move || mail.mail_enabled(),
            std::future::pending(),
        ));
        let sweeper = store.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_secs(30)).await;
                let s = sweeper.clone();
                // The running configuration's retention, changed through the API.
                let retention = settings.retention();
                match tokio::task::spawn_blocking(move || {
                    s.expire_records(retention)?;
                    s.expire_metrics()?;
                    s.expire_rules()
                })
                .await
                {
                    Ok(Err(e)) => tracing::warn!(error = %e, "retention sweep (records, metrics, tuning rules)"),
                    Err(e) => tracing::warn!(error = %e, "retention sweep (records, metrics, tuning rules)"),
                    Ok(Ok(_)) => {}
                }
            }
        });
        println!(
            "wirewatch: listening on {public_url} (data in {}, ready in {:?})",
            args.data_dir.display(),
            started.elapsed()
        );
        let svc = app.into_make_service_with_connect_info::<SocketAddr>();
        let capped = crate::listener::CappedAcceptor::new(limits.clone());
        match tls {
            None => {
                let mut server = axum_server::from_tcp(listener)
                    .acceptor(crate::listener::JsonErrorsAcceptor::new(capped));
                crate::listener::configure(&mut server, &limits);
                server.handle(handle).serve(svc).await
            }
            Some((cert, key)) => {
                let _ = rustls::crypto::ring::default_provider().install_default();
                let config = axum_server::tls_rustls::RustlsConfig::from_pem_file(cert, key)
                    .await
                    .context("loading the TLS certificate")?;
                if let Some(r) = resolver {
                    let mut inner = (*config.get_inner()).clone();
                    inner.cert_resolver = r as std::sync::Arc<dyn rustls::server::ResolvesServerCert>;
                    config.reload_from_config(std::sync::Arc::new(inner));
                }
                let tls = axum_server::tls_rustls::RustlsAcceptor::new(config).acceptor(capped);
                let mut server = axum_server::from_tcp(listener)
                    .acceptor(crate::listener::JsonErrorsAcceptor::new(tls));
                crate::listener::configure(&mut server, &limits);
                server.handle(handle).serve(svc).await
            }
        }
        .context("serving")?;
        anyhow::Ok(())
    })
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
