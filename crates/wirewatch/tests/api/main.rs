//! API tests against a real `wirewatch serve` process.

mod common;

mod abuse;
mod activitymaps;
mod alerts;
mod auth;
mod config;
mod connectors;
mod customdevices;
mod durability;
mod errors;
mod fuzz;
mod ingest;
mod jira_contract;
mod kafka;
mod mongodb;
mod odstargets;
mod packets;
mod pipeline;
mod privileges;
mod raw;
mod receiver;
mod records;
mod secrets;
mod sensor;
mod sonar;
mod sslcert;
mod syslog;
mod threat;
mod ticketing;
mod tls;
mod triggers;
