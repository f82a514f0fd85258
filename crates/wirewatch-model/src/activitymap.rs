//! Activity maps: walks over the device-to-device traffic graph (who talked
//! to whom, over which protocols), the ExtraHop topology query
//! (`POST /activitymaps/query`), and saved maps with their sharing.
//!
//! The walk itself is pure ([`run_walks`]): it takes the traffic graph (one
//! [`GraphEdge`] per client device, server device and protocol stack, built
//! by the store from the `~flow` records) and the walks with their device
//! sets resolved, and answers the edges. Each step expands from the devices
//! the previous step reached; the results of all walks are merged.

use crate::Error;
use serde::{Deserialize, Deserializer, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

/// Most walks in one query or map.
pub const MAX_WALKS: usize = 16;
/// Most steps in one walk.
pub const MAX_STEPS: usize = 8;
/// Most sources in one `origins`, `peer_in` or `peer_not_in` list.
pub const MAX_SOURCES: usize = 100;
/// Most relationships in one step.
pub const MAX_RELATIONSHIPS: usize = 32;
/// Longest protocol name a relationship may name.
pub const MAX_PROTOCOL_LEN: usize = 64;
/// Most edges one answer holds (the heaviest are kept, with a warning).
pub const MAX_EDGES: usize = 10_000;
/// Longest map name.
pub const MAX_NAME_LEN: usize = 256;
/// Longest map description.
pub const MAX_DESCRIPTION_LEN: usize = 4_096;
/// Longest short code.
pub const MAX_SHORT_CODE_LEN: usize = 64;
/// Most user or group grants of one map.
pub const MAX_GRANTS: usize = 1_000;

/// What a source names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ObjectType {
    /// One device (`object_id`: its API id).
    Device,
    /// The devices of a device group (`object_id`: the group's id).
    DeviceGroup,
    /// An ExtraHop activity group (the devices speaking one protocol, as the
    /// appliance groups them): wirewatch has no activity groups and answers 400.
    ActivityGroup,
    /// Every device (walk origins only; no `object_id`).
    AllDevices,
}

/// A device, a device group, or (in `origins` only) every device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Source {
    /// What the source names.
    pub object_type: ObjectType,
    /// The id of the device or device group; absent for `all_devices`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object_id: Option<u64>,
}

/// The role of the peer device in a relationship.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The peer is the client (it opened the connection).
    Client,
    /// The peer is the server.
    Server,
    /// Either.
    #[default]
    Any,
}

/// A protocol and the peer's role: which connections a step follows.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Relationship {
    /// A protocol of the connection's stack (`IPv4`, `TCP`, `UDP`, `HTTP`,
    /// `DNS`, `SSL`, …), compared without regard to case; `any` or absent:
    /// every protocol.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = MAX_PROTOCOL_LEN))]
    pub protocol: Option<String>,
    /// The role of the peer device: `client`, `server` or `any` (the default).
    #[serde(default)]
    pub role: Role,
}

/// One step of a walk: from the devices the previous step reached (the
/// origins for the first), along the relationships, to the peers the filters
/// keep. `{}` follows every connection.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Step {
    /// The protocol and peer role of the connections to follow (any of them);
    /// empty: every connection.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(length(max = MAX_RELATIONSHIPS))]
    pub relationships: Vec<Relationship>,
    /// Keep only peers that are one of these devices or members of these groups.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(length(max = MAX_SOURCES))]
    pub peer_in: Vec<Source>,
    /// Drop peers that are one of these devices or members of these groups
    /// (both filters apply together).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(length(max = MAX_SOURCES))]
    pub peer_not_in: Vec<Source>,
}

/// A walk: from its origins through its steps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Walk {
    /// Where the walk starts: devices, device groups, or
    /// `[{"object_type": "all_devices"}]`.
    #[schemars(length(min = 1, max = MAX_SOURCES))]
    pub origins: Vec<Source>,
    /// The steps, in order (at least one).
    #[schemars(length(min = 1, max = MAX_STEPS))]
    pub steps: Vec<Step>,
}

/// What the weight of an edge counts.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Weighting {
    /// IP bytes in both directions.
    #[default]
    Bytes,
    /// Connections (flows) that started in the window.
    Connections,
    /// Request/response turns, approximated: the connections in which both
    /// sides sent payload (wirewatch does not count turns within a flow).
    Turns,
}

/// What an answer adds to each edge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum EdgeAnnotation {
    /// The edge's weight by protocol stack.
    Protocols,
    /// The walks and steps that reached the edge.
    Appearances,
}

/// The layout of a saved map in the ExtraHop web UI.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, schemars::JsonSchema,
)]
pub enum Mode {
    #[default]
    #[serde(rename = "2dforce")]
    TwoD,
    #[serde(rename = "3dforce")]
    ThreeD,
}

/// Where a field of the request lies, for error messages.
fn at(base: &str, i: usize, rest: &str) -> String {
    format!("{base}[{i}]{rest}")
}

fn check_source(field: &str, s: &Source, origin: bool) -> Result<(), Error> {
    match s.object_type {
        ObjectType::ActivityGroup => Err(Error::invalid(
            format!("{field}.object_type"),
            "activity groups are not kept by wirewatch; use a device, a device group or all_devices",
        )),
        ObjectType::AllDevices if !origin => Err(Error::invalid(
            format!("{field}.object_type"),
            "all_devices is only valid in a walk's origins",
        )),
        ObjectType::AllDevices => match s.object_id {
            Some(_) => Err(Error::invalid(
                format!("{field}.object_id"),
                "all_devices takes no object_id",
            )),
            None => Ok(()),
        },
        ObjectType::Device | ObjectType::DeviceGroup => match s.object_id {
            Some(_) => Ok(()),
            None => Err(Error::invalid(
                format!("{field}.object_id"),
                "is required for a device or device group",
            )),
        },
    }
}

fn check_sources(field: &str, list: &[Source], origin: bool) -> Result<(), Error> {
    if list.len() > MAX_SOURCES {
        return Err(Error::invalid(
            field,
            format!("lists at most {MAX_SOURCES} sources"),
        ));
    }
    for (i, s) in list.iter().enumerate() {
        check_source(&at(field, i, ""), s, origin)?;
    }
    Ok(())
}

/// Check walks against the limits and the source rules; the error names the
/// field (`walks[0].steps[1].peer_in[0].object_type`).
pub fn validate_walks(walks: &[Walk]) -> Result<(), Error> {
    if walks.is_empty() {
        return Err(Error::invalid("walks", "must list at least one walk"));
    }
    if walks.len() > MAX_WALKS {
        return Err(Error::invalid(
            "walks",
            format!("lists at most {MAX_WALKS} walks"),
        ));
    }
    for (w, walk) in walks.iter().enumerate() {
        let base = at("walks", w, "");
        if walk.origins.is_empty() {
            return Err(Error::invalid(
                format!("{base}.origins"),
                "must list at least one origin",
            ));
        }
        check_sources(&format!("{base}.origins"), &walk.origins, true)?;
        if walk.steps.is_empty() {
            return Err(Error::invalid(
                format!("{base}.steps"),
                "must list at least one step (`{}` follows every connection)",
            ));
        }
        if walk.steps.len() > MAX_STEPS {
            return Err(Error::invalid(
                format!("{base}.steps"),
                format!("lists at most {MAX_STEPS} steps"),
            ));
        }
        for (s, step) in walk.steps.iter().enumerate() {
            let sb = format!("{base}.steps[{s}]");
            if step.relationships.len() > MAX_RELATIONSHIPS {
                return Err(Error::invalid(
                    format!("{sb}.relationships"),
                    format!("lists at most {MAX_RELATIONSHIPS} relationships"),
                ));
            }
            for (r, rel) in step.relationships.iter().enumerate() {
                if let Some(p) = &rel.protocol {
                    if p.trim().is_empty() || p.len() > MAX_PROTOCOL_LEN {
                        return Err(Error::invalid(
                            format!("{sb}.relationships[{r}].protocol"),
                            format!("must be a protocol name of 1 to {MAX_PROTOCOL_LEN} bytes, or \"any\""),
                        ));
                    }
                }
            }
            check_sources(&format!("{sb}.peer_in"), &step.peer_in, false)?;
            check_sources(&format!("{sb}.peer_not_in"), &step.peer_not_in, false)?;
        }
    }
    Ok(())
}

/// The traffic between a client device and a server device over one
/// protocol stack, in the query's window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphEdge {
    pub client: u64,
    pub server: u64,
    /// `["IPv4", "TCP", "HTTP"]`; the last element is `OTHER` when the
    /// application protocol is not known.
    pub stack: Vec<String>,
    pub bytes: u64,
    pub connections: u64,
    pub turns: u64,
}

impl GraphEdge {
    fn weight(&self, w: Weighting) -> u64 {
        match w {
            Weighting::Bytes => self.bytes,
            Weighting::Connections => self.connections,
            Weighting::Turns => self.turns,
        }
    }

    /// Whether the stack holds `protocol` (any case); `None` matches all.
    fn speaks(&self, protocol: Option<&str>) -> bool {
        match protocol {
            None => true,
            Some(p) => self.stack.iter().any(|s| s.eq_ignore_ascii_case(p)),
        }
    }
}

/// A set of devices as a walk uses it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Members {
    All,
    Only(HashSet<u64>),
}

impl Members {
    fn contains(&self, id: u64) -> bool {
        match self {
            Members::All => true,
            Members::Only(s) => s.contains(&id),
        }
    }
}

/// A step with its device sets resolved.
#[derive(Debug, Clone, Default)]
pub struct ResolvedStep {
    /// (protocol, lower case, `None` for any; peer role); empty: everything.
    pub relationships: Vec<(Option<String>, Role)>,
    pub peer_in: Option<HashSet<u64>>,
    pub peer_not_in: HashSet<u64>,
}

impl ResolvedStep {
    /// A step's relationships as matched ("any" is no protocol filter).
    pub fn relationships_of(step: &Step) -> Vec<(Option<String>, Role)> {
        step.relationships
            .iter()
            .map(|r| {
                let p = r
                    .protocol
                    .as_deref()
                    .map(str::trim)
                    .filter(|p| !p.eq_ignore_ascii_case("any"))
                    .map(str::to_ascii_lowercase);
                (p, r.role)
            })
            .collect()
    }

    fn follows(&self, e: &GraphEdge, peer_role: Role) -> bool {
        self.relationships.is_empty()
            || self.relationships.iter().any(|(p, role)| {
                (*role == Role::Any || *role == peer_role) && e.speaks(p.as_deref())
            })
    }

    fn keeps(&self, peer: u64) -> bool {
        self.peer_in.as_ref().is_none_or(|s| s.contains(&peer)) && !self.peer_not_in.contains(&peer)
    }
}

/// A walk with its device sets resolved.
#[derive(Debug, Clone)]
pub struct ResolvedWalk {
    pub origins: Members,
    pub steps: Vec<ResolvedStep>,
}

/// A non-fatal condition of a query: the answer is incomplete or a source
/// named nothing.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Warning {
    /// What happened, for a person.
    pub message: String,
    /// What kind of condition (`edge_limit`, `flow_limit`, `graph_limit`,
    /// `unknown_object`, `unattributed_flows`).
    #[serde(rename = "type")]
    pub kind: String,
    /// Its figures (limits, counts, ids).
    pub properties: BTreeMap<String, serde_json::Value>,
}

/// The weight of one protocol stack on an edge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct ProtocolWeight {
    /// The stack, network layer first: `["IPv4", "TCP", "HTTP"]`; `OTHER`
    /// last when the application protocol is not known.
    pub protocol: Vec<String>,
    /// Its part of the edge's weight.
    pub weight: u64,
}

/// A walk and step that reached an edge (indexes into the query's walks).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, schemars::JsonSchema)]
pub struct Appearance {
    pub walk: usize,
    pub step: usize,
}

/// The annotations asked for with `edge_annotations`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, schemars::JsonSchema)]
pub struct Annotations {
    /// The weight by protocol stack, heaviest first.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub protocols: Option<Vec<ProtocolWeight>>,
    /// The walks and steps that reached the edge.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub appearances: Option<Vec<Appearance>>,
}

/// Traffic between two devices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Edge {
    /// The client device's id.
    pub from: u64,
    /// The server device's id.
    pub to: u64,
    /// The traffic's weight, in the unit of `weighting`.
    pub weight: u64,
    /// Present when `edge_annotations` asked for some.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub annotations: Option<Annotations>,
}

/// The answer of a topology query.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
#[schemars(example = Topology::example())]
pub struct Topology {
    /// The start of the window covered (ms since the epoch).
    pub from: i64,
    /// The end of the window covered (ms since the epoch).
    pub until: i64,
    /// Non-fatal conditions; empty when the answer is complete.
    pub warnings: Vec<Warning>,
    /// The edges, heaviest first.
    pub edges: Vec<Edge>,
}

impl Topology {
    /// The example of the API's documentation.
    pub fn example() -> Topology {
        Topology {
            from: 1_767_225_600_000,
            until: 1_767_227_400_000,
            warnings: Vec::new(),
            edges: vec![Edge {
                from: 12,
                to: 7,
                weight: 48_213,
                annotations: Some(Annotations {
                    protocols: Some(vec![
                        ProtocolWeight {
                            protocol: vec!["IPv4".into(), "TCP".into(), "HTTP".into()],
                            weight: 47_900,
                        },
                        ProtocolWeight {
                            protocol: vec!["IPv4".into(), "UDP".into(), "DNS".into()],
                            weight: 313,
                        },
                    ]),
                    appearances: None,
                }),
            }],
        }
    }
}

/// An edge being merged: its weight, its stacks, the walks and steps that reached it.
type Merged = (u64, Vec<ProtocolWeight>, BTreeSet<Appearance>);

/// Run the walks over the graph and merge their edges: an edge is a client
/// and a server device; its weight sums the protocol stacks the walks
/// followed (each once, however many walks reached it). Answers the edges,
/// heaviest first, at most `max_edges`, and whether some were left out.
pub fn run_walks(
    graph: &[GraphEdge],
    walks: &[ResolvedWalk],
    weighting: Weighting,
    annotations: &[EdgeAnnotation],
    max_edges: usize,
) -> (Vec<Edge>, bool) {
    let mut by_device: HashMap<u64, Vec<usize>> = HashMap::new();
    for (i, e) in graph.iter().enumerate() {
        by_device.entry(e.client).or_default().push(i);
        if e.server != e.client {
            by_device.entry(e.server).or_default().push(i);
        }
    }
    // Graph edge index -> the (walk, step) pairs that followed it.
    let mut followed: BTreeMap<usize, BTreeSet<Appearance>> = BTreeMap::new();
    for (w, walk) in walks.iter().enumerate() {
        let mut frontier = walk.origins.clone();
        for (s, step) in walk.steps.iter().enumerate() {
            let candidates: Vec<usize> = match &frontier {
                Members::All => (0..graph.len()).collect(),
                Members::Only(set) => {
                    let mut c: Vec<usize> = set
                        .iter()
                        .filter_map(|d| by_device.get(d))
                        .flatten()
                        .copied()
                        .collect();
                    c.sort_unstable();
                    c.dedup();
                    c
                }
            };
            let mut reached = HashSet::new();
            for i in candidates {
                let e = &graph[i];
                // The frontier device at one end, the peer at the other.
                let ends = [
                    (e.client, e.server, Role::Server),
                    (e.server, e.client, Role::Client),
                ];
                for (near, peer, peer_role) in ends {
                    if frontier.contains(near) && step.follows(e, peer_role) && step.keeps(peer) {
                        followed
                            .entry(i)
                            .or_default()
                            .insert(Appearance { walk: w, step: s });
                        reached.insert(peer);
                    }
                }
            }
            frontier = Members::Only(reached);
        }
    }
    let mut merged: BTreeMap<(u64, u64), Merged> = BTreeMap::new();
    for (i, seen) in followed {
        let e = &graph[i];
        let weight = e.weight(weighting);
        let m = merged.entry((e.client, e.server)).or_default();
        m.0 = m.0.saturating_add(weight);
        m.1.push(ProtocolWeight {
            protocol: e.stack.clone(),
            weight,
        });
        m.2.extend(seen);
    }
    let want = |a: EdgeAnnotation| annotations.contains(&a);
    let mut edges: Vec<Edge> = merged
        .into_iter()
        .map(|((from, to), (weight, mut protocols, seen))| {
            protocols.sort_by(|a, b| {
                b.weight
                    .cmp(&a.weight)
                    .then_with(|| a.protocol.cmp(&b.protocol))
            });
            let annotations = (!annotations.is_empty()).then(|| Annotations {
                protocols: want(EdgeAnnotation::Protocols).then_some(protocols),
                appearances: want(EdgeAnnotation::Appearances).then(|| seen.into_iter().collect()),
            });
            Edge {
                from,
                to,
                weight,
                annotations,
            }
        })
        .collect();
    edges.sort_by(|a, b| {
        b.weight
            .cmp(&a.weight)
            .then_with(|| (a.from, a.to).cmp(&(b.from, b.to)))
    });
    let cut = edges.len() > max_edges;
    edges.truncate(max_edges);
    (edges, cut)
}

/// A grant of a map to a user or a group.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Grant {
    /// May read the map and run its query.
    Viewer,
    /// May also change the map and its sharing.
    Editor,
}

/// The grant `anyone` may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AnyoneGrant {
    /// Every user may read the map and run its query.
    Viewer,
}

/// Who a map is shared with, besides its owner.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, schemars::JsonSchema)]
#[schemars(example = Sharing::example())]
pub struct Sharing {
    /// `viewer`: every user may read the map; `null`: only those named.
    pub anyone: Option<AnyoneGrant>,
    /// Users by username, and their grant.
    pub users: BTreeMap<String, Grant>,
    /// User groups (`local.<name>`, `remote.<name>`) and their grant: the
    /// members of an enabled group (`/usergroups`) hold it.
    pub groups: BTreeMap<String, Grant>,
}

impl Sharing {
    /// The example of the API's documentation.
    pub fn example() -> Sharing {
        Sharing {
            anyone: None,
            users: BTreeMap::from([("analyst1".to_string(), Grant::Viewer)]),
            groups: BTreeMap::from([("local.soc".to_string(), Grant::Editor)]),
        }
    }
}

/// A present field whose value may be `null` (`Some(None)`), told apart
/// from an absent one (`None`, with `#[serde(default)]`).
fn nullable<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// A change of sharing (`PATCH`: merged, `null` removes a grant, absent
/// keys are untouched; `PUT`: the whole new state, absent keys empty).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, schemars::JsonSchema)]
#[schemars(example = SharingChange::example())]
pub struct SharingChange {
    /// `viewer` or `null`.
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub anyone: Option<Option<AnyoneGrant>>,
    /// Usernames and their grant (`editor`, `viewer`, or `null` to remove it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub users: Option<BTreeMap<String, Option<Grant>>>,
    /// Group names (`local.<name>`, `remote.<name>`) and their grant
    /// (`editor`, `viewer`, or `null` to remove it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub groups: Option<BTreeMap<String, Option<Grant>>>,
}

impl SharingChange {
    /// The example of the API's documentation.
    pub fn example() -> SharingChange {
        SharingChange {
            anyone: None,
            users: Some(BTreeMap::from([
                ("analyst1".to_string(), Some(Grant::Editor)),
                ("analyst2".to_string(), None),
            ])),
            groups: None,
        }
    }

    /// Check names and sizes; the error names the field.
    pub fn validate(&self) -> Result<(), Error> {
        for (field, map) in [("users", &self.users), ("groups", &self.groups)] {
            let Some(map) = map else { continue };
            if map.len() > MAX_GRANTS {
                return Err(Error::invalid(
                    field,
                    format!("lists at most {MAX_GRANTS} grants"),
                ));
            }
            for name in map.keys() {
                if name.trim().is_empty() || name.len() > MAX_NAME_LEN {
                    return Err(Error::invalid(
                        format!("{field}.{name}"),
                        format!("a name must be 1 to {MAX_NAME_LEN} bytes"),
                    ));
                }
                if field == "groups" && !(name.starts_with("local.") || name.starts_with("remote."))
                {
                    return Err(Error::invalid(
                        format!("groups.{name}"),
                        "a group name starts with \"local.\" or \"remote.\"",
                    ));
                }
            }
        }
        Ok(())
    }

    /// Merge into `s` (`PATCH`).
    pub fn merge_into(self, s: &mut Sharing) {
        if let Some(a) = self.anyone {
            s.anyone = a;
        }
        for (map, change) in [(&mut s.users, self.users), (&mut s.groups, self.groups)] {
            for (name, grant) in change.unwrap_or_default() {
                match grant {
                    Some(g) => {
                        map.insert(name, g);
                    }
                    None => {
                        map.remove(&name);
                    }
                }
            }
        }
    }

    /// The whole new state (`PUT`).
    pub fn replace(self) -> Sharing {
        let mut s = Sharing::default();
        self.merge_into(&mut s);
        s
    }
}

/// A saved activity map as stored: its walks and weighting, its owner and
/// sharing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredMap {
    pub id: u64,
    pub name: String,
    pub description: Option<String>,
    pub mode: Mode,
    pub owner: String,
    pub short_code: String,
    pub show_alert_status: bool,
    pub walks: Vec<Walk>,
    pub weighting: Weighting,
    pub mod_time: i64,
    pub sharing: Sharing,
}

/// What a user may do with a map.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Right {
    /// Nothing: the map is not visible to them.
    None,
    View,
    Edit,
    /// Owner or administrator: also share, transfer and delete.
    Own,
}

impl StoredMap {
    /// What `username` may do with the map (`admin`: `system: full`).
    pub fn right_of(&self, username: &str, admin: bool) -> Right {
        self.right_of_member(username, &[], admin)
    }

    /// The right of a user who is a member of the user groups `groups`
    /// (their ids): the highest of the user's grant, their groups' grants,
    /// and `anyone`'s.
    pub fn right_of_member(&self, username: &str, groups: &[String], admin: bool) -> Right {
        if admin || self.owner == username {
            return Right::Own;
        }
        let grant = |g: &Grant| match g {
            Grant::Editor => Right::Edit,
            Grant::Viewer => Right::View,
        };
        let anyone = if self.sharing.anyone.is_some() {
            Right::View
        } else {
            Right::None
        };
        self.sharing
            .users
            .get(username)
            .into_iter()
            .chain(groups.iter().filter_map(|g| self.sharing.groups.get(g)))
            .map(grant)
            .fold(anyone, std::cmp::max)
    }
}

/// Check the fields a map is created or changed with; the error names the field.
pub fn validate_map_fields(
    name: Option<&str>,
    description: Option<&str>,
    short_code: Option<&str>,
) -> Result<(), Error> {
    if let Some(n) = name {
        if n.trim().is_empty() || n.len() > MAX_NAME_LEN {
            return Err(Error::invalid(
                "name",
                format!("must be 1 to {MAX_NAME_LEN} bytes, not only spaces"),
            ));
        }
    }
    if let Some(d) = description {
        if d.len() > MAX_DESCRIPTION_LEN {
            return Err(Error::invalid(
                "description",
                format!("must be at most {MAX_DESCRIPTION_LEN} bytes"),
            ));
        }
    }
    if let Some(c) = short_code {
        if c.is_empty()
            || c.len() > MAX_SHORT_CODE_LEN
            || !c
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_')
        {
            return Err(Error::invalid(
                "short_code",
                format!("must be 1 to {MAX_SHORT_CODE_LEN} letters, digits, '-' or '_'"),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
