//! The delivery tests' own fixture: a core with the demo organization, signed in as its admin.
//! The SMTP server on loopback, the MIME reader and the databases come from the test kit.
pub mod fixture;
