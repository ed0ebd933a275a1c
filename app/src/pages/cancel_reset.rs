//! "Didn't expect this? Cancel the request", the page both reset emails link to. Opening it
//! changes nothing — mail scanners fetch every link in a message — it checks the link and
//! explains; only the button changes anything, by a plain form post that also works before
//! (or without) the wasm, and comes back here to show what is now true.

use leptos::prelude::*;
use leptos_meta::Title;
use orgdesk_types::{LinkPurpose, LinkState};

use crate::api::codec::json_resource;
use crate::api::recovery::{fetch_link_state, CancelResetLink};
use crate::components::alert::ErrorAlert;
use crate::components::auth_card::AuthCard;
use crate::components::icons::{Icon, Svg};
use crate::components::post_form::PostForm;
use crate::error::{link_state_message, link_state_title};

/// `token`: the link's token, from its path (`/reset-password/<token>/cancel`).
#[component]
pub fn CancelResetPage(#[prop(into)] token: Signal<String>) -> impl IntoView {
    let token = move || token.get();
    let cancel = ServerAction::<CancelResetLink>::new();
    // Checked again after cancelling, so the card shows the outcome from the server.
    let link = json_resource(
        move || (token(), cancel.version().get()),
        |(token, _)| fetch_link_state(token),
    );

    view! {
        <Title text="Cancel password reset"/>
        <Transition fallback=|| view! { <AuthCard title="Cancel password reset".to_string()><p class="muted">"Checking your link…"</p></AuthCard> }>
            {move || Suspend::new(async move {
                match link.await {
                    Ok(LinkState::Valid { org_name, email, purpose, .. }) => view! {
                        <CancelForm token=token() org_name=org_name email=email purpose=purpose action=cancel/>
                    }.into_any(),
                    Ok(LinkState::Cancelled { org_name, purpose }) => view! {
                        <AuthCard title="Request cancelled".to_string()>
                            <div class="alert alert--success" role="status">
                                <Svg icon=Icon::Check/>
                                <div>
                                    <strong>"The link in the email no longer works."</strong>
                                    <p>{after_cancelling(purpose, &org_name)}</p>
                                </div>
                            </div>
                            <div class="card__footer">
                                <a class="link" href="/sign-in">"Go to sign in"</a>
                            </div>
                        </AuthCard>
                    }.into_any(),
                    Ok(state) => view! { <NothingToCancel state=state/> }.into_any(),
                    Err(e) => view! {
                        <AuthCard title="Cancel password reset".to_string()>
                            <ErrorAlert message=e.to_string()/>
                        </AuthCard>
                    }.into_any(),
                }
            })}
        </Transition>
    }
}

/// What still holds once a request is cancelled: an admin's reset stands (the person holding
/// the email can't undo a security decision); a forgot-password request never touched the
/// password.
pub fn after_cancelling(purpose: LinkPurpose, org_name: &str) -> String {
    match purpose {
        LinkPurpose::AdminReset => format!(
            "Your password stays reset: an administrator's reset can't be undone from the email. \
             Contact your {org_name} administrator to get back into your account: only they can \
             send you a new link."
        ),
        LinkPurpose::ForgotPassword => {
            "Your current password keeps working. Nothing else about your account changed."
                .to_string()
        }
        LinkPurpose::Invitation => format!(
            "The invitation no longer works. If you do want an account, ask your {org_name} administrator to invite you again."
        ),
    }
}

#[component]
fn CancelForm(
    token: String,
    org_name: String,
    email: String,
    purpose: LinkPurpose,
    action: ServerAction<CancelResetLink>,
) -> impl IntoView {
    let pending = action.pending();
    let (subtitle, consequences) = match purpose {
        LinkPurpose::AdminReset => (
            format!(
                "An administrator of {org_name} reset the password of {email} and emailed a link to choose a new one."
            ),
            vec![
                ("", "The link in the email stops working, so no one can use it to set your password.".to_string()),
                ("", format!("Your {org_name} administrators see that you didn't expect this reset.")),
                ("is-warning", format!(
                    "Your old password still won't work: an administrator's reset stands. Contact your {org_name} administrator to get back in."
                )),
            ],
        ),
        LinkPurpose::Invitation => (
            format!("An administrator of {org_name} invited {email} to set up an account."),
            vec![
                ("", "The invitation link stops working, so no one can use it to set a password.".to_string()),
                ("", format!("Your {org_name} administrators see that you didn't expect this invitation.")),
            ],
        ),
        LinkPurpose::ForgotPassword => (
            format!("Someone asked for a link to reset the password of {email} at {org_name}."),
            vec![
                ("", "The link in the email stops working, so no one can use it to set your password.".to_string()),
                ("", "Your current password keeps working; nothing else changes.".to_string()),
                ("", format!("Your {org_name} administrators see that you didn't expect this request.")),
            ],
        ),
    };
    let server_error = move || action.value().get().and_then(|r| r.err());
    let reset_href = format!("/reset-password/{token}");

    view! {
        <AuthCard title="Cancel this password reset?".to_string() subtitle=subtitle>
            <ul class="dialog__list" aria-label="What cancelling does">
                {consequences.into_iter().map(|(class, text)| view! { <li class=class>{text}</li> }).collect_view()}
            </ul>
            {move || server_error().map(|e| view! {
                <div class="alert alert--error" role="alert">
                    <Svg icon=Icon::Warning/>
                    <div>{e.to_string()}</div>
                </div>
            })}
            <PostForm action=action input=|f| Some(CancelResetLink { token: f.text("token") }) class="form">
                <input type="hidden" name="token" value=token/>
                <button type="submit" class="btn btn--danger btn--block" disabled=move || pending.get()>
                    <Show when=move || pending.get()>
                        <span class="spinner" aria-hidden="true"></span>
                    </Show>
                    "Cancel this request"
                </button>
            </PostForm>
            <div class="card__footer">
                <a class="link" href=reset_href>"I expected it: choose a new password"</a>
            </div>
        </AuthCard>
    }
}

/// Expired, used, replaced or unknown: nothing changes, and the page says why.
#[component]
fn NothingToCancel(state: LinkState) -> impl IntoView {
    let next = match state {
        LinkState::Used => Some(
            "It was already used to set a new password, so there is nothing to cancel. If that wasn't you, \
             contact your administrator right away.",
        ),
        LinkState::Expired { .. } => Some(
            "An expired link can't set a password, so there is nothing to cancel. If you didn't expect the \
             email, tell your administrator.",
        ),
        LinkState::Revoked => Some(
            "It can't set a password, so there is nothing to cancel. If a newer email arrived, use the cancel \
             link in that one.",
        ),
        _ => None,
    };
    view! {
        <AuthCard title=link_state_title(&state).to_string() subtitle=link_state_message(&state).to_string()>
            {next.map(|text| view! { <p class="muted card__note">{text}</p> })}
            <div class="card__footer">
                <a class="link" href="/sign-in">"Back to sign in"</a>
            </div>
        </AuthCard>
    }
}
