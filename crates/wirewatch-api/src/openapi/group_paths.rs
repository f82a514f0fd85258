//! Operations on groupings of devices (`/tags`, `/devicegroups`, `/watchlist`),
//! the capture network (`/networks`) and metrics (`/metrics`).

use super::{array, r, Op, Paths};
use serde_json::json;

const READ: &str = "Requires `write: personal` or higher.";
const WRITE_FULL: &str = "Requires `write: full` or higher.";
const METRICS: &str =
    "Requires `metrics: full` or higher (any `write` privilege, or `system: full`).";
const CATALOG: &str = "Requires `metrics: restricted` or higher (any privilege level).";

pub(super) fn add(p: &mut Paths) {
    tags(p);
    device_groups(p);
    watchlist(p);
    networks(p);
    metrics(p);
}

fn assignment_example() -> serde_json::Value {
    json!({"assign": [17, 18], "unassign": [4]})
}

fn tags(p: &mut Paths) {
    let tag = "Tag";
    p.add(
        "get",
        "/tags",
        Op::new(tag, "listTags", "List tags")
            .describe(&format!("Every tag, by id. {READ}"))
            .ok("200", "The tags.", array(r("Tag")))
            .errors(&[403]),
    );
    p.add(
        "post",
        "/tags",
        Op::new(tag, "createTag", "Create a tag")
            .describe(&format!(
                "As on an ExtraHop appliance, the answer has an empty body: the new tag's path is in `Location`. {WRITE_FULL}"
            ))
            .body_example(json!({"name": "pci-scope"}))
            .empty("201", "The tag was created; `Location` is its path.")
            .errors(&[403, 409]),
    );
    p.add(
        "get",
        "/tags/{id}",
        Op::new(tag, "getTag", "Get a tag")
            .describe(&format!("One tag. {READ}"))
            .path_id("tag")
            .ok("200", "The tag.", r("Tag"))
            .errors(&[400, 403, 404]),
    );
    p.add(
        "patch",
        "/tags/{id}",
        Op::new(tag, "updateTag", "Rename a tag")
            .describe(&format!("Gives the tag a new (unique) name. {WRITE_FULL}"))
            .path_id("tag")
            .body_example(json!({"name": "pci-scope-2026"}))
            .empty("204", "The tag was renamed.")
            .errors(&[403, 404, 409]),
    );
    p.add(
        "delete",
        "/tags/{id}",
        Op::new(tag, "deleteTag", "Delete a tag")
            .describe(&format!(
                "Deletes the tag and takes it off every device. {WRITE_FULL}"
            ))
            .path_id("tag")
            .empty("204", "The tag was deleted.")
            .errors(&[400, 403, 404]),
    );
    p.add(
        "get",
        "/tags/{id}/devices",
        Op::new(tag, "listTagDevices", "List the devices of a tag")
            .describe(&format!("The devices with the tag, by id. {READ}"))
            .path_id("tag")
            .ok("200", "The devices.", array(r("Device")))
            .errors(&[400, 403, 404]),
    );
    p.add(
        "post",
        "/tags/{id}/devices",
        Op::new(tag, "assignTagDevices", "Assign and unassign devices to a tag")
            .describe(&format!("Puts the tag on the `assign` devices and takes it off the `unassign` devices. {WRITE_FULL}"))
            .path_id("tag")
            .body_example(assignment_example())
            .empty("204", "The assignments were changed.")
            .errors(&[403, 404]),
    );
    let child = json!({"type": "integer", "format": "int64", "minimum": 0});
    p.add(
        "post",
        "/tags/{id}/devices/{child}",
        Op::new(tag, "assignTagDevice", "Assign a tag to a device")
            .describe(&format!("Puts the tag on one device. {WRITE_FULL}"))
            .path_id("tag")
            .path("child", "The id of the device.", child.clone())
            .empty("204", "The device has the tag.")
            .errors(&[400, 403, 404]),
    );
    p.add(
        "delete",
        "/tags/{id}/devices/{child}",
        Op::new(tag, "unassignTagDevice", "Unassign a tag from a device")
            .describe(&format!(
                "Takes the tag off one device (a device without the tag is not an error). {WRITE_FULL}"
            ))
            .path_id("tag")
            .path("child", "The id of the device.", child)
            .empty("204", "The device does not have the tag.")
            .errors(&[400, 403, 404]),
    );
    p.add(
        "get",
        "/devices/{id}/tags",
        Op::new(tag, "listDeviceTags", "List the tags of a device")
            .describe(&format!("The tags on the device. {READ}"))
            .path_id("device")
            .ok("200", "The tags.", array(r("Tag")))
            .errors(&[400, 403, 404]),
    );
}

fn device_groups(p: &mut Paths) {
    let tag = "Device Group";
    p.add(
        "get",
        "/devicegroups",
        Op::new(tag, "listDeviceGroups", "List device groups")
            .describe(&format!("Every device group, by id. {READ}"))
            .ok("200", "The device groups.", array(r("DeviceGroup")))
            .errors(&[403]),
    );
    p.add(
        "post",
        "/devicegroups",
        Op::new(tag, "createDeviceGroup", "Create a device group")
            .describe(&format!(
                "A static group (devices are assigned with `POST /devicegroups/{{id}}/devices`) or a dynamic one \
                 (its devices are those matching `filter`). {WRITE_FULL}"
            ))
            .refined_body(
                r("DeviceGroupInput"),
                json!({
                    "name": "Lab routers", "description": "Gateways of the lab network", "dynamic": true,
                    "filter": {"operator": "and", "rules": [
                        {"field": "ipaddr", "operator": "=", "operand": "10.1.0.0/16"},
                        {"field": "role", "operator": "=", "operand": "gateway"},
                    ]},
                }),
                "The handler reads the body of `PATCH /devicegroups/{id}` (`DeviceGroupPatch`) and requires `name` itself (a 400 naming the field).",
            )
            .created("The created device group.", r("DeviceGroup"))
            .errors(&[403]),
    );
    p.add(
        "get",
        "/devicegroups/{id}",
        Op::new(tag, "getDeviceGroup", "Get a device group")
            .describe(&format!("One device group. {READ}"))
            .path_id("device group")
            .ok("200", "The device group.", r("DeviceGroup"))
            .errors(&[400, 403, 404]),
    );
    p.add(
        "patch",
        "/devicegroups/{id}",
        Op::new(tag, "updateDeviceGroup", "Update a device group")
            .describe(&format!("Changes the fields given. {WRITE_FULL}"))
            .path_id("device group")
            .body_example(json!({"name": "Lab gateways", "include_custom_devices": false}))
            .empty("204", "The device group was changed.")
            .errors(&[403, 404]),
    );
    p.add(
        "delete",
        "/devicegroups/{id}",
        Op::new(tag, "deleteDeviceGroup", "Delete a device group")
            .describe(&format!(
                "Deletes the group (not its devices). {WRITE_FULL}"
            ))
            .path_id("device group")
            .empty("204", "The device group was deleted.")
            .errors(&[400, 403, 404]),
    );
    p.add(
        "get",
        "/devicegroups/{id}/devices",
        Op::new(tag, "listDeviceGroupDevices", "List the devices of a device group")
            .describe(&format!(
                "The devices of the group: those matching the filter of a dynamic group, the assigned ones of a static group. {READ}"
            ))
            .path_id("device group")
            .ok("200", "The devices.", array(r("Device")))
            .errors(&[400, 403, 404]),
    );
    p.add(
        "post",
        "/devicegroups/{id}/devices",
        Op::new(tag, "assignDeviceGroupDevices", "Assign and unassign devices to a device group")
            .describe(&format!(
                "Adds and removes devices of a static group; a dynamic group's devices come from its filter (400). {WRITE_FULL}"
            ))
            .path_id("device group")
            .body_example(assignment_example())
            .empty("204", "The members were changed.")
            .errors(&[403, 404]),
    );
}

fn watchlist(p: &mut Paths) {
    let tag = "Watchlist";
    p.add(
        "get",
        "/watchlist/devices",
        Op::new(
            tag,
            "listWatchlistDevices",
            "List the devices on the watchlist",
        )
        .describe(&format!("The devices on the watchlist, by id. {READ}"))
        .ok("200", "The devices.", array(r("Device")))
        .errors(&[403]),
    );
    p.add(
        "post",
        "/watchlist/devices",
        Op::new(tag, "assignWatchlistDevices", "Add and remove devices on the watchlist")
            .describe(&format!("Puts the `assign` devices on the watchlist and takes the `unassign` devices off. {WRITE_FULL}"))
            .body_example(assignment_example())
            .empty("204", "The watchlist was changed.")
            .errors(&[403]),
    );
}

fn networks(p: &mut Paths) {
    let tag = "Network";
    p.add(
        "get",
        "/networks",
        Op::new(tag, "listNetworks", "List networks")
            .describe(&format!("The sensor's one capture network. {READ}"))
            .ok("200", "The networks.", array(r("Network")))
            .errors(&[403]),
    );
    p.add(
        "get",
        "/networks/{id}",
        Op::new(tag, "getNetwork", "Get a network")
            .describe(&format!(
                "The capture network (id 1); any other id is 404. {READ}"
            ))
            .path_id("network")
            .ok("200", "The network.", r("Network"))
            .errors(&[400, 403, 404]),
    );
}

fn metrics(p: &mut Paths) {
    let tag = "Metrics";
    let example = json!({
        "cycle": "auto", "from": "-30m", "until": 0,
        "object_type": "device", "object_ids": [17],
        "metric_category": "net",
        "metric_specs": [{"name": "bytes_in"}, {"name": "bytes_out"}],
    });
    for (path, id, summary, what) in [
        (
            "/metrics",
            "queryMetrics",
            "Get metrics",
            "The values of each object per point (`cycle`) of the window.",
        ),
        (
            "/metrics/total",
            "queryMetricsTotal",
            "Get metric totals",
            "The values of every object together over the whole window (one stat, `oid` -1).",
        ),
        (
            "/metrics/totalbyobject",
            "queryMetricsTotalByObject",
            "Get metric totals by object",
            "The values of each object over the whole window (one stat per object).",
        ),
    ] {
        p.add(
            "post",
            path,
            Op::new(tag, id, summary)
                .describe(&format!(
                    "{what} A device group counts as the sum of its devices. \
                     Datasets of more than 1000 distinct values are consolidated. {METRICS}"
                ))
                .body_example(example.clone())
                .ok("200", "The metric values.", r("MetricResults"))
                .errors(&[403]),
        );
    }
    p.add(
        "get",
        "/metrics/next/{xid}",
        Op::new(tag, "getNextMetrics", "Get the next part of a metric query")
            .describe(&format!(
                "On a console, the rest of a query answered in parts. A sensor answers every query at once and issues \
                 no `xid`, so this is always 404. {METRICS}"
            ))
            .path("xid", "The `xid` of a partial answer.", json!({"type": "string"}))
            .ok("200", "The metric values.", r("MetricResults"))
            .errors(&[403, 404]),
    );
    p.add(
        "get",
        "/metrics/catalog",
        Op::new(
            tag,
            "getMetricCatalog",
            "List the metrics the sensor collects",
        )
        .describe(&format!(
            "Each object type and metric category with the names of its metrics. {CATALOG}"
        ))
        .extension()
        .ok("200", "The catalog.", array(r("MetricCatalogEntry")))
        .errors(&[403]),
    );
}
