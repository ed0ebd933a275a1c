//! argon2id hashing, kept off the async runtime: each computation runs on the blocking
//! pool, and a semaphore bounds how many run at once so a burst of sign-ins can't eat all
//! memory (each one takes `memory_kib`). The queue in front of it is short: past `max_queued`
//! waiting, a request is refused at once (`Busy`, which the sign-in page retries by itself)
//! rather than stalling everyone's sign-in behind a flood. With one hash per core and one more
//! per core waiting (the defaults), an admitted request waits at most one hash's time before its own.
//! An unknown email costs no hashing at all: it waits as long as a verification takes.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::Semaphore;

use crate::config::HashCost;
use crate::{CoreError, CoreResult};

/// Passwords longer than this are refused before hashing (the policy allows 128 characters).
pub(crate) const MAX_PASSWORD_BYTES: usize = 1024;

pub(crate) struct Passwords {
    params: Params,
    permits: Semaphore,
    max_queued: usize,
    queued: AtomicUsize,
    /// How long a verification took lately (microseconds, a moving average), so that "no such
    /// account" takes as long as "wrong password" without spending the CPU.
    typical_verify_micros: AtomicU64,
}

/// Until a verification has been timed: roughly one at the default cost on a small server.
const INITIAL_VERIFY_MICROS: u64 = 40_000;

impl Passwords {
    pub(crate) fn new(
        cost: HashCost,
        max_concurrent: usize,
        max_queued: usize,
    ) -> CoreResult<Passwords> {
        let params = Params::new(cost.memory_kib, cost.iterations, cost.parallelism, None)
            .map_err(|e| CoreError::Internal(format!("invalid argon2 cost: {e}")))?;
        Ok(Passwords {
            params,
            permits: Semaphore::new(max_concurrent.max(1)),
            max_queued,
            queued: AtomicUsize::new(0),
            typical_verify_micros: AtomicU64::new(INITIAL_VERIFY_MICROS),
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
        let started = Instant::now();
        let matched = self
            .off_runtime(move || {
                let Ok(parsed) = PasswordHash::new(&stored) else {
                    return Ok(false);
                };
                Ok(Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok())
            })
            .await?;
        // The hashing alone would be better, but the wait for a permit is small next to it
        // unless the server is flooded, and then the average only errs on the slow side.
        let took = started.elapsed().as_micros().min(u128::from(u32::MAX)) as u64;
        let old = self.typical_verify_micros.load(Ordering::Relaxed);
        self.typical_verify_micros
            .store((old * 7 + took) / 8, Ordering::Relaxed);
        Ok(matched)
    }

    /// Takes as long as one verification, for an email that has no account, without hashing:
    /// a flood of made-up emails costs the server nothing but timers.
    pub(crate) async fn verify_decoy(&self, _password: &str) -> CoreResult<()> {
        let typical = self.typical_verify_micros.load(Ordering::Relaxed);
        tokio::time::sleep(Duration::from_micros(typical)).await;
        Ok(())
    }

    async fn off_runtime<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> CoreResult<T> + Send + 'static,
    ) -> CoreResult<T> {
        let _permit = match self.permits.try_acquire() {
            Ok(permit) => permit,
            Err(_) => {
                // Count ourselves into the queue, or leave at once if it is full.
                if self.queued.fetch_add(1, Ordering::AcqRel) >= self.max_queued {
                    self.queued.fetch_sub(1, Ordering::AcqRel);
                    return Err(CoreError::Busy {
                        retry_after_secs: 1,
                    });
                }
                let permit = self.permits.acquire().await;
                self.queued.fetch_sub(1, Ordering::AcqRel);
                permit.map_err(|e| CoreError::Internal(e.to_string()))?
            }
        };
        tokio::task::spawn_blocking(work)
            .await
            .map_err(|e| CoreError::Internal(format!("hashing task failed: {e}")))?
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn cheap() -> HashCost {
        HashCost {
            memory_kib: 64,
            iterations: 1,
            parallelism: 1,
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn past_the_queue_a_request_is_refused_at_once_as_busy() {
        let passwords = Arc::new(Passwords::new(cheap(), 1, 1).unwrap());
        // One computation holds the only slot until we let it go…
        let (release, hold) = std::sync::mpsc::channel::<()>();
        let running = tokio::spawn({
            let passwords = passwords.clone();
            async move {
                passwords
                    .off_runtime(move || {
                        hold.recv().ok();
                        Ok(())
                    })
                    .await
            }
        });
        while passwords.permits.available_permits() > 0 {
            tokio::task::yield_now().await;
        }
        // …one more waits for it…
        let waiting = tokio::spawn({
            let passwords = passwords.clone();
            async move { passwords.hash("first in the queue").await }
        });
        while passwords.queued.load(Ordering::Acquire) == 0 {
            tokio::task::yield_now().await;
        }
        // …and the next is turned away without waiting.
        let started = Instant::now();
        match passwords
            .verify("x", "$argon2id$v=19$m=64,t=1,p=1$c2FsdA$aGFzaA")
            .await
        {
            Err(CoreError::Busy { retry_after_secs }) => assert_eq!(retry_after_secs, 1),
            other => panic!("expected Busy, got {other:?}"),
        }
        assert!(started.elapsed() < Duration::from_secs(1));

        release.send(()).unwrap();
        running.await.unwrap().unwrap();
        assert!(waiting.await.unwrap().unwrap().starts_with("$argon2id$"));
        // Once the queue drained, requests are admitted again.
        assert_eq!(passwords.queued.load(Ordering::Acquire), 0);
        assert!(passwords.hash("again").await.is_ok());
    }
}
