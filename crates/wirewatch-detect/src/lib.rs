//! Detection formats (the built-in catalog and custom formats) and the tuning-rule matcher.

pub mod catalog;
pub mod detectors;
pub mod mitre;
pub mod tuning;

pub use catalog::{DetectionFormat, PropertySchema};
pub use tuning::{CompiledRule, MatchContext};
