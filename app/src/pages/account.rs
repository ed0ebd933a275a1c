//! Where a member lands after signing in (the console is for admins), and where anyone signed in
//! can sign out; an admin who comes here is offered the way to the console.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;

use crate::api::codec::json_resource;
use crate::api::session::{fetch_actor, SignOut};
use crate::components::auth_card::AuthCard;
use crate::components::post_form::PostForm;
use crate::error::ApiError;

#[component]
pub fn AccountPage() -> impl IntoView {
    let me = json_resource(|| (), |_| fetch_actor());
    let sign_out = ServerAction::<SignOut>::new();
    view! {
        <Title text="Your account"/>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match me.await {
                    Ok(Some(actor)) => view! {
                        <AuthCard title=format!("Hi, {}", actor.name) subtitle=format!("You're signed in to {} as {}.", actor.org_name, actor.email)>
                            {if actor.role.is_admin() {
                                view! { <a class="btn btn--primary btn--block card__action" href="/users">"Open the Admin Console"</a> }.into_any()
                            } else {
                                view! { <p class="muted">"The Admin Console is for your organization's administrators."</p> }.into_any()
                            }}
                            <PostForm action=sign_out input=|_| Some(SignOut {}) class="form">
                                <button type="submit" class="btn btn--block">"Sign out"</button>
                            </PostForm>
                        </AuthCard>
                    }.into_any(),
                    Err(ApiError::SessionEnded) => view! { <Redirect path=crate::routes::SESSION_ENDED/> }.into_any(),
                    _ => view! { <Redirect path="/sign-in"/> }.into_any(),
                }
            })}
        </Suspense>
    }
}
