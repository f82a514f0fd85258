//! One TLS connection decrypted: both directions' records framed, the
//! handshake read for what the keys need (randoms, suite, extensions, the
//! server certificate, the RSA-encrypted pre-master secret, the transcript
//! hash of the extended master secret), the keys found in the [`KeyRing`],
//! and the application data decrypted.
//!
//! TLS 1.2: the pre-master secret decrypted with an RSA key gives the
//! master secret (with RFC 7627's session hash when the extended master
//! secret was negotiated), or the key log gives it (`CLIENT_RANDOM`); the
//! key block follows from the PRF; each side's records are encrypted from
//! its ChangeCipherSpec on. At most one RSA private-key operation per
//! handshake, and only with a token of the sensor's [`RsaBudget`]
//! (crate::shared::RsaBudget). A resumed TLS 1.2 session (an abbreviated
//! handshake: no key exchange) reuses the master secret of the session it
//! resumes, found by its ticket or session id in the sensor's
//! [`Resumption`](crate::shared::Resumption) cache, which sessions that
//! decrypted fill. TLS 1.3: the key log's handshake traffic
//! secrets open the encrypted handshake, the `*_TRAFFIC_SECRET_0` ones the
//! application data from each side's Finished on, and KeyUpdate moves to
//! the next secret; 0-RTT early data opens with the key log's
//! `CLIENT_EARLY_TRAFFIC_SECRET` (PSK resumption needs nothing more: the
//! key log has the resumed connection's own secrets). Renegotiation is not
//! decrypted.

use crate::cipher::{self, RecordCipher, RecordError, Suite};
use crate::kdf::{self, Hash};
use crate::keys::{KeyRing, KeylogEntry, Label, SessionSecrets};
use crate::shared::{DecryptState, Resumable};
use sha2::{Digest, Sha256, Sha384};

/// Largest TLS record body (2^14 plus the most expansion TLS 1.2 allows).
pub const MAX_RECORD: usize = (1 << 14) + 2048;
/// Largest handshake message read (a certificate chain is the largest).
pub const MAX_HANDSHAKE_MESSAGE: usize = 256 * 1024;
/// Largest session ticket remembered from a NewSessionTicket.
pub const MAX_TICKET: usize = 4096;

/// TLS 1.3 records skipped, before the first that opens, when the key log
/// has the application traffic secret of a side but not its handshake one.
pub const MAX_BLIND_RECORDS: u32 = 32;

/// The random of a TLS 1.3 HelloRetryRequest (RFC 8446 §4.1.3).
const HRR_RANDOM: [u8; 32] = [
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
];

/// A direction: from the client (to the server) or from the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Client = 0,
    Server = 1,
}

/// Where a session's keys came from.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Source {
    /// An RSA private key (its id).
    Key(String),
    /// The TLS key log.
    Keylog,
}

/// How a session's decryption went (reported once).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Its first encrypted record opened with the keys.
    Decrypted(Source),
    /// Keys were found but did not open it (why).
    Failed(Option<Source>, &'static str),
    /// No key applies to it (no RSA key for its server, no key log line).
    NoKey,
    /// Its RSA key exchange was not decrypted: the RSA budget was spent
    /// (the key that would have been tried).
    OverBudget(String),
    /// A cipher suite or version that is not decrypted (its suite number).
    Unsupported(u16),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase13 {
    Handshake,
    Application,
}

struct Dir {
    /// Bytes of a record not yet whole.
    buf: Vec<u8>,
    /// Handshake bytes of a message not yet whole.
    hs: Vec<u8>,
    cipher: Option<RecordCipher>,
    /// TLS 1.3: which secret the cipher is of, and that secret.
    phase: Phase13,
    secret: Vec<u8>,
    /// TLS 1.3 with the application secret only: the encrypted handshake
    /// records before the first application record cannot be opened and are
    /// skipped (at most [`MAX_BLIND_RECORDS`]).
    blind: u32,
}

impl Default for Dir {
    fn default() -> Self {
        Dir {
            buf: Vec::new(),
            hs: Vec::new(),
            cipher: None,
            phase: Phase13::Handshake,
            secret: Vec::new(),
            blind: 0,
        }
    }
}

/// The keys and the state shared by the sessions, for one call.
struct Cx<'a> {
    ring: &'a KeyRing,
    state: &'a DecryptState,
}

/// One connection's decryption state.
pub struct Session {
    server_port: u16,
    dirs: [Dir; 2],
    client_random: Option<[u8; 32]>,
    server_random: Option<[u8; 32]>,
    suite: Option<Suite>,
    tls13: bool,
    ems: bool,
    etm: bool,
    transcript: Option<(Sha256, Sha384)>,
    /// Indices of the ring's RSA keys whose public key is the server certificate's.
    cert_keys: Vec<usize>,
    saw_certificate: bool,
    /// TLS 1.2: ciphers derived, waiting for each side's ChangeCipherSpec.
    pending12: [Option<RecordCipher>; 2],
    derived: bool,
    source: Option<Source>,
    outcome: Option<Outcome>,
    reported: bool,
    /// Stop: an outcome that ends decryption, or framing lost.
    dead: bool,
    /// The master secret derived from an RSA key (or reused by a resumed
    /// session), as a key log line (the session keys `/packets/search`
    /// hands out as `keylog_txt`).
    pub derived_line: Option<KeylogEntry>,
    /// TLS 1.2: the master secret, once known (for resumption).
    master: Option<Vec<u8>>,
    /// The ClientHello's session id and session ticket (extension 35).
    client_sid: Vec<u8>,
    client_ticket: Vec<u8>,
    /// The ServerHello's session id.
    server_sid: Vec<u8>,
    /// Tickets of NewSessionTicket messages (TLS 1.2).
    new_tickets: Vec<Vec<u8>>,
    /// A key exchange was seen (a Certificate, ServerKeyExchange or
    /// ClientKeyExchange): not a resumed handshake.
    full_handshake: bool,
    /// Whether this session was resumed from the cache.
    pub resumed: bool,
    /// TLS 1.3 0-RTT: the client offered early data (extension 42); its
    /// early-data cipher once found; early data over (EndOfEarlyData, or a
    /// record it does not open).
    early_offered: bool,
    early: Option<RecordCipher>,
    early_done: bool,
}

impl Session {
    pub fn new(server_port: u16) -> Session {
        Session {
            server_port,
            dirs: [Dir::default(), Dir::default()],
            client_random: None,
            server_random: None,
            suite: None,
            tls13: false,
            ems: false,
            etm: false,
            transcript: Some((Sha256::new(), Sha384::new())),
            cert_keys: Vec::new(),
            saw_certificate: false,
            pending12: [None, None],
            derived: false,
            source: None,
            outcome: None,
            reported: false,
            dead: false,
            derived_line: None,
            master: None,
            client_sid: Vec::new(),
            client_ticket: Vec::new(),
            server_sid: Vec::new(),
            new_tickets: Vec::new(),
            full_handshake: false,
            resumed: false,
            early_offered: false,
            early: None,
            early_done: false,
        }
    }

    /// The outcome, once known; `Some` once only.
    pub fn take_outcome(&mut self) -> Option<Outcome> {
        if self.reported {
            return None;
        }
        let o = self.outcome.clone()?;
        self.reported = true;
        Some(o)
    }

    /// The outcome at the end of the connection: a session whose
    /// encrypted records were never seen has none.
    pub fn outcome(&self) -> Option<&Outcome> {
        self.outcome.as_ref()
    }

    pub fn client_random(&self) -> Option<[u8; 32]> {
        self.client_random
    }

    fn settle(&mut self, o: Outcome) {
        if self.outcome.is_none() {
            self.outcome = Some(o);
        }
    }

    fn fail(&mut self, why: &'static str) {
        self.settle(Outcome::Failed(self.source.clone(), why));
        self.dead = true;
    }

    /// The next bytes of one side (in order); returns the application data
    /// decrypted from them. `state` is the sensor's (shared by its sessions).
    pub fn feed(
        &mut self,
        ring: &KeyRing,
        state: &DecryptState,
        side: Side,
        bytes: &[u8],
    ) -> Vec<Vec<u8>> {
        let cx = Cx { ring, state };
        let mut out = Vec::new();
        if self.dead {
            return out;
        }
        let d = side as usize;
        self.dirs[d].buf.extend_from_slice(bytes);
        let mut at = 0;
        loop {
            let buf = &self.dirs[d].buf;
            if buf.len() < at + 5 {
                break;
            }
            let header: [u8; 5] = buf[at..at + 5].try_into().expect("5 bytes");
            let len = usize::from(u16::from_be_bytes([header[3], header[4]]));
            if !(20..=24).contains(&header[0]) || header[1] != 3 || len > MAX_RECORD {
                // Not TLS records (any more): nothing more can be framed.
                if self.derived {
                    self.fail("lost the record framing");
                }
                self.dead = true;
                self.dirs[d].buf.clear();
                return out;
            }
            if buf.len() < at + 5 + len {
                break;
            }
            let body = buf[at + 5..at + 5 + len].to_vec();
            at += 5 + len;
            self.record(&cx, side, &header, &body, &mut out);
            if self.dead {
                self.dirs[d].buf.clear();
                return out;
            }
        }
        self.dirs[d].buf.drain(..at);
        out
    }

    fn record(
        &mut self,
        cx: &Cx<'_>,
        side: Side,
        header: &[u8; 5],
        body: &[u8],
        out: &mut Vec<Vec<u8>>,
    ) {
        let d = side as usize;
        let ty = header[0];
        if ty == 20 {
            // ChangeCipherSpec: TLS 1.2 encrypts from here on (TLS 1.3's is a
            // no-op, and a client sending 0-RTT data sends it before the ServerHello).
            if !self.tls13 && self.server_random.is_some() {
                if !self.derived {
                    self.derive_without_key_exchange(cx);
                }
                if self.dead {
                    return;
                }
                self.dirs[d].cipher = self.pending12[d].take();
            }
            return;
        }
        if side == Side::Client
            && ty == 23
            && self.early_offered
            && !self.early_done
            && self.dirs[d].cipher.is_none()
        {
            if let Some((inner, plain)) = self.early_record(cx, header, body) {
                match inner {
                    23 if !plain.is_empty() => out.push(plain),
                    // EndOfEarlyData: the client's handshake secret follows.
                    22 if plain.first() == Some(&5) => {
                        self.early_done = true;
                        self.early = None;
                    }
                    _ => {}
                }
                return;
            }
        }
        let encrypted = self.dirs[d].cipher.is_some()
            || (self.tls13 && self.server_random.is_some() && ty == 23);
        if !encrypted {
            if ty == 22 {
                self.handshake_bytes(cx, side, body);
            } else if ty == 23 && self.server_random.is_some() && !self.tls13 {
                // Application data before keys: the ChangeCipherSpec was missed.
                if !self.derived {
                    self.derive_without_key_exchange(cx);
                }
                if self.outcome.is_none() && !self.dead {
                    self.fail("application data without a ChangeCipherSpec");
                }
            }
            return;
        }
        if self.tls13 && self.dirs[d].cipher.is_none() && !self.start13(cx.ring, side) {
            return;
        }
        let opened = {
            let c = self.dirs[d].cipher.as_mut().expect("a cipher");
            c.open(header, body)
        };
        let (inner, plain) = match opened {
            Ok(v) => v,
            Err(_) if self.dirs[d].blind > 1 => {
                // An encrypted handshake record, without its secret.
                self.dirs[d].blind -= 1;
                return;
            }
            Err(e) => {
                // TLS 1.3 with only the traffic secrets: the handshake is skipped.
                if self.tls13 && self.dirs[d].phase == Phase13::Handshake {
                    if let Some(v) = self.open_with_application13(cx.ring, side, header, body) {
                        v
                    } else {
                        return;
                    }
                } else {
                    self.fail(match e {
                        RecordError::Auth => {
                            "a record's authentication tag or MAC does not verify with the keys"
                        }
                        RecordError::Malformed => "a record too short for its cipher",
                    });
                    return;
                }
            }
        };
        self.dirs[d].blind = 0;
        if self.outcome.is_none() {
            if let Some(s) = self.source.clone() {
                self.settle(Outcome::Decrypted(s));
                self.remember(cx);
            }
        }
        match inner {
            23 if !plain.is_empty() => out.push(plain),
            22 => self.handshake_bytes(cx, side, &plain),
            _ => {}
        }
    }

    /// TLS 1.3 0-RTT: a client record before its handshake secret, opened
    /// with the key log's early traffic secret. Until the ServerHello names
    /// the suite, the suites of the secret's size are tried (the AEAD tag
    /// tells which). `None`: not early data (early data is then over).
    fn early_record(
        &mut self,
        cx: &Cx<'_>,
        header: &[u8; 5],
        body: &[u8],
    ) -> Option<(u8, Vec<u8>)> {
        if self.early.is_none() {
            let secret = self
                .client_random
                .and_then(|cr| cx.ring.session(&cr))
                .and_then(|s| s.client_early.clone());
            let Some(secret) = secret else {
                self.early_done = true;
                return None;
            };
            let ids: &[u16] = match (self.suite, secret.len()) {
                (Some(s), _) => &[s.id][..],
                (None, 48) => &[0x1302],
                (None, _) => &[0x1301, 0x1303],
            };
            for id in ids {
                let Some(mut c) = cipher::suite(*id).and_then(|s| RecordCipher::tls13(&s, &secret))
                else {
                    continue;
                };
                if let Ok(v) = c.open(header, body) {
                    self.early = Some(c);
                    self.source = Some(Source::Keylog);
                    self.derived = true;
                    self.settle(Outcome::Decrypted(Source::Keylog));
                    return Some(v);
                }
            }
            self.early_done = true;
            return None;
        }
        let c = self.early.as_mut().expect("an early cipher");
        match c.open(header, body) {
            Ok(v) => Some(v),
            Err(_) => {
                // Not early data: the client's handshake records.
                self.early_done = true;
                self.early = None;
                None
            }
        }
    }

    /// A TLS 1.2 session that decrypted: its master secret kept for the
    /// sessions that resume it (by its session id and its tickets).
    fn remember(&mut self, cx: &Cx<'_>) {
        if self.tls13 {
            return;
        }
        let (Some(master), Some(source)) = (&self.master, &self.source) else {
            return;
        };
        let v = Resumable {
            master: master.clone(),
            source: source.clone(),
        };
        let r = &cx.state.resumption;
        r.by_session_id(&self.server_sid, v.clone());
        for t in self.new_tickets.drain(..) {
            r.by_ticket(&t, v.clone());
        }
    }

    /// TLS 1.3: the first encrypted record of a side: its handshake secret.
    fn start13(&mut self, ring: &KeyRing, side: Side) -> bool {
        let (Some(cr), Some(suite)) = (self.client_random, self.suite) else {
            self.dead = true;
            return false;
        };
        let Some(s) = ring.session(&cr) else {
            self.settle(Outcome::NoKey);
            self.dead = true;
            return false;
        };
        self.source = Some(Source::Keylog);
        self.derived = true;
        let (hs, app) = secrets13(s, side);
        let d = side as usize;
        let (phase, secret) = match (hs, app) {
            (Some(h), _) => (Phase13::Handshake, h.clone()),
            (None, Some(a)) => {
                self.dirs[d].blind = MAX_BLIND_RECORDS;
                (Phase13::Application, a.clone())
            }
            (None, None) => {
                self.fail("the key log has no traffic secret of this side");
                return false;
            }
        };
        match RecordCipher::tls13(&suite, &secret) {
            Some(c) => {
                self.dirs[d].cipher = Some(c);
                self.dirs[d].phase = phase;
                self.dirs[d].secret = secret;
                true
            }
            None => {
                self.fail("a traffic secret of the wrong length for the suite");
                false
            }
        }
    }

    /// TLS 1.3: a record that did not open with the handshake secret opened
    /// with the application secret (the handshake was not all seen).
    fn open_with_application13(
        &mut self,
        ring: &KeyRing,
        side: Side,
        header: &[u8; 5],
        body: &[u8],
    ) -> Option<(u8, Vec<u8>)> {
        let d = side as usize;
        let suite = self.suite?;
        let app = self
            .client_random
            .and_then(|cr| ring.session(&cr))
            .and_then(|s| secrets13(s, side).1.cloned());
        let Some(secret) = app else {
            self.fail("a record's authentication tag does not verify with the handshake secret");
            return None;
        };
        let mut c = RecordCipher::tls13(&suite, &secret)?;
        match c.open(header, body) {
            Ok(v) => {
                self.dirs[d].cipher = Some(c);
                self.dirs[d].phase = Phase13::Application;
                self.dirs[d].secret = secret;
                Some(v)
            }
            Err(_) => {
                self.fail(
                    "a record's authentication tag does not verify with the key log's secrets",
                );
                None
            }
        }
    }

    /// Handshake bytes of a side (plain, or decrypted), split into messages.
    fn handshake_bytes(&mut self, cx: &Cx<'_>, side: Side, bytes: &[u8]) {
        let d = side as usize;
        self.dirs[d].hs.extend_from_slice(bytes);
        loop {
            let hs = &self.dirs[d].hs;
            if hs.len() < 4 {
                return;
            }
            let len = (usize::from(hs[1]) << 16) | (usize::from(hs[2]) << 8) | usize::from(hs[3]);
            if len > MAX_HANDSHAKE_MESSAGE {
                self.dead = true;
                return;
            }
            if hs.len() < 4 + len {
                return;
            }
            let msg: Vec<u8> = self.dirs[d].hs.drain(..4 + len).collect();
            self.message(cx, side, &msg);
            if self.dead {
                return;
            }
        }
    }

    fn message(&mut self, cx: &Cx<'_>, side: Side, msg: &[u8]) {
        let (ty, body) = (msg[0], &msg[4..]);
        let encrypted = self.dirs[side as usize].cipher.is_some();
        if !encrypted && !self.tls13 {
            if let Some((a, b)) = &mut self.transcript {
                a.update(msg);
                b.update(msg);
            }
        }
        match (ty, side) {
            (1, Side::Client) if self.client_random.is_none() && body.len() >= 34 => {
                self.client_hello(body);
            }
            (2, Side::Server) if body.len() >= 38 => self.server_hello(body),
            (4, Side::Server) if !self.tls13 && body.len() >= 6 => {
                // NewSessionTicket: lifetime hint, then the ticket.
                let n = usize::from(u16::from_be_bytes([body[4], body[5]]));
                if let Some(t) = body.get(6..6 + n) {
                    if n <= MAX_TICKET && self.new_tickets.len() < 4 {
                        self.new_tickets.push(t.to_vec());
                    }
                }
                if matches!(self.outcome, Some(Outcome::Decrypted(_))) {
                    self.remember(cx);
                }
            }
            (11, Side::Server) if !encrypted && !self.tls13 => {
                self.full_handshake = true;
                self.certificate(cx.ring, body);
            }
            (12, Side::Server) if !encrypted => self.full_handshake = true,
            (16, Side::Client) if !encrypted && !self.tls13 => {
                self.full_handshake = true;
                self.client_key_exchange(cx, msg);
            }
            (20, _) if self.tls13 && self.dirs[side as usize].phase == Phase13::Handshake => {
                self.next13(cx.ring, side);
            }
            (24, _) if self.tls13 && self.dirs[side as usize].phase == Phase13::Application => {
                self.key_update(side);
            }
            _ => {}
        }
    }

    /// The ClientHello: its random, session id, ticket and early data offer.
    fn client_hello(&mut self, b: &[u8]) {
        self.client_random = b[2..34].try_into().ok();
        let sid = usize::from(b[34]);
        let Some(id) = b.get(35..35 + sid) else {
            return;
        };
        self.client_sid = id.to_vec();
        let mut at = 35 + sid;
        // Cipher suites, compression methods.
        let Some(n) = b.get(at..at + 2) else { return };
        at += 2 + usize::from(u16::from_be_bytes([n[0], n[1]]));
        let Some(n) = b.get(at) else { return };
        at += 1 + usize::from(*n);
        let Some(n) = b.get(at..at + 2) else { return };
        let end = (at + 2 + usize::from(u16::from_be_bytes([n[0], n[1]]))).min(b.len());
        let mut e = at + 2;
        while e + 4 <= end {
            let ty = u16::from_be_bytes([b[e], b[e + 1]]);
            let l = usize::from(u16::from_be_bytes([b[e + 2], b[e + 3]]));
            let v = &b[e + 4..(e + 4 + l).min(end)];
            match ty {
                0x0023 => self.client_ticket = v.to_vec(),
                0x002a => self.early_offered = true,
                _ => {}
            }
            e += 4 + l;
        }
    }

    fn server_hello(&mut self, b: &[u8]) {
        let random: [u8; 32] = b[2..34].try_into().expect("32 bytes");
        if random == HRR_RANDOM {
            return; // a HelloRetryRequest: the real ServerHello follows
        }
        self.server_random = Some(random);
        let sid = usize::from(b[34]);
        let at = 35 + sid;
        if b.len() < at + 3 {
            self.dead = true;
            return;
        }
        self.server_sid = b[35..at].to_vec();
        let id = u16::from_be_bytes([b[at], b[at + 1]]);
        let mut e = at + 3;
        if b.len() >= e + 2 {
            let end = (e + 2 + usize::from(u16::from_be_bytes([b[e], b[e + 1]]))).min(b.len());
            e += 2;
            while e + 4 <= end {
                let ty = u16::from_be_bytes([b[e], b[e + 1]]);
                let l = usize::from(u16::from_be_bytes([b[e + 2], b[e + 3]]));
                let v = &b[e + 4..(e + 4 + l).min(end)];
                match ty {
                    0x0016 => self.etm = true,
                    0x0017 => self.ems = true,
                    0x002b if v == [3, 4] => self.tls13 = true,
                    _ => {}
                }
                e += 4 + l;
            }
        }
        match cipher::suite(id) {
            Some(s) if s.tls13 == self.tls13 => self.suite = Some(s),
            _ => {
                self.settle(Outcome::Unsupported(id));
                self.dead = true;
            }
        }
        if self.tls13 {
            self.transcript = None;
        }
    }

    fn certificate(&mut self, ring: &KeyRing, b: &[u8]) {
        self.saw_certificate = true;
        if b.len() < 6 {
            return;
        }
        let len = (usize::from(b[3]) << 16) | (usize::from(b[4]) << 8) | usize::from(b[5]);
        let Some(leaf) = b.get(6..6 + len) else {
            return;
        };
        self.cert_keys = ring
            .rsa
            .iter()
            .enumerate()
            .filter(|(_, k)| k.key.in_certificate(leaf))
            .map(|(i, _)| i)
            .collect();
    }

    /// The RSA keys to try: those of the server's certificate, those
    /// assigned to its port, and (when the certificate was not seen) those
    /// assigned to no port.
    fn candidates(&self, ring: &KeyRing) -> Vec<usize> {
        let mut v = self.cert_keys.clone();
        for (i, k) in ring.rsa.iter().enumerate() {
            let by_port = if k.ports.is_empty() {
                !self.saw_certificate
            } else {
                k.ports.contains(&self.server_port)
            };
            if by_port && !v.contains(&i) {
                v.push(i);
            }
        }
        v
    }

    fn client_key_exchange(&mut self, cx: &Cx<'_>, msg: &[u8]) {
        let ring = cx.ring;
        let (Some(suite), Some(cr), Some(sr)) =
            (self.suite, self.client_random, self.server_random)
        else {
            return;
        };
        let session_hash = self.transcript.take().map(|(a, b)| match suite.hash {
            Hash::Sha256 => a.finalize().to_vec(),
            Hash::Sha384 => b.finalize().to_vec(),
        });
        if !suite.rsa_kx {
            return; // (EC)DHE: the key log gives the master secret
        }
        let body = &msg[4..];
        if body.len() < 2 {
            return;
        }
        let n = usize::from(u16::from_be_bytes([body[0], body[1]]));
        let Some(encrypted) = body.get(2..2 + n) else {
            return;
        };
        let candidates = self.candidates(ring);
        let Some(first) = candidates.first() else {
            // The key log may still know it (a client that logs RSA sessions).
            return;
        };
        // One private-key operation at most: with the first key whose
        // modulus is the size of the encrypted secret (the certificate's key
        // first), and only with a token of the budget.
        let Some(i) = candidates
            .iter()
            .copied()
            .find(|i| ring.rsa[*i].key.size() == encrypted.len())
        else {
            self.source = Some(Source::Key(ring.rsa[*first].key.id.clone()));
            self.fail("the encrypted pre-master secret is not the size of the RSA key");
            return;
        };
        let k = &ring.rsa[i].key;
        if !cx.state.rsa.take(crate::shared::rsa_cost(k.size() * 8)) {
            self.settle(Outcome::OverBudget(k.id.clone()));
            self.dead = true;
            return;
        }
        self.source = Some(Source::Key(k.id.clone()));
        let Some(pms) = k.premaster(encrypted) else {
            self.fail("the pre-master secret does not decrypt with the RSA key");
            return;
        };
        let sh = if self.ems {
            session_hash.as_deref()
        } else {
            None
        };
        let master = cipher::master_secret(suite.hash, &pms, &cr, &sr, sh);
        self.derived_line = Some(KeylogEntry {
            label: Label::ClientRandom,
            client_random: cr,
            secret: master.clone(),
        });
        self.install12(&suite, &master, &cr, &sr);
    }

    fn install12(&mut self, suite: &Suite, master: &[u8], cr: &[u8; 32], sr: &[u8; 32]) {
        let (c, s) = cipher::tls12_ciphers(suite, master, cr, sr, self.etm);
        self.pending12 = [Some(c), Some(s)];
        self.derived = true;
        self.master = Some(master.to_vec());
    }

    /// TLS 1.2 without an RSA key exchange: the key log's master secret, or
    /// (a resumed handshake) the one of the session it resumes.
    fn derive_without_key_exchange(&mut self, cx: &Cx<'_>) {
        let (Some(suite), Some(cr), Some(sr)) =
            (self.suite, self.client_random, self.server_random)
        else {
            self.dead = true;
            return;
        };
        if let Some(m) = cx.ring.session(&cr).and_then(|s| s.master.clone()) {
            self.source = Some(Source::Keylog);
            self.install12(&suite, &m, &cr, &sr);
            return;
        }
        // An abbreviated handshake (no key exchange): a resumption, by the
        // ticket the client offered or the session id the server echoed.
        let resumed = if self.full_handshake {
            None
        } else {
            let r = &cx.state.resumption;
            r.ticket(&self.client_ticket).or_else(|| {
                (self.server_sid == self.client_sid)
                    .then(|| r.session_id(&self.server_sid))
                    .flatten()
            })
        };
        match resumed {
            Some(v) => {
                self.source = Some(v.source);
                self.resumed = true;
                self.derived_line = Some(KeylogEntry {
                    label: Label::ClientRandom,
                    client_random: cr,
                    secret: v.master.clone(),
                });
                self.install12(&suite, &v.master, &cr, &sr);
            }
            None => {
                if self.source.is_none() {
                    self.settle(Outcome::NoKey);
                }
                self.dead = true;
            }
        }
    }

    /// TLS 1.3: after a side's Finished, its application traffic secret.
    fn next13(&mut self, ring: &KeyRing, side: Side) {
        let d = side as usize;
        let (Some(cr), Some(suite)) = (self.client_random, self.suite) else {
            return;
        };
        let Some(app) = ring
            .session(&cr)
            .and_then(|s| secrets13(s, side).1.cloned())
        else {
            self.fail("the key log has no application traffic secret of this side");
            return;
        };
        self.dirs[d].cipher = RecordCipher::tls13(&suite, &app);
        self.dirs[d].phase = Phase13::Application;
        self.dirs[d].secret = app;
    }

    /// TLS 1.3 KeyUpdate: the side's next traffic secret.
    fn key_update(&mut self, side: Side) {
        let d = side as usize;
        let Some(suite) = self.suite else { return };
        let Some(next) = kdf::expand_label(
            suite.hash,
            &self.dirs[d].secret,
            "traffic upd",
            suite.hash.size(),
        ) else {
            return;
        };
        self.dirs[d].cipher = RecordCipher::tls13(&suite, &next);
        self.dirs[d].secret = next;
    }
}

/// A side's TLS 1.3 handshake and application traffic secrets.
fn secrets13(s: &SessionSecrets, side: Side) -> (Option<&Vec<u8>>, Option<&Vec<u8>>) {
    match side {
        Side::Client => (s.client_handshake.as_ref(), s.client_traffic.as_ref()),
        Side::Server => (s.server_handshake.as_ref(), s.server_traffic.as_ref()),
    }
}
