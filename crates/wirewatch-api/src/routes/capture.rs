//! `/extrahop/capture/interfaces` (wirewatch extension): the counters of
//! the live capture interfaces of `wirewatch serve --interface` — packets
//! received, dropped by the kernel (analysis fell behind the link), dropped
//! by the interface, read — where an ExtraHop appliance shows its capture
//! health. The REST API of the real product has no such resource.

use crate::error::ApiResult;
use crate::guard::{AnyAccess, Api, Guard};
use crate::AppState;
use axum::extract::State;
use wirewatch_model::capture::InterfaceStats;

pub fn routes() -> Api {
    Api::new().get("/extrahop/capture/interfaces", interfaces)
}

async fn interfaces(
    _: Guard<AnyAccess>,
    State(s): State<AppState>,
) -> ApiResult<axum::Json<Vec<InterfaceStats>>> {
    Ok(axum::Json(s.capture.all()))
}
