//! The metric catalog: every metric the sensor rolls up, by object type and
//! category (`/metrics/catalog`). The roll-up itself lives in the sensor.

/// Metric names per category and object type (the catalog).
pub const CATALOG: &[(&str, &str, &[&str])] = &[
    (
        "device",
        "net",
        &["bytes_in", "bytes_out", "pkts_in", "pkts_out"],
    ),
    (
        "device",
        "tcp",
        &[
            "connections_in",
            "connections_out",
            "resets_in",
            "resets_out",
            "retransmissions_out",
        ],
    ),
    (
        "device",
        "ssl_client",
        &["handshakes", "handshakes_by_version"],
    ),
    (
        "device",
        "ssl_server",
        &["handshakes", "handshakes_by_version"],
    ),
    ("device", "ftp_server", &["logins", "login_failures"]),
    (
        "device",
        "dns_client",
        &[
            "req",
            "req_by_qtype",
            "req_by_qname",
            "rsp",
            "rsp_error",
            "rsp_error_by_rcode",
            "req_timeout",
            "rtt",
        ],
    ),
    (
        "device",
        "dns_server",
        &[
            "req",
            "req_by_qtype",
            "req_by_qname",
            "rsp",
            "rsp_error",
            "rsp_error_by_rcode",
            "req_timeout",
            "rtt",
        ],
    ),
    (
        "device",
        "http_client",
        &[
            "req",
            "req_by_method",
            "rsp",
            "rsp_by_status",
            "rsp_error",
            "server_processing_time",
        ],
    ),
    (
        "device",
        "http_server",
        &[
            "req",
            "req_by_method",
            "rsp",
            "rsp_by_status",
            "rsp_error",
            "server_processing_time",
        ],
    ),
    ("device", "flow", &["duration"]),
    ("network", "net", &["bytes", "pkts", "frags"]),
    ("network", "tcp", &["connections", "resets"]),
];
