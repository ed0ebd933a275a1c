#![recursion_limit = "512"]
//! `orgdesk`: the Orgdesk server (configuration, database and migrations, the axum router —
//! server render, server functions, static files —, the email outbox worker, graceful
//! shutdown) and, in the same binary, the admin command line (`cli/`). No subcommand, or
//! `serve`, serves.
// Unit tests may unwrap; the code they test may not.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

mod api_v1;
mod cli;
mod config;
mod dev_mailbox_page;
mod export;
mod housekeeping;
mod origin;
mod panic_reports;
mod web;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::serve::{ListenerExt, TapIo};
use clap::Parser;
use orgdesk_core::seed::PublishedDemoPassword;
use orgdesk_core::{Clock, Core, SystemClock, TestClock};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

use crate::cli::{Cli, Command};
use crate::config::ServerConfig;

#[tokio::main]
async fn main() {
    // Usage errors exit with 2 (clap's convention); --help and --version with 0.
    let cli = Cli::parse();
    match cli.command {
        None | Some(Command::Serve) => serve().await,
        Some(command) => {
            // The command line speaks for itself on stdout; the log only warns, on stderr.
            tracing_subscriber::fmt()
                .with_writer(std::io::stderr)
                .with_env_filter(
                    tracing_subscriber::EnvFilter::try_from_default_env()
                        .unwrap_or_else(|_| "warn".into()),
                )
                .init();
            let code = cli::run(command).await;
            std::process::exit(i32::from(code));
        }
    }
}

/// A database seeded by an older Orgdesk, when the demo was on by default with passwords
/// published in the README, still lets anyone in as the demo's accounts, its admins included
/// (security review F3); so does a test's database. Like the other development surfaces, that
/// is allowed on loopback (where nothing is checked, so a development start does no hashing for
/// it); a deployment refuses to start until those passwords are reset.
async fn refuse_published_demo_passwords(core: &Core, config: &ServerConfig) -> Result<(), String> {
    let Some(deployed) = config.deployed_because() else {
        return Ok(());
    };
    let published = core
        .published_demo_passwords()
        .await
        .map_err(|e| format!("can't check the demo accounts: {e}"))?;
    if published.is_empty() {
        return Ok(());
    }
    Err(format!(
        "refusing to start: {} of a demo organization still sign in with a password published \
         in Orgdesk's source (the database was seeded by an older version), and {deployed}, which \
         means a deployment. Reset their passwords (each stops working at once): {}.",
        demo_accounts_named(&published),
        demo_reset_commands(&published)
    ))
}

/// The first few accounts by email, and how many more.
fn demo_accounts_named(published: &[PublishedDemoPassword]) -> String {
    const NAMED: usize = 5;
    let named = published
        .iter()
        .take(NAMED)
        .map(|account| account.email.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    match published.len().saturating_sub(NAMED) {
        0 => named,
        more => format!("{named} and {more} more"),
    }
}

/// One `orgdesk users reset` per organization: the one account by email, or everyone.
fn demo_reset_commands(published: &[PublishedDemoPassword]) -> String {
    let mut orgs: Vec<&str> = Vec::new();
    for account in published {
        if !orgs.contains(&account.org_name.as_str()) {
            orgs.push(&account.org_name);
        }
    }
    orgs.iter()
        .map(|org| {
            let mut accounts = published.iter().filter(|a| a.org_name == *org);
            let whom = match (accounts.next(), accounts.next()) {
                (Some(only), None) => format!("--search {}", only.email),
                _ => "--all".to_owned(),
            };
            format!("`orgdesk users reset --org \"{org}\" {whom} --yes`")
        })
        .collect::<Vec<_>>()
        .join(", then ")
}

/// The server's socket. Every connection it accepts sends without Nagle's delay: a response
/// written in more than one piece (server-rendered HTML streams in chunks) would otherwise wait
/// for the client's delayed acknowledgement, up to 40 ms, before its next piece leaves.
async fn listen(addr: SocketAddr) -> Result<TapIo<TcpListener, fn(&mut TcpStream)>, String> {
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|e| format!("can't listen on {addr}: {e}"))?;
    Ok(listener.tap_io(send_without_delay))
}

fn send_without_delay(stream: &mut TcpStream) {
    if let Err(e) = stream.set_nodelay(true) {
        tracing::debug!("TCP_NODELAY not set on a connection: {e}");
    }
}

/// `orgdesk` / `orgdesk serve`: the web server, until SIGINT or SIGTERM.
async fn serve() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn,sea_orm=warn,leptos_axum=warn".into()),
        )
        .init();
    if let Err(e) = run().await {
        eprintln!("orgdesk: {e}");
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

    refuse_published_demo_passwords(&core, &config).await?;

    let demo = if config.seed_demo {
        let password = match &config.demo_password {
            Some(p) => p.clone(),
            None => Core::new_demo_password().map_err(|e| e.to_string())?,
        };
        let demo = core
            .seed_demo_with_password(&password)
            .await
            .map_err(|e| format!("can't seed the demo organization: {e}"))?;
        if demo.created {
            core.seed_demo_neighbour(&password)
                .await
                .map_err(|e| format!("can't seed the demo's second organization: {e}"))?;
        }
        Some(demo)
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

    let webhooks =
        orgdesk_mail::WebhookWorker::new(core.clone(), format!("web-{}", std::process::id()), None)
            .map_err(|e| format!("webhook delivery can't start: {e}"))?;
    let webhook_task = {
        let mut rx = shutdown_rx.clone();
        tokio::spawn(webhooks.run_until(async move {
            let _ = rx.wait_for(|stop| *stop).await;
        }))
    };

    let housekeeping_task = tokio::spawn(housekeeping::run(
        core.clone(),
        config.mail.dev_mailbox_dir().map(|d| d.to_path_buf()),
        shutdown_rx.clone(),
    ));

    let vacuum_task = tokio::spawn(housekeeping::vacuum_after_bulk_changes(
        core.clone(),
        shutdown_rx.clone(),
    ));

    let app = web::router(core, &config, test_clock).await?;
    let listener = listen(config.addr).await?;

    print_banner(&config, demo.as_ref());

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
    let _ = webhook_task.await;
    let _ = housekeeping_task.await;
    let _ = vacuum_task.await;
    Ok(())
}

/// What a person starting the server needs to know, and, loudly, every development or test
/// surface that is on.
fn print_banner(config: &ServerConfig, demo: Option<&orgdesk_core::DemoOrg>) {
    let base = &config.core.public_base_url;
    println!();
    println!("  Orgdesk is running at {base}");
    let surfaces = config.dev_surfaces();
    if !surfaces.is_empty() {
        println!();
        println!("  !! DEVELOPMENT MODE: for this machine only, never for real users. On:");
        for s in &surfaces {
            println!("  !!   {} ({})", s.what, s.variable);
        }
        tracing::warn!(
            surfaces = %surfaces.iter().map(|s| s.variable).collect::<Vec<_>>().join(", "),
            "development surfaces are on"
        );
    }
    if let Some(demo) = demo {
        println!();
        if demo.created {
            println!(
                "  Sign in as the demo admin of {}: {} / {}",
                demo.org_name, demo.admin_email, demo.admin_password
            );
            println!(
                "  The same password signs in the admin of a second organization, {} ({}): tenants are isolated.",
                orgdesk_core::seed::DEMO_NEIGHBOUR_ORG_NAME,
                orgdesk_core::seed::DEMO_NEIGHBOUR_ADMIN_EMAIL
            );
            println!("  (the password is shown this once: note it down)");
        } else {
            println!(
                "  Demo organization {}: sign in as {} with the password printed when it was created.",
                demo.org_name, demo.admin_email
            );
            if config.mail.dev_mailbox_dir().is_some() {
                println!(
                    "  Forgot it? Use \"Forgot your password?\" at {base}/sign-in and open the link at {base}/dev/mailbox."
                );
            }
        }
    }
    println!();
    match config.mail.dev_mailbox_dir() {
        Some(_) => println!("  Emails go to the dev mailbox: {base}/dev/mailbox"),
        None if config.mail.holds() => {
            println!(
                "  !! No SMTP server configured (ORGDESK_SMTP_HOST): emails wait in the outbox"
            );
            println!("  !! and are sent once the server is restarted with SMTP settings.");
            tracing::warn!("no SMTP server configured: emails wait in the outbox");
        }
        None => println!(
            "  Emails are delivered over SMTP ({})",
            config.mail.describe()
        ),
    }
    println!();
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

#[cfg(test)]
mod tests {
    use axum::serve::Listener;

    #[tokio::test]
    async fn every_accepted_connection_sends_without_nagles_delay() {
        let mut listener = super::listen(([127, 0, 0, 1], 0).into())
            .await
            .expect("a loopback port");
        let addr = listener.local_addr().expect("its address");
        let client = tokio::net::TcpStream::connect(addr).await.expect("connect");
        let (accepted, peer) = listener.accept().await;
        assert_eq!(peer, client.local_addr().expect("the client's address"));
        assert!(accepted.nodelay().expect("TCP_NODELAY readable"));
    }

    /// The refusal names a few accounts and how many more, and one command per organization:
    /// a lone account by its email, several with `--all`.
    #[test]
    fn the_refusal_names_the_accounts_and_a_command_per_organization() {
        use orgdesk_core::seed::PublishedDemoPassword;
        let account = |org: &str, email: &str| PublishedDemoPassword {
            org_name: org.to_owned(),
            email: email.to_owned(),
        };
        let mut published = vec![account("Globex Inc", "admin@globex.test")];
        for n in 1..=6 {
            published.push(account("Acme Corp", &format!("m{n}@acme.test")));
        }
        assert_eq!(
            super::demo_accounts_named(&published),
            "admin@globex.test, m1@acme.test, m2@acme.test, m3@acme.test, m4@acme.test and 2 more"
        );
        assert_eq!(
            super::demo_reset_commands(&published),
            "`orgdesk users reset --org \"Globex Inc\" --search admin@globex.test --yes`, then \
             `orgdesk users reset --org \"Acme Corp\" --all --yes`"
        );
        assert_eq!(
            super::demo_accounts_named(&published[..2]),
            "admin@globex.test, m1@acme.test"
        );
    }
}
