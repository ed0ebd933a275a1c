//! Organizations: creating one (alone, or with its first owner for the command line), finding
//! one by name or id, and reading it inside a transaction.

use orgdesk_types::{limits, Invitation, NewMember, OrgId, Role};
use sea_orm::sea_query::{Expr, ExprTrait, Func};
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::db;
use crate::entities::organization;
use crate::{Core, CoreError, CoreResult, Initiator};

impl Core {
    pub(crate) async fn create_organization_impl(&self, name: &str) -> CoreResult<OrgId> {
        let org = organization::Entity::insert(self.new_organization(name)?)
            .exec(self.db())
            .await?;
        Ok(org.last_insert_id)
    }

    /// A new organization's row: `name` checked, the default link lifetimes.
    fn new_organization(&self, name: &str) -> CoreResult<organization::ActiveModel> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > limits::MAX_NAME_CHARS {
            return Err(CoreError::InvalidInput(format!(
                "An organization needs a name of at most {} characters.",
                limits::MAX_NAME_CHARS
            )));
        }
        let minutes = |d: std::time::Duration| {
            let bounds = limits::LINK_LIFETIME_MINUTES;
            (d.as_secs() / 60).clamp(u64::from(*bounds.start()), u64::from(*bounds.end())) as i32
        };
        Ok(organization::ActiveModel {
            name: Set(name.to_owned()),
            admin_link_ttl_minutes: Set(minutes(self.config().admin_link_ttl)),
            forgot_link_ttl_minutes: Set(minutes(self.config().forgot_link_ttl)),
            invite_link_ttl_minutes: Set(limits::DEFAULT_INVITATION_MINUTES as i32),
            created_at: Set(self.now()),
            ..Default::default()
        })
    }

    /// The organization `name_or_id` names: its numeric id, or its name (trimmed, compared
    /// without regard to case). Two organizations of that name are refused: use the id.
    pub(crate) async fn find_organization_impl(
        &self,
        name_or_id: &str,
    ) -> CoreResult<organization::Model> {
        let wanted = name_or_id.trim();
        if wanted.is_empty() {
            return Err(CoreError::InvalidInput(
                "Name the organization (its name or its id).".into(),
            ));
        }
        if let Ok(id) = wanted.parse::<i64>() {
            if let Some(org) = organization::Entity::find_by_id(id).one(self.db()).await? {
                return Ok(org);
            }
        }
        let mut found = self.organizations_named(self.db(), wanted).await?;
        match found.len() {
            0 => Err(CoreError::NotFound(format!(
                "There is no organization named \"{wanted}\"."
            ))),
            1 => Ok(found.remove(0)),
            _ => Err(CoreError::InvalidInput(format!(
                "{} organizations are named \"{wanted}\": name one by its id ({}).",
                found.len(),
                found
                    .iter()
                    .map(|o| o.id.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
        }
    }

    async fn organizations_named(
        &self,
        db: &impl ConnectionTrait,
        name: &str,
    ) -> CoreResult<Vec<organization::Model>> {
        Ok(organization::Entity::find()
            .filter(
                Expr::expr(Func::lower(Expr::col(organization::Column::Name)))
                    .eq(name.trim().to_lowercase()),
            )
            .order_by_asc(organization::Column::Id)
            .all(db)
            .await?)
    }

    /// Creates an organization and its first owner (Invited, with an invitation queued) in one
    /// transaction, for the command line. A name already taken is refused: the command line
    /// finds organizations by name.
    pub(crate) async fn create_organization_with_owner_impl(
        &self,
        name: &str,
        owner: &NewMember,
        os_user: &str,
    ) -> CoreResult<(organization::Model, Invitation)> {
        let row = self.new_organization(name)?;
        let owner = NewMember {
            role: Role::Owner,
            ..crate::people::checked_member(owner)?
        };
        let now = self.now();
        let tx = db::begin_write(self.db()).await?;
        if !self.organizations_named(&tx, name).await?.is_empty() {
            return Err(CoreError::InvalidInput(format!(
                "There is already an organization named \"{}\".",
                name.trim()
            )));
        }
        let org_id = organization::Entity::insert(row)
            .exec(&tx)
            .await?
            .last_insert_id;
        let by = self
            .check_initiator(
                &tx,
                &Initiator::CommandLine {
                    org_id,
                    os_user: os_user.to_owned(),
                },
            )
            .await?;
        let invitation = self.add_in_tx(&tx, &by, &owner, None, now).await?;
        tx.commit().await?;
        tracing::info!(org = org_id, "organization created with its first owner");
        Ok((by.org, invitation))
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
