//! The detectors: behaviour seen in the sensor's events turned into detections.
//!
//! The detection format catalog, the MITRE table and the tuning-rule matcher
//! are domain data and live in `wirewatch_model` (`catalog`, `mitre`, `tuning`).

pub mod detectors;
