#![recursion_limit = "512"]
//! The Orgdesk server: configuration, database and migrations, the axum router (server
//! render, server functions, static files), the email outbox worker, graceful shutdown.
#![deny(clippy::unwrap_used, clippy::expect_used)]

mod config;
mod dev_mailbox;
mod web;

use std::net::SocketAddr;
use std::sync::Arc;

use orgdesk_core::{Clock, Core, SystemClock, TestClock};
use tokio::sync::watch;

use crate::config::ServerConfig;

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn,sea_orm=warn,leptos_axum=warn".into()),
        )
        .init();
    if let Err(e) = run().await {
        eprintln!("orgdesk-server: {e}");
        std::process::exit(1);
    }
}

async fn run() -> Result<(), String> {
    let config = ServerConfig::from_env().await?;

    if let Some(dir) = config.sqlite_dir() {
        std::fs::create_dir_all(&dir)
            .map_err(|e| format!("can't create {}: {e}", dir.display()))?;
    }
    let test_clock = config.test_clock.then(|| Arc::new(TestClock::new()));
    let clock: Arc<dyn Clock> = match &test_clock {
        Some(c) => c.clone(),
        None => Arc::new(SystemClock),
    };
    let core = Core::connect(&config.database_url, config.core.clone(), clock)
        .await
        .map_err(|e| {
            format!(
                "can't open the database {}: {e}",
                config.redacted_database_url()
            )
        })?;

    let demo = if config.seed_demo {
        Some(
            core.seed_demo()
                .await
                .map_err(|e| format!("can't seed the demo organization: {e}"))?,
        )
    } else {
        None
    };

    let (shutdown_tx, shutdown_rx) = watch::channel(false);
    let worker = orgdesk_mail::OutboxWorker::new(
        core.clone(),
        config.mail.clone(),
        format!("web-{}", std::process::id()),
    )
    .map_err(|e| format!("email delivery is misconfigured: {e}"))?;
    let worker_task = {
        let mut rx = shutdown_rx.clone();
        tokio::spawn(worker.run_until(async move {
            let _ = rx.wait_for(|stop| *stop).await;
        }))
    };

    let app = web::router(core, &config, test_clock).await?;
    let listener = tokio::net::TcpListener::bind(config.addr)
        .await
        .map_err(|e| format!("can't listen on {}: {e}", config.addr))?;

    println!();
    println!("  Orgdesk is running at {}", config.core.public_base_url);
    if let Some(demo) = demo {
        println!(
            "  Sign in as the demo admin of {}: {} / {}",
            demo.org_name, demo.admin_email, demo.admin_password
        );
    }
    match config.mail.dev_mailbox_dir() {
        Some(dir) => println!(
            "  No SMTP server configured: emails go to the dev mailbox ({}), readable at {}/dev/mailbox",
            dir.display(),
            config.core.public_base_url
        ),
        None => println!("  Emails are delivered over SMTP ({})", config.mail.describe()),
    }
    println!();

    let mut rx = shutdown_rx.clone();
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        shutdown_signal().await;
        let _ = rx.borrow_and_update();
    })
    .await
    .map_err(|e| format!("server error: {e}"))?;

    // Let the outbox worker finish what it is sending.
    let _ = shutdown_tx.send(true);
    let _ = worker_task.await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down");
}
