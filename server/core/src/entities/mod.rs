//! SeaORM entities, one per table created by `orgdesk-migration`. Role, status, purpose and
//! kinds are stored as the strings of their `as_str()` so both databases read them alike.

pub mod activity;
pub mod api_job;
pub mod api_token;
pub mod asset;
pub mod email_outbox;
pub mod known_device;
pub mod organization;
pub mod rate_limit;
pub mod reset_link;
pub mod session;
pub mod user;
