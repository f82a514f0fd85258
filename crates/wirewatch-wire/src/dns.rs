//! dns parser (in progress).
