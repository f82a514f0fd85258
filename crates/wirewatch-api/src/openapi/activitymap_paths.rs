//! Activity maps (`/activitymaps`): the topology query and saved maps with
//! their sharing.

use super::{array, r, Op, Paths};
use crate::routes::activitymaps::{MAX_FLOWS, MAX_GRAPH_EDGES};
use serde_json::json;
use wirewatch_model::activitymap::{MAX_EDGES, MAX_STEPS, MAX_WALKS};

pub(super) const TAG: &str = "Activity Map";

/// What the tag says.
pub(super) fn tag_text() -> String {
    format!(
        "Who talked to whom: walks over the traffic between devices, answered from the sensor's `~flow` \
         records (client = the side that opened the connection, server = the other), and saved maps with \
         their sharing. An address belongs to the device that has it (an L3 device first), else to the \
         device whose MAC the packets crossed (the gateway external addresses were reached through); flows \
         with an end that belongs to no device are left out and counted in `warnings`. A query reads at most \
         {MAX_FLOWS} flows (the newest of its window) and {MAX_GRAPH_EDGES} distinct device pairs and \
         protocol stacks, and answers at most {MAX_EDGES} edges (the heaviest); at most {MAX_WALKS} walks \
         of at most {MAX_STEPS} steps. A saved map is seen by its owner, the users it is shared with, \
         everyone when `anyone` is `viewer`, and administrators; others get 404. Editors change the map \
         and its sharing; the owner or an administrator deletes or transfers it."
    )
}

const QUERY: &str =
    "Requires `metrics: full` or higher (any `write` privilege, or `system: full`): \
     \"metric and record queries\".";
const READ: &str = "Requires `write: personal` or higher.";
const WRITE_FULL: &str = "Requires `write: full` or higher.";

const WEIGHTS: &str = "`weighting`: `bytes` (default) counts IP bytes of both directions; \
     `connections` the flows that started in the window; `turns` is an approximation: wirewatch \
     does not count request/response turns inside a flow, so it counts the flows in which both \
     sides sent payload (at least one exchange each); flows from Suricata EVE input carry no payload \
     counts and count no turns.";

pub(super) fn add(p: &mut Paths) {
    p.add(
        "post",
        "/activitymaps/query",
        Op::new(TAG, "createActivitymapsQuery", "Perform a topology query")
            .describe(&format!(
                "Runs the walks over the traffic of the window (`from` required, `until` default now) and \
                 answers the merged edges, heaviest first: `from` is the client device's id, `to` the server \
                 device's. Each step follows, from the devices the previous step reached (the origins for the \
                 first), the connections its `relationships` allow (`protocol` is any layer of the stack, \
                 compared without regard to case, `any` or absent for all; `role` is the peer's: `client`, \
                 `server`, `any`), keeping the peers `peer_in`/`peer_not_in` allow; `steps: [{{}}]` follows \
                 everything. `edge_annotations`: `protocols` (weight by protocol stack, \
                 `[\"IPv4\", \"TCP\", \"HTTP\"]`, `OTHER` last when the application is not known), \
                 `appearances` (the walk and step indexes that reached the edge). {WEIGHTS} \
                 A device or group that does not exist matches nothing and is named in `warnings`. \
                 `activity_group` sources are refused with 400 (wirewatch keeps no activity groups). {QUERY}"
            ))
            .body_example(json!({
                "from": "-30m",
                "walks": [{"origins": [{"object_type": "device", "object_id": 12}],
                           "steps": [{"relationships": [{"protocol": "any", "role": "any"}]}]}]
            }))
            .ok("200", "The edges.", r("Topology"))
            .errors(&[403]),
    );
    p.add(
        "get",
        "/activitymaps",
        Op::new(TAG, "getAllAssignedActivitymaps", "List activity maps")
            .describe(&format!(
                "The saved maps the caller sees (owned, shared with them or with anyone; every map for \
                 an administrator), by id; `rights` says what the caller may do with each. {READ}"
            ))
            .ok("200", "The maps.", array(r("ActivityMap")))
            .errors(&[403]),
    );
    p.add(
        "post",
        "/activitymaps",
        Op::new(TAG, "createActivitymaps", "Create an activity map")
            .describe(&format!(
                "Saves a map owned by the caller (`name` and `walks` required; the walks are checked as the \
                 query checks them). As on an ExtraHop appliance, the answer has an empty body: the new \
                 map's path is in `Location`. A `short_code` another map has answers 409. {WRITE_FULL}"
            ))
            .body_example(json!({
                "name": "Web servers and their clients",
                "walks": [{"origins": [{"object_type": "device_group", "object_id": 2}],
                           "steps": [{"relationships": [{"protocol": "HTTP", "role": "client"}]}]}],
                "weighting": "connections"
            }))
            .empty("201", "The map was created; `Location` is its path.")
            .errors(&[403, 409]),
    );
    p.add(
        "get",
        "/activitymaps/{id}",
        Op::new(TAG, "getActivitymapsId", "Get an activity map")
            .describe(&format!(
                "One saved map; 404 when the caller cannot see it. {READ}"
            ))
            .path_id("activity map")
            .ok("200", "The map.", r("ActivityMap"))
            .errors(&[400, 403, 404]),
    );
    p.add(
        "patch",
        "/activitymaps/{id}",
        Op::new(TAG, "updateActivitymapsId", "Update an activity map")
            .describe(&format!(
                "Changes the fields given (owner and editors); `owner` transfers the map to an existing \
                 user (the owner or an administrator only). 404 when the caller cannot see the map, 403 \
                 when they may only view it. {WRITE_FULL}"
            ))
            .path_id("activity map")
            .body_example(json!({"name": "Web tier", "weighting": "bytes"}))
            .empty("204", "The map was changed.")
            .errors(&[403, 404, 409]),
    );
    p.add(
        "delete",
        "/activitymaps/{id}",
        Op::new(TAG, "deleteActivitymapsId", "Delete an activity map")
            .describe(&format!(
                "Deletes the map (the owner or an administrator only). {WRITE_FULL}"
            ))
            .path_id("activity map")
            .empty("204", "The map was deleted.")
            .errors(&[400, 403, 404]),
    );
    p.add(
        "post",
        "/activitymaps/{id}/query",
        Op::new(TAG, "createActivitymapsIdQuery", "Perform a topology query of a saved map")
            .describe(&format!(
                "Runs the saved map's walks with its weighting over the window given (`from` required, \
                 `until`, `edge_annotations` as in `POST /activitymaps/query`). 404 when the caller cannot \
                 see the map. {QUERY}"
            ))
            .path_id("activity map")
            .body_example(json!({"from": "-1h", "edge_annotations": ["protocols", "appearances"]}))
            .ok("200", "The edges.", r("Topology"))
            .errors(&[403, 404]),
    );
    p.add(
        "get",
        "/activitymaps/{id}/sharing",
        Op::new(TAG, "getActivitymapsIdSharing", "Get the sharing of an activity map")
            .describe(&format!(
                "Who the map is shared with: `anyone` (`viewer` or null), `users` and `groups` with their \
                 grant (`viewer`, `editor`). {READ}"
            ))
            .path_id("activity map")
            .ok("200", "The sharing.", r("Sharing"))
            .errors(&[400, 403, 404]),
    );
    p.add(
        "patch",
        "/activitymaps/{id}/sharing",
        Op::new(TAG, "updateActivitymapsIdSharing", "Update the sharing of an activity map")
            .describe(&format!(
                "Merges the grants given into the map's: a `null` grant removes it, keys left out are \
                 unchanged, `{{}}` changes nothing (owner and editors). Group grants are kept as given, but \
                 wirewatch has no user groups, so they give no one access. A grant to a user who does not exist is a 400 naming it. {WRITE_FULL}"
            ))
            .path_id("activity map")
            .body_example(json!({"users": {"analyst1": "editor", "analyst2": null}}))
            .empty("204", "The sharing was changed.")
            .errors(&[403, 404]),
    );
    p.add(
        "put",
        "/activitymaps/{id}/sharing",
        Op::new(TAG, "replaceActivitymapsIdSharing", "Replace the sharing of an activity map")
            .describe(&format!(
                "Replaces the map's sharing with the body's (keys left out are empty) (owner and editors). \
                 {WRITE_FULL}"
            ))
            .path_id("activity map")
            .body_example(json!({"anyone": "viewer", "users": {}, "groups": {"local.soc": "editor"}}))
            .empty("204", "The sharing was replaced.")
            .errors(&[403, 404]),
    );
}
