//! Triggers: ExtraHop-style JavaScript run on events (`DETECTION_UPDATE`,
//! `EXTERNAL_DATA`, and the sensor's `FLOW_TICK`, `HTTP_*`, `DNS_*`), with the
//! `Remote.*` API queueing messages for Open Data Stream targets.

pub mod engine;
pub mod objects;
pub mod repair;
pub mod runner;

pub use engine::{
    check_script, DetectionRefused, Engine, EngineError, Limits, RunEnd, ScriptError,
};
pub use runner::{Runner, RunnerHandle, SensorEvent};
