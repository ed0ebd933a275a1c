//! Shared fixtures: a real SMTP server on loopback, a MIME reader, and a core on a fresh
//! database.
pub mod fixture;
pub mod mime;
pub mod smtp_sink;
pub mod tempdir;
