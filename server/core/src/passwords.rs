//! argon2id hashing, kept off the async runtime: each computation runs on the blocking
//! pool, and a semaphore bounds how many run at once so a burst of sign-ins can't eat all
//! memory (each one takes `memory_kib`). The queue of sign-ins in front of it is short, by
//! default empty: past `max_queued` waiting, a sign-in is refused at once (`Busy`, with a hint
//! of about one hash's time, after which the sign-in page tries again by itself) rather than
//! stalling everyone's sign-in behind a flood. With one hash per core but one and none waiting
//! (the defaults), an admitted sign-in starts its hash at once, a refused page comes back about
//! when a slot frees, and a core stays free for everything else (docs/decisions.md, 54).
//! A new password's hash (a reset completed, a user added, the demo seeded) waits for a slot
//! instead: each is behind a link or an admin, rare, and refusing it would lose what the person
//! typed. An unknown email costs no hashing at all: it waits as long as a verification takes.
//!
//! Each computation works in memory kept from the last one ([`Scratch`]): argon2's 19 MiB,
//! allocated afresh each time, came from the kernel as new pages to fault in and zero, which
//! made a sign-in a third slower than its hash.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::Semaphore;

use crate::config::HashCost;
use crate::timing::Typical;
use crate::{CoreError, CoreResult};

/// Passwords longer than this are refused before hashing (the policy allows 128 characters).
pub(crate) const MAX_PASSWORD_BYTES: usize = 1024;

pub(crate) struct Passwords {
    params: Params,
    scratch: Arc<Scratch>,
    permits: Semaphore,
    max_queued: usize,
    queued: AtomicUsize,
    /// How long a verification took lately, so that "no such account" takes as long as "wrong
    /// password" without spending the CPU.
    typical_verify: Typical,
}

/// Until a verification has been timed: roughly one at the default cost on a small server.
const INITIAL_VERIFY: Duration = Duration::from_millis(40);

impl Passwords {
    pub(crate) fn new(
        cost: HashCost,
        max_concurrent: usize,
        max_queued: usize,
    ) -> CoreResult<Passwords> {
        let params = Params::new(cost.memory_kib, cost.iterations, cost.parallelism, None)
            .map_err(|e| CoreError::Internal(format!("invalid argon2 cost: {e}")))?;
        let max_concurrent = max_concurrent.max(1);
        Ok(Passwords {
            scratch: Arc::new(Scratch::new(params.block_count(), max_concurrent)),
            params,
            permits: Semaphore::new(max_concurrent),
            max_queued,
            queued: AtomicUsize::new(0),
            typical_verify: Typical::new(INITIAL_VERIFY),
        })
    }

    pub(crate) async fn hash(&self, password: &str) -> CoreResult<String> {
        let params = self.params.clone();
        let password = password.to_owned();
        let scratch = self.scratch.clone();
        self.off_runtime(WhenFull::Wait, move || {
            scratch
                .hash(&params, password.as_bytes())
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
        let scratch = self.scratch.clone();
        let started = Instant::now();
        let matched = self
            .off_runtime(WhenFull::Refuse, move || {
                Ok(scratch.verify(password.as_bytes(), &stored))
            })
            .await?;
        // The hashing alone would be better, but the wait for a permit is small next to it
        // unless the server is flooded, and then the average only errs on the slow side.
        self.typical_verify.record(started.elapsed());
        Ok(matched)
    }

    /// Takes as long as one verification, for an email that has no account, without hashing:
    /// a flood of made-up emails costs the server nothing but timers.
    pub(crate) async fn verify_decoy(&self, _password: &str) -> CoreResult<()> {
        self.typical_verify.wait().await;
        Ok(())
    }

    /// The refusal of a computation that found every slot taken: try again in about one
    /// verification's time, when a slot has likely come free (10 ms to 1 s).
    pub(crate) fn busy(&self) -> CoreError {
        let typical = self.typical_verify.get().as_millis();
        CoreError::Busy {
            retry_after_ms: u64::try_from(typical).unwrap_or(u64::MAX).clamp(10, 1_000),
        }
    }

    /// Whether a computation asked for now would be refused as `Busy`: every slot taken and
    /// the queue full. Sign-in asks before anything else, so that a flood's refusals cost no
    /// database work, and so that an unknown email (which costs no hashing) is refused like a
    /// known one instead of telling which is which by never being busy.
    pub(crate) fn saturated(&self) -> bool {
        self.permits.available_permits() == 0
            && self.queued.load(Ordering::Acquire) >= self.max_queued
    }

    async fn off_runtime<T: Send + 'static>(
        &self,
        when_full: WhenFull,
        work: impl FnOnce() -> CoreResult<T> + Send + 'static,
    ) -> CoreResult<T> {
        let _permit = match self.permits.try_acquire() {
            Ok(permit) => permit,
            Err(_) if matches!(when_full, WhenFull::Wait) => self
                .permits
                .acquire()
                .await
                .map_err(|e| CoreError::Internal(e.to_string()))?,
            Err(_) => {
                // Count ourselves into the queue, or leave at once if it is full.
                if self.queued.fetch_add(1, Ordering::AcqRel) >= self.max_queued {
                    self.queued.fetch_sub(1, Ordering::AcqRel);
                    return Err(self.busy());
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

/// What a computation does when every slot is taken.
#[derive(Clone, Copy)]
enum WhenFull {
    /// Waits in line for one, however long the line (a new password's hash).
    Wait,
    /// Joins the sign-ins' line if it has room (`max_queued`), or is refused at once as `Busy`.
    Refuse,
}

/// argon2's working memory, kept between computations instead of allocated for each one. A
/// computation takes a buffer and puts it back; there are never more buffers than computations
/// at once (the permits), so what stays allocated is at most `max_concurrent × memory_kib`.
/// A buffer holds what the last computation left in it, as freed memory would: argon2 writes
/// every block before it reads it, so nothing of one computation reaches another's result.
struct Scratch {
    /// Blocks per buffer: the configured cost's. A stored hash made at another cost gets a
    /// buffer of its own size, used once.
    blocks: usize,
    keep: usize,
    free: Mutex<Vec<Vec<Block>>>,
}

impl Scratch {
    fn new(blocks: usize, keep: usize) -> Scratch {
        Scratch {
            blocks,
            keep,
            free: Mutex::new(Vec::with_capacity(keep)),
        }
    }

    /// A new argon2id hash of `password` at `params`, with a random salt, as a PHC string.
    fn hash(&self, params: &Params, password: &[u8]) -> argon2::password_hash::Result<String> {
        let salt = SaltString::generate(&mut OsRng);
        let mut salt_bytes = [0u8; 64];
        let salt_bytes = salt.as_salt().decode_b64(&mut salt_bytes)?;
        let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
        let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
        self.hash_into(&argon2, password, salt_bytes, &mut out)?;
        Ok(PasswordHash {
            algorithm: Algorithm::Argon2id.ident(),
            version: Some(Version::V0x13.into()),
            params: ParamsString::try_from(params)?,
            salt: Some(salt.as_salt()),
            hash: Some(Output::new(&out)?),
        }
        .to_string())
    }

    /// `argon2`'s hash of `password` and `salt` into `out`, in a kept buffer.
    fn hash_into(
        &self,
        argon2: &Argon2<'_>,
        password: &[u8],
        salt: &[u8],
        out: &mut [u8],
    ) -> argon2::Result<()> {
        let needed = argon2.params().block_count();
        let kept = (needed == self.blocks)
            .then(|| self.free.lock().unwrap_or_else(|e| e.into_inner()).pop())
            .flatten();
        let mut memory = kept.unwrap_or_else(|| vec![Block::default(); needed]);
        let hashed = argon2.hash_password_into_with_memory(password, salt, out, &mut memory);
        if memory.len() == self.blocks {
            let mut free = self.free.lock().unwrap_or_else(|e| e.into_inner());
            if free.len() < self.keep {
                free.push(memory);
            }
        }
        hashed
    }

    /// Whether `password` matches the PHC string `stored`, computed with `stored`'s own
    /// algorithm, version, cost and salt, and compared in constant time ([`Output`]'s `==`).
    /// A string that isn't an argon2 hash matches nothing.
    fn verify(&self, password: &[u8], stored: &str) -> bool {
        let matches = || -> Option<bool> {
            let hash = PasswordHash::new(stored).ok()?;
            let (salt, expected) = (hash.salt?, hash.hash?);
            let algorithm = Algorithm::try_from(hash.algorithm).ok()?;
            let version = match hash.version {
                Some(v) => Version::try_from(v).ok()?,
                None => Version::default(),
            };
            let params = Params::try_from(&hash).ok()?;
            let mut salt_bytes = [0u8; 64];
            let salt_bytes = salt.decode_b64(&mut salt_bytes).ok()?;
            let mut out = vec![0u8; expected.len()];
            let argon2 = Argon2::new(algorithm, version, params);
            self.hash_into(&argon2, password, salt_bytes, &mut out)
                .ok()?;
            Some(Output::new(&out).ok()? == expected)
        };
        matches().unwrap_or(false)
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

    /// Takes the only slot of `passwords` until the sender is dropped or sent to.
    async fn hold_the_slot(
        passwords: &Arc<Passwords>,
    ) -> (
        std::sync::mpsc::Sender<()>,
        tokio::task::JoinHandle<CoreResult<()>>,
    ) {
        let (release, hold) = std::sync::mpsc::channel::<()>();
        let running = tokio::spawn({
            let passwords = passwords.clone();
            async move {
                passwords
                    .off_runtime(WhenFull::Refuse, move || {
                        hold.recv().ok();
                        Ok(())
                    })
                    .await
            }
        });
        while passwords.permits.available_permits() > 0 {
            tokio::task::yield_now().await;
        }
        (release, running)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn past_the_queue_a_sign_in_is_refused_at_once_as_busy() {
        let passwords = Arc::new(Passwords::new(cheap(), 1, 1).unwrap());
        let stored = passwords.hash("first in the queue").await.unwrap();
        // One computation holds the only slot until we let it go…
        let (release, running) = hold_the_slot(&passwords).await;
        assert!(!passwords.saturated(), "the queue still has room");
        // …one more waits for it…
        let waiting = tokio::spawn({
            let passwords = passwords.clone();
            async move { passwords.verify("first in the queue", &stored).await }
        });
        while passwords.queued.load(Ordering::Acquire) == 0 {
            tokio::task::yield_now().await;
        }
        assert!(passwords.saturated());
        // …and the next is turned away without waiting.
        let started = Instant::now();
        match passwords
            .verify("x", "$argon2id$v=19$m=64,t=1,p=1$c2FsdA$aGFzaA")
            .await
        {
            // Come back in about one verification's time: none timed yet, so the first guess.
            Err(CoreError::Busy { retry_after_ms }) => {
                assert_eq!(retry_after_ms, INITIAL_VERIFY.as_millis() as u64)
            }
            other => panic!("expected Busy, got {other:?}"),
        }
        assert!(started.elapsed() < Duration::from_secs(1));

        release.send(()).unwrap();
        running.await.unwrap().unwrap();
        assert!(waiting.await.unwrap().unwrap(), "judged once its turn came");
        // Once the queue drained, requests are admitted again.
        assert_eq!(passwords.queued.load(Ordering::Acquire), 0);
        assert!(!passwords.saturated());
        assert!(passwords.hash("again").await.is_ok());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_new_passwords_hash_waits_for_a_slot_however_full() {
        let passwords = Arc::new(Passwords::new(cheap(), 1, 0).unwrap());
        let (release, running) = hold_the_slot(&passwords).await;
        assert!(passwords.saturated(), "no room for a sign-in");
        let hashing = tokio::spawn({
            let passwords = passwords.clone();
            async move { passwords.hash("Patient-Heron-31").await }
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(!hashing.is_finished(), "it waits while the slot is taken");
        release.send(()).unwrap();
        running.await.unwrap().unwrap();
        let stored = hashing.await.unwrap().unwrap();
        assert!(passwords.verify("Patient-Heron-31", &stored).await.unwrap());
    }

    #[test]
    fn the_busy_hint_is_about_one_verification_within_bounds() {
        let passwords = Passwords::new(cheap(), 1, 0).unwrap();
        let hint = |passwords: &Passwords| match passwords.busy() {
            CoreError::Busy { retry_after_ms } => retry_after_ms,
            other => panic!("expected Busy, got {other:?}"),
        };
        assert_eq!(hint(&passwords), 40, "before any verification was timed");
        for (took, expected) in [
            (Duration::from_millis(15), 15),
            (Duration::from_micros(100), 10),
            (Duration::from_secs(5), 1_000),
        ] {
            for _ in 0..64 {
                passwords.typical_verify.record(took);
            }
            assert_eq!(hint(&passwords), expected, "{took:?}");
        }
    }

    fn free_buffers(passwords: &Passwords) -> usize {
        passwords.scratch.free.lock().unwrap().len()
    }

    #[tokio::test]
    async fn hashes_made_here_and_by_the_argon2_crate_verify_each_other() {
        use argon2::password_hash::{PasswordHasher, PasswordVerifier};
        let passwords = Passwords::new(cheap(), 2, 2).unwrap();

        let ours = passwords.hash("Tumbling-Otter-47").await.unwrap();
        let parsed = PasswordHash::new(&ours).unwrap();
        assert_eq!(parsed.algorithm, Algorithm::Argon2id.ident());
        assert!(Argon2::default()
            .verify_password(b"Tumbling-Otter-47", &parsed)
            .is_ok());
        assert!(Argon2::default()
            .verify_password(b"tumbling-otter-47", &parsed)
            .is_err());
        assert_ne!(passwords.hash("Tumbling-Otter-47").await.unwrap(), ours);

        // Hashes stored before, at another cost or by another argon2 variant: each verified
        // with its own parameters.
        for (algorithm, m_cost) in [
            (Algorithm::Argon2id, 64),
            (Algorithm::Argon2id, 128),
            (Algorithm::Argon2i, 64),
            (Algorithm::Argon2d, 64),
        ] {
            let params = Params::new(m_cost, 1, 1, None).unwrap();
            let salt = SaltString::generate(&mut OsRng);
            let theirs = Argon2::new(algorithm, Version::V0x13, params)
                .hash_password(b"Quiet-Harbor-12", &salt)
                .unwrap()
                .to_string();
            assert!(
                passwords.verify("Quiet-Harbor-12", &theirs).await.unwrap(),
                "{theirs}"
            );
            assert!(!passwords.verify("Quiet-Harbor-13", &theirs).await.unwrap());
        }

        for not_a_hash in [
            "",
            "hunter2",
            "$argon2id$v=19$m=64,t=1,p=1$c2FsdA$aGFzaA",
            "$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ",
            "$scrypt$ln=4,r=8,p=1$c2FsdHNhbHQ$aGFzaGhhc2g",
        ] {
            assert!(!passwords.verify("hunter2", not_a_hash).await.unwrap());
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn working_memory_is_kept_for_the_next_computation_and_no_more() {
        let passwords = Arc::new(Passwords::new(cheap(), 2, 8).unwrap());
        assert_eq!(free_buffers(&passwords), 0);
        let stored = passwords.hash("Brisk-Lantern-88").await.unwrap();
        assert_eq!(free_buffers(&passwords), 1);
        for _ in 0..3 {
            assert!(passwords.verify("Brisk-Lantern-88", &stored).await.unwrap());
        }
        // One at a time: the same buffer, again and again.
        assert_eq!(free_buffers(&passwords), 1);

        // Ten at once through two permits: never more than two buffers.
        let all: Vec<_> = (0..10)
            .map(|_| {
                let passwords = passwords.clone();
                let stored = stored.clone();
                tokio::spawn(async move { passwords.verify("Brisk-Lantern-88", &stored).await })
            })
            .collect();
        for one in all {
            match one.await.unwrap() {
                Ok(matched) => assert!(matched),
                Err(CoreError::Busy { .. }) => {}
                Err(other) => panic!("{other:?}"),
            }
        }
        assert!(free_buffers(&passwords) <= 2);

        // A hash at another cost uses memory of its own size, not kept.
        let kept = free_buffers(&passwords);
        let other = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(128, 1, 1, None).unwrap(),
        );
        let salt = SaltString::generate(&mut OsRng);
        let other = argon2::password_hash::PasswordHasher::hash_password(
            &other,
            b"Brisk-Lantern-88",
            &salt,
        )
        .unwrap()
        .to_string();
        assert!(passwords.verify("Brisk-Lantern-88", &other).await.unwrap());
        assert_eq!(free_buffers(&passwords), kept);
    }
}
