//! Activity: the organization's audit trail, newest first, filterable.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use orgdesk_types::{parse_day, ActivityFilter, ActivityKind};

use crate::api::activity::fetch_org_activity;
use crate::api::codec::json_resource;
use crate::components::icons::{Icon, Svg};
use crate::components::page_header::PageHeader;
use crate::components::states::{EmptyState, ErrorState};
use crate::components::time::RelativeTime;
use crate::format::{counted, group_thousands, with_query};

/// Reads the Activity page's filter from the URL's search parameters (`kind`, `q`, and the
/// days `since` and `until`, as `YYYY-MM-DD`).
pub fn activity_filter_from_params(get: impl Fn(&str) -> Option<String>) -> ActivityFilter {
    ActivityFilter {
        kind: get("kind").as_deref().and_then(ActivityKind::parse),
        subject: None,
        search: get("q")
            .map(|q| q.trim().to_string())
            .filter(|q| !q.is_empty()),
        since: get("since").as_deref().and_then(parse_day),
        until: get("until").as_deref().and_then(parse_day),
    }
}

fn filter_pairs(filter: &ActivityFilter) -> Vec<(&'static str, String)> {
    let mut pairs = Vec::new();
    if let Some(k) = filter.kind {
        pairs.push(("kind", k.as_str().to_string()));
    }
    if let Some(q) = &filter.search {
        pairs.push(("q", q.clone()));
    }
    if let Some(day) = filter.since {
        pairs.push(("since", day.to_string()));
    }
    if let Some(day) = filter.until {
        pairs.push(("until", day.to_string()));
    }
    pairs
}

/// The Activity page of `filter` at `page`.
pub fn activity_href(filter: &ActivityFilter, page: u64) -> String {
    let mut pairs = filter_pairs(filter);
    if page > 1 {
        pairs.insert(0, ("page", page.to_string()));
    }
    with_query("/activity", &pairs)
}

#[component]
pub fn ActivityPage() -> impl IntoView {
    let params = use_query_map();
    let filter = Memo::new(move |_| {
        let p = params.read();
        activity_filter_from_params(|k| p.get(k))
    });
    let page = Memo::new(move |_| {
        params
            .read()
            .get("page")
            .and_then(|p| p.parse::<u64>().ok())
            .unwrap_or(1)
            .max(1)
    });
    let events = json_resource(
        move || (filter.get(), page.get()),
        |(f, p)| fetch_org_activity(f, p),
    );
    let href = move |p: u64| activity_href(&filter.get_untracked(), p);

    view! {
        <Title text="Activity"/>
        <PageHeader eyebrow="Admin Console" title="Activity" tabs=vec![]>
            // A download, past the router (`rel=external`): the browser saves the file and stays
            // here (decision 76).
            <a
                class="btn"
                id="export-activity"
                rel="external"
                href=move || with_query(crate::routes::ACTIVITY_EXPORT, &filter_pairs(&filter.get()))
                title="Download the events this filter shows as a CSV file"
            >
                "Export CSV"
            </a>
        </PageHeader>
        <div class="page-body">
            <form class="toolbar" method="get" action="/activity" role="search">
                <div class="search">
                    <Svg icon=Icon::Search class="search__icon"/>
                    <input class="input" type="search" name="q" placeholder="Search by person" aria-label="Search activity by person"
                        value=move || filter.get().search.unwrap_or_default()/>
                </div>
                <select class="select toolbar__kind" name="kind" aria-label="Filter by kind" on:change=submit_own_form>
                    <option value="" selected=move || filter.get().kind.is_none()>"All activity"</option>
                    {ActivityKind::ALL.into_iter().map(|k| view! {
                        <option value=k.as_str() selected=move || filter.get().kind == Some(k)>{k.label()}</option>
                    }).collect_view()}
                </select>
                // Days in UTC, as the export writes times; a day picked applies with Apply.
                <label class="toolbar__day">
                    <span class="toolbar__day-label">"From"</span>
                    <input class="input" type="date" name="since" title="The first day, in UTC"
                        value=move || filter.get().since.map(|d| d.to_string()).unwrap_or_default()/>
                </label>
                <label class="toolbar__day">
                    <span class="toolbar__day-label">"To"</span>
                    <input class="input" type="date" name="until" title="The last day, in UTC"
                        value=move || filter.get().until.map(|d| d.to_string()).unwrap_or_default()/>
                </label>
                <button type="submit" class="btn">"Apply"</button>
            </form>
            <div class="table-wrap">
                <table class="table activity-table" aria-label="Activity">
                    <thead><tr>
                        <th scope="col">"When"</th><th scope="col">"What"</th><th scope="col">"Who"</th>
                        <th scope="col">"Subject"</th><th scope="col">"Details"</th><th scope="col">"IP"</th>
                    </tr></thead>
                    <tbody>
                        <Transition fallback=|| view! { <tr class="skeleton-row"><td colspan="6"><span class="skeleton" style="width:40%"></span></td></tr> }>
                            {move || Suspend::new(async move {
                                match events.await {
                                    Ok(p) if p.events.is_empty() => view! {
                                        <tr><td colspan="6"><EmptyState icon=Icon::Activity title="No activity matches"/></td></tr>
                                    }.into_any(),
                                    Ok(p) => {
                                        let now = chrono::Utc::now();
                                        // On a phone each event is a card, its cells labelled (an
                                        // event with no address shows no "IP:").
                                        p.events.into_iter().map(|e| (e.ip.is_some().then_some("IP"), e)).map(|(ip_label, e)| view! {
                                            <tr class="activity-table__event">
                                                <td class="activity-table__when muted"><RelativeTime at=e.at now=now past=true/></td>
                                                <td class="activity-table__what"><span class="badge" data-kind=e.kind.as_str()>{e.kind.label()}</span></td>
                                                <td class="activity-table__who" data-label="Who">{e.actor_name.unwrap_or_else(|| "—".into())}</td>
                                                <td class="activity-table__subject" data-label="Subject">{e.subject_name.unwrap_or_else(|| "—".into())}</td>
                                                <td class="activity-table__details">{e.details}</td>
                                                <td class="activity-table__ip muted" data-label=ip_label>{e.ip.unwrap_or_default()}</td>
                                            </tr>
                                        }).collect_view().into_any()
                                    }
                                    Err(e) => view! { <tr><td colspan="6"><ErrorState message=e.to_string()/></td></tr> }.into_any(),
                                }
                            })}
                        </Transition>
                    </tbody>
                </table>
            </div>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    let Ok(p) = events.await else { return ().into_any() };
                    // Past the count's cap the last page is unknown: "10,000+ events", "Page 3",
                    // and Next while the server finds another page.
                    let pages = p.total.div_ceil(p.per_page.max(1)).max(1);
                    let (total, where_in) = if p.more {
                        (format!("{}+ events", group_thousands(p.total)), format!("Page {}", p.page))
                    } else {
                        (counted(p.total, "event", "events"), format!("Page {} of {}", p.page, pages))
                    };
                    view! {
                        <nav class="pagination" aria-label="Pagination">
                            <span class="muted">{total}</span>
                            <span class="toolbar__spacer"></span>
                            <span class="muted">{where_in}</span>
                            {(p.page > 1).then(|| view! { <a class="btn btn--sm" href=href(p.page - 1)>"Previous"</a> })}
                            {p.next.then(|| view! { <a class="btn btn--sm" href=href(p.page + 1)>"Next"</a> })}
                        </nav>
                    }.into_any()
                })}
            </Transition>
        </div>
    }
}

/// Picking a kind applies it at once (the Apply button does it without JavaScript). A handler,
/// not an inline `onchange`: the Content-Security-Policy allows no inline script.
fn submit_own_form(ev: leptos::ev::Event) {
    use wasm_bindgen::JsCast;
    // `select.form.requestSubmit()`, looked up at run time (no extra web-sys bindings needed).
    let Some(select) = ev.target() else {
        return;
    };
    let Ok(form) = js_sys::Reflect::get(&select, &"form".into()) else {
        return;
    };
    if let Ok(submit) = js_sys::Reflect::get(&form, &"requestSubmit".into())
        .and_then(|f| f.dyn_into::<js_sys::Function>())
    {
        let _ = submit.call0(&form);
    }
}
