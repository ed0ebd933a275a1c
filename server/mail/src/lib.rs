//! Email delivery (see the crate description).
