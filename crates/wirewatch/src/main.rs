//! `wirewatch`: the command line. `serve` runs the REST API on the embedded
//! store; `apikey` issues keys from the shell.

mod ingest;
mod listener;
mod live;
mod opts;
mod serve;
mod tls;

use anyhow::Context;
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use wirewatch_store::{Store, StoreOptions};

#[derive(Parser)]
#[command(
    name = "wirewatch",
    version,
    about = "Network detection and response sensor with an ExtraHop-compatible REST API"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the REST API (/api/v1) on the embedded store.
    Serve(Box<serve::ServeArgs>),
    /// Analyse capture files (pcap, pcapng, gzip) into the data directory.
    Ingest(ingest::IngestArgs),
    /// Manage API keys from the shell (works while the server runs).
    Apikey {
        #[command(subcommand)]
        command: ApikeyCommand,
    },
}

#[derive(Subcommand)]
enum ApikeyCommand {
    /// Issue a new API key for a user and print it (the only time it is shown).
    Create {
        /// Data directory of the store.
        #[arg(long, env = "WIREWATCH_DATA_DIR", default_value = "data")]
        data_dir: PathBuf,
        /// The user the key is for.
        #[arg(long, default_value = "setup")]
        user: String,
        /// A description shown when keys are listed.
        #[arg(long, default_value = "issued from the command line")]
        description: String,
    },
}

/// Options for opening the store: the key of stored secrets from
/// `WIREWATCH_SECRET_KEY` (64 hexadecimal digits) when set, else the store
/// uses the key file in the data directory.
pub(crate) fn store_options() -> anyhow::Result<StoreOptions> {
    let secret_key = match std::env::var(wirewatch_store::SECRET_KEY_ENV) {
        Ok(v) if !v.trim().is_empty() => Some(
            wirewatch_store::SecretKey::from_hex(&v)
                .map_err(|e| anyhow::anyhow!("{}: {e}", wirewatch_store::SECRET_KEY_ENV))?,
        ),
        Ok(_) | Err(std::env::VarError::NotPresent) => None,
        Err(std::env::VarError::NotUnicode(_)) => anyhow::bail!(
            "{}: must be 64 hexadecimal digits",
            wirewatch_store::SECRET_KEY_ENV
        ),
    };
    Ok(StoreOptions {
        secret_key,
        ..StoreOptions::default()
    })
}

fn main() -> anyhow::Result<()> {
    // Before any thread starts: the local UTC offset cannot be read safely later.
    wirewatch_ods::init_local_offset();
    {
        use tracing_subscriber::layer::SubscriberExt as _;
        use tracing_subscriber::util::SubscriberInitExt as _;
        // stderr, and the last lines in memory for support packs.
        use tracing_subscriber::Layer as _;
        // The ring keeps info and above whatever WIREWATCH_LOG lets through to stderr.
        tracing_subscriber::registry()
            .with(
                tracing_subscriber::fmt::layer()
                    .with_writer(std::io::stderr)
                    .with_filter(
                        tracing_subscriber::EnvFilter::try_from_env("WIREWATCH_LOG")
                            .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
                    ),
            )
            .with(
                wirewatch_api::logs::layer()
                    .with_filter(tracing_subscriber::filter::LevelFilter::INFO),
            )
            .init();
    }
    let cli = Cli::parse();
    match cli.command {
        Command::Serve(args) => serve::run(*args),
        Command::Ingest(args) => ingest::run(args),
        Command::Apikey {
            command:
                ApikeyCommand::Create {
                    data_dir,
                    user,
                    description,
                },
        } => {
            let store = Store::open(&data_dir, store_options()?)
                .with_context(|| format!("opening the store in {}", data_dir.display()))?;
            let u = store.user(&user)?.with_context(|| {
                format!("no user named {user}; create one with POST /api/v1/users")
            })?;
            let key = store.create_apikey(u.id, &description)?;
            store.audit(
                "cli",
                "issue API key",
                "apikeys",
                serde_json::json!({"id": key.id, "username": user}),
            )?;
            println!("{}", key.key);
            Ok(())
        }
    }
}
