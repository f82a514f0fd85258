//! Operations on the administration resources: `/runningconfig`, `/jobs`,
//! `/supportpacks`, `/license` and `/cloud`.

use super::{array, r, Op, Paths};
use serde_json::json;

const ADMIN: &str = "Requires system and access administration privileges (`system: full`).";

pub(super) const TAGS: [(&str, &str); 5] = [
    (
        "Running Config",
        "What an administrator changes while the server runs, as one JSON document: ticket tracking, access \
         settings (who may generate API keys, CORS origins), record retention, and (read-only) the detector \
         thresholds. Validated as a whole; changes are in effect and kept in the store at once; `save` keeps a copy.",
    ),
    (
        "Jobs",
        "Long operations (support packs) and their progress. Jobs live in memory: a restart forgets them.",
    ),
    (
        "Support Pack",
        "Diagnostic archives (`.tar.gz`: the running configuration, ODS targets and connectors without their \
         secrets, counters and store statistics, the recent audit log, versions, recent log lines), and \
         configuration packs applied by upload.",
    ),
    (
        "License",
        "wirewatch is open-source software (Apache-2.0): every module is enabled, nothing expires, and there is \
         no licence or product key to apply.",
    ),
    (
        "Cloud",
        "RevealX 360: not available to an open-source sensor (501).",
    ),
];

pub(super) fn busy() -> serde_json::Value {
    json!({"error_message": "4 jobs are running; retry when one has finished (GET /api/v1/jobs)"})
}

fn section_example() -> serde_json::Value {
    serde_json::to_value(crate::settings::RunningConfig::example()).unwrap_or_default()
}

pub(super) fn add(p: &mut Paths) {
    running_config(p);
    jobs(p);
    support_packs(p);
    license(p);
    p.add(
        "post",
        "/cloud/connect",
        Op::new("Cloud", "connectCloud", "Connect the sensor to RevealX 360")
            .describe(
                "Not applicable: RevealX 360 is the vendor's cloud service; an open-source sensor has no vendor \
                 cloud, so this always answers 501 (to an administrator).",
            )
            .errors(&[403, 501]),
    );
}

fn running_config(p: &mut Paths) {
    let tag = "Running Config";
    p.add(
        "get",
        "/runningconfig",
        Op::new(tag, "getRunningConfig", "Get the running configuration")
            .describe(ADMIN)
            .query(
                "section",
                "One section only: `ticketing`, `access`, `retention`, `smtp`, `ods`, `capture` or `detectors` (400 for another).",
                json!({"type": "string", "enum": crate::settings::SECTIONS}),
            )
            .ok(
                "200",
                "The running configuration, or the section asked for. It holds no secret (the SMTP password shows as `password_set`).",
                r("RunningConfig"),
            )
            .errors(&[400, 403]),
    );
    p.add(
        "put",
        "/runningconfig",
        Op::new(tag, "replaceRunningConfig", "Replace the running configuration")
            .describe(&format!(
                "The whole document (every section but `capture`, read-only, and `detectors`, which may be left \
                 out). It is validated as a whole: a bad document is answered 400 with `field` the JSON pointer of \
                 the value at fault (`/access/cors/allowed_origins/0`, `/smtp/from`, `/detectors/scan_ports`) and \
                 nothing is applied. A good one is in effect at once (the alert notifier, the ODS workers and the \
                 running detectors take it) and kept in the store (a restart keeps it); `POST /runningconfig/save` \
                 also keeps it as the saved configuration. `smtp.password` is write-only: a string sets it, `null` \
                 clears it, left out keeps it. Audit-logged (without the password).\n\n{ADMIN}"
            ))
            .refined_body(
                r("RunningConfig"),
                section_example(),
                "The running configuration (as `GET /runningconfig` writes it).",
            )
            .empty("204", "The configuration is in effect.")
            .errors(&[403]),
    );
    p.add(
        "post",
        "/runningconfig/save",
        Op::new(tag, "saveRunningConfig", "Save the running configuration")
            .describe(&format!(
                "Keeps a copy of the running configuration as the saved one (`GET /runningconfig/saved`; a `PUT` \
                 of it restores it). Audit-logged.\n\n{ADMIN}"
            ))
            .empty("204", "Saved.")
            .errors(&[403]),
    );
    p.add(
        "get",
        "/runningconfig/saved",
        Op::new(tag, "getSavedRunningConfig", "Get the saved running configuration")
            .describe(ADMIN)
            .ok("200", "The saved configuration.", r("RunningConfig"))
            .error(
                404,
                "No configuration was saved yet.",
                json!({"error_message": "no running configuration was saved yet; POST /api/v1/runningconfig/save saves the running one"}),
            )
            .errors(&[403]),
    );
}

fn jobs(p: &mut Paths) {
    let tag = "Jobs";
    p.add(
        "get",
        "/jobs",
        Op::new(tag, "listJobs", "List jobs, newest first")
            .describe(&format!(
                "The jobs of this run (the last 100 finished are kept).\n\n{ADMIN}"
            ))
            .ok("200", "The jobs.", array(r("JobStatus")))
            .errors(&[403]),
    );
    p.add(
        "get",
        "/jobs/{id}",
        Op::new(tag, "getJob", "Get a job's status")
            .describe(ADMIN)
            .path("id", "The job's id.", json!({"type": "string"}))
            .ok("200", "The job.", r("JobStatus"))
            .errors(&[403, 404]),
    );
}

fn support_packs(p: &mut Paths) {
    let tag = "Support Pack";
    let queued = |op: Op| {
        op.answer(
            "202",
            "The job was started (or, for an upload, has run); `Location` is its queue path \
             (`/api/v1/supportpacks/queue/{id}`), the body its status.",
            r("JobStatus"),
            serde_json::to_value(crate::jobs::Job::example()).unwrap_or_default(),
        )
    };
    p.add(
        "get",
        "/supportpacks",
        Op::new(tag, "listSupportPacks", "List support packs, newest first")
            .describe(&format!(
                "The support packs on disk (the last {} made are kept).\n\n{ADMIN}",
                crate::routes::supportpacks::KEEP
            ))
            .ok("200", "The support packs.", array(r("SupportPack")))
            .errors(&[403]),
    );
    p.add(
        "post",
        "/supportpacks",
        queued(Op::new(tag, "uploadSupportPack", "Upload and apply a support pack"))
            .describe(&format!(
                "The body is a `.tar.gz` (at most 8 MiB) holding a `runningconfig.json` at its top or in its one \
                 directory, as `POST /supportpacks/execute` makes them. Its configuration is validated like \
                 `PUT /runningconfig` (400 naming the JSON pointer at fault, nothing applied) and applied; the \
                 other files are ignored. Audit-logged.\n\n{ADMIN}"
            ))
            .binary_body("The support pack (`.tar.gz`).")
            .errors(&[403])
            .error(429, "Four jobs are running.", busy()),
    );
    p.add(
        "post",
        "/supportpacks/execute",
        queued(Op::new(tag, "executeSupportPack", "Make a support pack"))
            .describe(&format!(
                "Starts a job that writes a `.tar.gz` of diagnostics: `runningconfig.json`, `odstargets.json` and \
                 `connectors.json` (as the API shows them: secrets are never in them), `statistics.json` (counts, \
                 database size, ODS and connector delivery counters), `auditlog.json` (the last 500 entries), \
                 `versions.json`, `jobs.json` and `logs.txt` (the process's last 2,000 log lines). Follow it with \
                 `GET /supportpacks/queue/{{id}}`. At most 4 jobs run at once (429 beyond). Audit-logged.\n\n{ADMIN}"
            ))
            .errors(&[403])
            .error(429, "Four jobs are running.", busy()),
    );
    p.add(
        "get",
        "/supportpacks/queue/{id}",
        Op::new(tag, "getSupportPackQueue", "Check a support pack job")
            .describe(ADMIN)
            .path(
                "id",
                "The job's id (from `Location`).",
                json!({"type": "string"}),
            )
            .ok(
                "200",
                "The job is done: the support pack it made (or, for an upload, the job).",
                r("SupportPack"),
            )
            .answer(
                "202",
                "The job is still running: its status.",
                r("JobStatus"),
                serde_json::to_value(crate::jobs::Job::example()).unwrap_or_default(),
            )
            .errors(&[403, 404])
            .error(
                500,
                "The job failed (its `details` in `GET /jobs/{id}` say why; the server log too).",
                json!({"error_message": "internal error; see the server log"}),
            ),
    );
    p.add(
        "get",
        "/supportpacks/{filename}",
        Op::new(tag, "downloadSupportPack", "Download a support pack")
            .describe(&format!(
                "A name that is not a support pack's (a path, `..`, another extension) is answered 400 before \
                 anything is read.\n\n{ADMIN}"
            ))
            .path(
                "filename",
                "The support pack's file name (`GET /supportpacks`).",
                json!({"type": "string", "pattern": "^[A-Za-z0-9_-][A-Za-z0-9._-]*\\.tar\\.gz$"}),
            )
            .file(
                "200",
                "The support pack (`application/gzip`).",
                json!({"Content-Disposition": {"description": "`attachment; filename=\"...\"`.", "schema": {"type": "string"}}}),
            )
            .errors(&[400, 403, 404]),
    );
}

fn license(p: &mut Paths) {
    let tag = "License";
    p.add(
        "get",
        "/license",
        Op::new(tag, "getLicense", "Get the licence")
            .describe("What applies to this open-source build: all modules enabled, no expiry, no product key. Any valid API key.")
            .ok("200", "The licence.", r("License")),
    );
    p.add(
        "get",
        "/license/productkey",
        Op::new(tag, "getProductKey", "Get the product key")
            .describe("Always `null`: an open-source build has no product key. Any valid API key.")
            .ok("200", "No product key.", r("LicenseProductKey")),
    );
    for (path, id, summary) in [
        ("/license", "replaceLicense", "Apply a licence"),
        (
            "/license/productkey",
            "replaceProductKey",
            "Apply a product key",
        ),
    ] {
        p.add(
            "put",
            path,
            Op::new(tag, id, summary)
                .describe(&format!(
                    "Not applicable: wirewatch has no licence file or product key to apply (every module is \
                     enabled and nothing expires), so this always answers 501 (to an administrator).\n\n{ADMIN}"
                ))
                .errors(&[403, 501]),
        );
    }
}
