//! tls parser (in progress).
