use super::*;
use serde_json::json;

fn edge(client: u64, server: u64, stack: &[&str], bytes: u64) -> GraphEdge {
    GraphEdge {
        client,
        server,
        stack: stack.iter().map(|s| s.to_string()).collect(),
        bytes,
        connections: 1,
        turns: 0,
    }
}

/// 1 → 2 HTTP, 1 → 3 DNS, 4 → 1 SSH, 2 → 5 DB (a second hop from 2).
fn graph() -> Vec<GraphEdge> {
    vec![
        edge(1, 2, &["IPv4", "TCP", "HTTP"], 100),
        edge(1, 3, &["IPv4", "UDP", "DNS"], 10),
        edge(4, 1, &["IPv4", "TCP", "SSH"], 50),
        edge(2, 5, &["IPv4", "TCP", "OTHER"], 7),
        edge(1, 2, &["IPv4", "UDP", "DNS"], 3),
    ]
}

fn only(ids: &[u64]) -> Members {
    Members::Only(ids.iter().copied().collect())
}

fn step(rels: &[(&str, Role)]) -> ResolvedStep {
    ResolvedStep {
        relationships: ResolvedStep::relationships_of(&Step {
            relationships: rels
                .iter()
                .map(|(p, r)| Relationship {
                    protocol: Some(p.to_string()),
                    role: *r,
                })
                .collect(),
            ..Step::default()
        }),
        ..ResolvedStep::default()
    }
}

fn pairs(edges: &[Edge]) -> Vec<(u64, u64, u64)> {
    edges.iter().map(|e| (e.from, e.to, e.weight)).collect()
}

#[test]
fn peers_of_a_device_are_every_edge_it_is_on_client_to_server() {
    let w = ResolvedWalk {
        origins: only(&[1]),
        steps: vec![step(&[("any", Role::Any)])],
    };
    let (edges, cut) = run_walks(&graph(), &[w], Weighting::Bytes, &[], MAX_EDGES);
    assert!(!cut);
    assert_eq!(pairs(&edges), vec![(1, 2, 103), (4, 1, 50), (1, 3, 10)]);
    assert!(edges.iter().all(|e| e.annotations.is_none()));
}

#[test]
fn the_role_is_the_peers_and_the_protocol_matches_any_layer_in_any_case() {
    let servers = ResolvedWalk {
        origins: only(&[1]),
        steps: vec![step(&[("any", Role::Server)])],
    };
    let (edges, _) = run_walks(&graph(), &[servers], Weighting::Bytes, &[], 10);
    assert_eq!(pairs(&edges), vec![(1, 2, 103), (1, 3, 10)]);
    let clients = ResolvedWalk {
        origins: only(&[1]),
        steps: vec![step(&[("any", Role::Client)])],
    };
    let (edges, _) = run_walks(&graph(), &[clients], Weighting::Bytes, &[], 10);
    assert_eq!(pairs(&edges), vec![(4, 1, 50)]);
    let dns = ResolvedWalk {
        origins: only(&[1]),
        steps: vec![step(&[("dns", Role::Any)])],
    };
    let (edges, _) = run_walks(
        &graph(),
        &[dns],
        Weighting::Bytes,
        &[EdgeAnnotation::Protocols],
        10,
    );
    // Only the DNS stack of 1 → 2 counts.
    assert_eq!(pairs(&edges), vec![(1, 3, 10), (1, 2, 3)]);
    let udp = ResolvedWalk {
        origins: only(&[1]),
        steps: vec![step(&[("UDP", Role::Any)])],
    };
    let (edges, _) = run_walks(&graph(), &[udp], Weighting::Connections, &[], 10);
    assert_eq!(pairs(&edges), vec![(1, 2, 1), (1, 3, 1)]);
}

#[test]
fn each_step_expands_from_the_peers_of_the_previous_one() {
    let w = ResolvedWalk {
        origins: only(&[1]),
        steps: vec![step(&[("HTTP", Role::Server)]), ResolvedStep::default()],
    };
    let (edges, _) = run_walks(
        &graph(),
        &[w],
        Weighting::Bytes,
        &[EdgeAnnotation::Appearances],
        10,
    );
    // Step 0 reaches 2 over HTTP; step 1 follows every edge of 2: back to 1
    // (both stacks) and on to 5.
    assert_eq!(pairs(&edges), vec![(1, 2, 103), (2, 5, 7)]);
    let app = |e: &Edge| e.annotations.clone().unwrap().appearances.unwrap();
    assert_eq!(
        app(&edges[0]),
        vec![
            Appearance { walk: 0, step: 0 },
            Appearance { walk: 0, step: 1 }
        ]
    );
    assert_eq!(app(&edges[1]), vec![Appearance { walk: 0, step: 1 }]);
    assert!(edges[0].annotations.clone().unwrap().protocols.is_none());
}

#[test]
fn peer_filters_keep_and_drop_peers() {
    let s = ResolvedStep {
        peer_not_in: [2].into_iter().collect(),
        ..ResolvedStep::default()
    };
    let w = ResolvedWalk {
        origins: only(&[1]),
        steps: vec![s],
    };
    let (edges, _) = run_walks(&graph(), &[w], Weighting::Bytes, &[], 10);
    assert_eq!(pairs(&edges), vec![(4, 1, 50), (1, 3, 10)]);
    let s = ResolvedStep {
        peer_in: Some([3, 4].into_iter().collect()),
        peer_not_in: [4].into_iter().collect(),
        ..ResolvedStep::default()
    };
    let w = ResolvedWalk {
        origins: only(&[1]),
        steps: vec![s],
    };
    let (edges, _) = run_walks(&graph(), &[w], Weighting::Bytes, &[], 10);
    assert_eq!(pairs(&edges), vec![(1, 3, 10)]);
}

#[test]
fn walks_merge_without_counting_a_stack_twice_and_the_edge_cap_keeps_the_heaviest() {
    let a = ResolvedWalk {
        origins: only(&[1]),
        steps: vec![ResolvedStep::default()],
    };
    let b = ResolvedWalk {
        origins: Members::All,
        steps: vec![ResolvedStep::default()],
    };
    let (edges, cut) = run_walks(
        &graph(),
        &[a, b],
        Weighting::Bytes,
        &[EdgeAnnotation::Protocols],
        2,
    );
    assert!(cut);
    assert_eq!(pairs(&edges), vec![(1, 2, 103), (4, 1, 50)]);
    let p = edges[0].annotations.clone().unwrap().protocols.unwrap();
    assert_eq!(
        serde_json::to_value(&p).unwrap(),
        json!([{"protocol": ["IPv4", "TCP", "HTTP"], "weight": 100},
               {"protocol": ["IPv4", "UDP", "DNS"], "weight": 3}])
    );
}

#[test]
fn requests_read_as_clients_send_them_and_bad_sources_name_their_field() {
    let walks: Vec<Walk> = serde_json::from_value(json!([
        {"origins": [{"object_id": 1234, "object_type": "device"}],
         "steps": [{"relationships": [{"protocol": "any", "role": "any"}]}]},
        {"origins": [{"object_type": "all_devices"}], "steps": [{}]}
    ]))
    .unwrap();
    validate_walks(&walks).unwrap();
    let bad = |v: serde_json::Value| {
        let w: Vec<Walk> = serde_json::from_value(v).unwrap();
        validate_walks(&w).unwrap_err().to_string()
    };
    let e = bad(
        json!([{"origins": [{"object_type": "activity_group", "object_id": 3}], "steps": [{}]}]),
    );
    assert!(e.contains("walks[0].origins[0].object_type"), "{e}");
    let e = bad(json!([{"origins": [{"object_type": "device"}], "steps": [{}]}]));
    assert!(e.contains("walks[0].origins[0].object_id"), "{e}");
    let e = bad(json!([{"origins": [{"object_type": "all_devices"}], "steps": []}]));
    assert!(e.contains("walks[0].steps"), "{e}");
    let e = bad(json!([{"origins": [{"object_type": "all_devices"}],
                        "steps": [{}, {"peer_in": [{"object_type": "all_devices"}]}]}]));
    assert!(
        e.contains("walks[0].steps[1].peer_in[0].object_type"),
        "{e}"
    );
    let many: Vec<serde_json::Value> = (0..=MAX_STEPS).map(|_| json!({})).collect();
    let e = bad(json!([{"origins": [{"object_type": "all_devices"}], "steps": many}]));
    assert!(e.contains("at most"), "{e}");
    assert!(validate_walks(&[])
        .unwrap_err()
        .to_string()
        .contains("walks"));
}

#[test]
fn sharing_patch_merges_null_removes_and_put_replaces() {
    let mut s = Sharing::default();
    let c: SharingChange = serde_json::from_value(
        json!({"anyone": "viewer", "users": {"ann": "editor", "bob": "viewer"}}),
    )
    .unwrap();
    c.validate().unwrap();
    c.merge_into(&mut s);
    let c: SharingChange = serde_json::from_value(json!({"users": {"bob": null}})).unwrap();
    c.merge_into(&mut s);
    assert_eq!(
        serde_json::to_value(&s).unwrap(),
        json!({"anyone": "viewer", "users": {"ann": "editor"}, "groups": {}})
    );
    let c: SharingChange = serde_json::from_value(json!({"anyone": null})).unwrap();
    c.merge_into(&mut s);
    assert_eq!(s.anyone, None);
    let c: SharingChange = serde_json::from_value(json!({})).unwrap();
    let before = s.clone();
    c.merge_into(&mut s);
    assert_eq!(s, before);
    let c: SharingChange =
        serde_json::from_value(json!({"groups": {"local.soc": "viewer"}})).unwrap();
    assert_eq!(
        serde_json::to_value(c.replace()).unwrap(),
        json!({"anyone": null, "users": {}, "groups": {"local.soc": "viewer"}})
    );
    let c: SharingChange = serde_json::from_value(json!({"groups": {"soc": "viewer"}})).unwrap();
    assert!(c.validate().unwrap_err().to_string().contains("groups.soc"));
}

#[test]
fn rights_follow_owner_and_sharing() {
    let mut m = StoredMap {
        id: 1,
        name: "m".into(),
        description: None,
        mode: Mode::TwoD,
        owner: "ann".into(),
        short_code: "x".into(),
        show_alert_status: false,
        walks: Vec::new(),
        weighting: Weighting::Bytes,
        mod_time: 0,
        sharing: Sharing::default(),
    };
    assert_eq!(m.right_of("ann", false), Right::Own);
    assert_eq!(m.right_of("bob", false), Right::None);
    assert_eq!(m.right_of("bob", true), Right::Own);
    m.sharing.anyone = Some(AnyoneGrant::Viewer);
    assert_eq!(m.right_of("bob", false), Right::View);
    m.sharing.users.insert("bob".into(), Grant::Editor);
    assert_eq!(m.right_of("bob", false), Right::Edit);
}
