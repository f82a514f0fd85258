//! Paths outside `/api/v1`: declare an `Api` like `SONAR` below (base below the public URL, security scheme, error
//! responses registered in `spec()`), build operations with `SONAR.op(...)` and `Paths::add` them relative to that
//! base (`/sonar/tickets` for `/api/sonar/tickets`): the path item then gets `servers: [{"url": "{public_url}/api"}]`.
//!
//! Operations on internal tickets in the Logpresso Sonar form (`/api/sonar/tickets`,
//! `routes::sonar`): listing, the ticket, the assignment → submission →
//! approval workflow, comments and attachments.

use super::{r, Api, Op, Paths};
pub(super) use crate::routes::sonar::MAX_COMMENT;
use crate::routes::sonar::{
    EXAMPLE_ATTACHMENT_GUID as ATTACHMENT_GUID, EXAMPLE_COMMENT_GUID as COMMENT_GUID,
    EXAMPLE_GUID as GUID,
};
use serde_json::{json, Value};
use wirewatch_model::ticket::{Priority, TicketStatus, GUID_PATTERN};

/// The Logpresso Sonar API, served at `/api` (its paths are `/api/sonar/...`).
pub(super) const SONAR: Api = Api {
    base: Some("/api"),
    server: "The Logpresso Sonar API (internal tickets), outside /api/v1.",
    security: "bearer",
    errors: RESPONSES,
    error_schema: sonar_error_schema,
    body_errors: &[400],
};

fn sonar_error_schema(_status: u16) -> &'static str {
    "SonarError"
}

/// The tag of the operations.
pub(super) const TAG: &str = "Sonar Tickets";

/// The tag's description.
pub(super) const TAG_TEXT: &str = "Internal tickets in the Logpresso Sonar form, at `/api/sonar/tickets` (outside \
`/api/v1`): detections of one type and one offender join the same open ticket, which is worked through the \
workflow and whose state is written back onto its detections (`ticket_id`, `status`, `assignee`). \
Send `Authorization: Bearer YOUR_KEY` (the sensor's API keys). Errors answer `{\"error_code\": \"...\", \
\"error_msg\": \"...\"}`; dates are `yyyy-MM-dd HH:mm:ssZ` in the sensor's time zone.\n\n\
Workflow: `NEW` → `ASSIGNED` → `IN_PROGRESS` → `SUBMITTED` → `APPROVED` or `REJECTED` → `CLOSED`.\n\n\
Roles: **MEMBER** is any `write` level (`personal` or higher) with NDR or NPM module access: view, comment, attach, \
work one's own task, submit as an assignee, approve or reject as a named approver. **ADMIN** is `write: full` \
or higher with a module: also create, edit, assign, close, reopen and delete tickets, change anyone's \
task and edit or delete anyone's comment. A ticket is visible to a user who sees every detection it links \
(security: NDR, performance: NPM); any other answers exactly as a missing ticket.";

/// The shared error responses (`components.responses`) of the Sonar API, by status.
pub(super) const RESPONSES: &[(u16, &str)] = &[
    (400, "SonarBadRequest"),
    (401, "SonarUnauthorized"),
    (403, "SonarForbidden"),
    (404, "SonarTicketNotFound"),
    (413, "SonarPayloadTooLarge"),
];

/// The shared error responses, added to `components.responses`: the body of
/// each is a `SonarError` (`routes::sonar::ErrorBody`).
pub(super) fn add_responses(responses: &mut Value) {
    let resp = |description: &str, code: &str, msg: &str| {
        json!({"description": description, "content": {"application/json": {
            "schema": r("SonarError"), "example": sonar_error(code, msg)}}})
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

const MEMBER: &str =
    "Requires the MEMBER role or higher (`write: personal` or higher, and NDR or NPM module access).";
const ADMIN: &str =
    "Requires the ADMIN role (`write: full` or higher, and NDR or NPM module access).";

fn sonar_error(code: &str, msg: &str) -> Value {
    json!({"error_code": code, "error_msg": msg})
}

fn bad_guid() -> Value {
    sonar_error("invalid-param-type", "guid should be guid type.")
}

/// The `{guid}` path parameter.
fn ticket(op: Op) -> Op {
    op.path(
        "guid",
        "The ticket's GUID (36 characters); another form is a 400 `invalid-param-type`.",
        json!({"type": "string", "pattern": GUID_PATTERN, "example": GUID}),
    )
}

/// An operation on one ticket: `{guid}`, and 404 when there is no such ticket.
fn on_ticket(op: Op) -> Op {
    ticket(op).errors(&[403, 404])
}

pub(super) fn add(p: &mut Paths) {
    tickets(p);
    workflow(p);
    comments(p);
    attachments(p);
}

fn tickets(p: &mut Paths) {
    let state_list = |values: Vec<Value>| json!({"type": "string", "enum": values});
    p.add(
        "get",
        "/sonar/tickets",
        SONAR
            .op(TAG, "listSonarTickets", "List tickets")
            .describe(&format!(
                "A page of tickets with the total that match. Filters combine with AND; a list parameter matches \
                 any of its values. A parameter not listed here is a 400. {MEMBER}"
            ))
            .query(
                "offset",
                "How many matching tickets to skip (at most 1000000).",
                json!({"type": "integer", "minimum": 0, "maximum": 1_000_000, "default": 0}),
            )
            .query(
                "limit",
                &format!(
                    "How many tickets to answer (1 to {}).",
                    wirewatch_store::MAX_TICKETS
                ),
                json!({"type": "integer", "minimum": 1, "maximum": wirewatch_store::MAX_TICKETS, "default": 100}),
            )
            .query(
                "from",
                "Tickets opened at or after this time: milliseconds since the epoch, or `yyyy-MM-dd HH:mm:ss` \
                 (the sensor's time zone) optionally followed by `+HHMM`/`-HHMM`.",
                json!({"type": "string", "pattern": TIME_PATTERN, "example": "2026-01-05 00:00:00+0900"}),
            )
            .query(
                "to",
                "Tickets opened before this time (same forms as `from`).",
                json!({"type": "string", "pattern": TIME_PATTERN, "example": "1767657600000"}),
            )
            .query_list(
                "statuses",
                "Only tickets in these states, comma-separated (`NEW,ASSIGNED`); case does not matter. `status` \
                 is accepted too.",
                state_list(TicketStatus::ALL.iter().map(|s| json!(s.as_str())).collect()),
            )
            .query_list(
                "priorities",
                "Only tickets of these priorities, comma-separated (`HIGH,MEDIUM`); case does not matter. \
                 `priority` is accepted too.",
                state_list(
                    [Priority::High, Priority::Medium, Priority::Low]
                        .iter()
                        .map(|p| json!(p.as_str()))
                        .collect(),
                ),
            )
            .query(
                "keywords",
                "Words separated by spaces: only tickets whose title contains every one (ASCII case does not \
                 matter). `keyword` is accepted too.",
                json!({"type": "string", "example": "scan 10.0.0.1"}),
            )
            .query_list(
                "assignees",
                "Only tickets assigned to one of these user names, comma-separated.",
                json!({"type": "string"}),
            )
            .query_list(
                "approvers",
                "Only tickets one of these user names approves, comma-separated.",
                json!({"type": "string"}),
            )
            .query(
                "order_by",
                "The sort key: when opened (`created`, the default), last changed (`updated`), the ticket number \
                 (`id`), `priority` (`HIGH` highest), `status` (alphabetical) or `count`. Ties go by ticket number. \
                 `sort` is accepted too.",
                json!({"type": "string", "enum": ["created", "updated", "id", "priority", "status", "count"], "default": "created"}),
            )
            .query(
                "order",
                "`desc` (the default) or `asc`; case does not matter.",
                json!({"type": "string", "enum": ["desc", "asc"], "default": "desc"}),
            )
            .ok("200", "The page.", r("SonarTicketList"))
            .error(
                400,
                "A parameter is unknown or has an invalid value (`invalid-param`).",
                sonar_error(
                    "invalid-param",
                    &format!(
                        "limit should be between 1 and {}",
                        wirewatch_store::MAX_TICKETS
                    ),
                ),
            )
            .errors(&[403]),
    );
    p.add(
        "post",
        "/sonar/tickets",
        SONAR
            .op(TAG, "createSonarTicket", "Create a ticket")
            .describe(&format!(
                "Opens a ticket by hand (`NEW`, `count` 1, no detection type): the caller is its author. Tickets \
                 of detections are made by the sensor when internal ticketing is on. Answers 200 with the ticket. \
                 {ADMIN}"
            ))
            .body_example(json!({
                    "title": "Suspicious SMB logins on the file server", "priority": "HIGH",
                    "content": "Seen by the night shift: check `fs01`'s logs.", "format": "MARKDOWN",
                    "risk_score": 85, "attack": false, "incident": false,
                }),
            )
            .ok("200", "The new ticket.", r("SonarTicketAnswer"))
            .error(
                400,
                "The body is not a JSON object of the right fields (`invalid-param`), `title` is missing or \
                 blank, or `priority` or `format` is not one of the values.",
                sonar_error("invalid-param", "title is required"),
            )
            .errors(&[403]),
    );
    p.add(
        "get",
        "/sonar/tickets/{guid}",
        ticket(SONAR.op(TAG, "getSonarTicket", "Get a ticket"))
            .describe(&format!(
                "One ticket with its assignees, approvers, comments and attachments. As in Sonar, a ticket that \
                 does not exist is a 200 with `\"ticket\": null`. {MEMBER}"
            ))
            .ok("200", "The ticket, or `null`.", r("SonarTicketLookup"))
            .error(400, "The GUID is not in GUID form.", bad_guid())
            .errors(&[403]),
    );
    p.add(
        "patch",
        "/sonar/tickets/{guid}",
        on_ticket(SONAR.op(TAG, "updateSonarTicket", "Update a ticket"))
            .describe(&format!(
                "Changes the fields given (title, priority, content, risk score, and the analysis flags `attack` \
                 and `incident`); the body may be left out. {ADMIN}"
            ))
            .optional_body(
                r("SonarTicketPatch"),
                json!({"priority": "HIGH", "attack": true, "incident": false}),
            )
            .ok("200", "The changed ticket.", r("SonarTicketAnswer"))
            .error(
                400,
                "The GUID is not in GUID form (`invalid-param-type`), or the body is invalid (`invalid-param`: not \
                 a JSON object, a blank `title`, an unknown `priority`).",
                sonar_error("invalid-param", "priority should be HIGH, MEDIUM or LOW"),
            ),
    );
    p.add(
        "delete",
        "/sonar/tickets/{guid}",
        on_ticket(SONAR.op(TAG, "deleteSonarTicket", "Delete a ticket"))
            .describe(&format!(
                "Deletes the ticket with its comments and attachments. Its detections keep their status and lose \
                 their `ticket_id`; a new detection of the same type and offender opens a new ticket. {ADMIN}"
            ))
            .ok("200", "The ticket was deleted.", r("SonarDeleted"))
            .error(400, "The GUID is not in GUID form.", bad_guid()),
    );
}

/// `from` and `to`: milliseconds, or a Sonar date with an optional offset.
pub(super) const TIME_PATTERN: &str =
    "^([+-]?[0-9]{1,18}|[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}([+-][0-9]{4})?)$";

fn workflow(p: &mut Paths) {
    let state = |what: &str, msg: &str| {
        (
            format!(
                "The GUID is not in GUID form (`invalid-param-type`), the body is invalid (`invalid-param`), or \
                 {what} (`invalid-state`)."
            ),
            sonar_error("invalid-state", msg),
        )
    };
    let (text, example) = state(
        "the ticket is `CLOSED`",
        "a CLOSED ticket cannot be assigned; reopen it first",
    );
    p.add(
        "post",
        "/sonar/tickets/{guid}/assign",
        on_ticket(SONAR.op(TAG, "assignSonarTicket", "Assign a ticket"))
            .describe(&format!(
                "Sets the assignees, the approvers, or both (a list left out is kept). A `NEW` ticket with \
                 assignees becomes `ASSIGNED`; an `ASSIGNED` one left without assignees goes back to `NEW`. The first \
                 assignee becomes the `assignee` of the ticket's detections. A `CLOSED` ticket must be reopened \
                 first. {ADMIN}"
            ))
            .body_example(json!({"assignees": ["alice"], "approvers": ["bob"]}),
            )
            .ok("200", "The assigned ticket.", r("SonarTicketAnswer"))
            .error(
                400,
                &format!("{text} Also when neither list is given, or a name is not a user (`invalid-param`)."),
                example,
            ),
    );
    let (text, example) = state(
        "the ticket is not `ASSIGNED`, `IN_PROGRESS` or `REJECTED`, or the person is not an assignee",
        "alice is not an assignee of this ticket",
    );
    p.add(
        "post",
        "/sonar/tickets/{guid}/tasks",
        ticket(SONAR.op(TAG, "changeSonarTicketTask", "Change an assignee's task"))
            .describe(&format!(
                "An assignee reports progress on their task: `IN_PROGRESS` or `CLOSED` moves the ticket to \
                 `IN_PROGRESS`. Allowed while the ticket is `ASSIGNED`, `IN_PROGRESS` or `REJECTED`. {MEMBER} \
                 Changing another assignee's task (`username`) requires the ADMIN role."
            ))
            .body_example(json!({"task_status": "IN_PROGRESS"}))
            .ok("200", "The ticket.", r("SonarTicketAnswer"))
            .error(400, &text, example)
            .error(
                403,
                "The caller's role does not allow it, or `username` names someone else and the caller is not ADMIN.",
                sonar_error(
                    "no-permission",
                    "only an administrator can change another person's task",
                ),
            )
            .errors(&[404]),
    );
    let (text, example) = state(
        "the ticket cannot be submitted now (not being worked on, no approvers or assignees, an assignee's task \
         not `CLOSED`)",
        "the task of alice is not CLOSED",
    );
    p.add(
        "post",
        "/sonar/tickets/{guid}/submit",
        ticket(SONAR.op(TAG, "submitSonarTicket", "Submit a ticket for approval"))
            .describe(&format!(
                "`ASSIGNED`, `IN_PROGRESS` or `REJECTED` → `SUBMITTED`: needs approvers and every assignee's task \
                 `CLOSED`; the approvers' tasks become `ASSIGNED`. No body is read. {MEMBER} The caller must be an \
                 assignee of the ticket, or have the ADMIN role."
            ))
            .ok("200", "The submitted ticket.", r("SonarTicketAnswer"))
            .error(400, &text, example)
            .error(
                403,
                "The caller's role does not allow it, or the caller is neither an assignee nor ADMIN.",
                sonar_error(
                    "no-permission",
                    "only an assignee or an administrator can submit the ticket",
                ),
            )
            .errors(&[404]),
    );
    for (approve, id, summary, outcome) in [
        (
            true,
            "approveSonarTicket",
            "Approve a ticket",
            "`SUBMITTED` → `APPROVED` (its detections become `closed`); the approver's task becomes `APPROVED`.",
        ),
        (
            false,
            "rejectSonarTicket",
            "Reject a ticket",
            "`SUBMITTED` → `REJECTED`: the ticket goes back to work, every assignee's task becomes `IN_PROGRESS` \
             and the approver's task `REJECTED`.",
        ),
    ] {
        let (text, example) = state(
            "the ticket is not `SUBMITTED`, or the caller is not one of its approvers",
            "only a SUBMITTED ticket can be approved or rejected (it is IN_PROGRESS)",
        );
        let comment = if approve {
            "Checked: the scanner is blocked at the firewall."
        } else {
            "The firewall rule is missing; please add it."
        };
        p.add(
            "post",
            &format!(
                "/sonar/tickets/{{guid}}/{}",
                if approve { "approve" } else { "reject" }
            ),
            on_ticket(SONAR.op(TAG, id, summary))
                .describe(&format!(
                    "{outcome} A `comment` in the body is added as a `PLAIN` comment; the body may be left out. \
                     {MEMBER} The caller must be one of the ticket's approvers (the ADMIN role is not enough)."
                ))
                .optional_body(r("SonarDecision"), json!({"comment": comment}))
                .ok("200", "The decided ticket.", r("SonarTicketAnswer"))
                .error(400, &text, example),
        );
    }
    p.add(
        "post",
        "/sonar/tickets/{guid}/close",
        on_ticket(SONAR.op(TAG, "closeSonarTicket", "Close a ticket"))
            .describe(&format!(
                "Any state → `CLOSED`, with `closed` set; its detections become `closed`. A new detection of the \
                 same type and offender then opens a new ticket. No body is read. {ADMIN}"
            ))
            .ok("200", "The closed ticket.", r("SonarTicketAnswer"))
            .error(
                400,
                "The GUID is not in GUID form (`invalid-param-type`), or the ticket is already `CLOSED` (`invalid-state`).",
                sonar_error("invalid-state", "the ticket is already CLOSED"),
            ),
    );
    p.add(
        "post",
        "/sonar/tickets/{guid}/reopen",
        on_ticket(SONAR.op(TAG, "reopenSonarTicket", "Reopen a ticket"))
            .describe(&format!(
                "`CLOSED` or `APPROVED` → `ASSIGNED` (`NEW` without assignees); `closed` is cleared and every \
                 assignee's and approver's task becomes `ASSIGNED`. No body is read. {ADMIN}"
            ))
            .ok("200", "The reopened ticket.", r("SonarTicketAnswer"))
            .error(
                400,
                "The GUID is not in GUID form (`invalid-param-type`), or the ticket is not `CLOSED` or `APPROVED` \
                 (`invalid-state`).",
                sonar_error(
                    "invalid-state",
                    "only a CLOSED or APPROVED ticket can be reopened (it is NEW)",
                ),
            ),
    );
}

/// The `{cguid}` path parameter.
fn comment(op: Op) -> Op {
    op.path(
        "cguid",
        "The comment's GUID; another form is a 400 `invalid-param-type`.",
        json!({"type": "string", "pattern": GUID_PATTERN, "example": COMMENT_GUID}),
    )
}

fn comments(p: &mut Paths) {
    let too_long = || {
        sonar_error(
            "invalid-param",
            &format!("content should be at most {MAX_COMMENT} bytes"),
        )
    };
    let comment_404 = || sonar_error("not-found", &format!("comment {COMMENT_GUID} not found"));
    p.add(
        "get",
        "/sonar/tickets/{guid}/comments",
        on_ticket(SONAR.op(TAG, "listSonarTicketComments", "List a ticket's comments"))
            .describe(&format!("The comments, oldest first. {MEMBER}"))
            .ok("200", "The comments.", r("SonarComments"))
            .error(400, "The GUID is not in GUID form.", bad_guid()),
    );
    p.add(
        "post",
        "/sonar/tickets/{guid}/comments",
        on_ticket(SONAR.op(TAG, "createSonarTicketComment", "Comment on a ticket"))
            .describe(&format!(
                "Adds a comment by the caller, in any state of the ticket. {MEMBER}"
            ))
            .body_example(json!({"content": "* Blocked 10.0.0.1 at the firewall.", "format": "MARKDOWN"}),
            )
            .ok("200", "The ticket with the new comment.", r("SonarTicketAnswer"))
            .error(
                400,
                "The GUID is not in GUID form (`invalid-param-type`), or the body is invalid (`invalid-param`): \
                 `content` missing, blank or too long, `format` not `MARKDOWN` or `PLAIN`.",
                too_long(),
            ),
    );
    p.add(
        "patch",
        "/sonar/tickets/{guid}/comments/{cguid}",
        comment(ticket(SONAR.op(TAG, "updateSonarTicketComment", "Edit a comment")))
            .describe(&format!(
                "Replaces a comment's text (and its format, when given). {MEMBER} The caller must be the comment's \
                 author, or have the ADMIN role."
            ))
            .body_example(json!({"content": "* Blocked 10.0.0.1 at the firewall (rule 42)."}),
            )
            .ok("200", "The ticket with the edited comment.", r("SonarTicketAnswer"))
            .error(
                400,
                "A GUID is not in GUID form (`invalid-param-type`), or the body is invalid (`invalid-param`): \
                 `content` missing, blank or too long, `format` not `MARKDOWN` or `PLAIN`.",
                sonar_error("invalid-param", "content is required"),
            )
            .error(
                403,
                "The caller's role does not allow it, or the caller is neither the author nor ADMIN.",
                sonar_error(
                    "no-permission",
                    "only the comment's author or an administrator can edit it",
                ),
            )
            .error(
                404,
                "There is no ticket with that GUID (`ticket-not-found`), or it has no such comment (`not-found`).",
                comment_404(),
            ),
    );
    p.add(
        "delete",
        "/sonar/tickets/{guid}/comments/{cguid}",
        comment(ticket(SONAR.op(TAG, "deleteSonarTicketComment", "Delete a comment")))
            .describe(&format!(
                "Removes a comment. {MEMBER} The caller must be the comment's author, or have the ADMIN role."
            ))
            .ok("200", "The ticket without the comment.", r("SonarTicketAnswer"))
            .error(400, "A GUID is not in GUID form.", bad_guid())
            .error(
                403,
                "The caller's role does not allow it, or the caller is neither the author nor ADMIN.",
                sonar_error(
                    "no-permission",
                    "only the comment's author or an administrator can delete it",
                ),
            )
            .error(
                404,
                "There is no ticket with that GUID (`ticket-not-found`), or it has no such comment (`not-found`).",
                comment_404(),
            ),
    );
}

/// The `{aguid}` path parameter.
fn attachment(op: Op) -> Op {
    op.path(
        "aguid",
        "The attachment's GUID; another form is a 400 `invalid-param-type`.",
        json!({"type": "string", "pattern": GUID_PATTERN, "example": ATTACHMENT_GUID}),
    )
}

fn attachments(p: &mut Paths) {
    let attachment_404 = || {
        sonar_error(
            "attachment-not-found",
            &format!("attachment {ATTACHMENT_GUID} not found"),
        )
    };
    p.add(
        "get",
        "/sonar/tickets/{guid}/attachments",
        on_ticket(SONAR.op(
            TAG,
            "listSonarTicketAttachments",
            "List a ticket's attachments",
        ))
        .describe(&format!("The attached files' descriptions. {MEMBER}"))
        .ok("200", "The attachments.", r("SonarAttachments"))
        .error(400, "The GUID is not in GUID form.", bad_guid()),
    );
    p.add(
        "post",
        "/sonar/tickets/{guid}/attachments",
        on_ticket(SONAR.op(TAG, "uploadSonarTicketAttachment", "Attach a file to a ticket"))
            .describe(&format!(
                "The body is the file itself (not multipart); its `Content-Type` is kept and served back on \
                 download. Files are limited to {} bytes; a body over {} bytes is refused before it is read, \
                 with a JSON 413 (a client still sending may see the connection closed instead). {MEMBER}",
                wirewatch_store::MAX_ATTACHMENT,
                crate::extract::MAX_BODY
            ))
            .required_query(
                "file_name",
                "The file's name: at most 255 bytes, without `/`, `\\` or NUL.",
                json!({"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[^/\\\\\\u0000]*\\S[^/\\\\\\u0000]*$",
                       "example": "firewall-rule.png"}),
            )
            .binary_body("The file's bytes (not empty).")
            .ok("200", "The new attachment.", r("SonarAttachmentAnswer"))
            .error(
                400,
                "The GUID is not in GUID form (`invalid-param-type`), `file_name` is missing or not a plain file \
                 name, or the file is empty (`invalid-param`).",
                sonar_error(
                    "invalid-param",
                    "file_name is required (a query parameter; the body is the file)",
                ),
            )
            .errors(&[413]),
    );
    p.add(
        "get",
        "/sonar/tickets/{guid}/attachments/{aguid}",
        attachment(ticket(SONAR.op(
            TAG,
            "downloadSonarTicketAttachment",
            "Download an attachment",
        )))
        .describe(&format!(
            "The file's bytes, with the `Content-Type` it was uploaded with. {MEMBER}"
        ))
        .file(
            "200",
            "The file.",
            json!({
                "Content-Type": {"description": "The type the file was uploaded with.", "schema": {"type": "string"}},
                "Content-Disposition": {"description": "`attachment; filename=\"<file_name>\"`.", "schema": {"type": "string"}},
            }),
        )
        .error(400, "A GUID is not in GUID form.", bad_guid())
        .errors(&[403])
        .error(
            404,
            "There is no such ticket, or it has no such attachment.",
            attachment_404(),
        ),
    );
    p.add(
        "delete",
        "/sonar/tickets/{guid}/attachments/{aguid}",
        attachment(ticket(SONAR.op(
            TAG,
            "deleteSonarTicketAttachment",
            "Delete an attachment",
        )))
        .describe(&format!(
            "Removes the file from the ticket. {MEMBER} Any MEMBER may delete any attachment."
        ))
        .ok(
            "200",
            "The attachment was deleted (`guid` is the attachment's).",
            r("SonarDeleted"),
        )
        .error(400, "A GUID is not in GUID form.", bad_guid())
        .errors(&[403])
        .error(
            404,
            "There is no such ticket, or it has no such attachment.",
            attachment_404(),
        ),
    );
}
