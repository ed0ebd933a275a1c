//! Organizations: creating one, and reading it inside a transaction.

use orgdesk_types::{limits, OrgId};
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait};

use crate::entities::organization;
use crate::{Core, CoreError, CoreResult};

impl Core {
    pub(crate) async fn create_organization_impl(&self, name: &str) -> CoreResult<OrgId> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > limits::MAX_NAME_CHARS {
            return Err(CoreError::InvalidInput(format!(
                "An organization needs a name of at most {} characters.",
                limits::MAX_NAME_CHARS
            )));
        }
        let now = self.now();
        let minutes = |d: std::time::Duration| {
            let bounds = limits::LINK_LIFETIME_MINUTES;
            (d.as_secs() / 60).clamp(u64::from(*bounds.start()), u64::from(*bounds.end())) as i32
        };
        let org = organization::Entity::insert(organization::ActiveModel {
            name: Set(name.to_owned()),
            admin_link_ttl_minutes: Set(minutes(self.config().admin_link_ttl)),
            forgot_link_ttl_minutes: Set(minutes(self.config().forgot_link_ttl)),
            invite_link_ttl_minutes: Set(limits::DEFAULT_INVITATION_MINUTES as i32),
            created_at: Set(now),
            ..Default::default()
        })
        .exec(self.db())
        .await?;
        Ok(org.last_insert_id)
    }

    pub(crate) async fn organization(
        &self,
        db: &impl ConnectionTrait,
        org_id: i64,
    ) -> CoreResult<organization::Model> {
        organization::Entity::find_by_id(org_id)
            .one(db)
            .await?
            .ok_or_else(|| CoreError::Internal(format!("organization {org_id} is missing")))
    }
}
