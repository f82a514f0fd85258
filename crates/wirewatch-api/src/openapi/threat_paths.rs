//! Operations on threat collections (`/threatcollections`).

use super::{array, r, Op, Paths};
use serde_json::json;

pub(super) const TAG: &str = "Threat Collection";
pub(super) const TAG_TEXT: &str = "Threat intelligence uploaded as STIX files: STIX 1.0–1.2 XML \
    packages (CybOX Address, DomainName, Hostname and URI objects), STIX 2.x JSON bundles \
    (indicator patterns comparing `ipv4-addr`, `ipv6-addr`, `domain-name` or `url` values, and \
    those cyber-observable objects), or `.tar.gz` bundles of them. The sensor checks its traffic \
    against every collection's observables (flow addresses, DNS names and answers, HTTP host and \
    URL, TLS server name): a matching record carries a `threat` field and a \
    `threat_intel_match` detection is raised. An upload also searches the records already stored \
    (the back-search; its outcome is the collection's `backsearch`).";

const READ: &str = "Requires `write: personal` or higher.";
const WRITE_FULL: &str = "Requires `write: full` or higher.";
const LIMITS: &str = "At most 64 MiB uploaded, 512 MiB uncompressed, 100,000 members in a bundle, \
    2,000,000 distinct observables per collection (413 or 400 naming `file` beyond).";

fn upload(op: Op, file: &str) -> Op {
    op.upload_body(&format!(
        "`multipart/form-data` with the parts `name`, `user_key` and `file` (as ExtraHop's threat \
         intelligence toolkit sends); or a JSON object with `name` and `user_key` (no file); or \
         the file itself as the body, with `name`, `user_key` and `filename` in the query \
         string. {file} {LIMITS}"
    ))
    .query(
        "name",
        "The name (when the body is the file itself).",
        json!({"type": "string"}),
    )
    .query(
        "user_key",
        "The user key (when the body is the file itself).",
        json!({"type": "string"}),
    )
    .query(
        "filename",
        "The file's name (when the body is the file itself).",
        json!({"type": "string"}),
    )
}

fn path_id(op: Op) -> Op {
    op.path(
        "id",
        "The collection's id, or `~` and its user key (`~Emergingbotnets`).",
        json!({"type": "string"}),
    )
}

pub(super) fn add(p: &mut Paths) {
    p.add(
        "get",
        "/threatcollections",
        Op::new(TAG, "listThreatCollections", "List threat collections")
            .describe(&format!(
                "Every threat collection, by id, with the number of observables loaded \
                 (`observables`; wirewatch extensions: `observable_counts` by type, `filename`, \
                 `backsearch`). {READ}"
            ))
            .ok(
                "200",
                "The threat collections.",
                array(r("ThreatCollection")),
            )
            .errors(&[403]),
    );
    p.add(
        "post",
        "/threatcollections",
        upload(
            Op::new(
                TAG,
                "createThreatCollection",
                "Upload a new threat collection",
            ),
            "`name` and `file` are required; `user_key` is the name without spaces or \
             punctuation when left out.",
        )
        .describe(&format!(
            "A job (`threatcollection_load`, `GET /jobs/{{id}}`, named by the collection's \
             `backsearch.job_id`) reads the file, stores its observables, compiles the matcher \
             and runs the back-search of the records already stored; the request answers once \
             the observables are stored. A file that is no STIX (or breaks a limit) answers 400 \
             naming the file (or the bundle's member) and why, a user key in use 409 (the job \
             ends `failed` with the same reason); 429 when 4 jobs run. {WRITE_FULL}"
        ))
        .created(
            "The collection was created; `Location` is its path.",
            r("ThreatCollection"),
        )
        .errors(&[403, 409, 413])
        .error(429, "Four jobs are running.", super::config_paths::busy()),
    );
    p.add(
        "get",
        "/threatcollections/{id}",
        path_id(Op::new(
            TAG,
            "getThreatCollection",
            "Get a threat collection",
        ))
        .extension()
        .describe(&format!("One threat collection. {READ}"))
        .ok("200", "The threat collection.", r("ThreatCollection"))
        .errors(&[400, 403, 404]),
    );
    p.add(
        "put",
        "/threatcollections/{id}",
        upload(
            path_id(Op::new(
                TAG,
                "putThreatCollection",
                "Upload a threat collection, replacing the one of this user key",
            )),
            "`name` and `file` are optional when the collection exists (left out, they are \
             kept); a file is required to create one.",
        )
        .describe(&format!(
            "`PUT /threatcollections/~{{user_key}}` creates the collection of that user key, or \
             replaces it (its observables by the file's, its name when given); \
             `PUT /threatcollections/{{id}}` replaces an existing collection. A new file \
             is loaded by a job (`threatcollection_load`: reading, storing, compiling the \
             matcher, back-search), named by `Location` on a 204 and by the collection's \
             `backsearch.job_id`; the request answers once the observables are stored. \
             {WRITE_FULL}"
        ))
        .created(
            "The collection was created; `Location` is its path.",
            r("ThreatCollection"),
        )
        .empty(
            "204",
            "The collection was replaced; with a file, `Location` is its load's job \
             (`/api/v1/jobs/{id}`).",
        )
        .errors(&[403, 404, 413])
        .error(429, "Four jobs are running.", super::config_paths::busy()),
    );
    p.add(
        "delete",
        "/threatcollections/{id}",
        path_id(Op::new(
            TAG,
            "deleteThreatCollection",
            "Delete a threat collection",
        ))
        .describe(&format!(
            "Deletes the collection and its observables: traffic is no longer checked \
                 against them (records already marked and detections raised stay). {WRITE_FULL}"
        ))
        .empty("204", "The collection was deleted.")
        .errors(&[400, 403, 404]),
    );
    p.add(
        "get",
        "/threatcollections/{id}/observables",
        path_id(Op::new(
            TAG,
            "getThreatCollectionObservables",
            "Count a threat collection's observables",
        ))
        .describe(&format!(
            "The number of observables loaded from the collection's file, by type: \
                 `ipaddr` (single addresses), `cidr` (blocks), `hostname` (host and domain \
                 names, matching their subdomains too) and `uri` (URLs). {READ}"
        ))
        .ok("200", "The counts.", r("ObservableCounts"))
        .errors(&[400, 403, 404]),
    );
}
