//! Settings → Webhooks: owners register HTTPS endpoints for events (reset requested, completed,
//! cancelled, link expired; email failed; user suspended, invited), see recent deliveries and
//! their status, and remove endpoints. A new endpoint's signing secret is shown once.

use leptos::prelude::*;
use leptos_meta::Title;
use orgdesk_types::{Actor, DeliveryStatus, DeliveryView, Role, WebhookEvent, WebhookView};

use super::settings::{settings_tabs, SettingsTab};
use crate::api::codec::json_resource;
use crate::api::webhooks::{
    event_field, fetch_webhook_deliveries, fetch_webhooks, CreateWebhook, RemoveWebhook,
};
use crate::components::alert::ErrorAlert;
use crate::components::choices::{Choice, ChoiceList};
use crate::components::confirm_inline::ConfirmInline;
use crate::components::icons::{Icon, Svg};
use crate::components::one_time_secret::OneTimeSecret;
use crate::components::page_header::PageHeader;
use crate::components::post_form::PostForm;
use crate::components::states::{EmptyState, ErrorState};
use crate::components::submit::SubmitButton;
use crate::components::time::RelativeTime;

#[component]
pub fn WebhooksPage() -> impl IntoView {
    let owner = use_context::<Actor>().is_some_and(|a| a.role == Role::Owner);
    let header = view! {
        <Title text="Webhooks · Settings"/>
        <PageHeader eyebrow="Admin Console" title="Settings" tabs=settings_tabs(SettingsTab::Webhooks)/>
    };
    if !owner {
        return view! {
            {header}
            <div class="page-body">
                <div class="alert alert--info" role="alert"><Svg icon=Icon::Warning/>
                    <div>"Only the organization's owners manage webhooks."</div>
                </div>
            </div>
        }
        .into_any();
    }
    let create = ServerAction::<CreateWebhook>::new();
    let remove = ServerAction::<RemoveWebhook>::new();
    let refreshed = move || (create.version().get(), remove.version().get());
    let webhooks = json_resource(refreshed, |_| fetch_webhooks());
    let deliveries = json_resource(refreshed, |_| fetch_webhook_deliveries());
    view! {
        {header}
        <div class="page-body">
            <section class="panel">
                <h2 class="panel__title">"Add an endpoint"</h2>
                <p class="panel__desc">
                    "Orgdesk POSTs each chosen event to your HTTPS endpoint as JSON, signed with the endpoint's secret ("
                    <code class="code">"Orgdesk-Signature"</code>"), and retries for a day until it answers 2xx. "
                    "Events go out only for changes that happened; each carries an id to drop duplicates."
                </p>
                {move || create.value().get().map(|r| match r {
                    Ok(created) => view! {
                        <OneTimeSecret
                            title="Endpoint added. Copy its signing secret now: it won’t be shown again."
                            label="Signing secret"
                            secret=created.secret/>
                    }.into_any(),
                    Err(e) => view! { <ErrorAlert message=e.to_string()/> }.into_any(),
                })}
                <PostForm action=create class="form settings-form" input=|f| Some(CreateWebhook::from_form(f.text("url"), |name| f.ticked(name)))>
                    <div class="field">
                        <label class="field__label" for="webhook_url">"Endpoint URL"</label>
                        <input class="input" id="webhook_url" name="url" type="url" required placeholder="https://example.com/hooks/orgdesk"/>
                        <p class="field__hint">"HTTPS. Plain http:// only to this machine (127.0.0.1, localhost)."</p>
                    </div>
                    <ChoiceList legend="Events" id_prefix="event" choices=WebhookEvent::ALL.into_iter().map(|event| Choice {
                        field: event_field(event),
                        code: event.as_str(),
                        description: event.description(),
                    }).collect()/>
                    <div>
                        <SubmitButton class="btn btn--primary" pending=create.pending()>"Add endpoint"</SubmitButton>
                    </div>
                </PostForm>
            </section>
            <section class="panel">
                <h2 class="panel__title">"Endpoints"</h2>
                <p class="panel__desc">"Each endpoint gets the events ticked for it. Removing one stops its deliveries at once."</p>
                {move || remove.value().get().and_then(|r| r.err()).map(|e| view! {
                    <ErrorAlert message=e.to_string()/>
                })}
                <Transition fallback=|| view! { <span class="skeleton" style="width:50%"></span> }>
                    {move || Suspend::new(async move {
                        match webhooks.await {
                            Ok(list) if list.is_empty() => view! {
                                <EmptyState icon=Icon::Settings title="No endpoints yet"/>
                            }.into_any(),
                            Ok(list) => view! { <EndpointTable webhooks=list remove=remove/> }.into_any(),
                            Err(e) => view! { <ErrorState message=e.to_string()/> }.into_any(),
                        }
                    })}
                </Transition>
            </section>
            <section class="panel">
                <h2 class="panel__title">"Recent deliveries"</h2>
                <p class="panel__desc">"The newest 50, every endpoint. Reload to see retries land."</p>
                <Transition fallback=|| view! { <span class="skeleton" style="width:50%"></span> }>
                    {move || Suspend::new(async move {
                        match deliveries.await {
                            Ok(list) if list.is_empty() => view! {
                                <EmptyState icon=Icon::Activity title="Nothing sent yet"/>
                            }.into_any(),
                            Ok(list) => view! { <DeliveryTable deliveries=list/> }.into_any(),
                            Err(e) => view! { <ErrorState message=e.to_string()/> }.into_any(),
                        }
                    })}
                </Transition>
            </section>
        </div>
    }
    .into_any()
}

#[component]
fn EndpointTable(webhooks: Vec<WebhookView>, remove: ServerAction<RemoveWebhook>) -> impl IntoView {
    let now = chrono::Utc::now();
    view! {
        <div class="table-wrap">
            <table class="table" aria-label="Webhook endpoints">
                <thead><tr>
                    <th scope="col">"Endpoint"</th><th scope="col">"Events"</th><th scope="col">"Added"</th>
                    <th scope="col">"Status"</th><th scope="col"><span class="sr-only">"Actions"</span></th>
                </tr></thead>
                <tbody>
                    {webhooks.into_iter().map(|w| {
                        let live = w.disabled_at.is_none();
                        view! {
                            <tr>
                                <td><code class="code">{w.url.clone()}</code></td>
                                <td><div class="token-scopes">{w.events.iter().map(|e| view! { <code class="code">{e.as_str()}</code> }).collect_view()}</div></td>
                                <td class="muted"><RelativeTime at=w.created_at now=now past=true/>" by "{w.created_by.clone()}</td>
                                <td>{if live {
                                    view! { <span class="badge badge--active">"Active"</span> }.into_any()
                                } else {
                                    view! { <span class="badge">"Removed"</span> }.into_any()
                                }}</td>
                                <td class="cell-actions">{live.then(|| view! { <RemoveButton id=w.id remove=remove/> })}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

/// Remove, asked twice.
#[component]
fn RemoveButton(id: i64, remove: ServerAction<RemoveWebhook>) -> impl IntoView {
    view! {
        <ConfirmInline trigger="Remove" label="Remove the endpoint".to_owned() note="Nothing more is sent to it.">
            <PostForm action=remove input=|f| Some(RemoveWebhook { id: f.number("id")? })>
                <input type="hidden" name="id" value=id.to_string()/>
                <button type="submit" class="btn btn--sm btn--danger">"Remove endpoint"</button>
            </PostForm>
        </ConfirmInline>
    }
}

#[component]
fn DeliveryTable(deliveries: Vec<DeliveryView>) -> impl IntoView {
    let now = chrono::Utc::now();
    view! {
        <div class="table-wrap">
            <table class="table" aria-label="Webhook deliveries">
                <thead><tr>
                    <th scope="col">"When"</th><th scope="col">"Event"</th><th scope="col">"Status"</th>
                    <th scope="col">"Attempts"</th><th scope="col">"Last answer"</th><th scope="col">"Event id"</th>
                </tr></thead>
                <tbody>
                    {deliveries.into_iter().map(|d| {
                        let (badge, label) = match d.status {
                            DeliveryStatus::Delivered => ("badge badge--active", "Delivered"),
                            DeliveryStatus::Pending if d.attempts > 0 => ("badge badge--reset_pending", "Retrying"),
                            DeliveryStatus::Pending => ("badge badge--queued", "Pending"),
                            DeliveryStatus::Sending => ("badge badge--queued", "Sending"),
                            DeliveryStatus::Failed => ("badge badge--failed", "Failed"),
                        };
                        let answer = match (d.last_status_code, d.last_error.clone()) {
                            (_, Some(error)) => error,
                            (Some(code), None) => format!("HTTP {code}"),
                            (None, None) => "—".into(),
                        };
                        view! {
                            <tr>
                                <td class="muted"><RelativeTime at=d.created_at now=now past=true/></td>
                                <td><code class="code">{d.event.map(|e| e.as_str()).unwrap_or("?")}</code></td>
                                <td>
                                    <span class=badge>{label}</span>
                                    {d.next_attempt_at.filter(|_| d.attempts > 0).map(|at| view! {
                                        <span class="muted">" next "<RelativeTime at=at now=now/></span>
                                    })}
                                </td>
                                <td>{d.attempts}</td>
                                <td class="muted">{answer}</td>
                                <td class="muted"><code class="code">{d.event_id}</code></td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}
