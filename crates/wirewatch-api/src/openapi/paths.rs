//! Operations on the system resources: `/extrahop`, `/apikeys`, `/users`,
//! `/networklocalities`, `/observations` and `/auditlog`.

use super::{array, r, Op, Paths};
use serde_json::json;

const ADMIN: &str = "Requires system and access administration privileges (`system: full`).";

pub(super) fn add(p: &mut Paths) {
    extrahop(p);
    apikeys(p);
    users(p);
    localities(p);
    observations(p);
    p.add(
        "get",
        "/auditlog",
        Op::new(
            "Audit Log",
            "getAuditLog",
            "List audit log messages, newest first",
        )
        .describe(ADMIN)
        .query(
            "limit",
            "How many messages (default 1000; larger values are capped at 10000).",
            json!({"type": "integer", "minimum": 0, "default": 1000}),
        )
        .query(
            "offset",
            "How many of the newest messages to skip.",
            json!({"type": "integer", "minimum": 0, "default": 0}),
        )
        .ok("200", "The messages.", array(r("AuditEntry")))
        .errors(&[400, 403]),
    );
}

fn extrahop(p: &mut Paths) {
    let tag = "ExtraHop";
    p.add(
        "get",
        "/extrahop",
        Op::new(tag, "getExtraHop", "Get metadata about the sensor")
            .describe("Any valid API key.")
            .ok("200", "The metadata.", r("ExtraHop")),
    );
    for (path, id, what, schema) in [
        (
            "/extrahop/version",
            "getVersion",
            "the firmware version",
            "Version",
        ),
        (
            "/extrahop/platform",
            "getPlatform",
            "the platform",
            "Platform",
        ),
        ("/extrahop/edition", "getEdition", "the edition", "Edition"),
    ] {
        p.add(
            "get",
            path,
            Op::new(tag, id, &format!("Get {what}"))
                .describe("Public: no API key needed.")
                .ok(
                    "200",
                    &format!("{} of the sensor.", capitalize(what)),
                    r(schema),
                ),
        );
    }
    p.add(
        "get",
        "/extrahop/ticketing",
        Op::new(tag, "getTicketing", "Get the ticket-tracking settings")
            .describe("Any valid API key.")
            .ok("200", "The settings.", r("Ticketing")),
    );
    p.add(
        "get",
        "/extrahop/capture/interfaces",
        Op::new(
            tag,
            "getCaptureInterfaces",
            "Get the live capture interfaces' counters",
        )
        .describe(
            "wirewatch extension (the real product's REST API has no such resource): one entry per \
             `wirewatch serve --interface`, by name — packets the kernel received for the capture, \
             dropped because its buffer was full (analysis fell behind the link), dropped by the \
             interface, and read by wirewatch, as libpcap counts them since the capture opened; \
             read every second. `state` is `starting`, `capturing` or `stopped` (with `error`). \
             An empty array when the process captures no interface (files, EVE). Requires any \
             system access level (`metrics: restricted` or more).",
        )
        .ok("200", "The interfaces.", array(r("CaptureInterface")))
        .errors(&[403])
        .extension(),
    );
    p.add(
        "patch",
        "/extrahop/ticketing",
        Op::new(
            tag,
            "updateTicketing",
            "Update the ticket-tracking settings",
        )
        .describe(ADMIN)
        .body_example(
            json!({"external_ticketing_enabled": true, "internal_ticketing_enabled": false,
                       "url_template": "https://tickets.example.com/browse/$ticket_id"}),
        )
        .empty("204", "The settings were changed.")
        .errors(&[403]),
    );
    let not_applicable = [
        (
            "get",
            "/extrahop/idrac",
            "getIdrac",
            "Get the iDRAC IP address",
        ),
        (
            "post",
            "/extrahop/firmware",
            "uploadFirmware",
            "Upload firmware",
        ),
        (
            "get",
            "/extrahop/firmware/next",
            "getNextFirmware",
            "Get the available firmware upgrades",
        ),
        (
            "get",
            "/extrahop/firmware/previous",
            "getPreviousFirmware",
            "Get the previous firmware version",
        ),
        (
            "post",
            "/extrahop/firmware/previous/rollback",
            "rollbackFirmware",
            "Roll back to the previous firmware",
        ),
        (
            "post",
            "/extrahop/firmware/latest/upgrade",
            "upgradeFirmware",
            "Upgrade to the latest firmware",
        ),
        (
            "post",
            "/extrahop/firmware/download/url",
            "downloadFirmwareFromUrl",
            "Download firmware from a URL",
        ),
        (
            "post",
            "/extrahop/firmware/download/version",
            "downloadFirmwareVersion",
            "Download a firmware version",
        ),
        (
            "post",
            "/extrahop/restart",
            "restartSystem",
            "Restart the appliance",
        ),
        (
            "post",
            "/extrahop/shutdown",
            "shutdownSystem",
            "Shut down the appliance",
        ),
    ];
    for (method, path, id, summary) in not_applicable {
        p.add(
            method,
            path,
            Op::new(tag, id, summary)
                .describe(
                    "Not applicable: wirewatch is a software sensor, so appliance hardware, firmware and power \
                     operations always answer 501 (to an authenticated caller).",
                )
                .errors(&[501]),
        );
    }
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

fn apikeys(p: &mut Paths) {
    let tag = "API Keys";
    p.add(
        "post",
        "/apikeys",
        Op::new(tag, "createApiKey", "Generate an API key with a password")
            .describe(
                "Public: authenticates with the password in the body instead of an API key. Generates a key \
                 for the setup user, or (wirewatch extension) for the local user named in `username`. \
                 The full key is shown only in this answer.\n\n\
                 wirewatch extensions: the `username` and `description` fields.",
            )
            .body_example(json!({"password": "the-setup-password", "description": "SOAR integration"}))
            .created("The new key, in full.", r("ApiKey"))
            .errors(&[401]),
    );
    p.add(
        "get",
        "/apikeys",
        Op::new(tag, "listApiKeys", "List API keys (masked)")
            .describe("Administrators see every key; other users see their own.")
            .ok("200", "The keys, with `key` masked.", array(r("ApiKey"))),
    );
    p.add(
        "get",
        "/apikeys/{keyid}",
        Op::new(tag, "getApiKey", "Get an API key (masked)")
            .describe("Administrators see every key; other users see their own.")
            .path(
                "keyid",
                "The id of the key.",
                json!({"type": "integer", "format": "int64", "minimum": 0}),
            )
            .ok("200", "The key, with `key` masked.", r("ApiKey"))
            .errors(&[400, 404]),
    );
    p.add(
        "delete",
        "/apikeys/{keyid}",
        Op::new(tag, "deleteApiKey", "Delete an API key")
            .describe("Administrators may delete every key; other users their own.")
            .path(
                "keyid",
                "The id of the key.",
                json!({"type": "integer", "format": "int64", "minimum": 0}),
            )
            .empty("204", "The key was deleted.")
            .errors(&[400, 404]),
    );
}

fn users(p: &mut Paths) {
    let tag = "Users";
    let username = |op: Op| {
        op.path(
            "username",
            "The user's login name.",
            json!({"type": "string"}),
        )
    };
    p.add(
        "get",
        "/users",
        Op::new(tag, "listUsers", "List users")
            .describe(ADMIN)
            .ok("200", "The users.", array(r("User")))
            .errors(&[403]),
    );
    p.add(
        "post",
        "/users",
        Op::new(tag, "createUser", "Create a user")
            .describe(ADMIN)
            .body_example(json!({"username": "alice", "name": "Alice Analyst", "password": "correct-horse-battery",
                       "granted_roles": {"write": "limited", "ndr": "full"}, "create_apikey": true}),
            )
            .created("The new user (and its first API key when asked for).", r("CreatedUser"))
            .errors(&[403, 409]),
    );
    p.add(
        "get",
        "/users/{username}",
        username(Op::new(tag, "getUser", "Get a user"))
            .describe(
                "A user may read their own entry; reading another user's needs `system: full`.",
            )
            .ok("200", "The user.", r("User"))
            .errors(&[403, 404]),
    );
    p.add(
        "patch",
        "/users/{username}",
        username(Op::new(tag, "updateUser", "Update a user"))
            .describe("A user may change their own password, giving the current one in `current_password` \
                       (a wrong one is 403, counted like a wrong login password); every other change needs `system: full`.")
            .body_example(json!({"enabled": true, "granted_roles": {"write": "full", "ndr": "full", "npm": "full"}}))
            .empty("204", "The user was changed.")
            .errors(&[400, 403, 404]),
    );
    p.add(
        "delete",
        "/users/{username}",
        username(Op::new(tag, "deleteUser", "Delete a user"))
            .describe(&format!("The setup user cannot be deleted. {ADMIN}"))
            .empty("204", "The user was deleted.")
            .errors(&[400, 403, 404]),
    );
    p.add(
        "post",
        "/users/{username}/apikeys",
        username(Op::new(
            tag,
            "createUserApiKey",
            "Issue an API key for a user",
        ))
        .describe(&format!(
            "An administrator issues a key for another user; the body may be left out. {ADMIN}"
        ))
        .extension()
        .optional_body(
            r("ApiKeyRequest"),
            json!({"description": "SOAR integration"}),
        )
        .created("The new key, in full.", r("ApiKey"))
        .errors(&[403, 404]),
    );
    p.add(
        "get",
        "/users/{username}/apikeys",
        username(Op::new(
            tag,
            "listUserApiKeys",
            "List a user's API keys (masked)",
        ))
        .describe("A user may list their own keys; others need administration privileges.")
        .extension()
        .ok("200", "The keys, with `key` masked.", array(r("ApiKey")))
        .errors(&[403, 404]),
    );
}

fn localities(p: &mut Paths) {
    let tag = "Network Localities";
    let read = "Requires `write: personal` or higher.";
    let write = "Requires `write: full` or higher.";
    p.add(
        "get",
        "/networklocalities",
        Op::new(
            tag,
            "listNetworkLocalities",
            "List network locality entries",
        )
        .describe(read)
        .ok("200", "The entries.", array(r("NetworkLocality")))
        .errors(&[403]),
    );
    p.add(
        "post",
        "/networklocalities",
        Op::new(tag, "createNetworkLocality", "Create a network locality entry")
            .describe(&format!("`networks` (or the deprecated `network`) and `external` are required. {write}"))
            .body_example(json!({"name": "Guest Wi-Fi", "networks": ["10.20.0.0/16"], "external": true, "description": "Visitors"}),
            )
            .created("The new entry.", r("NetworkLocality"))
            .errors(&[403]),
    );
    p.add(
        "get",
        "/networklocalities/{id}",
        Op::new(tag, "getNetworkLocality", "Get a network locality entry")
            .describe(read)
            .path_id("network locality entry")
            .ok("200", "The entry.", r("NetworkLocality"))
            .errors(&[400, 403, 404]),
    );
    p.add(
        "patch",
        "/networklocalities/{id}",
        Op::new(
            tag,
            "updateNetworkLocality",
            "Update a network locality entry",
        )
        .describe(write)
        .path_id("network locality entry")
        .body_example(json!({"networks": ["10.20.0.0/16", "10.21.0.0/16"], "description": null}))
        .empty("204", "The entry was changed.")
        .errors(&[403, 404]),
    );
    p.add(
        "delete",
        "/networklocalities/{id}",
        Op::new(
            tag,
            "deleteNetworkLocality",
            "Delete a network locality entry",
        )
        .describe(write)
        .path_id("network locality entry")
        .empty("204", "The entry was deleted.")
        .errors(&[400, 403, 404]),
    );
}

fn observations(p: &mut Paths) {
    let tag = "Observations";
    p.add(
        "post",
        "/observations/associatedipaddrs",
        Op::new(tag, "createObservations", "Add IP address observations")
            .describe(
                "Stores up to 10000 associations of IP addresses reported by another source. \
                 Requires `write: full` or higher.",
            )
            .body_example(json!({"source": "OpenVPN", "observations": [
                    {"ipaddr": "10.8.0.6", "associated_ipaddr": "203.0.113.50", "timestamp": 1_767_225_600}]}),
            )
            .empty("202", "The observations were stored.")
            .errors(&[403]),
    );
    p.add(
        "get",
        "/observations/associatedipaddrs",
        Op::new(tag, "listObservations", "List stored observations")
            .describe("Newest first. Requires `write: personal` or higher.")
            .extension()
            .query(
                "ipaddr",
                "Only observations with this address on either side.",
                json!({"type": "string"}),
            )
            .query(
                "limit",
                "How many (default 1000; larger values are capped at 10000).",
                json!({"type": "integer", "minimum": 0, "default": 1000}),
            )
            .ok("200", "The observations.", array(r("StoredObservation")))
            .errors(&[400, 403]),
    );
}
