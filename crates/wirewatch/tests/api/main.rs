//! API tests against a real `wirewatch serve` process.

mod common;

mod abuse;
mod auth;
mod connectors;
mod detections;
mod durability;
mod errors;
mod fuzz;
mod guards;
mod ingest;
mod jira_contract;
mod kafka;
mod mongodb;
mod odstargets;
mod privileges;
mod raw;
mod receiver;
mod resources;
mod rules;
mod secrets;
mod sensor;
mod sonar;
mod syslog;
mod ticketing;
mod triggers;
