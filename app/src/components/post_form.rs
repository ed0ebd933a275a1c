//! A form that posts to a server function. Before the wasm arrives (or without it) it is a
//! plain form post, which the server function answers with a redirect back to the page; once
//! the page is hydrated, a submit dispatches the page's action with the input the page reads
//! from the form's fields.
//!
//! Leptos' `ActionForm` does the same, but reads the input with serde_qs, and each server
//! function gets its own copy of the form's code. Reading the fields by name is a line per
//! form, and keeps the deserializer out of the modules (docs/decisions.md 44, 45).

use std::str::FromStr;

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use wasm_bindgen::JsCast;

/// The submitted form's fields, by name.
pub struct Fields(Option<web_sys::FormData>);

impl Fields {
    fn of(form: Option<&web_sys::HtmlFormElement>) -> Self {
        Self(form.and_then(|form| web_sys::FormData::new_with_form(form).ok()))
    }

    fn get(&self, name: &str) -> Option<String> {
        self.0.as_ref().and_then(|data| data.get(name).as_string())
    }

    /// The text of the field `name`; empty when the form has no such field.
    pub fn text(&self, name: &str) -> String {
        self.get(name).unwrap_or_default()
    }

    /// The checkbox `name`'s value when it is ticked, `None` when it is not: what a plain post
    /// sends.
    pub fn ticked(&self, name: &str) -> Option<String> {
        self.get(name)
    }

    /// The number in the field `name`; `None` when it holds none.
    pub fn number<T: FromStr>(&self, name: &str) -> Option<T> {
        self.get(name)?.trim().parse().ok()
    }
}

/// `<form method="post" action="<the server function's URL>">`. `input` builds the server
/// function's input from the submitted fields, or `None` when they don't hold one (a number
/// field without a number: the field's own constraints, `type="number" required`, normally stop
/// such a submit first): then nothing is sent and the browser shows what is wrong
/// (`reportValidity`). A submit that a handler of the page has already cancelled
/// (`prevent_default`, e.g. a failed check) is left alone.
#[component]
pub fn PostForm<S>(
    action: ServerAction<S>,
    input: fn(&Fields) -> Option<S>,
    #[prop(optional)] class: &'static str,
    children: Children,
) -> impl IntoView
where
    S: ServerFn + Clone + Send + Sync + 'static,
    S::Output: Send + Sync + 'static,
    S::Error: Send + Sync + 'static,
{
    let on_submit = move |ev: SubmitEvent| {
        if ev.default_prevented() {
            return;
        }
        ev.prevent_default();
        let form = ev
            .target()
            .and_then(|target| target.dyn_into::<web_sys::HtmlFormElement>().ok());
        match input(&Fields::of(form.as_ref())) {
            Some(input) => {
                action.dispatch(input);
            }
            None => {
                if let Some(form) = form {
                    form.report_validity();
                }
            }
        }
    };
    view! {
        <form action=S::url() method="post" class=class on:submit=on_submit>
            {children()}
        </form>
    }
}
