//! Bulk resets too large to answer while the caller waits: the automation API turns a reset
//! of more than [`JOB_THRESHOLD`] users into a job, answers `202` at once, and the caller
//! polls it. The reset itself is the same single transaction as everywhere else, so a job
//! resets everyone or no one; the job row records its state and, at the end, the per-user
//! report. A job whose instance died while it ran is marked failed by housekeeping (its
//! transaction was rolled back: nobody was reset).

use chrono::{DateTime, Duration, Utc};
use orgdesk_types::{ResetReport, UserFilter, UserId};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use serde::{Deserialize, Serialize};

use crate::api_tokens::ApiCaller;
use crate::db::Sql;
use crate::entities::{api_job, api_token};
use crate::people::Initiator;
use crate::{Core, CoreError, CoreResult};

/// Resets of more users than this run as a job.
pub const JOB_THRESHOLD: u64 = 1000;

/// A running job not finished after this long died with its instance.
const INTERRUPTED_AFTER: Duration = Duration::minutes(10);

/// Who a bulk reset is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResetTargets {
    Ids(Vec<UserId>),
    /// Everyone the filter matches, refused unless that is still `expected_count` users.
    Matching {
        filter: UserFilter,
        expected_count: u64,
    },
}

impl ResetTargets {
    pub fn count(&self) -> u64 {
        match self {
            ResetTargets::Ids(ids) => ids.len() as u64,
            ResetTargets::Matching { expected_count, .. } => *expected_count,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobState {
    Queued,
    Running,
    Succeeded,
    Failed,
}

impl JobState {
    pub const ALL: [JobState; 4] = [
        JobState::Queued,
        JobState::Running,
        JobState::Succeeded,
        JobState::Failed,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Running => "running",
            JobState::Succeeded => "succeeded",
            JobState::Failed => "failed",
        }
    }
    pub fn parse(s: &str) -> Option<JobState> {
        JobState::ALL.into_iter().find(|state| state.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobView {
    pub id: i64,
    pub kind: String,
    pub state: JobState,
    /// Users asked for.
    pub total: u64,
    /// Users the job is done with (0 until it finishes: the reset is one transaction).
    pub done: u64,
    pub report: Option<ResetReport>,
    /// Why it failed, in words the caller may be shown.
    pub error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
}

const KIND_RESET: &str = "reset_password";

fn view(row: api_job::Model) -> CoreResult<JobView> {
    let report: Option<ResetReport> = match &row.report {
        Some(json) => Some(
            serde_json::from_str(json)
                .map_err(|e| CoreError::Internal(format!("job {} report: {e}", row.id)))?,
        ),
        None => None,
    };
    let state = JobState::parse(&row.state)
        .ok_or_else(|| CoreError::Internal(format!("job {} state {:?}", row.id, row.state)))?;
    let total = row.total.max(0) as u64;
    Ok(JobView {
        id: row.id,
        kind: row.kind,
        state,
        total,
        done: if report.is_some() { total } else { 0 },
        report,
        error: row.error,
        created_at: row.created_at,
        started_at: row.started_at,
        finished_at: row.finished_at,
    })
}

impl Core {
    pub(crate) async fn start_reset_job_impl(
        &self,
        caller: &ApiCaller,
        targets: ResetTargets,
        ip: Option<&str>,
    ) -> CoreResult<JobView> {
        let by = self
            .check_initiator(self.db(), &Initiator::ApiToken(caller.clone()))
            .await?;
        if targets.count() == 0 {
            return Err(CoreError::InvalidInput(
                "Choose at least one user to reset.".into(),
            ));
        }
        if let ResetTargets::Matching {
            filter,
            expected_count,
        } = &targets
        {
            // Refused now rather than in a job that fails a moment later.
            let now_matching = self.count_users(caller, filter).await?;
            if now_matching != *expected_count {
                return Err(CoreError::CountChanged {
                    matching: now_matching,
                    expected: *expected_count,
                });
            }
        }
        let request = serde_json::to_string(&targets)
            .map_err(|e| CoreError::Internal(format!("job request: {e}")))?;
        let now = self.now();
        let inserted = api_job::Entity::insert(api_job::ActiveModel {
            org_id: Set(by.org.id),
            token_id: Set(caller.token_id),
            kind: Set(KIND_RESET.into()),
            state: Set(JobState::Queued.as_str().into()),
            request: Set(request),
            total: Set(targets.count().min(i64::MAX as u64) as i64),
            created_at: Set(now),
            ..Default::default()
        })
        .exec(self.db())
        .await?;
        let id = inserted.last_insert_id;
        tracing::info!(
            org = by.org.id,
            job = id,
            users = targets.count(),
            "reset job queued"
        );
        let core = self.clone();
        let ip = ip.map(str::to_owned);
        tokio::spawn(async move {
            if let Err(e) = core.run_reset_job(id, ip.as_deref()).await {
                tracing::error!(job = id, error = %e, "reset job could not record its outcome");
            }
        });
        self.job_impl(caller, id).await
    }

    /// Runs a queued job once (a second call finds it claimed and does nothing).
    async fn run_reset_job(&self, id: i64, ip: Option<&str>) -> CoreResult<()> {
        let mut claim = Sql::new("UPDATE api_jobs SET state = ");
        claim
            .bind(JobState::Running.as_str())
            .push(", started_at = ")
            .bind(self.now())
            .push(" WHERE id = ")
            .bind(id)
            .push(" AND state = ")
            .bind(JobState::Queued.as_str());
        if claim.execute(self.db()).await? == 0 {
            return Ok(());
        }
        let job = api_job::Entity::find_by_id(id)
            .one(self.db())
            .await?
            .ok_or_else(|| CoreError::Internal(format!("job {id} vanished")))?;
        let outcome = self.reset_for_job(&job, ip).await;
        let mut finish = Sql::new("UPDATE api_jobs SET state = ");
        match outcome {
            Ok(report) => {
                let report = serde_json::to_string(&report)
                    .map_err(|e| CoreError::Internal(format!("job report: {e}")))?;
                finish
                    .bind(JobState::Succeeded.as_str())
                    .push(", report = ")
                    .bind(report);
                tracing::info!(job = id, "reset job succeeded");
            }
            Err(e) => {
                tracing::warn!(job = id, error = %e, "reset job failed");
                let words = match &e {
                    CoreError::InvalidInput(m) | CoreError::NotFound(m) => m.clone(),
                    CoreError::CountChanged { .. } => e.to_string(),
                    CoreError::Forbidden | CoreError::Unauthenticated => {
                        "The token may no longer reset these users.".into()
                    }
                    _ => "The server failed while resetting; nobody was reset.".into(),
                };
                finish
                    .bind(JobState::Failed.as_str())
                    .push(", error = ")
                    .bind(words);
            }
        }
        finish
            .push(", finished_at = ")
            .bind(self.now())
            .push(" WHERE id = ")
            .bind(id);
        finish.execute(self.db()).await?;
        Ok(())
    }

    async fn reset_for_job(
        &self,
        job: &api_job::Model,
        ip: Option<&str>,
    ) -> CoreResult<ResetReport> {
        let token = api_token::Entity::find_by_id(job.token_id)
            .one(self.db())
            .await?
            .ok_or(CoreError::Unauthenticated)?;
        let caller = ApiCaller {
            token_id: token.id,
            org_id: token.org_id,
            scopes: orgdesk_types::ApiScope::split(&token.scopes),
            name: token.name,
        };
        let targets: ResetTargets = serde_json::from_str(&job.request)
            .map_err(|e| CoreError::Internal(format!("job {} request: {e}", job.id)))?;
        match targets {
            ResetTargets::Ids(ids) => self.admin_reset_passwords(&caller, &ids, ip).await,
            ResetTargets::Matching {
                filter,
                expected_count,
            } => {
                self.admin_reset_matching(&caller, &filter, expected_count, ip)
                    .await
            }
        }
    }

    pub(crate) async fn job_impl(&self, caller: &ApiCaller, id: i64) -> CoreResult<JobView> {
        let row = api_job::Entity::find_by_id(id)
            .filter(api_job::Column::OrgId.eq(caller.org_id))
            .one(self.db())
            .await?
            .ok_or_else(|| CoreError::NotFound("No such job in this organization.".into()))?;
        view(row)
    }

    /// Marks failed the jobs whose instance died while they ran.
    pub(crate) async fn fail_interrupted_jobs(&self) -> CoreResult<u64> {
        let now = self.now();
        let mut sql = Sql::new("UPDATE api_jobs SET state = ");
        sql.bind(JobState::Failed.as_str())
            .push(", error = ")
            .bind("The server stopped while this job ran; nobody was reset. Start it again.")
            .push(", finished_at = ")
            .bind(now)
            .push(" WHERE state = ")
            .bind(JobState::Running.as_str())
            .push(" AND started_at < ")
            .bind(now - INTERRUPTED_AFTER);
        Ok(sql.execute(self.db()).await?)
    }
}
