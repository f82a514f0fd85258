//! Component schemas generated from the Rust types (`schemars`, OpenAPI 3.0
//! settings): descriptions are the types' doc comments, constraints and
//! examples their `#[schemars(...)]` attributes. Types the API answers with
//! are generated as they serialize (a field always written is required),
//! request bodies as they deserialize (a field with a default is optional).
//!
//! The request bodies come from the routes: the type each handler's body
//! extractor reads (`guard::Input::body_schema`, collected by `Paths`). Only
//! what no extractor names is listed here: the answers, and the bodies a
//! handler reads as any JSON and checks itself (ODS targets, by kind).

use schemars::generate::{SchemaGenerator, SchemaSettings};
use schemars::JsonSchema;
use serde_json::{Map, Value};
use wirewatch_model::detection::{Detection, DetectionCount, MitreRef, Note, Participant};
use wirewatch_model::investigation::Investigation;
use wirewatch_model::locality::NetworkLocality;
use wirewatch_model::ods::{HttpTarget, KafkaTarget, MongoTarget, RawTarget, SyslogTarget};
use wirewatch_model::rule::TuningRule;
use wirewatch_model::settings::Ticketing;
use wirewatch_model::trigger::{LogLine, Trigger};
use wirewatch_model::user::{ApiKey, User};

/// The generated schemas, added to `schemas` (a name may not be taken
/// twice): the types listed here, and the request bodies `bodies` holds (the
/// types the routes' body extractors read, see `Paths`).
pub(super) fn add(schemas: &mut Map<String, Value>, mut bodies: SchemaGenerator) {
    let mut answers = SchemaSettings::openapi3().for_serialize().into_generator();
    answer::<crate::error::Invalid>(&mut answers);
    answer::<crate::error::Message>(&mut answers);
    answer::<crate::routes::extrahop::Info>(&mut answers);
    answer::<crate::routes::extrahop::Version>(&mut answers);
    answer::<crate::routes::extrahop::Platform>(&mut answers);
    answer::<crate::routes::extrahop::Edition>(&mut answers);
    answer::<crate::settings::RunningConfig>(&mut answers);
    answer::<crate::jobs::Job>(&mut answers);
    answer::<crate::routes::supportpacks::SupportPack>(&mut answers);
    answer::<crate::routes::license::License>(&mut answers);
    answer::<crate::routes::license::ProductKey>(&mut answers);
    answer::<wirewatch_model::capture::InterfaceStats>(&mut answers);
    answer::<crate::routes::users::CreatedUser>(&mut answers);
    answer::<wirewatch_store::StoredObservation>(&mut answers);
    answer::<wirewatch_store::AuditEntry>(&mut answers);
    answer::<NetworkLocality>(&mut answers);
    answer::<User>(&mut answers);
    answer::<DetectionCount>(&mut answers);
    answer::<ApiKey>(&mut answers);
    answer::<Ticketing>(&mut answers);
    answer::<Investigation>(&mut answers);
    answer::<MitreRef>(&mut answers);
    answer::<Note>(&mut answers);
    answer::<Detection>(&mut answers);
    answer::<Participant>(&mut answers);
    answer::<wirewatch_model::catalog::DetectionFormat>(&mut answers);
    answer::<wirewatch_store::Tag>(&mut answers);
    answer::<wirewatch_model::custom_device::CustomDevice>(&mut answers);
    answer::<wirewatch_model::custom_device::Criterion>(&mut answers);
    answer::<wirewatch_model::ssl_key::SslDecryptKey>(&mut answers);
    answer::<wirewatch_model::ssl_key::SslKeyProtocol>(&mut answers);
    answer::<wirewatch_model::ssl_key::KeylogStatus>(&mut answers);
    answer::<wirewatch_model::ssl_key::KeylogUpload>(&mut answers);
    answer::<wirewatch_model::threat::ThreatCollection>(&mut answers);
    answer::<wirewatch_model::threat::ObservableCounts>(&mut answers);
    answer::<wirewatch_store::DeviceGroup>(&mut answers);
    answer::<wirewatch_model::alert::Alert>(&mut answers);
    answer::<wirewatch_model::alert::EmailGroup>(&mut answers);
    answer::<wirewatch_store::Firing>(&mut answers);
    answer::<crate::routes::devicegroups::Network>(&mut answers);
    answer::<crate::routes::metrics::CatalogEntry>(&mut answers);
    answer::<TuningRule>(&mut answers);
    answer::<Trigger>(&mut answers);
    answer::<crate::routes::triggers::CreatedTrigger>(&mut answers);
    answer::<LogLine>(&mut answers);
    answer::<wirewatch_store::RunStats>(&mut answers);
    // The ODS targets: one schema per kind serves requests and answers
    // (secrets write-only, the `<field>_set` flags answers show read-only),
    // documented as accepted.
    answer::<crate::routes::odstargets::OdsTarget>(&mut answers);
    answer::<crate::routes::odstargets::OdsTargets>(&mut answers);
    // The routes read a target as any JSON and check it by its kind (the
    // path's): its schema is listed here.
    body::<HttpTarget>(&mut bodies);
    body::<KafkaTarget>(&mut bodies);
    body::<MongoTarget>(&mut bodies);
    body::<RawTarget>(&mut bodies);
    body::<SyslogTarget>(&mut bodies);
    answer::<wirewatch_store::OdsStats>(&mut answers);
    answer::<crate::routes::odstargets::Health>(&mut answers);
    answer::<wirewatch_store::DeadLetter>(&mut answers);
    answer::<crate::routes::odstargets::Replayed>(&mut answers);
    answer::<crate::routes::odstargets::Deleted>(&mut answers);
    answer::<wirewatch_model::device::Device>(&mut answers);
    answer::<crate::routes::devices::DeviceDetail>(&mut answers);
    answer::<crate::routes::devices::DeviceObservation>(&mut answers);
    answer::<crate::routes::records::RecordPage>(&mut answers);
    answer::<crate::routes::records::Record>(&mut answers);
    answer::<wirewatch_model::record::RecordFormat>(&mut answers);
    answer::<crate::routes::metrics::MetricResults>(&mut answers);
    answer::<crate::routes::metrics::MetricStat>(&mut answers);
    answer::<wirewatch_model::activitymap::Topology>(&mut answers);
    answer::<crate::routes::activitymaps::ActivityMap>(&mut answers);
    answer::<wirewatch_model::activitymap::Sharing>(&mut answers);
    sonar(&mut answers);
    answer::<wirewatch_model::usergroup::UserGroup>(&mut answers);
    answer::<wirewatch_model::usergroup::Members>(&mut answers);
    answer::<wirewatch_model::idp::IdentityProvider>(&mut answers);
    answer::<wirewatch_model::idp::IdpPrivileges>(&mut answers);
    answer::<crate::routes::identityproviders::SamlSp>(&mut answers);
    answer::<crate::procstat::Process>(&mut answers);
    answer::<crate::certs::CertInfo>(&mut answers);
    answer::<crate::routes::system::SigningRequestPem>(&mut answers);
    answer::<crate::routes::system::DetectionsAccess>(&mut answers);
    answer::<crate::routes::system::Cluster>(&mut answers);
    answer::<crate::routes::system::FlowlogsSecret>(&mut answers);
    // The connectors' bodies: the handlers read them as JSON in Kibana's
    // dialect and check them themselves.
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

/// The Logpresso Sonar tickets API (`/api/sonar/tickets`): the views of
/// `routes::sonar` (the ticket, its tasks, comments and attachments as Sonar
/// shows them, with Sonar's dates and GUIDs), its request bodies and its
/// error body.
fn sonar(answers: &mut SchemaGenerator) {
    use crate::routes::sonar as s;
    answer::<s::ErrorBody>(answers);
    answer::<s::TicketView>(answers);
    answer::<s::TicketList>(answers);
    answer::<s::TicketAnswer>(answers);
    answer::<s::TicketLookup>(answers);
    answer::<s::Deleted>(answers);
    answer::<s::Comments>(answers);
    answer::<s::Attachments>(answers);
    answer::<s::AttachmentAnswer>(answers);
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
