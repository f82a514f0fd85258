//! Operations on Open Data Stream targets (`/odstargets`) and, as wirewatch
//! extensions, their delivery statistics, health check and dead letters.

use super::{array, r, wire, Op, Paths};
use serde_json::{json, Value};
use wirewatch_model::ods::TargetKind;

const READ: &str = "Requires `write: full` or higher.";
const ADMIN: &str = "Requires system and access administration privileges (`system: full`).";

pub(super) fn add(p: &mut Paths) {
    targets(p);
    delivery(p);
    dead_letters(p);
}

/// The component schema of each kind of target, in `TargetKind::ALL` order
/// (the schemas of `wirewatch_model::ods::{HttpTarget, ...}`).
#[cfg(test)]
pub(super) const TARGET_SCHEMAS: [(TargetKind, &str); 5] = [
    (TargetKind::Http, "HttpTarget"),
    (TargetKind::Kafka, "KafkaTarget"),
    (TargetKind::Mongodb, "MongoTarget"),
    (TargetKind::Raw, "RawTarget"),
    (TargetKind::Syslog, "SyslogTarget"),
];

/// The target kinds, as the `{kind}` path parameter spells them.
pub(super) fn kinds() -> Vec<Value> {
    wire(&TargetKind::ALL)
}

/// The `{kind}` path parameter.
fn kind(op: Op) -> Op {
    op.path(
        "kind",
        "The kind of target; any other value is 404.",
        json!({"type": "string", "enum": kinds(), "example": "http"}),
    )
}

/// The `{kind}` and `{name}` path parameters.
fn kind_name(op: Op) -> Op {
    kind(op).path(
        "name",
        "The target's name (percent-encoded).",
        json!({"type": "string", "example": "ticket-server"}),
    )
}

fn not_found(what: &str) -> String {
    format!("The kind is not one of `http`, `kafka`, `mongodb`, `raw`, `syslog`{what}.")
}

fn targets(p: &mut Paths) {
    let tag = "ODS Target";
    p.add(
        "get",
        "/odstargets",
        Op::new(tag, "listOdsTargets", "List all ODS targets")
            .describe(&format!(
                "Every target, by kind. Secrets never appear: answers show `<field>_set: true` in their place. {READ}"
            ))
            .ok("200", "The targets, by kind.", r("OdsTargets"))
            .errors(&[403]),
    );
    p.add(
        "get",
        "/odstargets/{kind}",
        kind(Op::new(tag, "listOdsTargetsOfKind", "List the ODS targets of a kind"))
            .describe(&format!(
                "The targets of one kind. Secrets never appear: answers show `<field>_set: true` in their place. {READ}"
            ))
            .ok("200", "The targets.", array(r("OdsTarget")))
            .errors(&[403, 404]),
    );
    p.add(
        "post",
        "/odstargets/{kind}",
        kind(Op::new(tag, "createOdsTarget", "Create an ODS target"))
            .describe(&format!(
                "Creates a target of the kind in the path; the body is the schema of that kind (`HttpTarget`, \
                 `KafkaTarget`, `MongoTarget`, `RawTarget`, `SyslogTarget`). Field names, enums and defaults follow \
                 the ExtraHop REST API; unknown fields are refused. A field that is missing, of the wrong type or out \
                 of range, or an option that does not fit the others (`skip_cert_verification` without TLS, say), \
                 is a 400 whose `field` names it (`port`, `authentication.password`, `brokers[0].host`). \
                 Change a target with `PATCH /odstargets/{{kind}}/{{name}}` (a wirewatch extension).\n\n\
                 Secrets (`password`, `secret_key`, `client_secret`, `tls_client_key`) are write-only: the answer, \
                 like every other, shows `<field>_set: true` instead. wirewatch answers with the created target \
                 (an ExtraHop appliance answers with an empty body); `Location` is its path. {ADMIN}"
            ))
            .body(
                r("OdsTarget"),
                json!({
                    "name": "ticket-server", "host": "127.0.0.1", "port": 8080, "protocol": "http",
                    "additional_header": "Accept: application/json",
                    "authentication": {"auth_type": "basic", "username": "extrahop", "password": "tickets-2026"},
                }),
            )
            .created("The created target, without its secrets.", r("OdsTarget"))
            .error(
                400,
                "The body is not a JSON object of the kind's schema, or a field is wrong: `field` names it.",
                json!({"type": "invalid_request",
                       "detail": "authentication.password: is required when auth_type is basic",
                       "field": "authentication.password",
                       "error_message": "authentication.password: is required when auth_type is basic"}),
            )
            .error(
                409,
                "A target of this kind with this name already exists; change it with `PATCH`, or delete it first.",
                json!({"error_message": "a http target named \"ticket-server\" already exists; change it with PATCH, or delete it first"}),
            )
            .errors(&[403, 404]),
    );
    p.add(
        "get",
        "/odstargets/{kind}/{name}",
        kind_name(Op::new(tag, "getOdsTarget", "Get an ODS target"))
            .describe(&format!(
                "One target. Secrets never appear: the answer shows `<field>_set: true` in their place. {READ}"
            ))
            .ok("200", "The target.", r("OdsTarget"))
            .errors(&[403])
            .error(
                404,
                &not_found(", or there is no target of that kind with that name"),
                json!({"error_message": "http target \"ticket-server\" not found"}),
            ),
    );
    p.add(
        "patch",
        "/odstargets/{kind}/{name}",
        kind_name(Op::new(tag, "updateOdsTarget", "Change an ODS target"))
            .describe(&format!(
                "Changes a target in place (ExtraHop's API has none: there a target is deleted and created again). \
                 The body is a JSON merge patch (RFC 7396) of the kind's schema: fields left out keep their value, \
                 `null` removes a field (it takes its default), objects merge field by field, lists are replaced. \
                 Secrets are write-only, so a patch without one keeps the stored one (`password`, `secret_key`, \
                 `client_secret`, `tls_client_key`, a credential `additional_header`; `<field>_set: true` as \
                 answers show it also means keep it; a MongoDB credential without `password` keeps the password of \
                 the stored credential with the same `database` and `user`); an HTTP `authentication` whose \
                 `auth_type` changes is replaced whole. The result is checked as a create is (400 naming the \
                 field). `name` may only be given unchanged: the target keeps its name, and with it its queued \
                 messages, statistics and dead letters; delivery resumes with the new configuration. The change \
                 is audited (the names of the fields changed, never their values). {ADMIN}"
            ))
            .extension()
            .refined_body(
                json!({"type": "object", "additionalProperties": true,
                       "description": "Fields of the kind's schema (`HttpTarget`, `KafkaTarget`, `MongoTarget`, `RawTarget`, `SyslogTarget`) to change."}),
                json!({"port": 8443, "protocol": "https", "authentication": {"username": "extrahop-2"}}),
                "A merge patch of the kind's schema; the patched target must pass the create checks.",
            )
            .ok("200", "The changed target, without its secrets.", r("OdsTarget"))
            .error(
                400,
                "The body is not a JSON object, names an unknown field, changes `name`, or the patched target fails a check: `field` names it.",
                json!({"type": "invalid_request",
                       "detail": "authentication.password: is required when auth_type is basic",
                       "field": "authentication.password",
                       "error_message": "authentication.password: is required when auth_type is basic"}),
            )
            .errors(&[403])
            .error(
                404,
                &not_found(", or there is no target of that kind with that name"),
                json!({"error_message": "http target \"ticket-server\" not found"}),
            ),
    );
    p.add(
        "delete",
        "/odstargets/{kind}/{name}",
        kind_name(Op::new(tag, "deleteOdsTarget", "Delete an ODS target"))
            .describe(&format!(
                "Deletes the target. Messages still queued for it become dead letters (reason `target_deleted`): \
                 create the target again and replay them, or delete them. {ADMIN}"
            ))
            .empty("204", "The target was deleted.")
            .errors(&[403])
            .error(
                404,
                &not_found(", or there is no target of that kind with that name"),
                json!({"error_message": "http target \"ticket-server\" not found"}),
            ),
    );
}

fn delivery(p: &mut Paths) {
    let tag = "ODS Target";
    p.add(
        "get",
        "/odstargets/{kind}/{name}/stats",
        kind_name(Op::new(tag, "getOdsTargetStats", "Get the delivery statistics of an ODS target"))
            .describe(&format!(
                "Messages queued, sent, retried, failed and dropped, the dead letters, and the last error. {READ}"
            ))
            .extension()
            .ok("200", "The statistics.", r("OdsStats"))
            .errors(&[403])
            .error(
                404,
                &not_found(", or there is no target of that kind with that name"),
                json!({"error_message": "http target \"ticket-server\" not found"}),
            ),
    );
    p.add(
        "get",
        "/odstargets/{kind}/{name}/health",
        kind_name(Op::new(tag, "checkOdsTargetHealth", "Check that an ODS target can be reached"))
            .describe(&format!(
                "Connects to the target now (TCP, with TLS when the target uses it; a MongoDB server is pinged; for \
                 UDP only the address is resolved, as delivery cannot be confirmed) and answers whether that worked. An unreachable target \
                 is still a 200, with `healthy: false` and the reason in `detail`; so is a target of a kind this build \
                 cannot deliver to (its messages stay queued). {READ}"
            ))
            .extension()
            .ok("200", "The outcome of the check.", r("OdsHealth"))
            .errors(&[403])
            .error(
                404,
                &not_found(", or there is no target of that kind with that name"),
                json!({"error_message": "http target \"ticket-server\" not found"}),
            )
            .error(
                501,
                "ODS delivery is not running in this process (the API is served without the delivery workers).",
                json!({"error_message": "ODS delivery is not running in this process"}),
            ),
    );
}

fn dead_letters(p: &mut Paths) {
    let tag = "ODS Target";
    let kind_only = not_found("");
    p.add(
        "get",
        "/odstargets/{kind}/{name}/deadletters",
        kind_name(Op::new(tag, "listOdsDeadLetters", "List the dead letters of an ODS target"))
            .describe(&format!(
                "Messages that could not be delivered, oldest first. The name need not be a current target: the \
                 dead letters of a deleted target, or of messages a trigger sent to a name that does not exist, are \
                 listed too (an unknown name has none). {READ}"
            ))
            .extension()
            .query(
                "limit",
                "How many (1 to 10000, default 100).",
                json!({"type": "integer", "minimum": 1, "maximum": 10_000, "default": 100}),
            )
            .query(
                "offset",
                "How many of the oldest to skip.",
                json!({"type": "integer", "minimum": 0, "default": 0}),
            )
            .ok("200", "The dead letters.", array(r("DeadLetter")))
            .error(
                400,
                "`limit` is not between 1 and 10000, or `limit` or `offset` is not a number.",
                json!({"type": "invalid_request", "detail": "limit: must be between 1 and 10000",
                       "field": "limit", "error_message": "limit: must be between 1 and 10000"}),
            )
            .errors(&[403])
            .error(404, &kind_only, json!({"error_message": "ODS target type \"ftp\" (types: http, kafka, mongodb, raw, syslog) not found"})),
    );
    p.add(
        "delete",
        "/odstargets/{kind}/{name}/deadletters",
        kind_name(Op::new(tag, "deleteOdsDeadLetters", "Delete every dead letter of an ODS target"))
            .describe(&format!(
                "Deletes the dead letters kept under the name (which need not be a current target) and says how \
                 many there were. {ADMIN}"
            ))
            .extension()
            .ok("200", "How many were deleted.", r("DeadLettersDeleted"))
            .errors(&[403])
            .error(404, &kind_only, json!({"error_message": "ODS target type \"ftp\" (types: http, kafka, mongodb, raw, syslog) not found"})),
    );
    p.add(
        "post",
        "/odstargets/{kind}/{name}/deadletters/replay",
        kind_name(Op::new(tag, "replayOdsDeadLetters", "Replay dead letters of an ODS target"))
            .describe(&format!(
                "Moves dead letters back to the outbox, in order, to be delivered again (each keeps its \
                 `message_id`, so an HTTP target sees the same `Idempotency-Key`). Send `{{}}` (no `ids`) to replay \
                 every dead letter of the target. The target must exist. {ADMIN}"
            ))
            .extension()
            .body_example(json!({"ids": [7, 8, 9]}))
            .ok("200", "How many were queued again.", r("DeadLettersReplayed"))
            .errors(&[403])
            .error(
                404,
                &not_found(", or there is no target of that kind with that name"),
                json!({"error_message": "http target \"ticket-server\" not found"}),
            ),
    );
    p.add(
        "delete",
        "/odstargets/{kind}/{name}/deadletters/{id}",
        kind_name(Op::new(tag, "deleteOdsDeadLetter", "Delete a dead letter"))
            .describe(&format!("Deletes one dead letter. {ADMIN}"))
            .extension()
            .path_id("dead letter")
            .empty("204", "The dead letter was deleted.")
            .errors(&[400, 403])
            .error(
                404,
                &not_found(", or the target has no dead letter with that id"),
                json!({"error_message": "dead letter 7 not found"}),
            ),
    );
}
