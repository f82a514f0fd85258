//! Component schemas of the system resources: errors, `/extrahop`, API keys,
//! users, network localities, observations and the audit log.

use super::{array, boolean, enumeration, ext, id, ms, nullable_string, object, r, string, wire};
use serde_json::{json, Map, Value};
use wirewatch_model::user::{
    MetricsRole, ModuleRole, PacketsRole, SystemRole, UserType, WriteRole,
};

pub(super) fn add(s: &mut Map<String, Value>) {
    let mut put = |name: &str, schema: Value| {
        s.insert(name.to_string(), schema);
    };
    put("Error400", error400());
    put("Error", error());
    put("ExtraHop", extrahop());
    put(
        "Version",
        object(
            "`GET /extrahop/version`.",
            &["version"],
            json!({"version": string("The firmware version reported.")}),
        ),
    );
    put(
        "Platform",
        object(
            "`GET /extrahop/platform`.",
            &["platform"],
            json!({"platform": string("The platform name.")}),
        ),
    );
    put(
        "Edition",
        object(
            "`GET /extrahop/edition`.",
            &["edition"],
            json!({"edition": string("The edition name.")}),
        ),
    );
    put("Ticketing", ticketing());
    put("TicketingPatch", ticketing_patch());
    put("NewApiKey", new_apikey());
    put("ApiKeyRequest", apikey_request());
    put("ApiKey", apikey());
    put("Roles", roles());
    put("User", user());
    put("CreatedUser", created_user());
    put("NewUser", new_user());
    put("UserPatch", user_patch());
    put("NetworkLocality", locality());
    put("NetworkLocalityInput", locality_input());
    put("Observation", observation());
    put("ObservationBatch", observation_batch());
    put("StoredObservation", stored_observation());
    put("AuditEntry", audit_entry());
}

fn error400() -> Value {
    object(
        "The body of every 400 (and 413) answer.",
        &["type", "detail", "field", "error_message"],
        json!({
            "type": enumeration(
                vec![json!("invalid_request"), json!("malformed_json"), json!("payload_too_large")],
                false,
                "`invalid_request`: a field is wrong; `malformed_json`: the body is not JSON or cannot be read; \
                 `payload_too_large`: the body is too large.",
            ),
            "detail": string("What is wrong."),
            "field": nullable_string("The JSON path of the field at fault (e.g. `participants[0].role`); `null` when the body as a whole is."),
            "error_message": string("The same text as `detail`, for clients that read only `error_message`."),
        }),
    )
}

fn error() -> Value {
    let mut e = object(
        "The body of every error other than 400 and 413.",
        &["error_message"],
        json!({"error_message": string("What went wrong. 5xx answers say nothing about the cause, which is logged.")}),
    );
    e["example"] = json!({"error_message": "detection 42 not found"});
    e
}

fn extrahop() -> Value {
    let mut e = object(
        "`GET /extrahop`: metadata about this sensor.",
        &[
            "display_host",
            "external_hostname",
            "hostname",
            "mgmt_ipaddr",
            "platform",
            "version",
        ],
        json!({
            "display_host": string("The host name shown in the user interface."),
            "external_hostname": string("The host name clients reach the sensor at."),
            "hostname": string("The sensor's host name."),
            "mgmt_ipaddr": string("The management IP address."),
            "platform": string("The platform name."),
            "version": string("The firmware version reported."),
        }),
    );
    e["example"] = json!({"display_host": "sensor1", "external_hostname": "sensor1.example.com", "hostname": "sensor1",
        "mgmt_ipaddr": "192.0.2.10", "platform": "extrahop", "version": "9.9.0.1"});
    e
}

fn ticketing() -> Value {
    let mut t = object(
        "Ticket-tracking settings (`GET /extrahop/ticketing`).",
        &[
            "enabled",
            "external_ticketing_enabled",
            "internal_ticketing_enabled",
            "url_template",
            "connector_id",
        ],
        json!({
            "enabled": json!({"type": "boolean", "deprecated": true, "description": "Deprecated mirror of `external_ticketing_enabled`."}),
            "external_ticketing_enabled": boolean("Detections are tracked in a third-party ticketing system (enables status `new`)."),
            "internal_ticketing_enabled": boolean("Detections are tracked here (assignee, status)."),
            "url_template": nullable_string("URL of a ticket, with `$ticket_id` where the ticket id goes; builds `ticket_url` of detections."),
            "connector_id": ext(nullable_string("The connector (`/api/actions/connector`) every detection is pushed to while external ticketing is enabled; `null` when none.")),
        }),
    );
    t["example"] = json!({"enabled": true, "external_ticketing_enabled": true, "internal_ticketing_enabled": false,
        "url_template": "https://tickets.example.com/browse/$ticket_id", "connector_id": null});
    t
}

fn ticketing_patch() -> Value {
    object(
        "Body of `PATCH /extrahop/ticketing`. `external_ticketing_enabled` and `internal_ticketing_enabled` must be \
         sent together and cannot both be true; `enabled` is the deprecated form of the external flag.",
        &[],
        json!({
            "enabled": json!({"type": "boolean", "deprecated": true, "description": "Deprecated: sets `external_ticketing_enabled`."}),
            "external_ticketing_enabled": boolean("Track detections in a third-party system."),
            "internal_ticketing_enabled": boolean("Track detections here."),
            "url_template": nullable_string("An http(s) URL containing `$ticket_id`; `null` or `\"\"` removes it."),
            "connector_id": ext(nullable_string("The id of the connector (`GET /api/actions/connectors`) to push detections to: \
                a `.jira`, `.servicenow` or `.cases-webhook` connector (400 otherwise); `null` or `\"\"` removes it.")),
        }),
    )
}

fn new_apikey() -> Value {
    object(
        "Body of `POST /apikeys`: generate a key by password.",
        &["password"],
        json!({
            "password": string("The user's password (by default the setup user's)."),
            "username": ext(string("a local user other than `setup` generates their own key with their password.")),
            "description": ext(string("A description of the key (default `API key`).")),
        }),
    )
}

fn apikey_request() -> Value {
    object(
        "Body of `POST /users/{username}/apikeys` (optional).",
        &[],
        json!({"description": string("A description of the key (default `issued by <caller>`).")}),
    )
}

fn apikey() -> Value {
    let mut k = object(
        "An API key. `key` is the full key only in the answer that creates it; afterwards it is masked.",
        &["id", "description", "key", "time_added", "user_id", "username"],
        json!({
            "id": id("The key's id."),
            "description": string("What the key is for."),
            "key": string("The full key at creation (send it as `Authorization: ExtraHop apikey=KEY`); `****…abcd` afterwards."),
            "time_added": ms("When the key was created."),
            "user_id": id("The id of the user the key belongs to."),
            "username": string("The user the key belongs to."),
        }),
    );
    k["example"] = json!({"id": 3, "description": "SOAR integration", "key": "****a1b2", "time_added": 1_767_225_600_000_i64,
        "user_id": 2, "username": "alice"});
    k
}

fn roles() -> Value {
    let mut roles = object(
        "Privilege levels. At most one of `system`, `write` and `metrics` may be granted; `system: full` implies \
         every other privilege.",
        &[],
        json!({
            "system": enumeration(wire(&[SystemRole::Full]), false, "System and access administration."),
            "write": enumeration(wire(&[WriteRole::Full, WriteRole::Limited, WriteRole::Personal]), false,
                "`full`: every system task; `limited`: triage of detections; `personal`: personal objects such as investigations."),
            "metrics": enumeration(wire(&[MetricsRole::Full, MetricsRole::Restricted]), false, "Read-only access."),
            "ndr": enumeration(wire(&[ModuleRole::Full, ModuleRole::None]), false, "NDR module: security detections, investigations, tuning rules."),
            "npm": enumeration(wire(&[ModuleRole::Full, ModuleRole::None]), false, "NPM module: performance detections."),
            "packets": enumeration(wire(&[PacketsRole::Full, PacketsRole::FullWithKeys, PacketsRole::SlicesOnly]), false, "Packet access."),
        }),
    );
    roles["example"] = json!({"write": "limited", "ndr": "full"});
    roles
}

fn user_type() -> Value {
    enumeration(
        wire(&[UserType::Local, UserType::Remote]),
        false,
        "`local` users authenticate here; `remote` ones elsewhere.",
    )
}

fn user() -> Value {
    let mut u = object(
        "A user.",
        &[
            "id",
            "username",
            "name",
            "type",
            "enabled",
            "date_joined",
            "granted_roles",
            "effective_roles",
        ],
        json!({
            "id": id("The user's id."),
            "username": string("The login name."),
            "name": string("The display name."),
            "type": user_type(),
            "enabled": boolean("Whether the user may log in and use API keys."),
            "date_joined": ms("When the user was created."),
            "granted_roles": r("Roles"),
            "effective_roles": r("Roles"),
        }),
    );
    u["example"] = json!({"id": 2, "username": "alice", "name": "Alice Analyst", "type": "local", "enabled": true,
        "date_joined": 1_767_225_600_000_i64, "granted_roles": {"write": "limited", "ndr": "full"},
        "effective_roles": {"write": "limited", "ndr": "full"}});
    u
}

fn created_user() -> Value {
    json!({
        "description": "The created user; with `create_apikey: true` also its first API key (the only time the full key is shown).",
        "allOf": [r("User"), {"type": "object", "properties": {"apikey": r("ApiKey")}}],
    })
}

fn new_user() -> Value {
    object(
        "Body of `POST /users`.",
        &["username"],
        json!({
            "username": string("1 to 64 letters, digits, `.`, `_`, `-` or `@`."),
            "name": string("The display name (default: the username)."),
            "password": string("At least 8 characters; required for a local user."),
            "enabled": boolean("Default true."),
            "granted_roles": r("Roles"),
            "type": user_type(),
            "create_apikey": boolean("Also create an API key for the user and return it in `apikey` (once)."),
        }),
    )
}

fn user_patch() -> Value {
    object(
        "Body of `PATCH /users/{username}`; absent fields are left alone. A user may change their own password; \
         anything else needs `system: full`.",
        &[],
        json!({
            "name": string("The display name."),
            "password": string("A new password (at least 8 characters)."),
            "current_password": string(
                "The caller's current password: required when a user changes their own password \
                 (400 naming `current_password` when absent, 403 when wrong); an administrator \
                 changing another user's password needs none.",
            ),
            "enabled": boolean("The setup user cannot be disabled."),
            "granted_roles": r("Roles"),
        }),
    )
}

fn locality() -> Value {
    let mut l = object(
        "A network locality entry.",
        &[
            "id",
            "name",
            "description",
            "external",
            "mod_time",
            "network",
            "networks",
        ],
        json!({
            "id": id("The entry's id."),
            "name": string("The entry's name."),
            "description": nullable_string("A description."),
            "external": boolean("Whether these addresses are outside the monitored network."),
            "mod_time": ms("When the entry last changed."),
            "network": {"type": "string", "nullable": true, "deprecated": true, "description": "Deprecated: the first entry of `networks`."},
            "networks": array(string("An IP address or CIDR block.")),
        }),
    );
    l["example"] = json!({"id": 1, "name": "Guest Wi-Fi", "description": "Visitors", "external": true,
        "mod_time": 1_767_225_600_000_i64, "network": "10.20.0.0/16", "networks": ["10.20.0.0/16", "fd00:20::/64"]});
    l
}

fn locality_input() -> Value {
    object(
        "Body of `POST /networklocalities` (which needs `networks` or `network`, and `external`) and \
         `PATCH /networklocalities/{id}` (absent fields are left alone).",
        &[],
        json!({
            "name": string("The entry's name."),
            "network": {"type": "string", "deprecated": true, "description": "Deprecated: a single IP address or CIDR block."},
            "networks": array(string("An IP address or CIDR block.")),
            "external": boolean("Whether these addresses are outside the monitored network."),
            "description": nullable_string("A description; `null` removes it."),
        }),
    )
}

fn observation() -> Value {
    object(
        "An association of two IP addresses.",
        &["ipaddr", "associated_ipaddr", "timestamp"],
        json!({
            "ipaddr": string("An IP address the sensor sees (a VPN client's inner address, say)."),
            "associated_ipaddr": string("The IP address associated with it (the client's public address, say)."),
            "timestamp": json!({"type": "integer", "format": "int64", "minimum": 1, "description": "When the association was observed, in **seconds** since the epoch."}),
        }),
    )
}

fn observation_batch() -> Value {
    object(
        "Body of `POST /observations/associatedipaddrs`.",
        &["observations", "source"],
        json!({
            "observations": {"type": "array", "minItems": 1, "maxItems": 10_000, "items": r("Observation")},
            "source": string("Where the observations come from (e.g. `OpenVPN`); not empty."),
        }),
    )
}

fn stored_observation() -> Value {
    let mut o = object(
        "A stored observation (`GET /observations/associatedipaddrs`).",
        &[
            "id",
            "ipaddr",
            "associated_ipaddr",
            "timestamp",
            "source",
            "received_time",
        ],
        json!({
            "id": id("The observation's id."),
            "ipaddr": string("The IP address."),
            "associated_ipaddr": string("The IP address associated with it."),
            "timestamp": json!({"type": "integer", "format": "int64", "description": "When it was observed, in seconds since the epoch."}),
            "source": string("Where it came from."),
            "received_time": ms("When wirewatch received it."),
        }),
    );
    o["example"] = json!({"id": 7, "ipaddr": "10.8.0.6", "associated_ipaddr": "203.0.113.50", "timestamp": 1_767_225_600,
        "source": "OpenVPN", "received_time": 1_767_225_601_000_i64});
    o
}

fn audit_entry() -> Value {
    let mut a = object(
        "One audit log message.",
        &["id", "occur_time", "time", "body"],
        json!({
            "id": id("The message's id."),
            "occur_time": ms("When the change happened."),
            "time": ms("When it was logged."),
            "body": object("What happened.", &["user", "operation", "component", "details"], json!({
                "user": string("The username of the caller."),
                "operation": string("What was done, e.g. `update detection`."),
                "component": string("The resource, e.g. `detections`."),
                "details": {"type": "object", "additionalProperties": true, "description": "Operation-specific details (ids, changed fields)."},
            })),
        }),
    );
    a["example"] = json!({"id": 12, "occur_time": 1_767_225_600_000_i64, "time": 1_767_225_600_000_i64,
        "body": {"user": "alice", "operation": "update detection", "component": "detections",
                 "details": {"id": 1042, "changes": {"status": "in_progress"}}}});
    a
}
