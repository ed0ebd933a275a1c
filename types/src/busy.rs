//! When to send a sign-in again after the server answered "busy": every password-hashing slot
//! was taken, so nothing was judged or counted. The sign-in page follows this schedule, and the
//! load harness follows the same one to play a crowd of sign-in pages.

/// How many times the sign-in page sends a sign-in again by itself after busy answers; the
/// person's own next submit starts the count again.
pub const BUSY_RETRIES: u32 = 10;
/// The longest the page waits before one of those retries, in milliseconds.
pub const BUSY_RETRY_MAX_MS: u64 = 2_000;

/// A busy answer's hint as HTTP's `Retry-After` says it: whole seconds, rounded up, at least one.
pub fn retry_after_header_secs(hint_ms: u64) -> u64 {
    hint_ms.div_ceil(1_000).max(1)
}

/// How long to wait before the `retry`-th retry (0 for the first) after a busy answer whose
/// hint was `hint_ms`, the server's time for about one hash, when a slot is likely free again.
/// The hint doubles with each retry before, up to [`BUSY_RETRY_MAX_MS`], and the wait is a
/// random point (`random`, in 0..1) in the upper half of that, so a crowd of refused pages
/// spreads out instead of coming back in step. Ten retries wait about 7 s at most.
pub fn busy_retry_delay_ms(hint_ms: u64, retry: u32, random: f64) -> u64 {
    let ceiling = hint_ms
        .max(1)
        .saturating_mul(1 << retry.min(30))
        .min(BUSY_RETRY_MAX_MS);
    let floor = ceiling.div_ceil(2);
    floor + ((ceiling - floor) as f64 * random.clamp(0.0, 1.0)) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_retry_waits_up_to_twice_as_long_as_the_one_before_until_the_cap() {
        let bounds: Vec<(u64, u64)> = (0..BUSY_RETRIES)
            .map(|r| {
                (
                    busy_retry_delay_ms(15, r, 0.0),
                    busy_retry_delay_ms(15, r, 1.0),
                )
            })
            .collect();
        assert_eq!(
            bounds,
            [
                (8, 15),
                (15, 30),
                (30, 60),
                (60, 120),
                (120, 240),
                (240, 480),
                (480, 960),
                (960, 1920),
                (1000, 2000),
                (1000, 2000),
            ]
        );
        let worst: u64 = (0..BUSY_RETRIES)
            .map(|r| busy_retry_delay_ms(15, r, 1.0))
            .sum();
        assert_eq!(worst, 7_825);
        assert_eq!(busy_retry_delay_ms(15, 3, 0.5), 90);
    }

    #[test]
    fn the_header_rounds_the_hint_up_to_whole_seconds() {
        assert_eq!(retry_after_header_secs(0), 1);
        assert_eq!(retry_after_header_secs(15), 1);
        assert_eq!(retry_after_header_secs(1_000), 1);
        assert_eq!(retry_after_header_secs(1_001), 2);
    }

    #[test]
    fn odd_hints_and_randoms_stay_in_bounds() {
        assert_eq!(busy_retry_delay_ms(0, 0, 1.0), 1);
        assert_eq!(busy_retry_delay_ms(u64::MAX, 0, 1.0), BUSY_RETRY_MAX_MS);
        assert_eq!(busy_retry_delay_ms(40, u32::MAX, 1.0), BUSY_RETRY_MAX_MS);
        assert_eq!(busy_retry_delay_ms(40, 0, 7.0), 40);
        assert_eq!(busy_retry_delay_ms(40, 0, -1.0), 20);
        assert_eq!(busy_retry_delay_ms(40, 0, f64::NAN), 20);
    }
}
