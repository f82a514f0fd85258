//! Password hashing on a small, fixed pool of threads with memory of their own.
//!
//! An argon2 hash (the default parameters: 19 MiB, two passes) is the most
//! expensive thing an unauthenticated caller can make the server do. Left to
//! the general blocking pool, every guess allocated 19 MiB on whichever thread
//! ran it, and glibc kept those arenas: a flood of wrong passwords grew the
//! process by gigabytes. Here a fixed number of worker threads (one per core,
//! at most [`MAX_WORKERS`]) each own one preallocated argon2 work area that is
//! reused for every hash, so hashing costs a bounded, constant amount of
//! memory; the queue in front of them is bounded too, and a full queue is
//! answered at once with [`Busy`] instead of waiting.
//!
//! Unknown users are checked against a dummy hash with the same parameters,
//! so a wrong username costs the same time as a wrong password.

use argon2::password_hash::{Output, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use rand::RngCore;
use std::sync::mpsc::{sync_channel, SyncSender, TrySendError};
use std::sync::OnceLock;

/// At most this many hashing threads, whatever the core count.
pub const MAX_WORKERS: usize = 4;
/// Hash requests waiting beyond the running ones before the pool says busy.
pub const QUEUE: usize = 16;
/// The largest argon2 memory cost (KiB) a stored hash may ask for; a hash
/// asking for more is treated as not matching instead of allocating.
const MAX_M_COST: u32 = 64 * 1024;

/// The pool is full: try again shortly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Busy;

enum Job {
    Hash(String, SyncSender<Option<String>>),
    Verify(String, Option<String>, SyncSender<bool>),
}

/// The process-wide hashing pool. Process-wide on purpose: the bound it
/// enforces (memory and CPU spent on hashing) is a property of the process,
/// not of one store.
pub struct Pool {
    jobs: SyncSender<Job>,
    workers: usize,
}

static POOL: OnceLock<Pool> = OnceLock::new();

/// The hashing pool, started on first use.
pub fn pool() -> &'static Pool {
    POOL.get_or_init(|| {
        let workers = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2)
            .clamp(1, MAX_WORKERS);
        Pool::start(workers, QUEUE)
    })
}

/// A PHC string of the default parameters that no password matches, used
/// for users that do not exist (same cost as a real check).
fn dummy_hash(memory: &mut [Block]) -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| hash_with(memory, &super::users::random_hex(16)).unwrap_or_default())
}

impl Pool {
    fn start(workers: usize, queue: usize) -> Pool {
        let (tx, rx) = sync_channel::<Job>(queue);
        let rx = std::sync::Arc::new(parking_lot::Mutex::new(rx));
        for i in 0..workers {
            let rx = rx.clone();
            std::thread::Builder::new()
                .name(format!("wirewatch-hash-{i}"))
                .spawn(move || {
                    let mut memory = vec![Block::new(); Params::DEFAULT.block_count()];
                    loop {
                        let job = match rx.lock().recv() {
                            Ok(j) => j,
                            Err(_) => return,
                        };
                        match job {
                            Job::Hash(password, reply) => {
                                let _ = reply.send(hash_with(&mut memory, &password));
                            }
                            Job::Verify(password, phc, reply) => {
                                let phc = match phc {
                                    Some(p) => p,
                                    None => dummy_hash(&mut memory).to_string(),
                                };
                                let _ = reply.send(verify_with(&mut memory, &password, &phc));
                            }
                        }
                    }
                })
                .expect("start a password hashing thread");
        }
        Pool { jobs: tx, workers }
    }

    /// Threads hashing.
    pub fn workers(&self) -> usize {
        self.workers
    }

    fn submit<T>(&self, make: impl FnOnce(SyncSender<T>) -> Job) -> Result<T, Busy> {
        let (tx, rx) = sync_channel(1);
        match self.jobs.try_send(make(tx)) {
            Ok(()) => rx.recv().map_err(|_| Busy),
            Err(TrySendError::Full(_)) | Err(TrySendError::Disconnected(_)) => Err(Busy),
        }
    }

    /// A PHC string (argon2id, default parameters, random salt) for a password.
    pub fn hash(&self, password: &str) -> Result<Option<String>, Busy> {
        self.submit(|tx| Job::Hash(password.to_string(), tx))
    }

    /// Whether `password` matches `phc`; with no hash (an unknown user) the
    /// check runs against a dummy hash and fails, taking as long as a real one.
    pub fn verify(&self, password: &str, phc: Option<&str>) -> Result<bool, Busy> {
        self.submit(|tx| Job::Verify(password.to_string(), phc.map(str::to_string), tx))
    }
}

fn hash_with(memory: &mut [Block], password: &str) -> Option<String> {
    let mut salt = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut salt);
    let params = Params::DEFAULT;
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone())
        .hash_password_into_with_memory(
            password.as_bytes(),
            &salt,
            &mut out,
            &mut memory[..params.block_count()],
        )
        .ok()?;
    let salt = SaltString::encode_b64(&salt).ok()?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: (&params).try_into().ok()?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&out).ok()?),
    };
    Some(phc.to_string())
}

fn verify_with(memory: &mut Vec<Block>, password: &str, phc: &str) -> bool {
    let Ok(h) = PasswordHash::new(phc) else {
        return false;
    };
    let (Ok(algorithm), Ok(params), Some(salt), Some(expected)) = (
        Algorithm::try_from(h.algorithm),
        Params::try_from(&h),
        h.salt,
        h.hash,
    ) else {
        return false;
    };
    let version = match h.version.map(Version::try_from) {
        None => Version::V0x13,
        Some(Ok(v)) => v,
        Some(Err(_)) => return false,
    };
    if params.m_cost() > MAX_M_COST {
        return false;
    }
    let blocks = params.block_count();
    if memory.len() < blocks {
        memory.resize(blocks, Block::new());
    }
    let mut salt_buf = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_buf) else {
        return false;
    };
    let mut out = vec![0u8; expected.len()];
    let ok = Argon2::new(algorithm, version, params)
        .hash_password_into_with_memory(password.as_bytes(), salt, &mut out, &mut memory[..blocks])
        .is_ok();
    // `Output`'s equality is constant-time.
    ok && Output::new(&out).is_ok_and(|o| o == expected)
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::password_hash::{PasswordHasher, PasswordVerifier};

    #[test]
    fn hashes_are_standard_phc_and_verify_both_ways() {
        let p = Pool::start(1, 4);
        let ours = p.hash("hunter2-hunter2").unwrap().unwrap();
        // A hash made here verifies with the argon2 crate's own verifier...
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(Argon2::default()
            .verify_password(b"hunter2-hunter2", &parsed)
            .is_ok());
        assert!(Argon2::default()
            .verify_password(b"hunter3", &parsed)
            .is_err());
        // ...and one made by the crate (stores written before the pool) verifies here.
        let salt = SaltString::encode_b64(&[7u8; 16]).unwrap();
        let theirs = Argon2::default()
            .hash_password(b"older-password", &salt)
            .unwrap()
            .to_string();
        assert_eq!(p.verify("older-password", Some(&theirs)), Ok(true));
        assert_eq!(p.verify("older-passwore", Some(&theirs)), Ok(false));
        assert_eq!(p.verify("x", Some("not a hash")), Ok(false));
        // Unknown user: a check against the dummy hash, never a match.
        assert_eq!(p.verify("", None), Ok(false));
    }

    #[test]
    fn a_full_queue_answers_busy_at_once() {
        let p = std::sync::Arc::new(Pool::start(1, 1));
        // Many concurrent checks against one worker and a queue of one:
        // some must be refused, and the refused ones return immediately.
        let handles: Vec<_> = (0..8)
            .map(|_| {
                let p = p.clone();
                std::thread::spawn(move || p.verify("wrong", None))
            })
            .collect();
        let results: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        assert!(results.contains(&Err(Busy)), "{results:?}");
        assert!(results.contains(&Ok(false)), "{results:?}");
    }
}
