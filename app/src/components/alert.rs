//! The error line a form or a panel shows above itself: a warning icon and the message,
//! announced to screen readers as it appears.

use leptos::prelude::*;

use super::icons::{Icon, Svg};

#[component]
pub fn ErrorAlert(#[prop(into)] message: String) -> impl IntoView {
    view! {
        <div class="alert alert--error" role="alert"><Svg icon=Icon::Warning/><div>{message}</div></div>
    }
}
