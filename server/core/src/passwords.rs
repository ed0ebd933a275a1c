//! argon2id hashing, kept off the async runtime: each computation runs on the blocking
//! pool, and a semaphore bounds how many run at once so a burst of sign-ins can't eat all
//! memory (each one takes `memory_kib`).

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use tokio::sync::{OnceCell, Semaphore};

use crate::config::HashCost;
use crate::{CoreError, CoreResult};

/// Passwords longer than this are refused before hashing (the policy allows 128 characters).
pub(crate) const MAX_PASSWORD_BYTES: usize = 1024;

pub(crate) struct Passwords {
    params: Params,
    permits: Semaphore,
    /// A hash of nothing in particular, verified against when the email is unknown so that
    /// "no such account" takes as long as "wrong password".
    decoy: OnceCell<String>,
}

impl Passwords {
    pub(crate) fn new(cost: HashCost, max_concurrent: usize) -> CoreResult<Passwords> {
        let params = Params::new(cost.memory_kib, cost.iterations, cost.parallelism, None)
            .map_err(|e| CoreError::Internal(format!("invalid argon2 cost: {e}")))?;
        Ok(Passwords {
            params,
            permits: Semaphore::new(max_concurrent.max(1)),
            decoy: OnceCell::new(),
        })
    }

    pub(crate) async fn hash(&self, password: &str) -> CoreResult<String> {
        let params = self.params.clone();
        let password = password.to_owned();
        self.off_runtime(move || {
            let salt = SaltString::generate(&mut OsRng);
            Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
                .hash_password(password.as_bytes(), &salt)
                .map(|hash| hash.to_string())
                .map_err(|e| CoreError::Internal(format!("argon2 failed: {e}")))
        })
        .await
    }

    /// Whether `password` matches `stored` (a PHC string, whose own parameters are used).
    pub(crate) async fn verify(&self, password: &str, stored: &str) -> CoreResult<bool> {
        if password.len() > MAX_PASSWORD_BYTES {
            return Ok(false);
        }
        let password = password.to_owned();
        let stored = stored.to_owned();
        self.off_runtime(move || {
            let Ok(parsed) = PasswordHash::new(&stored) else {
                return Ok(false);
            };
            Ok(Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok())
        })
        .await
    }

    /// Spends the time of one verification, for an email that has no account.
    pub(crate) async fn verify_decoy(&self, password: &str) -> CoreResult<()> {
        let decoy = self
            .decoy
            .get_or_try_init(|| self.hash("orgdesk-decoy-password"))
            .await?;
        self.verify(password, decoy).await.map(|_| ())
    }

    async fn off_runtime<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> CoreResult<T> + Send + 'static,
    ) -> CoreResult<T> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|e| CoreError::Internal(e.to_string()))?;
        tokio::task::spawn_blocking(work)
            .await
            .map_err(|e| CoreError::Internal(format!("hashing task failed: {e}")))?
    }
}
