//! The organization's settings: how long reset links stay valid.

use chrono::{DateTime, Utc};
use orgdesk_types::limits::{INVITATION_LIFETIME_MINUTES, LINK_LIFETIME_MINUTES};
use orgdesk_types::{ActivityKind, Actor, OrgSettings};
use sea_orm::DatabaseTransaction;

use crate::activity::{self, clean_ip, NewActivity};
use crate::db::{self, Sql};
use crate::entities::{organization, user};
use crate::{authz, Core, CoreError, CoreResult};

fn settings(org: &organization::Model) -> OrgSettings {
    OrgSettings {
        org_name: org.name.clone(),
        admin_link_ttl_minutes: org.admin_link_ttl_minutes.max(0) as u32,
        forgot_link_ttl_minutes: org.forgot_link_ttl_minutes.max(0) as u32,
        invitation_ttl_minutes: org.invite_link_ttl_minutes.max(0) as u32,
    }
}

impl Core {
    pub(crate) async fn org_settings_impl(&self, actor: &Actor) -> CoreResult<OrgSettings> {
        let admin = authz::console_admin(self.db(), actor).await?;
        Ok(settings(&self.organization(self.db(), admin.org_id).await?))
    }

    pub(crate) async fn update_link_lifetimes_impl(
        &self,
        actor: &Actor,
        admin_minutes: u32,
        forgot_minutes: u32,
        ip: Option<&str>,
    ) -> CoreResult<OrgSettings> {
        for (what, minutes) in [
            ("An admin reset link", admin_minutes),
            ("A forgot-password link", forgot_minutes),
        ] {
            if !LINK_LIFETIME_MINUTES.contains(&minutes) {
                return Err(CoreError::InvalidInput(format!(
                    "{what} must stay valid between {} and {} minutes.",
                    LINK_LIFETIME_MINUTES.start(),
                    LINK_LIFETIME_MINUTES.end()
                )));
            }
        }
        let now = self.now();
        let tx = db::begin_write(self.db()).await?;
        let admin = authz::console_admin(&tx, actor).await?;
        let before = self.organization(&tx, admin.org_id).await?;
        let mut update = Sql::new("UPDATE organizations SET admin_link_ttl_minutes = ");
        update
            .bind(admin_minutes as i32)
            .push(", forgot_link_ttl_minutes = ")
            .bind(forgot_minutes as i32)
            .push(" WHERE id = ")
            .bind(admin.org_id);
        update.execute(&tx).await?;
        let details = format!(
                    "Link lifetimes changed: admin reset {} → {admin_minutes} minutes, forgot password {} → {forgot_minutes} minutes",
                    before.admin_link_ttl_minutes, before.forgot_link_ttl_minutes
                );
        self.settings_changed(tx, &admin, details, ip, now).await
    }

    pub(crate) async fn update_invitation_lifetime_impl(
        &self,
        actor: &Actor,
        minutes: u32,
        ip: Option<&str>,
    ) -> CoreResult<OrgSettings> {
        if !INVITATION_LIFETIME_MINUTES.contains(&minutes) {
            return Err(CoreError::InvalidInput(format!(
                "An invitation must stay valid between {} hour and {} days.",
                INVITATION_LIFETIME_MINUTES.start() / 60,
                INVITATION_LIFETIME_MINUTES.end() / (24 * 60)
            )));
        }
        let now = self.now();
        let tx = db::begin_write(self.db()).await?;
        let admin = authz::console_admin(&tx, actor).await?;
        let before = self.organization(&tx, admin.org_id).await?;
        let mut update = Sql::new("UPDATE organizations SET invite_link_ttl_minutes = ");
        update
            .bind(minutes as i32)
            .push(" WHERE id = ")
            .bind(admin.org_id);
        update.execute(&tx).await?;
        let details = format!(
            "Invitation lifetime changed: {} → {minutes} minutes",
            before.invite_link_ttl_minutes
        );
        self.settings_changed(tx, &admin, details, ip, now).await
    }

    /// The common end of a settings change: recorded as `SettingsChanged`, committed, and the
    /// organization's settings as they now are.
    async fn settings_changed(
        &self,
        tx: DatabaseTransaction,
        admin: &user::Model,
        details: String,
        ip: Option<&str>,
        now: DateTime<Utc>,
    ) -> CoreResult<OrgSettings> {
        activity::record_one(
            &tx,
            NewActivity {
                org_id: admin.org_id,
                actor_id: Some(admin.id),
                actor_label: None,
                subject_id: None,
                kind: ActivityKind::SettingsChanged,
                details,
                ip: clean_ip(ip),
            },
            now,
        )
        .await?;
        let after = self.organization(&tx, admin.org_id).await?;
        tx.commit().await?;
        Ok(settings(&after))
    }
}
