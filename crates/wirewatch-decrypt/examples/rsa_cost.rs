//! The cost of one RSA private-key operation as the sensor does it (the
//! pre-master secret of a TLS 1.2 RSA key exchange, `RsaKey::premaster`):
//! `rsa_cost KEY.pem CIPHERTEXT N` decrypts the ciphertext N times, then N
//! times a ciphertext that does not open (what a crafted handshake costs),
//! and prints the time of each. Run by `bench/rsa.sh`.

use std::time::Instant;
use wirewatch_decrypt::RsaKey;

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
        let t = Instant::now();
        for _ in 0..n {
            assert_eq!(key.premaster(input).is_some(), opens);
        }
        let per = t.elapsed().as_secs_f64() / f64::from(n);
        println!(
            "rsa{bits} {what:8} {:8.3} ms/op  {:7.0} ops/s (one core)",
            per * 1e3,
            1.0 / per
        );
    }
}
