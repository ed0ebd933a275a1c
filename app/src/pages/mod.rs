//! One module per page.

pub mod account;
pub mod cancel_reset;
pub mod console;
pub mod forgot_password;
pub mod not_found;
pub mod reset_password;
pub mod sign_in;
