//! Import users from a CSV file: pick the file, see a preview (what would be added, updated or
//! left alone, and every bad row by line), confirm with the counts, watch it run, and download
//! the result.

use leptos::prelude::*;
use orgdesk_types::limits::MAX_CONSOLE_IMPORT_BYTES;
use orgdesk_types::ImportSummary;

use super::state::UsersPageState;
use crate::api::people::import_users;
use crate::components::alert::ErrorAlert;
use crate::components::dialog::Modal;
use crate::components::icons::{Icon, Svg};
use crate::format::{counted, encode_value, group_thousands};

#[derive(Clone, PartialEq)]
enum Step {
    Choose,
    Checking,
    Preview { csv: String, summary: ImportSummary },
    Importing { rows: u64 },
    Done(ImportSummary),
}

#[component]
pub fn ImportUsersDialog() -> impl IntoView {
    let state = expect_context::<UsersPageState>();
    let step = RwSignal::new(Step::Choose);
    let error = RwSignal::new(None::<String>);
    let invite = RwSignal::new(true);
    let busy =
        Signal::derive(move || matches!(step.get(), Step::Checking | Step::Importing { .. }));
    let close = Callback::new(move |_| state.importing.set(false));

    let on_file = move |ev: leptos::ev::Event| {
        error.set(None);
        let Some(file) = file_of(&ev) else {
            return;
        };
        if file.size() as usize > MAX_CONSOLE_IMPORT_BYTES {
            error.set(Some(format!(
                "This file is larger than {} KB. Import it with the command line: orgdesk users import FILE.csv",
                MAX_CONSOLE_IMPORT_BYTES / 1024
            )));
            return;
        }
        step.set(Step::Checking);
        leptos::task::spawn_local(async move {
            let csv = match read_text(&file).await {
                Ok(csv) => csv,
                Err(e) => {
                    error.try_set(Some(e));
                    step.try_set(Step::Choose);
                    return;
                }
            };
            match import_users(csv.clone(), true, false).await {
                Ok(summary) => {
                    step.try_set(Step::Preview { csv, summary });
                }
                Err(e) => {
                    error.try_set(Some(e.to_string()));
                    step.try_set(Step::Choose);
                }
            }
        });
    };

    let run = move |csv: String, rows: u64| {
        step.set(Step::Importing { rows });
        let invite = invite.get_untracked();
        leptos::task::spawn_local(async move {
            match import_users(csv.clone(), false, invite).await {
                Ok(summary) => {
                    state.version.try_update(|v| *v += 1);
                    step.try_set(Step::Done(summary));
                }
                Err(e) => {
                    error.try_set(Some(format!("Nothing was imported: {e}")));
                    step.try_set(Step::Choose);
                }
            }
        });
    };

    view! {
        <Modal title_id="import-title" on_close=close busy=busy wide=true>
            <div class="dialog__icon dialog__icon--info"><Svg icon=Icon::Users/></div>
            <h2 class="dialog__title" id="import-title">"Import users"</h2>
            {move || match step.get() {
                Step::Choose => view! {
                    <p class="dialog__body">
                        "A CSV file with a header row and the columns "
                        <code>"name,email,role,title,department"</code>
                        " (role, title and department may be empty; role is member, admin or owner). \
                         People already here, by email, are updated; new people are added as Invited."
                    </p>
                    <div class="field">
                        <label class="field__label" for="import-file">"CSV file"</label>
                        <input class="input" id="import-file" type="file" accept=".csv,text/csv" data-autofocus on:change=on_file/>
                    </div>
                    // A way out that needs no Escape key (a phone has none).
                    <div class="dialog__actions">
                        <button type="button" class="btn" on:click=move |_| close.run(())>"Cancel"</button>
                    </div>
                }.into_any(),
                Step::Checking => view! {
                    <p class="dialog__body" role="status"><span class="spinner" aria-hidden="true"></span>" Checking the file…"</p>
                }.into_any(),
                Step::Preview { csv, summary } => {
                    let rows = summary.created + summary.updated + summary.unchanged;
                    let csv_for_run = csv.clone();
                    view! {
                        <Counts summary=summary.clone()/>
                        <BadRows summary=summary.clone()/>
                        {(summary.created > 0).then(|| view! {
                            <label class="checkbox">
                                <input type="checkbox" prop:checked=move || invite.get() on:change=move |ev| invite.set(event_target_checked(&ev))/>
                                {format!(" Email an invitation to the {} new users", group_thousands(summary.created))}
                            </label>
                        })}
                        <div class="dialog__actions">
                            <button type="button" class="btn" on:click=move |_| close.run(())>"Cancel"</button>
                            <button type="button" class="btn btn--primary" disabled=rows == 0
                                on:click=move |_| run(csv_for_run.clone(), rows)>
                                {format!("Import {}", counted(rows, "user", "users"))}
                            </button>
                        </div>
                    }.into_any()
                }
                Step::Importing { rows } => view! {
                    <div class="dialog-progress" role="status" aria-live="polite">
                        <div class="progress progress--busy" role="progressbar" aria-label="Importing">
                            <div class="progress__bar"></div>
                        </div>
                        <span class="muted">{format!("Importing {}…", counted(rows, "user", "users"))}</span>
                    </div>
                }.into_any(),
                Step::Done(summary) => {
                    let download = format!("data:text/csv;charset=utf-8,{}", encode_value(&result_csv(&summary)));
                    view! {
                        <div class="alert alert--success" role="status">
                            <Svg icon=Icon::Check/>
                            <div>{format!(
                                "Imported: {} added, {} updated, {} unchanged; {} invitations sent; {} rows skipped.",
                                group_thousands(summary.created), group_thousands(summary.updated),
                                group_thousands(summary.unchanged), group_thousands(summary.invited),
                                group_thousands(summary.bad.len() as u64)
                            )}</div>
                        </div>
                        <BadRows summary=summary.clone()/>
                        <div class="dialog__actions">
                            <a class="btn" href=download download="import-result.csv">"Download result (CSV)"</a>
                            <button type="button" class="btn btn--primary" data-autofocus on:click=move |_| close.run(())>"Done"</button>
                        </div>
                    }.into_any()
                }
            }}
            {move || error.get().map(|e| view! {
                <ErrorAlert message=e/>
            })}
        </Modal>
    }
}

#[component]
fn Counts(summary: ImportSummary) -> impl IntoView {
    view! {
        <p class="dialog__body" data-testid="import-counts">
            <strong>{group_thousands(summary.created)}</strong>" to add · "
            <strong>{group_thousands(summary.updated)}</strong>" to update · "
            <strong>{group_thousands(summary.unchanged)}</strong>" unchanged · "
            <strong>{group_thousands(summary.bad.len() as u64)}</strong>" with errors (skipped)"
        </p>
    }
}

/// The rows the import refuses, by line (the first 50; the downloaded result has them all).
#[component]
fn BadRows(summary: ImportSummary) -> impl IntoView {
    (!summary.bad.is_empty()).then(|| {
        let more = summary.bad.len().saturating_sub(50);
        view! {
            <div class="table-wrap import-errors">
                <table class="table" aria-label="Rows with errors">
                    <thead><tr><th>"Line"</th><th>"Email"</th><th>"Problem"</th></tr></thead>
                    <tbody>
                        {summary.bad.into_iter().take(50).map(|b| view! {
                            <tr><td>{b.line}</td><td>{b.email}</td><td>{b.reason}</td></tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
            {(more > 0).then(|| view! { <p class="muted">{format!("…and {more} more.")}</p> })}
        }
    })
}

/// The result as CSV: the counts, then every skipped row.
fn result_csv(summary: &ImportSummary) -> String {
    let quote = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    let mut out = String::from("line,email,result\n");
    for b in &summary.bad {
        out.push_str(&format!(
            "{},{},{}\n",
            b.line,
            quote(&b.email),
            quote(&format!("skipped: {}", b.reason))
        ));
    }
    out.push_str(&format!(
        ",,{}\n",
        quote(&format!(
            "{} added, {} updated, {} unchanged, {} invited",
            summary.created, summary.updated, summary.unchanged, summary.invited
        ))
    ));
    out
}

fn file_of(ev: &leptos::ev::Event) -> Option<web_sys::File> {
    use wasm_bindgen::JsCast;
    ev.target()?
        .dyn_into::<web_sys::HtmlInputElement>()
        .ok()?
        .files()?
        .get(0)
}

async fn read_text(file: &web_sys::File) -> Result<String, String> {
    let text = wasm_bindgen_futures::JsFuture::from(file.text())
        .await
        .map_err(|_| "The file can't be read.".to_string())?;
    text.as_string()
        .ok_or_else(|| "The file isn't text.".to_string())
}
