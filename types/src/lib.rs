//! What the browser and the server share. Pure Rust, no I/O: it compiles for wasm32 (the
//! Leptos front end) and for the server (`orgdesk-core`), so both speak the same types and the
//! live password checklist runs the server's own rules.

pub mod api_tokens;
pub mod busy;
pub mod limits;
pub mod model;
pub mod panic_report;
pub mod password_policy;
pub mod webhooks;

pub use api_tokens::*;
pub use model::*;
pub use webhooks::*;
