//! Route tests in-process: the real application on a temporary store,
//! requests through `tower::ServiceExt::oneshot` (see `common`).

mod common;

mod activitymaps;
mod alerts;
mod app;
mod config;
mod connectors;
mod customdevices;
mod detections;
mod errors;
mod guards;
mod packets;
mod privileges;
mod records;
mod resources;
mod rules;
mod saml;
mod sonar;
mod system;
mod threatcollections;
