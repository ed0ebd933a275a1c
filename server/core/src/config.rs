//! Tunables, with the seed's defaults.

use std::time::Duration;

use orgdesk_types::limits;

fn minutes(n: u32) -> Duration {
    Duration::from_secs(u64::from(n) * 60)
}

#[derive(Debug, Clone, Copy)]
pub struct RateLimit {
    pub max: u32,
    pub per: Duration,
}

/// argon2id cost; the default is OWASP's recommendation (m = 19 MiB, t = 2, p = 1).
#[derive(Debug, Clone, Copy)]
pub struct HashCost {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

#[derive(Debug, Clone)]
pub struct CoreConfig {
    /// Where links in emails point, e.g. `http://127.0.0.1:3000`.
    pub public_base_url: String,
    /// Default lifetime of an admin-reset link for new organizations (the seed's 15 minutes).
    pub admin_link_ttl: Duration,
    pub forgot_link_ttl: Duration,
    /// A session ends when it is this old, however active.
    pub session_ttl: Duration,
    /// A session ends when it goes unused this long (`ORGDESK_SESSION_IDLE_MINUTES`).
    pub session_idle: Duration,
    /// Sign-in attempts per (email, address): reserved before the password is checked,
    /// given back when it was right, so only failures use it up.
    pub sign_in_limit: RateLimit,
    /// Sign-in attempts per address, whatever the email (a spray across many accounts).
    pub sign_in_address_limit: RateLimit,
    /// Failed sign-ins per account, from any address, before each further one must wait:
    /// 1 s, doubling per failure, up to `sign_in_max_delay`. A delay, never a lockout, so an
    /// attacker can't lock anyone out of their account.
    pub sign_in_failures_before_delay: u32,
    pub sign_in_max_delay: Duration,
    pub forgot_limit: RateLimit,
    pub resend_limit: RateLimit,
    /// Admin resets and resends per admin (each call counts once, however many users it
    /// resets): generous for bulk work, a ceiling on email bombing.
    pub admin_reset_limit: RateLimit,
    /// Calls to the automation API per token (every instance counts against the same limit).
    pub api_limit: RateLimit,
    pub hash_cost: HashCost,
    /// At most this many argon2 computations run at once (each on the blocking pool, each
    /// keeping a core busy); by default one per core but one, so that a flood of sign-ins
    /// leaves a core to everything else: the database, the pages, and the sign-ins' own
    /// statements (docs/decisions.md, 54). On one core, one.
    pub max_concurrent_hashes: usize,
    /// At most this many more wait for one (by default none); beyond that a sign-in is
    /// refused at once as `Busy` (503, with a hint of about one hash's time, after which the
    /// sign-in page tries again) instead of queueing behind a flood: an admitted sign-in then
    /// takes about one hash's time.
    pub max_queued_hashes: usize,
    /// An email that keeps failing transiently (server down, 4xx) is retried with backoff
    /// for this long after it was queued, however many attempts that takes; then it is
    /// marked failed. A 5xx answer fails it at once.
    pub outbox_give_up_after: Duration,
    /// Proxies whose `X-Forwarded-For` names the client (`ORGDESK_TRUSTED_PROXIES`).
    pub trusted_proxies: crate::proxies::TrustedProxies,
}

impl Default for CoreConfig {
    fn default() -> Self {
        CoreConfig {
            public_base_url: "http://127.0.0.1:3000".into(),
            admin_link_ttl: minutes(limits::DEFAULT_ADMIN_LINK_MINUTES),
            forgot_link_ttl: minutes(limits::DEFAULT_FORGOT_LINK_MINUTES),
            session_ttl: Duration::from_secs(12 * 60 * 60),
            session_idle: minutes(30),
            sign_in_limit: RateLimit {
                max: 10,
                per: Duration::from_secs(15 * 60),
            },
            sign_in_address_limit: RateLimit {
                max: 100,
                per: Duration::from_secs(15 * 60),
            },
            sign_in_failures_before_delay: 10,
            sign_in_max_delay: Duration::from_secs(30),
            forgot_limit: RateLimit {
                max: 5,
                per: Duration::from_secs(15 * 60),
            },
            resend_limit: RateLimit {
                max: 5,
                per: Duration::from_secs(15 * 60),
            },
            admin_reset_limit: RateLimit {
                max: 300,
                per: Duration::from_secs(15 * 60),
            },
            api_limit: RateLimit {
                max: 600,
                per: Duration::from_secs(60),
            },
            hash_cost: HashCost {
                memory_kib: 19 * 1024,
                iterations: 2,
                parallelism: 1,
            },
            max_concurrent_hashes: cores().saturating_sub(1).max(1),
            max_queued_hashes: 0,
            outbox_give_up_after: Duration::from_secs(24 * 60 * 60),
            trusted_proxies: crate::proxies::TrustedProxies::default(),
        }
    }
}

/// The cores this process may use (1 when the system won't say).
fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}
