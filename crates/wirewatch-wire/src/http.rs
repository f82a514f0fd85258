//! http parser (in progress).
