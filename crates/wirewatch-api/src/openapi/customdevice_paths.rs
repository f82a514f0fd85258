//! Operations on custom devices (`/customdevices`).

use super::{array, r, Op, Paths};
use serde_json::json;

pub(super) const TAG: &str = "Custom Device";
pub(super) const TAG_TEXT: &str = "Devices defined by criteria (IP addresses, CIDR blocks, \
    address ranges, ports, VLANs) instead of discovered: the traffic of the flows their criteria \
    match is attributed to them (device list, metrics, records) in addition to the devices of its \
    addresses.";

const READ: &str = "Requires `write: personal` or higher.";
const WRITE_FULL: &str = "Requires `write: full` or higher.";

fn include_criteria(op: Op) -> Op {
    op.query(
        "include_criteria",
        "Whether to show each custom device's `criteria`: `true` or `false` (any case), `1` or `0`.",
        json!({"type": "boolean", "default": false}),
    )
}

pub(super) fn add(p: &mut Paths) {
    p.add(
        "get",
        "/customdevices",
        include_criteria(
            Op::new(TAG, "listCustomDevices", "List custom devices")
                .describe(&format!("Every custom device, by id. {READ}")),
        )
        .ok("200", "The custom devices.", array(r("CustomDevice")))
        .errors(&[400, 403]),
    );
    p.add(
        "post",
        "/customdevices",
        Op::new(TAG, "createCustomDevice", "Create a custom device")
            .describe(&format!(
                "As on an ExtraHop appliance, the answer has an empty body: the new custom device's \
                 path is in `Location`. `disabled` is `false` when left out; `extrahop_id` is made \
                 from the name when left out. The custom device also appears in `/devices` (`role` \
                 `custom`, `discovery_id` its `extrahop_id`). {WRITE_FULL}"
            ))
            .body_example(wirewatch_model::custom_device::NewCustomDevice::example())
            .empty("201", "The custom device was created; `Location` is its path.")
            .errors(&[403, 409]),
    );
    p.add(
        "get",
        "/customdevices/{id}",
        include_criteria(
            Op::new(TAG, "getCustomDevice", "Get a custom device")
                .describe(&format!("One custom device. {READ}"))
                .path_id("custom device"),
        )
        .ok("200", "The custom device.", r("CustomDevice"))
        .errors(&[400, 403, 404]),
    );
    p.add(
        "patch",
        "/customdevices/{id}",
        Op::new(TAG, "updateCustomDevice", "Update a custom device")
            .describe(&format!(
                "Changes the fields given; `criteria` replaces every criterion. `extrahop_id` \
                 cannot change (400 unless it is the current one). {WRITE_FULL}"
            ))
            .path_id("custom device")
            .body_example(wirewatch_model::custom_device::CustomDevicePatch::example())
            .empty("204", "The custom device was changed.")
            .errors(&[403, 404, 409]),
    );
    p.add(
        "delete",
        "/customdevices/{id}",
        Op::new(TAG, "deleteCustomDevice", "Delete a custom device")
            .describe(&format!(
                "Deletes the custom device, its criteria and its entry in `/devices`. {WRITE_FULL}"
            ))
            .path_id("custom device")
            .empty("204", "The custom device was deleted.")
            .errors(&[400, 403, 404]),
    );
    p.add(
        "get",
        "/customdevices/{id}/criteria",
        Op::new(
            TAG,
            "listCustomDeviceCriteria",
            "List the criteria of a custom device",
        )
        .describe(&format!(
            "The custom device's criteria (kept for older clients). {READ}"
        ))
        .deprecated()
        .path_id("custom device")
        .ok("200", "The criteria.", array(r("CustomDeviceCriterion")))
        .errors(&[400, 403, 404]),
    );
    p.add(
        "post",
        "/customdevices/{id}/criteria",
        Op::new(
            TAG,
            "createCustomDeviceCriterion",
            "Add a criterion to a custom device",
        )
        .describe(&format!(
            "Adds one criterion (kept for older clients, which create the custom device \
                 without criteria and then post each one here; other fields they send, such as \
                 `custom_device_id`, are ignored). {WRITE_FULL}"
        ))
        .deprecated()
        .path_id("custom device")
        .body_example(json!({"ipaddr": "10.1.2.3/32"}))
        .empty("201", "The criterion was added; `Location` is its path.")
        .errors(&[403, 404]),
    );
    p.add(
        "delete",
        "/customdevices/{id}/criteria/{criteria_id}",
        Op::new(
            TAG,
            "deleteCustomDeviceCriterion",
            "Remove a criterion from a custom device",
        )
        .describe(&format!(
            "Removes one criterion (kept for older clients). {WRITE_FULL}"
        ))
        .deprecated()
        .path_id("custom device")
        .path(
            "criteria_id",
            "The id of the criterion.",
            json!({"type": "integer", "format": "int64", "minimum": 0}),
        )
        .empty("204", "The criterion was removed.")
        .errors(&[400, 403, 404]),
    );
}
