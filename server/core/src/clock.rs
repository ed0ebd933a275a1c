//! Time, injectable: production reads the system clock, tests move a `TestClock`.

use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, Duration, Utc};

pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> DateTime<Utc>;
}

#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// No frozen time: follow the system clock.
const NOT_FROZEN: i64 = i64::MIN;

/// The system clock plus an offset that tests (and the end-to-end test server) move forward.
/// It can also be frozen at an instant, for tests that need exact boundaries.
#[derive(Debug)]
pub struct TestClock {
    offset_ms: AtomicI64,
    frozen_at_ms: AtomicI64,
}

impl Default for TestClock {
    fn default() -> Self {
        TestClock {
            offset_ms: AtomicI64::new(0),
            frozen_at_ms: AtomicI64::new(NOT_FROZEN),
        }
    }
}

impl TestClock {
    pub fn new() -> Self {
        Self::default()
    }
    /// A clock standing still at `at` until advanced.
    pub fn frozen_at(at: DateTime<Utc>) -> Self {
        let clock = Self::default();
        clock.freeze_at(at);
        clock
    }
    /// Stops the clock at `at` (to the millisecond); `advance` still moves it.
    pub fn freeze_at(&self, at: DateTime<Utc>) {
        self.offset_ms.store(0, Ordering::SeqCst);
        self.frozen_at_ms
            .store(at.timestamp_millis(), Ordering::SeqCst);
    }
    pub fn advance(&self, by: Duration) {
        self.offset_ms
            .fetch_add(by.num_milliseconds(), Ordering::SeqCst);
    }
}

impl Clock for TestClock {
    fn now(&self) -> DateTime<Utc> {
        let offset = Duration::milliseconds(self.offset_ms.load(Ordering::SeqCst));
        match self.frozen_at_ms.load(Ordering::SeqCst) {
            NOT_FROZEN => Utc::now() + offset,
            frozen => DateTime::from_timestamp_millis(frozen).unwrap_or_else(Utc::now) + offset,
        }
    }
}

/// To the millisecond: what every timestamp the domain stores is cut to, so values read back
/// from either database compare equal to the ones written.
pub(crate) fn truncate(at: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(at.timestamp_millis()).unwrap_or(at)
}
