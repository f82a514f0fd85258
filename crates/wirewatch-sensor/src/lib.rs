//! The sensor: capture input, the flow table, protocol analyzers and device
//! discovery. It produces typed events; the caller decides where they go.

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
