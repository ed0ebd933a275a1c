//! How long a piece of work usually takes, so that a path that skips it can take as long: an
//! answer that must not tell which emails have accounts must not tell it by its timing either
//! (a password checked or not at sign-in; a link issued or not by Forgot your password? and
//! Resend Email, security review F8). Waiting costs a timer, not the work.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// A moving average of how long some work took (each new time weighs an eighth).
pub(crate) struct Typical {
    micros: AtomicU64,
}

impl Typical {
    /// Starts at `initial`, until the work has been timed.
    pub(crate) const fn new(initial: Duration) -> Typical {
        Typical {
            micros: AtomicU64::new(initial.as_micros() as u64),
        }
    }

    pub(crate) fn record(&self, took: Duration) {
        let took = took.as_micros().min(u128::from(u32::MAX)) as u64;
        let old = self.micros.load(Ordering::Relaxed);
        self.micros.store((old * 7 + took) / 8, Ordering::Relaxed);
    }

    pub(crate) fn get(&self) -> Duration {
        Duration::from_micros(self.micros.load(Ordering::Relaxed))
    }

    /// Waits as long as the work typically takes.
    pub(crate) async fn wait(&self) {
        tokio::time::sleep(self.get()).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_time_moves_the_average_an_eighth_of_the_way() {
        let typical = Typical::new(Duration::from_millis(8));
        typical.record(Duration::from_millis(16));
        assert_eq!(typical.get(), Duration::from_millis(9));
        for _ in 0..100 {
            typical.record(Duration::from_millis(2));
        }
        assert_eq!(typical.get(), Duration::from_millis(2));
    }

    #[tokio::test]
    async fn waiting_takes_at_least_the_typical_time() {
        let typical = Typical::new(Duration::from_millis(30));
        let started = std::time::Instant::now();
        typical.wait().await;
        assert!(started.elapsed() >= Duration::from_millis(30));
    }
}
