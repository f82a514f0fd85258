//! `fake-itsm`: serves the local stateful fakes of the Jira Cloud REST API v2
//! and the ServiceNow Table API on 127.0.0.1 until killed.
//!
//! Usage: `fake-itsm --port P [--user U] [--password P]`

use std::process::ExitCode;

use wirewatch_testkit::FakeItsm;

const USAGE: &str = "usage: fake-itsm --port P [--user U] [--password P]\n\
    Serves fakes of the Jira Cloud REST API v2 (/rest/api/2) and the ServiceNow\n\
    Table API (/api/now/table) on 127.0.0.1:P with HTTP Basic auth.\n\
    Defaults: --port 0 (ephemeral), --user wirewatch@example.com, --password fake-api-token";

struct Args {
    port: u16,
    user: String,
    password: String,
}

/// Why the command line is not run.
#[derive(Debug, thiserror::Error)]
enum ArgsError {
    #[error("help asked for")]
    Help,
    #[error("{0} needs a value")]
    NeedsValue(String),
    #[error("--port: not a port number: {0}")]
    BadPort(String),
    #[error("unknown argument {0}")]
    Unknown(String),
}

fn parse_args() -> Result<Args, ArgsError> {
    let mut parsed = Args {
        port: 0,
        user: "wirewatch@example.com".to_owned(),
        password: "fake-api-token".to_owned(),
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) => (n.to_owned(), Some(v.to_owned())),
            None => (arg, None),
        };
        if name == "-h" || name == "--help" {
            return Err(ArgsError::Help);
        }
        let value = match inline.or_else(|| args.next()) {
            Some(v) => v,
            None => return Err(ArgsError::NeedsValue(name)),
        };
        match name.as_str() {
            "--port" => {
                parsed.port = value
                    .parse()
                    .map_err(|_| ArgsError::BadPort(value.clone()))?;
            }
            "--user" => parsed.user = value,
            "--password" => parsed.password = value,
            other => return Err(ArgsError::Unknown(other.to_string())),
        }
    }
    Ok(parsed)
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(ArgsError::Help) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("fake-itsm: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let fake = match FakeItsm::try_start_on(args.port, &args.user, &args.password) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("fake-itsm: cannot listen on 127.0.0.1:{}: {e}", args.port);
            return ExitCode::FAILURE;
        }
    };
    println!("listening on 127.0.0.1:{}", fake.port());
    eprintln!(
        "fake-itsm: Jira at {url}/rest/api/2, ServiceNow at {url}/api/now/v2/table; Basic auth user {user}",
        url = fake.url(),
        user = args.user
    );
    loop {
        std::thread::park();
    }
}
