//! Pure protocol parsers: `&[u8] -> Result`, no I/O, no async, no panics on
//! any input. Limits are named constants with the reason they exist.

pub mod cdp;
pub mod dhcp;
pub mod dns;
pub mod http;
pub mod nbns;
pub mod packet;
pub mod tls;
