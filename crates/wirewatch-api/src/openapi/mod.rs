//! The OpenAPI 3.0 description of every implemented operation, served at
//! `/api/v1/openapi.json` and browsed at `/api/v1/explore/`.
//!
//! What comes from the code (`Paths` builds the path items from the
//! router's table and refuses to build a document that disagrees with it):
//! - the operations: the router's table (`crate::operations()`, built with
//!   `crate::guard::Api`); a route without documentation, or documentation
//!   without a route, does not build;
//! - each operation's privilege (`x-wirewatch-privilege`, the end of its
//!   description, no security requirement when public), from its handler's
//!   `Guard<Policy>`;
//! - its request body: whether there is one and whether an empty one will
//!   do, from its body extractor (`guard::Input`), and its schema, the type
//!   that extractor reads (`Json<T>`, `SonarJson<T>`: `T`'s component
//!   schema); a handler that reads any JSON and checks it itself names its
//!   schema, and one that checks more than its type says how
//!   (`Op::refined_body`);
//! - every component schema, generated from the Rust types (`schemars`,
//!   OpenAPI 3.0 settings), examples included: the request bodies from the
//!   routes, the answers from the list in `derived.rs`.
//!
//! What is written by hand, beside the route table in `*_paths.rs`: each
//! operation's words (id, tag, summary, description), its parameters'
//! descriptions, the request example (checked against the handler's type)
//! and the responses it answers.
//!
//! Adding an operation: a handler whose first argument is the `Guard` of its
//! rule and whose body extractor is its dialect's (`extract::Json`,
//! `SonarJson`, `KibanaJson`); a line in its module's `routes()`; its words
//! in the `*_paths.rs` of its resource (`Op::body_example` for a typed
//! body). Request and response types derive `schemars::JsonSchema` (doc
//! comments are the descriptions); answer types are listed in `derived.rs`.
//! A response built as a `json!` object becomes a view struct first, with a
//! unit test pinning that it writes the same bytes.
//!
//! The document is built from small helpers so that every operation has the
//! same shape: an operation id, a tag, parameters, a request body with an
//! example that the real request type accepts, and the error responses the
//! handler can answer with (the bodies of `crate::error`).
//!
//! The document's server is `/api/v1` (the ExtraHop API). Other APIs served
//! beside it (the Logpresso Sonar tickets under `/api/sonar`, the Kibana-style
//! incident connectors under `/api/actions`) are each an [`Api`]: their path
//! items carry a path-level `servers` entry, their operations their own
//! security requirement and error responses.

mod actions_paths;
#[cfg(test)]
mod actions_tests;
mod activitymap_paths;
mod alert_paths;
mod config_paths;
mod customdevice_paths;
mod derived;
mod detection_paths;
mod group_paths;
mod ods_paths;
mod packet_paths;
mod paths;
mod sensor_paths;
mod sonar_paths;
#[cfg(test)]
mod sonar_tests;
mod ssl_paths;
mod system_paths;
#[cfg(test)]
mod tests;
mod threat_paths;
mod trigger_paths;

use serde::Serialize;
use serde_json::{json, Map, Value};

/// The marker of operations and fields that the ExtraHop REST API does not have.
pub const EXTENSION: &str = "x-wirewatch-extension";

/// The spec, with the server URL filled in.
pub fn spec(public_url: &str) -> Value {
    let mut paths = Paths::new(public_url);
    paths::add(&mut paths);
    detection_paths::add(&mut paths);
    sensor_paths::add(&mut paths);
    group_paths::add(&mut paths);
    activitymap_paths::add(&mut paths);
    customdevice_paths::add(&mut paths);
    threat_paths::add(&mut paths);
    ods_paths::add(&mut paths);
    packet_paths::add(&mut paths);
    trigger_paths::add(&mut paths);
    sonar_paths::add(&mut paths);
    actions_paths::add(&mut paths);
    alert_paths::add(&mut paths);
    config_paths::add(&mut paths);
    ssl_paths::add(&mut paths);
    system_paths::add(&mut paths);
    let (items, bodies) = paths.finish();
    let mut schemas = Map::new();
    derived::add(&mut schemas, bodies);
    let mut responses = error_responses();
    sonar_paths::add_responses(&mut responses);
    actions_paths::add_responses(&mut responses);
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "wirewatch REST API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": DESCRIPTION,
        },
        "servers": [{"url": format!("{public_url}/api/v1")}],
        "security": [{"apiKey": []}],
        "tags": tags(),
        "paths": items,
        "components": {
            "securitySchemes": {
                "apiKey": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "Authorization",
                    "description": "Send `Authorization: ExtraHop apikey=YOUR_KEY` (`Bearer YOUR_KEY` is accepted too; \
                        the connectors API under `/api/actions` also takes Kibana's `ApiKey YOUR_KEY`). \
                        Get a first key with `POST /apikeys` and the setup user's password.",
                },
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "Send `Authorization: Bearer YOUR_KEY` with an API key of this sensor (the keys \
                        `POST /apikeys` makes). The APIs served outside `/api/v1` (the Logpresso Sonar tickets) \
                        document this form; `ExtraHop apikey=YOUR_KEY` is accepted there too.",
                },
                (actions_paths::WEBHOOK_TOKEN): actions_paths::webhook_token_scheme("query", "token"),
                (actions_paths::WEBHOOK_TOKEN_HEADER): actions_paths::webhook_token_scheme("header", "X-Wirewatch-Token"),
            },
            "schemas": schemas,
            "responses": responses,
        },
    })
}

/// The marker of each operation's privilege rule: the name of the rule its
/// handler's guard declares (`crate::guard`).
pub const PRIVILEGE: &str = "x-wirewatch-privilege";

/// Where an operation of the router is in the document: its path relative to
/// its API's server (`/api/v1`, or `/api` for the Sonar tickets and the
/// connectors) and its lower-case method.
pub fn document_key(op: &crate::guard::Operation) -> (String, String) {
    let path = op
        .path
        .strip_prefix("/api/v1")
        .or_else(|| op.path.strip_prefix("/api"))
        .unwrap_or(&op.path);
    (path.to_string(), op.method.as_str().to_ascii_lowercase())
}

const DESCRIPTION: &str = "The ExtraHop REST API (the subset an NDR sensor implements) served by wirewatch.\n\n\
Authenticate with `Authorization: ExtraHop apikey=YOUR_KEY`. Only the system metadata \
(`GET /extrahop/version`, `/extrahop/platform`, `/extrahop/edition`) and `POST /apikeys` are public.\n\n\
Times are milliseconds since the Unix epoch unless a field says otherwise. \
Errors answer `{\"error_message\": \"...\"}`; a 400 also says which `field` is wrong.\n\n\
Operations and fields marked `x-wirewatch-extension: true` are wirewatch additions that an \
ExtraHop appliance does not have.\n\n\
Beside the ExtraHop API, wirewatch serves the internal tickets in the Logpresso Sonar form at \
`/api/sonar/tickets` (tag **Sonar Tickets**). Those paths carry their own `servers` entry (`/api`, not \
`/api/v1`), take `Authorization: Bearer YOUR_KEY` (the `bearer` scheme; the same API keys), and answer \
errors as `{\"error_code\": \"...\", \"error_msg\": \"...\"}`.\n\n\
The external incident connectors (Jira, ServiceNow, webhooks) follow Kibana's actions API at \
`/api/actions/...` (tag **Connectors**): those paths also carry their own `servers` entry (`/api`), take the \
same API keys (`ExtraHop apikey=YOUR_KEY`, `ApiKey YOUR_KEY` or `Bearer YOUR_KEY`), and answer errors in \
Kibana's shape, `{\"statusCode\": 400, \"error\": \"Bad Request\", \"message\": \"...\", \"field\": \"...\"}`.";

fn tags() -> Value {
    let t = |name: &str, description: &str| json!({"name": name, "description": description});
    let mut tags = json!([
        t("ExtraHop", "System metadata, ticket-tracking settings, and appliance operations that do not apply to a software sensor (501)."),
        t("API Keys", "Keys that authenticate REST API requests."),
        t("Users", "Local users and their privilege levels."),
        t("Detections", "Detections: search, triage, tickets, notes, related detections."),
        t("Detection Formats", "The built-in detection catalog and custom detection formats."),
        t("Tuning Rules", "Rules that hide detections (`/detections/rules/hiding`)."),
        t("Investigations", "Analyst-curated groups of detections."),
        t("Device", "Devices the sensor discovered: listing, search, and the names and types users give them."),
        t("Record Log", "Records of the traffic the sensor saw (flows, DNS, HTTP, TLS, FTP): search and cursors."),
        t("Tag", "Tags users put on devices, and the devices that have them."),
        t("Device Group", "Static and filter-defined (dynamic) groups of devices."),
        t("Watchlist", "Devices users watch closely."),
        t("Network", "The capture network of this sensor."),
        t(activitymap_paths::TAG, &activitymap_paths::tag_text()),
        t("Metrics", "Counts and datasets per device, device group or network over time, and the metric catalog."),
        t("Network Localities", "Which IP addresses and CIDR blocks are internal or external."),
        t("Observations", "IP address associations reported by other sources (VPN logs, say)."),
        t("Audit Log", "Every change made through the REST API."),
        t("ODS Target", "Open Data Stream targets: the HTTP, Kafka, MongoDB, raw and syslog servers triggers send \
            data to (`Remote.HTTP(name)`, `Remote.Syslog(name)`, ...). Messages wait in a durable outbox until the \
            target accepts them; failed attempts are retried with capped exponential backoff, and a message that \
            cannot be delivered (refused, too old, its queue full, its target unknown or deleted) becomes a dead \
            letter that can be read and replayed (wirewatch extensions: delivery statistics, health check, dead \
            letters)."),
        t("Trigger", "JavaScript run on events (`DETECTION_UPDATE`, `EXTERNAL_DATA`, and the sensor's flow, HTTP and \
            DNS events), with the ExtraHop Trigger API's `Remote.*` to send data to ODS targets \
            (wirewatch extensions: debug log, run statistics)."),
        t(alert_paths::TAG, alert_paths::TAG_TEXT),
        t(system_paths::GROUP_TAG, system_paths::GROUP_TAG_TEXT),
        t(system_paths::AUTH_TAG, system_paths::AUTH_TAG_TEXT),
        t(alert_paths::EMAIL_TAG, alert_paths::EMAIL_TAG_TEXT),
        t(customdevice_paths::TAG, customdevice_paths::TAG_TEXT),
        t(threat_paths::TAG, threat_paths::TAG_TEXT),
        t(packet_paths::TAG, packet_paths::TAG_TEXT),
        t(ssl_paths::TAG, ssl_paths::TAG_TEXT),
        t(sonar_paths::TAG, sonar_paths::TAG_TEXT),
        t(actions_paths::TAG, actions_paths::TAG_TEXT),
    ]);
    if let Some(list) = tags.as_array_mut() {
        for (name, text) in config_paths::TAGS {
            list.push(t(name, text));
        }
    }
    tags
}

/// A reference to a component schema.
pub(crate) fn r(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

/// An array of `items`.
pub(crate) fn array(items: Value) -> Value {
    json!({"type": "array", "items": items})
}

/// A non-negative integer id.
pub(crate) fn id(description: &str) -> Value {
    json!({"type": "integer", "format": "int64", "minimum": 0, "description": description})
}

/// The wire names of enum values, exactly as serde writes them.
pub(crate) fn wire<T: Serialize>(values: &[T]) -> Vec<Value> {
    values
        .iter()
        .map(|v| serde_json::to_value(v).expect("an enum serializes"))
        .collect()
}

/// An API this server speaks: where its paths live, how callers authenticate,
/// and how it answers errors. [`EXTRAHOP`] is the document's own; the paths of
/// another API are written relative to its `base` and their path item gets a
/// path-level `servers` entry (`{public_url}{base}`) that overrides the
/// document's `/api/v1`.
pub(crate) struct Api {
    /// The base of its paths below the public URL (`/api` for
    /// `/api/sonar/tickets`, documented as `/sonar/tickets`); `None` for the
    /// document's server.
    pub(crate) base: Option<&'static str>,
    /// The `description` of its path-level server.
    pub(crate) server: &'static str,
    /// The security scheme (`components.securitySchemes`) its non-public operations need.
    pub(crate) security: &'static str,
    /// Its shared error responses (`components.responses`) by status: what
    /// `Op::errors` refers to, and what 401 and `body_errors` default to.
    pub(crate) errors: &'static [(u16, &'static str)],
    /// The body schema of an error response particular to one operation (`Op::error`), by status.
    pub(crate) error_schema: fn(u16) -> &'static str,
    /// The errors any operation with a request body can answer.
    pub(crate) body_errors: &'static [u16],
}

/// The ExtraHop REST API under `/api/v1`, the document's own server.
pub(crate) const EXTRAHOP: Api = Api {
    base: None,
    server: "The ExtraHop REST API.",
    security: "apiKey",
    errors: ERRORS,
    error_schema: extrahop_error_schema,
    body_errors: &[400, 413],
};

fn extrahop_error_schema(status: u16) -> &'static str {
    if matches!(status, 400 | 413) {
        "Error400"
    } else {
        "Error"
    }
}

impl Api {
    /// A new operation of this API.
    pub(crate) fn op(&'static self, tag: &str, operation_id: &str, summary: &str) -> Op {
        let mut v = Map::new();
        v.insert("tags".into(), json!([tag]));
        v.insert("operationId".into(), json!(operation_id));
        v.insert("summary".into(), json!(summary));
        Op {
            v,
            api: self,
            public: false,
            has_body: false,
            responses: Map::new(),
        }
    }

    /// The reference to a shared error response of this API.
    fn error_ref(&self, status: u16) -> Value {
        let name = self
            .errors
            .iter()
            .find(|(s, _)| *s == status)
            .map(|(_, n)| *n)
            .unwrap_or_else(|| panic!("no shared response for status {status}"));
        json!({"$ref": format!("#/components/responses/{name}")})
    }
}

/// The path items, keyed by path template, built from the router's table
/// (`crate::operations()`): each documented operation is a route, every
/// route is documented, and what the route declares — its privilege, whether
/// it is public, whether it reads a body and whether an empty one will do —
/// comes from the route, not from its documentation.
pub(crate) struct Paths {
    items: Map<String, Value>,
    /// The base URL clients reach this server at (path-level servers start with it).
    public_url: String,
    /// The routes not documented yet, by document key.
    routes: std::collections::BTreeMap<(String, String), crate::guard::Operation>,
    /// The schemas of the request bodies the routes read (as they deserialize).
    pub(crate) bodies: schemars::SchemaGenerator,
    /// Where the documentation and the routes disagree: the document is
    /// not built (`finish` names them all).
    wrong: Vec<String>,
}

impl Paths {
    pub(crate) fn new(public_url: &str) -> Paths {
        Paths::of_routes(public_url, crate::operations())
    }

    /// The paths of a route table.
    fn of_routes(public_url: &str, routes: Vec<crate::guard::Operation>) -> Paths {
        let mut table = std::collections::BTreeMap::new();
        for route in routes {
            let key = document_key(&route);
            let twice = table.insert(key.clone(), route);
            assert!(twice.is_none(), "{} {}: routed twice", key.1, key.0);
        }
        Paths {
            items: Map::new(),
            public_url: public_url.to_string(),
            routes: table,
            bodies: schemars::generate::SchemaSettings::openapi3()
                .for_deserialize()
                .into_generator(),
            wrong: Vec::new(),
        }
    }

    /// The path items, once every route is documented, and the generator
    /// holding the schemas of the bodies they read.
    fn finish(mut self) -> (Map<String, Value>, schemars::SchemaGenerator) {
        for (path, method) in self.routes.keys() {
            self.wrong
                .push(format!("{method} {path}: routed, not documented"));
        }
        assert!(self.wrong.is_empty(), "{}", self.wrong.join("\n"));
        (self.items, self.bodies)
    }

    /// Add the documentation of the route `method path` (`path` relative to
    /// the base of the operation's API: an API other than [`EXTRAHOP`] gives
    /// the path item its `servers`).
    pub(crate) fn add(&mut self, method: &str, path: &str, op: Op) {
        let at = format!("{method} {path}");
        let Some(route) = self.routes.remove(&(path.to_string(), method.to_string())) else {
            self.wrong.push(format!("{at}: documented, not routed"));
            return;
        };
        let body = (route.body_schema)(&mut self.bodies);
        let op = match op.of_route(&route, body, &at) {
            Ok(op) => op,
            Err(e) => {
                self.wrong.push(e);
                return;
            }
        };
        let server = op.api.base.map(|base| {
            json!([{"url": format!("{}{base}", self.public_url), "description": op.api.server}])
        });
        let item = self
            .items
            .entry(path.to_string())
            .or_insert_with(|| match &server {
                Some(s) => json!({"servers": s}),
                None => json!({}),
            });
        assert_eq!(
            item.get("servers"),
            server.as_ref(),
            "{method} {path}: the operations of a path belong to one API"
        );
        item[method] = op.build();
    }
}

/// One operation under construction.
pub(crate) struct Op {
    v: Map<String, Value>,
    api: &'static Api,
    public: bool,
    has_body: bool,
    responses: Map<String, Value>,
}

impl Op {
    /// A new operation of the ExtraHop REST API.
    pub(crate) fn new(tag: &str, operation_id: &str, summary: &str) -> Op {
        EXTRAHOP.op(tag, operation_id, summary)
    }

    /// The longer description (markdown).
    pub(crate) fn describe(mut self, text: &str) -> Op {
        let text = match self.v.get("description").and_then(Value::as_str) {
            Some(prefix) => format!("{prefix}\n\n{text}"),
            None => text.to_string(),
        };
        self.v.insert("description".into(), json!(text));
        self
    }

    /// What the route declares: its privilege (the rule's name in
    /// [`PRIVILEGE`], what it needs at the end of the description, no
    /// security requirement when public) and its request body (documented
    /// exactly when the handler reads one; required when its extractor
    /// refuses an empty body; its schema the extractor's type, when that
    /// type is more than "any JSON").
    fn of_route(
        mut self,
        route: &crate::guard::Operation,
        typed: Option<schemars::Schema>,
        at: &str,
    ) -> Result<Op, String> {
        self.v.insert(PRIVILEGE.into(), json!(route.privilege.name));
        let needs = format!("**Privilege:** {}.", route.privilege.needs);
        let text = match self.v.get("description").and_then(Value::as_str) {
            Some(d) if !d.is_empty() => format!("{d}\n\n{needs}"),
            _ => needs,
        };
        self.v.insert("description".into(), json!(text));
        if route.privilege == crate::guard::PUBLIC {
            self.public = true;
            self.v.insert("security".into(), json!([]));
        }
        match (route.body, self.v.get_mut("requestBody")) {
            (None, None) => {}
            (Some(body), Some(doc)) => {
                if !body.optional {
                    doc["required"] = json!(true);
                }
                let refined = doc
                    .as_object_mut()
                    .and_then(|d| d.remove("x-refined"))
                    .is_some();
                if !body.json {
                    return Ok(self);
                }
                let media = &mut doc["content"]["application/json"];
                match (typed.filter(|_| !refined), media.get("schema")) {
                    (Some(typed), None) => media["schema"] = typed.to_value(),
                    (Some(typed), Some(documented)) if documented != typed.as_value() => {
                        return Err(format!(
                            "{at}: the documented body {documented} is not the type the handler reads, {}",
                            typed.as_value()
                        ))
                    }
                    (None, None) if body.json => {
                        return Err(format!(
                            "{at}: the handler reads any JSON: the documentation says what"
                        ))
                    }
                    _ => {}
                }
            }
            (body, doc) => {
                return Err(format!(
                    "{at}: the handler reads {body:?}, the documentation says {doc:?}"
                ))
            }
        }
        Ok(self)
    }

    /// A wirewatch addition that ExtraHop appliances do not have.
    pub(crate) fn extension(self) -> Op {
        self.extension_of("the ExtraHop REST API")
    }

    /// A wirewatch addition to an API modelled on another product's
    /// (`product`: "Kibana's actions API").
    pub(crate) fn extension_of(mut self, product: &str) -> Op {
        self.v.insert(EXTENSION.into(), json!(true));
        let note = format!("**wirewatch extension**: this operation is not part of {product}.");
        let text = match self.v.get("description").and_then(Value::as_str) {
            Some(d) => format!("{note}\n\n{d}"),
            None => note,
        };
        self.v.insert("description".into(), json!(text));
        self
    }

    /// An operation the ExtraHop REST API keeps only for compatibility.
    pub(crate) fn deprecated(mut self) -> Op {
        self.v.insert("deprecated".into(), json!(true));
        self
    }

    fn param(
        mut self,
        location: &str,
        name: &str,
        required: bool,
        description: &str,
        schema: Value,
    ) -> Op {
        let p = json!({"name": name, "in": location, "required": required, "description": description, "schema": schema});
        let list = self.v.entry("parameters").or_insert_with(|| json!([]));
        if let Value::Array(a) = list {
            a.push(p);
        }
        self
    }

    /// A path parameter (always required).
    pub(crate) fn path(self, name: &str, description: &str, schema: Value) -> Op {
        self.param("path", name, true, description, schema)
    }

    /// The numeric `{id}` path parameter.
    pub(crate) fn path_id(self, what: &str) -> Op {
        self.path(
            "id",
            &format!("The id of the {what}."),
            json!({"type": "integer", "format": "int64", "minimum": 0}),
        )
    }

    /// An optional query parameter.
    pub(crate) fn query(self, name: &str, description: &str, schema: Value) -> Op {
        self.param("query", name, false, description, schema)
    }

    /// The JSON request body the handler's extractor reads, its schema that
    /// type's; `example` must be a request the handler accepts.
    pub(crate) fn body_example(mut self, example: Value) -> Op {
        self.has_body = true;
        self.v.insert(
            "requestBody".into(),
            json!({"required": true, "content": {"application/json": {"example": example}}}),
        );
        self
    }

    /// A JSON request body that the handler checks beyond its extractor's
    /// type (`why` says how, as the body's description): its schema is
    /// `schema`, not the type's.
    pub(crate) fn refined_body(mut self, schema: Value, example: Value, why: &str) -> Op {
        self = self.body(schema, example);
        self.v["requestBody"]["description"] = json!(why);
        self.v["requestBody"]["x-refined"] = json!(true);
        self
    }

    /// A JSON request body of the schema given (the extractor's type's, when
    /// it has one: the document will not build otherwise); `example` must be
    /// a request the handler accepts.
    pub(crate) fn body(mut self, schema: Value, example: Value) -> Op {
        self.has_body = true;
        self.v.insert(
            "requestBody".into(),
            json!({"required": true, "content": {"application/json": {"schema": schema, "example": example}}}),
        );
        self
    }

    /// A JSON request body that may be left out entirely.
    pub(crate) fn optional_body(mut self, schema: Value, example: Value) -> Op {
        self = self.body(schema, example);
        self.v["requestBody"]["required"] = json!(false);
        self
    }

    /// A request body that is the bytes of a file (`application/octet-stream`;
    /// the `Content-Type` sent is kept as the file's type).
    pub(crate) fn binary_body(mut self, description: &str) -> Op {
        self.has_body = true;
        self.v.insert(
            "requestBody".into(),
            json!({"required": true, "description": description,
                   "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}),
        );
        self
    }

    /// A threat collection upload (`crate::upload::Upload`): multipart
    /// form, a JSON object of text fields, or the file itself.
    pub(crate) fn upload_body(mut self, description: &str) -> Op {
        self.has_body = true;
        self.v.insert(
            "requestBody".into(),
            json!({"required": false, "description": description,
                   "content": {
                       "multipart/form-data": {"schema": {"type": "object", "properties": {
                           "name": {"type": "string", "description": "The collection's name."},
                           "user_key": {"type": "string", "description": "The user-supplied identifier."},
                           "file": {"type": "string", "format": "binary", "description": "The STIX file: a .tar.gz bundle, a STIX 1.x XML package or a STIX 2.x JSON bundle."},
                       }}},
                       "application/json": {"schema": {"type": "object", "properties": {
                           "name": {"type": "string"},
                           "user_key": {"type": "string"},
                       }}, "example": {"name": "Emerging botnets"}},
                       "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
                   }}),
        );
        self
    }

    /// An optional query parameter holding a comma-separated list
    /// (`style: form`, `explode: false`: `?name=A,B`).
    pub(crate) fn query_list(self, name: &str, description: &str, items: Value) -> Op {
        let mut op = self.query(name, description, json!({"type": "array", "items": items}));
        if let Some(Value::Array(ps)) = op.v.get_mut("parameters") {
            if let Some(p) = ps.last_mut() {
                p["style"] = json!("form");
                p["explode"] = json!(false);
            }
        }
        op
    }

    /// A required query parameter.
    pub(crate) fn required_query(self, name: &str, description: &str, schema: Value) -> Op {
        self.param("query", name, true, description, schema)
    }

    /// A successful response whose body is a file (any content type).
    pub(crate) fn file(mut self, status: &str, description: &str, headers: Value) -> Op {
        self.responses.insert(
            status.into(),
            json!({"description": description, "headers": headers,
                   "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}),
        );
        self
    }

    /// A successful response with a JSON body.
    pub(crate) fn ok(mut self, status: &str, description: &str, schema: Value) -> Op {
        self.responses.insert(
            status.into(),
            json!({"description": description, "content": {"application/json": {"schema": schema}}}),
        );
        self
    }

    /// 201 with the created object and its `Location`.
    pub(crate) fn created(mut self, description: &str, schema: Value) -> Op {
        self.responses.insert(
            "201".into(),
            json!({
                "description": description,
                "headers": {"Location": {
                    "description": "The path of the created object, e.g. `/api/v1/...`.",
                    "schema": {"type": "string"},
                }},
                "content": {"application/json": {"schema": schema}},
            }),
        );
        self
    }

    /// A successful response without a body.
    pub(crate) fn empty(mut self, status: &str, description: &str) -> Op {
        self.responses
            .insert(status.into(), json!({"description": description}));
        self
    }

    /// The API's shared error responses by status (401 is added for every
    /// non-public operation, the API's `body_errors` for every operation with
    /// a body).
    pub(crate) fn errors(mut self, statuses: &[u16]) -> Op {
        for s in statuses {
            self.responses.insert(s.to_string(), self.api.error_ref(*s));
        }
        self
    }

    /// A response with a JSON body and an example of it (an answer the
    /// handler writes; checked against `schema` like every example).
    pub(crate) fn answer(
        mut self,
        status: &str,
        description: &str,
        schema: Value,
        example: Value,
    ) -> Op {
        self.responses.insert(
            status.into(),
            json!({"description": description,
                   "content": {"application/json": {"schema": schema, "example": example}}}),
        );
        self
    }

    /// An OpenAPI link from the response of `status` to another operation
    /// (`parameters` maps its parameters to runtime expressions such as
    /// `$response.body#/id`). The response must be declared before.
    pub(crate) fn link(
        mut self,
        status: &str,
        name: &str,
        operation_id: &str,
        parameters: Value,
    ) -> Op {
        let response = self
            .responses
            .get_mut(status)
            .unwrap_or_else(|| panic!("link {name}: no {status} response"));
        response["links"][name] = json!({"operationId": operation_id, "parameters": parameters});
        self
    }

    /// Other security schemes that authenticate the operation instead of its
    /// API's own (any one of them is enough).
    pub(crate) fn also_accepts(mut self, schemes: &[&str]) -> Op {
        let mut alternatives = vec![json!({self.api.security: []})];
        alternatives.extend(schemes.iter().map(|s| json!({(*s): []})));
        self.v.insert("security".into(), Value::Array(alternatives));
        self
    }

    /// An error response whose cause is particular to the operation: the
    /// API's error body (ExtraHop: `Error400` for 400 and 413, `Error`
    /// otherwise) with its own description and example.
    pub(crate) fn error(mut self, status: u16, description: &str, example: Value) -> Op {
        let schema = (self.api.error_schema)(status);
        self.responses.insert(
            status.to_string(),
            json!({"description": description,
                   "content": {"application/json": {"schema": r(schema), "example": example}}}),
        );
        self
    }

    fn build(mut self) -> Value {
        if !self.public {
            let shared = self.api.error_ref(401);
            self.responses.entry("401").or_insert(shared);
            // An API outside the document's server names its scheme even when
            // it is the document's own, so each operation says how it is called.
            if self.api.security != EXTRAHOP.security || self.api.base.is_some() {
                self.v
                    .entry("security")
                    .or_insert_with(|| json!([{self.api.security: []}]));
            }
        }
        if self.has_body {
            for s in self.api.body_errors {
                let shared = self.api.error_ref(*s);
                self.responses.entry(s.to_string()).or_insert(shared);
            }
        }
        let mut sorted: Vec<(String, Value)> =
            std::mem::take(&mut self.responses).into_iter().collect();
        sorted.sort_by(|a, b| a.0.cmp(&b.0));
        self.v.insert(
            "responses".into(),
            Value::Object(sorted.into_iter().collect()),
        );
        Value::Object(self.v)
    }
}

/// The names of the shared error responses.
const ERRORS: &[(u16, &str)] = &[
    (400, "BadRequest"),
    (401, "Unauthorized"),
    (403, "Forbidden"),
    (404, "NotFound"),
    (409, "Conflict"),
    (413, "PayloadTooLarge"),
    (501, "NotApplicable"),
];

fn error_responses() -> Value {
    let resp = |description: &str, schema: &str, example: Value| json!({"description": description, "content": {"application/json": {"schema": r(schema), "example": example}}});
    let mut unauthorized = resp(
        "No API key, a malformed `Authorization` header, or an unknown key (wrong password for `POST /apikeys`).",
        "Error",
        json!({"error_message": "invalid API key"}),
    );
    unauthorized["headers"] = json!({"WWW-Authenticate": {
        "description": "Always `ExtraHop apikey`.",
        "schema": {"type": "string", "example": "ExtraHop apikey"},
    }});
    json!({
        "BadRequest": resp(
            "The request is invalid: the body is not JSON, a field has the wrong type or an unknown value, \
             or a value is out of range. `field` names the field.",
            "Error400",
            json!({"type": "invalid_request", "detail": "risk_score: must be between 0 and 100",
                   "field": "risk_score", "error_message": "risk_score: must be between 0 and 100"}),
        ),
        "Unauthorized": unauthorized,
        "Forbidden": resp(
            "The caller's privileges do not allow the operation; the message names the privilege needed.",
            "Error",
            json!({"error_message": "this operation needs \"write\": \"full\" privileges"}),
        ),
        "NotFound": resp(
            "The object does not exist or the caller may not see it.",
            "Error",
            json!({"error_message": "detection 42 not found"}),
        ),
        "Conflict": resp(
            "An object with the same name already exists.",
            "Error",
            json!({"error_message": "user alice already exists"}),
        ),
        "PayloadTooLarge": resp(
            "The request body is larger than 8 MiB.",
            "Error400",
            json!({"type": "payload_too_large", "detail": "the request body is larger than 8388608 bytes",
                   "field": null, "error_message": "the request body is larger than 8388608 bytes"}),
        ),
        "NotApplicable": resp(
            "wirewatch is a software sensor: appliance hardware, firmware and power operations do not apply.",
            "Error",
            json!({"error_message": "wirewatch is a software sensor: appliance hardware, firmware and power operations do not apply"}),
        ),
    })
}
