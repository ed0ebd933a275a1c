//! UI primitives shared by every page. Leaves: nothing here imports `crate::pages` (the test
//! command checks it), so any page may use any of them.

pub mod alert;
pub mod auth_card;
pub mod choices;
pub mod confirm_inline;
pub mod dialog;
pub mod focus;
pub mod icons;
pub mod menu;
pub mod one_time_secret;
pub mod page_header;
pub mod password_field;
pub mod post_form;
pub mod states;
pub mod submit;
pub mod text_field;
pub mod time;
pub mod toast;
