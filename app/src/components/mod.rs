//! Reusable pieces of the console and the user-facing pages.

pub mod bulk_toolbar;
pub mod confirm_dialog;
pub mod focus;
pub mod icons;
pub mod menu;
pub mod password_field;
pub mod time;
pub mod toast;
pub mod user_sidebar;
pub mod users_table;
