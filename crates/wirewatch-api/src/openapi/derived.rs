//! Component schemas generated from the Rust types (`schemars`, OpenAPI 3.0
//! settings): descriptions are the types' doc comments, constraints and
//! examples their `#[schemars(...)]` attributes. Types the API answers with
//! are generated as they serialize (a field always written is required),
//! request bodies as they deserialize (a field with a default is optional).
//!
//! Types move here from the hand-written `*_schemas.rs` one resource at a
//! time; their names stay the component names the paths refer to.

use schemars::generate::{SchemaGenerator, SchemaSettings};
use schemars::JsonSchema;
use serde_json::{Map, Value};
use wirewatch_model::detection::{
    Detection, DetectionPatch, DetectionSearch, MitreRef, NewDetection, Note, Participant,
    TicketPatch,
};
use wirewatch_model::investigation::{Investigation, InvestigationPatch, NewInvestigation};
use wirewatch_model::locality::{LocalityInput, NetworkLocality, ObservationBatch};
use wirewatch_model::rule::{NewTuningRule, TuningRule, TuningRulePatch};
use wirewatch_model::settings::{Ticketing, TicketingPatch};
use wirewatch_model::trigger::{LogLine, Trigger, TriggerInput};
use wirewatch_model::user::{ApiKey, NewUser, User, UserPatch};

/// The generated schemas, added to `schemas` (a name may not be taken twice).
pub(super) fn add(schemas: &mut Map<String, Value>) {
    let mut answers = SchemaSettings::openapi3().for_serialize().into_generator();
    let mut bodies = SchemaSettings::openapi3()
        .for_deserialize()
        .into_generator();
    answer::<crate::error::Invalid>(&mut answers);
    answer::<crate::error::Message>(&mut answers);
    answer::<crate::routes::extrahop::Info>(&mut answers);
    answer::<crate::routes::extrahop::Version>(&mut answers);
    answer::<crate::routes::extrahop::Platform>(&mut answers);
    answer::<crate::routes::extrahop::Edition>(&mut answers);
    answer::<crate::routes::users::CreatedUser>(&mut answers);
    answer::<wirewatch_store::StoredObservation>(&mut answers);
    answer::<wirewatch_store::AuditEntry>(&mut answers);
    answer::<NetworkLocality>(&mut answers);
    body::<LocalityInput>(&mut bodies);
    body::<ObservationBatch>(&mut bodies);
    answer::<User>(&mut answers);
    answer::<ApiKey>(&mut answers);
    body::<NewUser>(&mut bodies);
    body::<UserPatch>(&mut bodies);
    body::<crate::routes::apikeys::CreateKey>(&mut bodies);
    body::<crate::routes::users::IssueKey>(&mut bodies);
    answer::<Ticketing>(&mut answers);
    answer::<Investigation>(&mut answers);
    answer::<MitreRef>(&mut answers);
    answer::<Note>(&mut answers);
    body::<TicketPatch>(&mut bodies);
    answer::<Detection>(&mut answers);
    answer::<Participant>(&mut answers);
    body::<DetectionSearch>(&mut bodies);
    body::<DetectionPatch>(&mut bodies);
    body::<NewDetection>(&mut bodies);
    body::<crate::routes::detections::NoteBody>(&mut bodies);
    answer::<wirewatch_model::catalog::DetectionFormat>(&mut answers);
    answer::<wirewatch_store::Tag>(&mut answers);
    answer::<wirewatch_store::DeviceGroup>(&mut answers);
    answer::<crate::routes::devicegroups::Network>(&mut answers);
    answer::<crate::routes::metrics::CatalogEntry>(&mut answers);
    body::<crate::routes::tags::TagBody>(&mut bodies);
    body::<crate::routes::tags::Assignment>(&mut bodies);
    body::<crate::routes::devicegroups::GroupBody>(&mut bodies);
    body::<wirewatch_model::catalog::FormatInput>(&mut bodies);
    answer::<TuningRule>(&mut answers);
    answer::<Trigger>(&mut answers);
    answer::<crate::routes::triggers::CreatedTrigger>(&mut answers);
    answer::<LogLine>(&mut answers);
    answer::<wirewatch_store::RunStats>(&mut answers);
    body::<TriggerInput>(&mut bodies);
    body::<crate::routes::triggers::ExternalData>(&mut bodies);
    body::<NewTuningRule>(&mut bodies);
    body::<TuningRulePatch>(&mut bodies);
    body::<NewInvestigation>(&mut bodies);
    body::<InvestigationPatch>(&mut bodies);
    body::<TicketingPatch>(&mut bodies);
    answer::<crate::routes::actions::ErrorBody>(&mut answers);
    answer::<crate::routes::actions::TypeView>(&mut answers);
    answer::<wirewatch_model::connector::ConnectorView>(&mut answers);
    body::<crate::routes::actions::ConnectorCreate>(&mut bodies);
    body::<crate::routes::actions::UpdateBody>(&mut bodies);
    answer::<crate::routes::actions::ExecuteResult>(&mut answers);
    answer::<crate::routes::actions::LegacyExecuteResult>(&mut answers);
    answer::<crate::routes::actions::StatsView>(&mut answers);
    answer::<wirewatch_store::FailedPush>(&mut answers);
    answer::<crate::routes::actions::Replayed>(&mut answers);
    answer::<crate::routes::actions::SyncAnswer>(&mut answers);
    answer::<crate::routes::actions::WebhookDone>(&mut answers);
    answer::<crate::routes::actions::WebhookFailed>(&mut answers);
    body::<crate::routes::actions::ReplayBody>(&mut bodies);
    body::<crate::routes::actions::WebhookEvent>(&mut bodies);
    body::<wirewatch_model::connector::params::ExecuteBody>(&mut bodies);
    let answers = answers.take_definitions(true);
    for (name, schema) in &answers {
        let clash = schemas.insert(name.clone(), schema.clone());
        assert!(clash.is_none(), "the schema {name} is defined twice");
    }
    // A type both answered and accepted (`Roles`) is documented as accepted:
    // the same fields, with the defaults a body may leave out.
    for (name, schema) in bodies.take_definitions(true) {
        let clash = schemas.insert(name.clone(), schema);
        assert!(
            clash.is_none() || answers.contains_key(&name),
            "the schema {name} is defined twice"
        );
    }
    new_trigger(schemas);
    new_device_group(schemas);
}

/// `POST /devicegroups` reads the body type of `PATCH /devicegroups/{id}`
/// (`GroupBody`, documented as `DeviceGroupPatch`) and requires `name`
/// itself: its schema is that one with `name` required.
fn new_device_group(schemas: &mut Map<String, Value>) {
    let mut s = schemas["DeviceGroupPatch"].clone();
    s["description"] = Value::from("A new device group. A dynamic group needs a valid `filter`.");
    s["required"] = serde_json::json!(["name"]);
    let clash = schemas.insert("DeviceGroupInput".into(), s);
    assert!(
        clash.is_none(),
        "the schema DeviceGroupInput is defined twice"
    );
}

/// `POST /triggers` reads the body type of `PATCH /triggers/{id}`
/// (`TriggerInput`, documented as `TriggerPatch`) and requires `name` and
/// `script` itself, with a 400 naming the field: its schema is that one with
/// those fields required.
fn new_trigger(schemas: &mut Map<String, Value>) {
    let mut s = schemas["TriggerPatch"].clone();
    s["description"] = Value::from(
        "Body of `POST /triggers`: `name`, `script` and `events` (or the deprecated `event`) are required.",
    );
    s["required"] = serde_json::json!(["name", "script"]);
    let clash = schemas.insert("TriggerInput".into(), s);
    assert!(clash.is_none(), "the schema TriggerInput is defined twice");
}

/// A type the API answers with.
fn answer<T: JsonSchema>(g: &mut SchemaGenerator) {
    g.subschema_for::<T>();
}

/// A request body type.
fn body<T: JsonSchema>(g: &mut SchemaGenerator) {
    g.subschema_for::<T>();
}
