//! The automation API's per-token limit, shared by every instance on one database, counted
//! from blocks of calls each instance reserves (`rate_limit::Leases`).

use std::sync::Arc;
use std::time::Duration as StdDuration;

use orgdesk_core::clock::Clock;
use orgdesk_core::config::RateLimit;
use orgdesk_core::types::{ApiScope, NewApiToken};
use orgdesk_core::{ApiCaller, Core, CoreError};

use orgdesk_testkit::on_both_databases;
use orgdesk_testkit::{test_config, Harness};

on_both_databases!(
    one_instance_counts_every_call_and_writes_once_a_block,
    instances_together_never_exceed_the_limit,
);

const LIMIT: u32 = 100;
/// `rate_limit::block_of` for `LIMIT`.
const BLOCK: u32 = 5;

/// A server instance on the harness's database, allowing `LIMIT` calls a minute per token.
async fn instance(h: &Harness) -> Core {
    let config = orgdesk_core::config::CoreConfig {
        api_limit: RateLimit {
            max: LIMIT,
            per: StdDuration::from_secs(60),
        },
        ..test_config()
    };
    let clock: Arc<dyn Clock> = h.clock.clone();
    Core::with_connection(h.db().clone(), config, clock)
        .await
        .expect("a second instance")
}

async fn caller(h: &Harness, core: &Core) -> ApiCaller {
    let demo = h.demo().await;
    let created = core
        .create_api_token(
            &demo.owner,
            &NewApiToken {
                name: "script".into(),
                scopes: vec![ApiScope::UsersRead],
                expires_in_days: 30,
            },
            None,
        )
        .await
        .unwrap();
    core.authenticate_api_token(&created.secret, None)
        .await
        .unwrap()
}

/// The shared count in the database: what the instances have reserved between them.
async fn reserved(h: &Harness) -> i64 {
    h.scalar("SELECT COALESCE(SUM(count), 0) FROM rate_limits WHERE \"key\" LIKE 'api:%'")
        .await
}

async fn one_instance_counts_every_call_and_writes_once_a_block(h: Harness) {
    assert_eq!(
        orgdesk_core::rate_limit::block_of(RateLimit {
            max: LIMIT,
            per: StdDuration::from_secs(60)
        }),
        BLOCK
    );
    let core = instance(&h).await;
    let caller = caller(&h, &core).await;
    for call in 1..=LIMIT {
        let window = core.api_rate_limit(&caller).await.unwrap();
        assert_eq!(window.limit, LIMIT);
        assert_eq!(window.remaining, LIMIT - call, "call {call}");
        assert!(window.resets_in_secs <= 60);
        // The database is asked once a block, for the whole block.
        assert_eq!(
            reserved(&h).await,
            i64::from(call.div_ceil(BLOCK) * BLOCK),
            "call {call}"
        );
    }
    let refused = core.api_rate_limit(&caller).await;
    assert!(
        matches!(refused, Err(CoreError::RateLimited { retry_after_secs }) if (1..=60).contains(&retry_after_secs)),
        "{refused:?}"
    );

    // A new window, a new count.
    h.advance(StdDuration::from_secs(61));
    let window = core.api_rate_limit(&caller).await.unwrap();
    assert_eq!(window.remaining, LIMIT - 1);
    assert_eq!(reserved(&h).await, i64::from(BLOCK));
}

async fn instances_together_never_exceed_the_limit(h: Harness) {
    let one = instance(&h).await;
    let two = instance(&h).await;
    let caller = caller(&h, &one).await;
    // Alternating, as a load balancer would, until both refuse.
    let mut permitted = 0;
    let mut refused = [false, false];
    for call in 0u32.. {
        let which = (call % 2) as usize;
        let core = if which == 0 { &one } else { &two };
        match core.api_rate_limit(&caller).await {
            Ok(_) => permitted += 1,
            Err(CoreError::RateLimited { .. }) => refused[which] = true,
            Err(e) => panic!("{e:?}"),
        }
        if refused == [true, true] {
            break;
        }
        assert!(call < 2 * LIMIT, "no limit after {call} calls");
    }
    // Never more than the limit; fewer by at most what the other instance still held.
    assert!(permitted <= LIMIT, "{permitted}");
    assert!(permitted > LIMIT - BLOCK, "{permitted}");

    // Both start again in the next window, from the shared count.
    h.advance(StdDuration::from_secs(61));
    assert!(two.api_rate_limit(&caller).await.is_ok());
    assert!(one.api_rate_limit(&caller).await.is_ok());
    assert_eq!(reserved(&h).await, i64::from(2 * BLOCK));
}
