//! Operations on alerts (`/alerts`, their assignments and firings, the
//! mirrors under `/devices/{id}/alerts` and `/devicegroups/{id}/alerts`) and
//! e-mail groups (`/emailgroups`).

use super::{array, r, Op, Paths};
use serde_json::json;

const READ: &str = "Requires `write: personal` or higher.";
const WRITE_FULL: &str = "Requires `write: full` or higher.";
pub(super) const TAG: &str = "Alert";
pub(super) const TAG_TEXT: &str = "Threshold and trend alerts on device metrics and detection alerts, evaluated \
continuously by `wirewatch serve` (every `--alert-interval` seconds) against the metrics store and new \
detections. A threshold alert is judged on the sensor's packet clock (the end of the newest 30-second cycle \
with traffic, never a cycle still filling): its metric (`stat_name` `extrahop.device.<category>`, \
`field_name`, optionally `/ field_name2`) over the last `interval_length` seconds, for each device it applies \
to (`apply_all`, assigned devices, members of assigned device groups), compared with `operator operand`; a \
device with no point of the metric in the window is not judged. A trend alert takes the same metric and \
window and compares it with its own trend: the mean (or the `trend_percentile`, 1 to 99) of the values of \
the windows of the same length in the `trend_lookback` seconds before (3600 by default; windows in which \
the sensor saw no packets are left out; a count with no point in a window is 0), as a deviation in percent: \
`(value - trend) / trend × 100` `operator operand` (`> 100`: more than double; `< -50`: less than half). \
It is not judged with fewer than 2 history windows or a trend of 0. A detection alert fires for each new \
detection with a participant device it applies to, whose categories meet `categories`. A firing respects \
`refire_interval` per device, is recorded (`GET /alerts/{id}/firings`), fires the trigger event \
`ALERT_RECORD_COMMIT`, raises a `metric_threshold_alert` detection when a threshold or trend alert of severity 0 to 2 \
fires, and e-mails the alert's e-mail groups and `cc` through the SMTP server `wirewatch serve` is given \
(`--smtp-host` …; queued durably and retried while the server is down). `notify_snmp` is stored only: wirewatch sends no SNMP traps. Applications, \
networks and exclusion intervals cannot be assigned to alerts (501).";
pub(super) const EMAIL_TAG: &str = "Email Group";
pub(super) const EMAIL_TAG_TEXT: &str =
    "Groups of e-mail addresses that alerts notify (`/alerts/{id}/emailgroups`).";

pub(super) fn add(p: &mut Paths) {
    alerts(p);
    stats(p);
    assignments(p);
    unsupported(p);
    mirrors(p);
    emailgroups(p);
}

fn child() -> serde_json::Value {
    json!({"type": "integer", "format": "int64", "minimum": 0})
}

fn alerts(p: &mut Paths) {
    p.add(
        "get",
        "/alerts",
        Op::new(TAG, "listAlerts", "List alerts")
            .describe(&format!("Every alert, by id. {READ}"))
            .ok("200", "The alerts.", array(r("Alert")))
            .errors(&[403]),
    );
    p.add(
        "post",
        "/alerts",
        Op::new(TAG, "createAlert", "Create an alert")
            .describe(&format!(
                "As on an ExtraHop appliance, the answer has an empty body: the new alert's path is in `Location`. \
                 `name` and `type` are required; a threshold or trend alert also needs `stat_name`, `field_name`, \
                 `operator`, `operand` and `interval_length` (a trend alert optionally `trend_lookback` and \
                 `trend_percentile`, wirewatch extensions), naming a metric of `GET /metrics/catalog` (400 \
                 lists what exists). Each field's allowed values are in the schema; a value outside them \
                 (`refire_interval: 0`, say) is a 400 naming the field. {WRITE_FULL}"
            ))
            .body_example(json!({
                "name": "DNS error ratio", "type": "threshold", "apply_all": false,
                "disabled": false, "notify_snmp": false, "severity": 3, "refire_interval": 300,
                "cc": ["noc@example.com"], "stat_name": "extrahop.device.dns_client",
                "field_name": "rsp_error", "field_op": "/", "field_name2": "rsp",
                "operator": ">", "operand": "0.1", "units": "none", "interval_length": 300
            }))
            .empty("201", "The alert was created; `Location` is its path.")
            .errors(&[403, 409]),
    );
    p.add(
        "get",
        "/alerts/{id}",
        Op::new(TAG, "getAlert", "Get an alert")
            .describe(&format!("One alert. {READ}"))
            .path_id("alert")
            .ok("200", "The alert.", r("Alert"))
            .errors(&[400, 403, 404]),
    );
    p.add(
        "patch",
        "/alerts/{id}",
        Op::new(TAG, "updateAlert", "Update an alert")
            .describe(&format!(
                "Changes the fields sent (`null` clears an optional one); the alert must stay valid as a whole. {WRITE_FULL}"
            ))
            .path_id("alert")
            .body_example(json!({"severity": 2, "disabled": false}))
            .empty("204", "The alert was updated.")
            .errors(&[403, 404, 409]),
    );
    p.add(
        "delete",
        "/alerts/{id}",
        Op::new(TAG, "deleteAlert", "Delete an alert")
            .describe(&format!(
                "Deletes the alert, its assignments and its firings. {WRITE_FULL}"
            ))
            .path_id("alert")
            .empty("204", "The alert was deleted.")
            .errors(&[400, 403, 404]),
    );
    p.add(
        "get",
        "/alerts/{id}/firings",
        Op::new(TAG, "listAlertFirings", "List the firings of an alert")
            .extension()
            .describe(&format!(
                "When and for which device the alert fired, newest first, with the value it judged and who \
                 was e-mailed. {READ}"
            ))
            .path_id("alert")
            .query(
                "limit",
                "How many firings (1 to 1,000; default 100).",
                json!({"type": "integer", "minimum": 1, "maximum": 1000}),
            )
            .ok("200", "The firings.", array(r("AlertFiring")))
            .errors(&[400, 403, 404]),
    );
}

fn stats(p: &mut Paths) {
    p.add(
        "get",
        "/alerts/{id}/stats",
        Op::new(TAG, "getAlertStats", "Get the additional statistics of an alert")
            .describe(&format!(
                "Not supported: wirewatch keeps no additional alert statistics and always answers 501; \
                 `GET /alerts/{{id}}/firings` lists when and for which device the alert fired. {READ}"
            ))
            .path_id("alert")
            .errors(&[403, 501]),
    );
}

fn assignments(p: &mut Paths) {
    for (seg, what, answer, id) in [
        ("devices", "device", "Device", "Devices"),
        (
            "devicegroups",
            "device group",
            "DeviceGroup",
            "DeviceGroups",
        ),
        ("emailgroups", "e-mail group", "EmailGroup", "EmailGroups"),
    ] {
        p.add(
            "get",
            &format!("/alerts/{{id}}/{seg}"),
            Op::new(
                TAG,
                &format!("listAlert{id}"),
                &format!("List the {what}s assigned to an alert"),
            )
            .describe(&format!(
                "The {what}s directly assigned to the alert. {READ}"
            ))
            .path_id("alert")
            .ok("200", &format!("The {what}s."), array(r(answer)))
            .errors(&[400, 403, 404]),
        );
        p.add(
            "post",
            &format!("/alerts/{{id}}/{seg}"),
            Op::new(TAG, &format!("assignAlert{id}"), &format!("Assign and unassign {what}s to an alert"))
                .describe(&format!(
                    "Assigns the `assign` {what}s (each must exist: 400 names the first that does not) and \
                     unassigns the `unassign` ones. {WRITE_FULL}"
                ))
                .path_id("alert")
                .body_example(json!({"assign": [1, 2], "unassign": [3]}))
                .empty("204", "The assignments were changed.")
                .errors(&[403, 404]),
        );
        p.add(
            "post",
            &format!("/alerts/{{id}}/{seg}/{{child}}"),
            Op::new(
                TAG,
                &format!("assignAlert{id}One"),
                &format!("Assign a {what} to an alert"),
            )
            .describe(&format!("Assigns one {what}. {WRITE_FULL}"))
            .path_id("alert")
            .path("child", &format!("The id of the {what}."), child())
            .empty("204", "The assignment was made.")
            .errors(&[400, 403, 404]),
        );
        p.add(
            "delete",
            &format!("/alerts/{{id}}/{seg}/{{child}}"),
            Op::new(
                TAG,
                &format!("unassignAlert{id}One"),
                &format!("Unassign a {what} from an alert"),
            )
            .describe(&format!(
                "Unassigns one {what} (one not assigned is not an error). {WRITE_FULL}"
            ))
            .path_id("alert")
            .path("child", &format!("The id of the {what}."), child())
            .empty("204", "The assignment is gone.")
            .errors(&[400, 403, 404]),
        );
    }
}

fn unsupported(p: &mut Paths) {
    let why = "wirewatch alerts apply to devices and device groups only: it keeps no application or \
               per-network alert assignment and no exclusion intervals, so this operation always answers 501";
    for (seg, what, id) in [
        ("applications", "application", "Applications"),
        ("networks", "network", "Networks"),
        (
            "exclusionintervals",
            "exclusion interval",
            "ExclusionIntervals",
        ),
    ] {
        let ops = [
            (
                "get",
                format!("/alerts/{{id}}/{seg}"),
                format!("listAlert{id}"),
                format!("List the {what}s of an alert"),
                READ,
                false,
            ),
            (
                "post",
                format!("/alerts/{{id}}/{seg}"),
                format!("assignAlert{id}"),
                format!("Assign {what}s to an alert"),
                WRITE_FULL,
                false,
            ),
            (
                "post",
                format!("/alerts/{{id}}/{seg}/{{child}}"),
                format!("assignAlert{id}One"),
                format!("Assign a {what} to an alert"),
                WRITE_FULL,
                true,
            ),
            (
                "delete",
                format!("/alerts/{{id}}/{seg}/{{child}}"),
                format!("unassignAlert{id}One"),
                format!("Unassign a {what} from an alert"),
                WRITE_FULL,
                true,
            ),
        ];
        for (method, path, op_id, summary, needs, has_child) in ops {
            let mut op = Op::new(TAG, &op_id, &summary)
                .describe(&format!("Not supported: {why}. {needs}"))
                .path_id("alert");
            if has_child {
                op = op.path("child", &format!("The id of the {what}."), child());
            }
            p.add(method, &path, op.errors(&[403, 501]));
        }
    }
}

fn mirrors(p: &mut Paths) {
    let direct = json!({"type": "boolean", "default": false});
    for (base, what, id) in [
        ("devices", "device", "Device"),
        ("devicegroups", "device group", "DeviceGroup"),
    ] {
        let through = if base == "devices" {
            "`apply_all` and the device groups the device is a member of"
        } else {
            "`apply_all`"
        };
        p.add(
            "get",
            &format!("/{base}/{{id}}/alerts"),
            Op::new(
                TAG,
                &format!("list{id}Alerts"),
                &format!("List the alerts of a {what}"),
            )
            .describe(&format!(
                "The alerts that apply to the {what}: assigned to it, or through {through} unless \
                     `direct_assignments_only` is true. {READ}"
            ))
            .path_id(what)
            .query(
                "direct_assignments_only",
                "Only the alerts assigned to the object itself.",
                direct.clone(),
            )
            .ok("200", "The alerts.", array(r("Alert")))
            .errors(&[400, 403, 404]),
        );
        p.add(
            "post",
            &format!("/{base}/{{id}}/alerts"),
            Op::new(TAG, &format!("assign{id}Alerts"), &format!("Assign and unassign alerts to a {what}"))
                .describe(&format!(
                    "Assigns the `assign` alerts (each must exist: 400 names the first that does not) and \
                     unassigns the `unassign` ones. {WRITE_FULL}"
                ))
                .path_id(what)
                .body_example(json!({"assign": [15], "unassign": []}))
                .empty("204", "The assignments were changed.")
                .errors(&[403, 404]),
        );
        p.add(
            "post",
            &format!("/{base}/{{id}}/alerts/{{child}}"),
            Op::new(
                TAG,
                &format!("assign{id}Alert"),
                &format!("Assign an alert to a {what}"),
            )
            .describe(&format!("Assigns one alert. {WRITE_FULL}"))
            .path_id(what)
            .path("child", "The id of the alert.", child())
            .empty("204", "The assignment was made.")
            .errors(&[400, 403, 404]),
        );
        p.add(
            "delete",
            &format!("/{base}/{{id}}/alerts/{{child}}"),
            Op::new(
                TAG,
                &format!("unassign{id}Alert"),
                &format!("Unassign an alert from a {what}"),
            )
            .describe(&format!(
                "Unassigns one alert (one not assigned is not an error). {WRITE_FULL}"
            ))
            .path_id(what)
            .path("child", "The id of the alert.", child())
            .empty("204", "The assignment is gone.")
            .errors(&[400, 403, 404]),
        );
    }
}

fn emailgroups(p: &mut Paths) {
    let t = EMAIL_TAG;
    p.add(
        "get",
        "/emailgroups",
        Op::new(t, "listEmailGroups", "List e-mail groups")
            .describe(&format!("Every e-mail group, by id. {READ}"))
            .ok("200", "The e-mail groups.", array(r("EmailGroup")))
            .errors(&[403]),
    );
    p.add(
        "post",
        "/emailgroups",
        Op::new(t, "createEmailGroup", "Create an e-mail group")
            .describe(&format!(
                "The answer has an empty body: the new group's path is in `Location`. `group_name` is \
                 required; every address must be an e-mail address (400 names the first that is not). {WRITE_FULL}"
            ))
            .body_example(json!({"group_name": "SOC on call", "email_addresses": ["oncall@example.com"], "system_notifications": false}))
            .empty("201", "The group was created; `Location` is its path.")
            .errors(&[403]),
    );
    p.add(
        "get",
        "/emailgroups/{id}",
        Op::new(t, "getEmailGroup", "Get an e-mail group")
            .describe(&format!("One e-mail group. {READ}"))
            .path_id("e-mail group")
            .ok("200", "The e-mail group.", r("EmailGroup"))
            .errors(&[400, 403, 404]),
    );
    p.add(
        "patch",
        "/emailgroups/{id}",
        Op::new(t, "updateEmailGroup", "Update an e-mail group")
            .describe(&format!("Changes the fields sent. {WRITE_FULL}"))
            .path_id("e-mail group")
            .body_example(json!({"email_addresses": ["oncall@example.com", "lead@example.com"]}))
            .empty("204", "The group was updated.")
            .errors(&[403, 404]),
    );
    p.add(
        "delete",
        "/emailgroups/{id}",
        Op::new(t, "deleteEmailGroup", "Delete an e-mail group")
            .describe(&format!(
                "Deletes the group and its alert assignments. {WRITE_FULL}"
            ))
            .path_id("e-mail group")
            .empty("204", "The group was deleted.")
            .errors(&[400, 403, 404]),
    );
}
