//! The cost of one RSA private-key operation as the sensor does it (the
//! pre-master secret of a TLS 1.2 RSA key exchange, `RsaKey::premaster`):
//! `rsa_cost KEY.pem CIPHERTEXT N` decrypts the ciphertext N times, then N
//! times a ciphertext that does not open (what a crafted handshake costs),
//! and prints the time of each: CPU time of the thread (Linux
//! `/proc/thread-self/schedstat`, what `openssl speed` reports too) and wall
//! time (which a loaded machine inflates). Run by `bench/rsa.sh`.

use std::time::Instant;
use wirewatch_decrypt::RsaKey;

/// Nanoseconds this thread ran on a CPU (0 where the file is missing).
fn cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

fn main() {
    let a: Vec<String> = std::env::args().collect();
    if a.len() != 4 {
        eprintln!("usage: rsa_cost KEY.pem CIPHERTEXT N");
        std::process::exit(2);
    }
    let key = RsaKey::from_pem(&std::fs::read_to_string(&a[1]).expect("the key")).expect("a key");
    let ct = std::fs::read(&a[2]).expect("the ciphertext");
    let n: u32 = a[3].parse().expect("N");
    let bits = key.size() * 8;
    let mut garbage = ct.clone();
    garbage[ct.len() / 2] ^= 0x5a;
    garbage[0] = 0;
    for (what, input, opens) in [("valid", &ct, true), ("crafted", &garbage, false)] {
        let (t, cpu) = (Instant::now(), cpu_ns());
        for _ in 0..n {
            assert_eq!(key.premaster(input).is_some(), opens);
        }
        let wall = t.elapsed().as_secs_f64() / f64::from(n);
        let per = (cpu_ns() - cpu) as f64 / 1e9 / f64::from(n);
        println!(
            "rsa{bits} {what:8} CPU {:7.3} ms/op ({:5.0} ops/s of one core)  wall {:7.3} ms/op",
            per * 1e3,
            1.0 / per,
            wall * 1e3
        );
    }
}
