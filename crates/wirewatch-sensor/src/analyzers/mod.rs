//! Application analyzers fed with reassembled TCP streams (or UDP payloads).

pub mod dns;
pub mod ftp;
pub mod http;
pub mod tls;
