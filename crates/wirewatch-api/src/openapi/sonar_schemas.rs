//! Component schemas and error responses of the internal tickets in the
//! Logpresso Sonar form (`/api/sonar/tickets`): the ticket exactly as
//! `routes::sonar::view` writes it, the request bodies, and the
//! `{"error_code", "error_msg"}` errors.

use super::{array, boolean, enumeration, ext, nullable_string, object, r, string, wire};
use serde_json::{json, Map, Value};
use wirewatch_model::ticket::{Format, Priority, TaskStatus, TicketStatus};

/// Sonar's date form, `yyyy-MM-dd HH:mm:ssZ` (`2026-01-05 09:12:44+0900`).
pub(super) const DATE_PATTERN: &str =
    "^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}[+-][0-9]{4}$";

/// Every `error_code` the Sonar routes answer with.
pub(super) const ERROR_CODES: [&str; 15] = [
    "invalid-param",
    "invalid-param-type",
    "invalid-state",
    "unauthorized",
    "no-permission",
    "ticket-not-found",
    "attachment-not-found",
    "not-found",
    "conflict",
    "too-large",
    "method-not-allowed",
    "not-supported",
    "too-many-requests",
    "request-timeout",
    "internal-error",
];

/// The shared error responses (`components.responses`) of the Sonar API, by status.
pub(super) const RESPONSES: &[(u16, &str)] = &[
    (400, "SonarBadRequest"),
    (401, "SonarUnauthorized"),
    (403, "SonarForbidden"),
    (404, "SonarTicketNotFound"),
    (413, "SonarPayloadTooLarge"),
];

/// The ticket of the examples.
pub(super) const GUID: &str = "49272877-75f2-4c2f-9301-d21c4f9a106d";
/// The comment of the examples.
pub(super) const COMMENT_GUID: &str = "b66a31b5-db94-478b-8751-194b5ee5f358";
/// The attachment of the examples.
pub(super) const ATTACHMENT_GUID: &str = "d4390b7a-7d64-4a24-bd3e-af74b4f3c204";

pub(super) fn add(s: &mut Map<String, Value>) {
    let mut put = |name: &str, schema: Value| {
        s.insert(name.to_string(), schema);
    };
    put("SonarError", error());
    put("SonarTicket", ticket());
    put("SonarTask", task());
    put("SonarComment", comment());
    put("SonarAttachment", attachment());
    put("SonarMitreTechnique", technique());
    put("SonarMitreTactic", tactic());
    put("SonarTicketList", ticket_list());
    put("SonarTicketAnswer", ticket_answer());
    put("SonarTicketLookup", ticket_lookup());
    put("SonarDeleted", deleted());
    put("SonarComments", comments());
    put("SonarAttachments", attachments());
    put("SonarAttachmentAnswer", attachment_answer());
    put("SonarNewTicket", new_ticket());
    put("SonarTicketPatch", ticket_patch());
    put("SonarAssignment", assignment());
    put("SonarTaskChange", task_change());
    put("SonarDecision", decision());
    put("SonarCommentInput", comment_input());
}

/// The shared error responses, added to `components.responses`.
pub(super) fn add_responses(responses: &mut Value) {
    let resp = |description: &str, code: &str, msg: &str| {
        json!({"description": description, "content": {"application/json": {
            "schema": r("SonarError"), "example": {"error_code": code, "error_msg": msg}}}})
    };
    let texts = [
        resp(
            "A parameter or the body is invalid (`invalid-param`: not JSON, a field of the wrong type, an \
             unknown value), or a GUID is not in GUID form (`invalid-param-type`).",
            "invalid-param",
            "the request body is not valid JSON: expected value at line 1 column 1",
        ),
        resp(
            "No `Authorization` header, a malformed one, or an unknown API key.",
            "unauthorized",
            "invalid API key",
        ),
        resp(
            "The caller's role does not allow the operation (`no-permission`); the message names what is needed.",
            "no-permission",
            "this operation needs \"write\": \"full\" privileges",
        ),
        resp(
            "There is no ticket with that GUID.",
            "ticket-not-found",
            &format!("ticket {GUID} not found"),
        ),
        resp(
            "The file is larger than an attachment may be.",
            "too-large",
            &format!(
                "attachments are limited to {} bytes",
                wirewatch_store::MAX_ATTACHMENT
            ),
        ),
    ];
    for ((_, name), v) in RESPONSES.iter().zip(texts) {
        responses[*name] = v;
    }
}

/// A Sonar date (`yyyy-MM-dd HH:mm:ssZ`, in the sensor's time zone).
fn date(description: &str) -> Value {
    json!({"type": "string", "pattern": DATE_PATTERN,
           "description": format!("{description} (`yyyy-MM-dd HH:mm:ssZ`, in the sensor's time zone).")})
}

fn nullable_date(description: &str) -> Value {
    let mut d = date(description);
    d["nullable"] = json!(true);
    d
}

/// A GUID (36 characters, 8-4-4-4-12 hexadecimal digits).
fn guid(description: &str) -> Value {
    json!({"type": "string", "pattern": GUID_PATTERN, "description": description})
}

/// What `is_guid` accepts.
pub(super) const GUID_PATTERN: &str =
    "^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$";

fn count(description: &str) -> Value {
    json!({"type": "integer", "format": "int64", "minimum": 0, "description": description})
}

/// `x_login`, `x_user`, `x_dept` of a person.
fn gone_fields(mut props: Value, who: &str) -> Value {
    props["x_login"] = nullable_string(&format!(
        "The login name of {who} once their account is deleted; `null` while it exists."
    ));
    props["x_user"] = nullable_string(&format!(
        "The display name of {who} once their account is deleted; `null` while it exists."
    ));
    props["x_dept"] = nullable_string("The department; always `null` (wirewatch users have none).");
    props
}

fn with_example(mut schema: Value, example: Value) -> Value {
    schema["example"] = example;
    schema
}

fn error() -> Value {
    with_example(
        object(
            "A Sonar error.",
            &["error_code", "error_msg"],
            json!({
                "error_code": enumeration(
                    ERROR_CODES.iter().map(|c| json!(c)).collect(),
                    false,
                    "What went wrong: `invalid-param` (400: a parameter or the body), `invalid-param-type` (400: a \
                     GUID is not in GUID form), `invalid-state` (400: the workflow does not allow the step now), \
                     `unauthorized` (401), `no-permission` (403), `ticket-not-found`, `attachment-not-found`, \
                     `not-found` (404: a comment), `too-large` (413), `internal-error` (500); `conflict`, \
                     `method-not-allowed` and `not-supported` are the codes of the sensor's other errors.",
                ),
                "error_msg": string("The reason, for people."),
            }),
        ),
        json!({"error_code": "invalid-param-type", "error_msg": "guid should be guid type."}),
    )
}

fn tactic() -> Value {
    object(
        "A MITRE ATT&CK tactic.",
        &["mitre_id", "name"],
        json!({"mitre_id": string("The tactic id, e.g. `TA0007`."), "name": string("The tactic's name.")}),
    )
}

fn technique() -> Value {
    object(
        "A MITRE ATT&CK technique of the ticket's detection type.",
        &["mitre_id", "name", "display_name", "url", "tactics"],
        json!({
            "mitre_id": string("The technique id, e.g. `T1046`."),
            "name": string("The technique's name."),
            "display_name": string("`<first tactic>: <technique>`, or the technique's name when it has no tactic."),
            "url": string("The technique's page at attack.mitre.org."),
            "tactics": {"type": "array", "items": r("SonarMitreTactic"), "description": "The tactics of the technique."},
        }),
    )
}

fn task_example(user: &str, guid: &str, kind: &str, status: &str) -> Value {
    json!({
        "company_guid": "0c5a1f3e-8d2b-5e47-9f6a-2b1d7c9e4a30", "company_name": "wirewatch",
        "user_guid": guid, "user_name": user, "task_type": kind, "task_status": status,
        "x_login": null, "x_user": null, "x_dept": null,
    })
}

fn task() -> Value {
    let status = enumeration(
        wire(&[
            TaskStatus::Assigned,
            TaskStatus::InProgress,
            TaskStatus::Closed,
            TaskStatus::Approved,
            TaskStatus::Rejected,
        ]),
        false,
        "An assignee's task: `ASSIGNED`, `IN_PROGRESS` or `CLOSED` (their part done). An approver's: `ASSIGNED` \
         until they decide, then `APPROVED` or `REJECTED`.",
    );
    with_example(
        object(
            "An assignee or an approver of a ticket.",
            &[
                "company_guid",
                "company_name",
                "user_guid",
                "user_name",
                "task_type",
                "task_status",
                "x_login",
                "x_user",
                "x_dept",
            ],
            gone_fields(
                json!({
                    "company_guid": guid("The tenant's GUID (one tenant: this sensor)."),
                    "company_name": string("The tenant's name: always `wirewatch`."),
                    "user_guid": guid("The person's GUID (stable for a user name on this sensor)."),
                    "user_name": string("The person's user name (the name `assign` takes)."),
                    "task_type": enumeration(
                        vec![json!("ASSIGNEE"), json!("APPROVER")],
                        false,
                        "`ASSIGNEE` in `assignees`, `APPROVER` in `approvers`.",
                    ),
                    "task_status": status,
                }),
                "the person",
            ),
        ),
        task_example(
            "alice",
            "bfd00bb0-be99-5fd5-8380-166f544975fa",
            "ASSIGNEE",
            "CLOSED",
        ),
    )
}

fn comment_example() -> Value {
    json!({
        "guid": COMMENT_GUID, "user_guid": "bfd00bb0-be99-5fd5-8380-166f544975fa", "user_name": "alice",
        "type": "TEXT", "format": "MARKDOWN", "content": "* Blocked 10.0.0.1 at the firewall.",
        "created": "2026-01-05 09:57:34+0900", "updated": "2026-01-05 09:57:34+0900",
        "x_login": null, "x_user": null, "x_dept": null,
    })
}

fn comment() -> Value {
    with_example(
        object(
            "A comment on a ticket.",
            &[
                "guid",
                "user_guid",
                "user_name",
                "type",
                "format",
                "content",
                "created",
                "updated",
                "x_login",
                "x_user",
                "x_dept",
            ],
            gone_fields(
                json!({
                    "guid": guid("The comment's GUID."),
                    "user_guid": guid("The author's GUID."),
                    "user_name": string("The author's user name."),
                    "type": enumeration(vec![json!("TEXT")], false, "Always `TEXT`."),
                    "format": enumeration(
                        wire(&[Format::Markdown, Format::Plain]),
                        false,
                        "Markdown or plain text (the comment an approver adds when deciding is `PLAIN`).",
                    ),
                    "content": string("The text."),
                    "created": date("When it was written"),
                    "updated": date("When it was last edited"),
                }),
                "the author",
            ),
        ),
        comment_example(),
    )
}

fn attachment_example() -> Value {
    json!({
        "guid": ATTACHMENT_GUID, "user_guid": "bfd00bb0-be99-5fd5-8380-166f544975fa", "ticket_guid": GUID,
        "file_name": "firewall-rule.png", "file_size": 124_118, "content_type": "image/png",
        "created": "2026-01-05 09:58:02+0900",
    })
}

fn attachment() -> Value {
    with_example(
        object(
            "A file attached to a ticket (its bytes: `GET .../attachments/{aguid}`).",
            &[
                "guid",
                "user_guid",
                "ticket_guid",
                "file_name",
                "file_size",
                "content_type",
                "created",
            ],
            json!({
                "guid": guid("The attachment's GUID."),
                "user_guid": guid("The GUID of who attached it."),
                "ticket_guid": guid("The ticket's GUID."),
                "file_name": string("The file name given when it was attached."),
                "file_size": count("Its size in bytes."),
                "content_type": ext(string("The `Content-Type` it was uploaded with (`application/octet-stream` when none was sent); the download answers with it.")),
                "created": ext(date("When it was attached")),
            }),
        ),
        attachment_example(),
    )
}

/// `GET /api/sonar/tickets/{guid}` of an approved port-scan ticket.
pub(super) fn ticket_example() -> Value {
    json!({
        "id": 2,
        "repo_guid": "5f0ba741-7551-500d-8bd6-1f14a6e8536d",
        "repo_name": "Threat",
        "site_guid": "2a7c9e14-3b6d-5f80-a1c2-9d4e6f8b0a13",
        "site_name": "sensor-01",
        "guid": GUID,
        "title": "Port Scan: 10.0.0.1",
        "priority": "LOW",
        "status": "APPROVED",
        "format": "JSON",
        "rule_guid": "ad4b9871-d5f0-5a8b-a341-8ac0afcdcddf",
        "rule_type": "STREAM",
        "rule_name": "Port Scan",
        "count": 7,
        "content": "{\"id\":17,\"type\":\"port_scan\",\"title\":\"Port Scan\",\"risk_score\":30,\"start_time\":1767571459000,\
                    \"participants\":[{\"role\":\"offender\",\"object_type\":\"ipaddr\",\"ipaddr\":\"10.0.0.1\"}]}",
        "risk_score": 30,
        "mitre_techniques": [{
            "mitre_id": "T1046", "name": "Network Service Discovery",
            "display_name": "Discovery: Network Service Discovery",
            "url": "https://attack.mitre.org/techniques/T1046/",
            "tactics": [{"mitre_id": "TA0007", "name": "Discovery"}],
        }],
        "attack": true,
        "incident": false,
        "assignees": [task_example("alice", "bfd00bb0-be99-5fd5-8380-166f544975fa", "ASSIGNEE", "CLOSED")],
        "approvers": [task_example("bob", "ffaf431b-653a-5f2d-8380-913cbb00342d", "APPROVER", "APPROVED")],
        "attachments": [attachment_example()],
        "created": "2026-01-05 09:04:19+0900",
        "updated": "2026-01-05 10:02:11+0900",
        "closed": null,
        "x_login": null,
        "x_user": null,
        "x_dept": null,
        "x_site": null,
        "comments": [comment_example()],
    })
}

fn ticket() -> Value {
    let rule_only =
        |what: &str| format!("{what}; `null` for a ticket made by hand (`POST /sonar/tickets`).");
    let mut props = json!({
        "id": {"type": "integer", "format": "int32", "minimum": 0, "description": "The ticket's number."},
        "repo_guid": guid("The ticket type's GUID."),
        "repo_name": enumeration(vec![json!("Threat")], false, "The ticket type: always `Threat`."),
        "site_guid": guid("The site's GUID (this sensor)."),
        "site_name": string("The site's name: the sensor's host name."),
        "guid": guid("The ticket's GUID: the `{guid}` of the other operations, and the `ticket_id` of its detections."),
        "title": string("The title; a ticket made from detections is `<detection type>: <offender>`."),
        "priority": enumeration(
            wire(&[Priority::High, Priority::Medium, Priority::Low]),
            false,
            "The priority; a ticket made from detections takes it from their risk score (80 and above `HIGH`, \
             31 to 79 `MEDIUM`, 30 and below `LOW`).",
        ),
        "status": enumeration(wire(&TicketStatus::ALL), false, &format!("The workflow state: {WORKFLOW}")),
        "format": enumeration(
            wire(&[Format::Json, Format::Markdown, Format::Plain]),
            false,
            "The form of `content`: `JSON` for a ticket made from detections, as chosen for one made by hand.",
        ),
        "rule_guid": {"type": "string", "nullable": true, "pattern": GUID_PATTERN,
                      "description": rule_only("The GUID of the detection type (the \"rule\")")},
        "rule_type": enumeration(vec![json!("STREAM")], true, &rule_only("`STREAM` (detections are made as traffic is seen)")),
        "rule_name": nullable_string(&rule_only("The detection type's display name")),
        "count": {"type": "integer", "format": "int32", "minimum": 0,
                  "description": "How many detections were merged into the ticket (1 for a ticket made by hand)."},
        "content": string("The ticket's data: the first detection as JSON for a ticket made from detections."),
        "risk_score": {"type": "integer", "minimum": 0, "maximum": 255, "nullable": true,
                       "description": "The risk score (of the detection type's first detection, 0 to 100), or as set; `null` when none."},
        "mitre_techniques": {"type": "array", "items": r("SonarMitreTechnique"),
                             "description": "The MITRE ATT&CK techniques of the detection type. Left out when there are none."},
        "attack": boolean("Set after analysis: the detection is a true positive."),
        "incident": boolean("Set after analysis: an incident that needs an immediate response (an infected endpoint, say)."),
        "assignees": {"type": "array", "items": r("SonarTask"), "description": "Who works the ticket (`task_type: ASSIGNEE`)."},
        "approvers": {"type": "array", "items": r("SonarTask"), "description": "Who approves or rejects it (`task_type: APPROVER`)."},
        "attachments": {"type": "array", "items": r("SonarAttachment"), "description": "The attached files."},
        "created": date("When the ticket was opened"),
        "updated": date("When it last changed (a detection merged in counts)"),
        "closed": nullable_date("When it was closed; `null` while open"),
        "x_site": nullable_string("The site's name once the site is deleted: always `null`."),
        "comments": {"type": "array", "items": r("SonarComment"), "description": "The comments, oldest first."},
    });
    props = gone_fields(
        props,
        "the ticket's author (`system` for a ticket made from detections)",
    );
    let required: Vec<String> = props
        .as_object()
        .expect("an object")
        .keys()
        .filter(|k| *k != "mitre_techniques")
        .cloned()
        .collect();
    let required: Vec<&str> = required.iter().map(String::as_str).collect();
    with_example(
        object(
            "An internal ticket, as the Logpresso Sonar API shows it. Detections of one type and one offender \
             join the same ticket while it is open.",
            &required,
            props,
        ),
        ticket_example(),
    )
}

/// The ticket workflow, for descriptions.
const WORKFLOW: &str = "`NEW` → `ASSIGNED` (assignees set) → `IN_PROGRESS` (an assignee starts or \
finishes their task) → `SUBMITTED` (needs approvers, and every assignee's task `CLOSED`) → `APPROVED` or `REJECTED` \
(an approver decides; `REJECTED` goes back to work) → `CLOSED`. Closing is allowed from any state; reopening \
returns a `CLOSED` or `APPROVED` ticket to `ASSIGNED` (or `NEW` without assignees).";

fn ticket_list() -> Value {
    let mut example = ticket_example();
    example["comments"] = json!([]);
    with_example(
        object(
            "A page of tickets.",
            &["total", "offset", "limit", "tickets"],
            json!({
                "total": count("How many tickets match the filters (all pages)."),
                "offset": count("The `offset` of the request."),
                "limit": count("The `limit` of the request (100 by default)."),
                "tickets": {"type": "array", "items": r("SonarTicket"), "description": "The page, in the requested order."},
            }),
        ),
        json!({"total": 1, "offset": 0, "limit": 100, "tickets": [example]}),
    )
}

fn ticket_answer() -> Value {
    object(
        "The ticket, as it is after the operation.",
        &["ticket"],
        json!({"ticket": r("SonarTicket")}),
    )
}

fn ticket_lookup() -> Value {
    object(
        "The ticket, or `null` when there is none with that GUID (Sonar answers a missing ticket with 200).",
        &["ticket"],
        json!({"ticket": {"nullable": true, "anyOf": [r("SonarTicket")], "description": "The ticket; `null` when it does not exist."}}),
    )
}

fn deleted() -> Value {
    with_example(
        object(
            "What was deleted.",
            &["guid", "deleted"],
            json!({
                "guid": guid("The GUID of the deleted ticket or attachment."),
                "deleted": {"type": "boolean", "enum": [true], "description": "Always `true`."},
            }),
        ),
        json!({"guid": GUID, "deleted": true}),
    )
}

fn comments() -> Value {
    object(
        "The comments of a ticket, oldest first.",
        &["comments"],
        json!({"comments": array(r("SonarComment"))}),
    )
}

fn attachments() -> Value {
    object(
        "The attachments of a ticket.",
        &["attachments"],
        json!({"attachments": array(r("SonarAttachment"))}),
    )
}

fn attachment_answer() -> Value {
    object(
        "The new attachment.",
        &["attachment"],
        json!({"attachment": r("SonarAttachment")}),
    )
}

/// Not empty and not only spaces.
const NOT_BLANK: &str = "\\S";

fn priority(description: &str) -> Value {
    enumeration(
        wire(&[Priority::High, Priority::Medium, Priority::Low]),
        false,
        &format!("{description} Case does not matter."),
    )
}

fn risk_score(description: &str) -> Value {
    json!({"type": "integer", "minimum": 0, "maximum": 255, "nullable": true,
           "description": format!("{description} Risk scores are 0 to 100 elsewhere; any 0 to 255 is kept.")})
}

fn new_ticket() -> Value {
    object(
        "A ticket made by hand. Unknown fields are ignored.",
        &["title"],
        json!({
            "title": {"type": "string", "pattern": NOT_BLANK, "description": "The title; not empty or only spaces."},
            "priority": priority("`HIGH`, `MEDIUM` (the default) or `LOW`."),
            "content": string("The ticket's text (empty by default)."),
            "format": enumeration(
                wire(&[Format::Markdown, Format::Plain, Format::Json]),
                false,
                "The form of `content`: `MARKDOWN` (the default), `PLAIN` or `JSON`. Case does not matter.",
            ),
            "risk_score": risk_score("The risk score; none by default."),
            "attack": boolean("A true positive (default `false`)."),
            "incident": boolean("An incident that needs an immediate response (default `false`)."),
        }),
    )
}

fn ticket_patch() -> Value {
    object(
        "The fields to change; a field left out (or `null`) keeps its value. Unknown fields are ignored, and so \
         is `format` (it is fixed when the ticket is made).",
        &[],
        json!({
            "title": {"type": "string", "pattern": NOT_BLANK, "description": "The title; not empty or only spaces."},
            "priority": priority("`HIGH`, `MEDIUM` or `LOW`."),
            "content": string("The ticket's data."),
            "risk_score": risk_score("The risk score (`null` keeps it)."),
            "attack": boolean("A true positive."),
            "incident": boolean("An incident that needs an immediate response."),
        }),
    )
}

fn assignment() -> Value {
    let people = |who: &str| {
        json!({"type": "array", "items": {"type": "string"},
               "description": format!("The user names of the {who}, replacing the current ones (`[]` removes them all). \
                                       Each must be a user of this sensor (400 naming the entry otherwise); \
                                       repeated names count once; people already on the ticket keep their task status.")})
    };
    let mut a = object(
        "Who works and who approves the ticket; at least one of the two lists. A list left out is kept.",
        &[],
        json!({"assignees": people("assignees"), "approvers": people("approvers")}),
    );
    a["minProperties"] = json!(1);
    a
}

fn task_change() -> Value {
    object(
        "A change of an assignee's task.",
        &["task_status"],
        json!({
            "task_status": enumeration(
                wire(&[TaskStatus::Assigned, TaskStatus::InProgress, TaskStatus::Closed]),
                false,
                "`ASSIGNED`, `IN_PROGRESS` (the ticket becomes `IN_PROGRESS`) or `CLOSED` (the assignee's part is \
                 done; the ticket also becomes `IN_PROGRESS`). Case does not matter.",
            ),
            "username": string("Whose task: the caller's by default. Another assignee's task needs the ADMIN role."),
        }),
    )
}

fn decision() -> Value {
    object(
        "An approver's decision; the body may be left out.",
        &[],
        json!({"comment": string("A reason, added to the ticket as a `PLAIN` comment of the approver (ignored when empty).")}),
    )
}

fn comment_input() -> Value {
    object(
        "A comment's text.",
        &["content"],
        json!({
            "content": {"type": "string", "pattern": NOT_BLANK, "maxLength": super::sonar_paths::MAX_COMMENT,
                        "description": format!("The text: not empty or only spaces, at most {} bytes.", super::sonar_paths::MAX_COMMENT)},
            "format": enumeration(
                wire(&[Format::Markdown, Format::Plain]),
                false,
                "`MARKDOWN` or `PLAIN`. Case does not matter. Left out: `MARKDOWN` for a new comment, unchanged \
                 for an edit.",
            ),
        }),
    )
}
