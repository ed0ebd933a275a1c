//! The bulk path: with boxes selected, "N selected", "Select all N matching", "Clear" and the
//! Users Table's Three Dots at its top right; and the summary after a bulk reset.

use leptos::prelude::*;
use orgdesk_types::{ResetReport, UserPage};

use super::state::{PendingReset, UsersPageState};
use crate::api::codec::JsonResource;
use crate::components::dialog::Modal;
use crate::components::icons::{Icon, Svg};
use crate::components::menu::{KebabMenu, MenuItem};
use crate::error::ApiError;
use crate::format::group_thousands;

#[component]
pub fn SelectionBar(
    users: JsonResource<Result<UserPage, ApiError>>,
    total: JsonResource<Result<u64, ApiError>>,
) -> impl IntoView {
    let state = expect_context::<UsersPageState>();
    let total = move || total.get().and_then(|r| r.ok()).unwrap_or(0);
    let page_len = move || {
        users
            .get()
            .and_then(|r| r.ok())
            .map(|p| p.users.len())
            .unwrap_or(0)
    };
    let count = move || {
        if state.all_matching.get() {
            total()
        } else {
            state.selected.with(|s| s.len() as u64)
        }
    };
    let visible = move || count() > 0;
    let more_than_page = move || total() > page_len() as u64;

    let items = Signal::derive(move || {
        vec![MenuItem::new("Reset Password", Icon::Key, move || {
            let what = if state.all_matching.get_untracked() {
                PendingReset::Matching {
                    filter: state.query.get_untracked().filter,
                    count: total(),
                }
            } else {
                PendingReset::Selected(state.selected.get_untracked().into_iter().collect())
            };
            state.confirm.set(Some(what));
        })
        .danger()]
    });

    view! {
        <Show when=visible>
            <div class="selection-bar" role="region" aria-label="Selected users">
                <span class="selection-count" aria-live="polite">
                    {move || if state.all_matching.get() {
                        format!("All {} matching users selected", group_thousands(count()))
                    } else {
                        format!("{} selected", group_thousands(count()))
                    }}
                </span>
                <Show when=move || !state.all_matching.get() && more_than_page()>
                    <button type="button" class="link-btn" on:click=move |_| state.all_matching.set(true)>
                        {move || format!("Select all {} matching", group_thousands(total()))}
                    </button>
                </Show>
                <button
                    type="button"
                    class="link-btn"
                    on:click=move |_| {
                        state.selected.set(Default::default());
                        state.all_matching.set(false);
                    }
                >
                    "Clear"
                </button>
                <span class="toolbar__spacer"></span>
                <KebabMenu label="Actions for selected users" items=items button_id="bulk-actions"/>
            </div>
        </Show>
    }
}

/// How many were reset, which were skipped and why.
#[component]
pub fn BulkResult(report: ResetReport) -> impl IntoView {
    let state = expect_context::<UsersPageState>();
    let close = Callback::new(move |_| state.result.set(None));
    let reset = report.reset.len() as u64;
    let skipped = report.skipped.len() as u64;
    // A check when passwords were reset; when every one was skipped, nothing succeeded.
    let (icon_class, icon) = if reset > 0 {
        ("dialog__icon dialog__icon--success", Icon::Check)
    } else {
        ("dialog__icon dialog__icon--info", Icon::Info)
    };
    view! {
        <Modal title_id="result-title" on_close=close>
            <div class=icon_class><Svg icon=icon/></div>
            <h2 class="dialog__title" id="result-title">"Bulk password reset finished"</h2>
            <p class="result-summary">
                <strong>{group_thousands(reset)}</strong> " reset · " <strong>{group_thousands(skipped)}</strong> " skipped"
            </p>
            <p class="dialog__body">
                {if reset > 0 { "Each reset user was signed out and emailed a link to set a new password." } else { "No passwords were changed." }}
            </p>
            {(!report.skipped.is_empty()).then(|| view! {
                <h3 class="result-list__label">"Skipped"</h3>
                <ul class="result-list">
                    {report.skipped.into_iter().map(|s| view! {
                        <li>
                            <strong>{if s.name.is_empty() { format!("User #{}", s.user_id) } else { s.name }}</strong>
                            " — "
                            <span class="muted">{s.reason.explain()}</span>
                        </li>
                    }).collect_view()}
                </ul>
            })}
            <div class="dialog__actions">
                <button type="button" class="btn btn--primary" id="bulk-result-done" data-autofocus on:click=move |_| close.run(())>"Done"</button>
            </div>
        </Modal>
    }
}
