//! The sensor: capture input, the flow table, protocol analyzers and device
//! discovery. It produces typed events; the caller (the pipeline crate)
//! decides where they go.
//!
//! Protocol analyzers sit behind one trait with per-flow hooks, one module
//! each, registered in one line: see [`analyzers`] for how to add one.

pub mod analyzers;
pub mod capture;
pub mod devices;
pub mod eve;
pub mod flow;
pub mod frag;
pub mod metrics;
pub mod sensor;
pub mod stream;

pub use sensor::{FlowRecord, Output, Sensor, Stats};
