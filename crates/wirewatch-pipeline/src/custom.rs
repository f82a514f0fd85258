//! Records attributed to custom devices: each record's flow (client,
//! server, VLAN) through the sensor's compiled criteria, the matches written
//! into the record as its `client` / `server` device fields.

use std::net::IpAddr;
use wirewatch_model::custom_device::{End, FlowView, Matcher};
use wirewatch_model::record::RecordDevices;

/// The custom devices a flow's records are attributed to, by end.
pub fn attribute(
    m: &Matcher,
    client: (IpAddr, u16),
    server: (IpAddr, u16),
    vlan: Option<u16>,
) -> RecordDevices {
    let mut out = RecordDevices::default();
    if m.is_empty() {
        return out;
    }
    for (d, end) in m.attribute(&FlowView {
        client,
        server,
        vlan,
    }) {
        if let Some(dev) = m.devices.get(d as usize) {
            let list = match end {
                End::Client => &mut out.client,
                End::Server => &mut out.server,
            };
            list.push(dev.extrahop_id.clone());
        }
    }
    out
}
