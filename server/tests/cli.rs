//! The `orgdesk` command line, run as a real process against a fresh SQLite file and a fresh
//! PostgreSQL database: create an organization, import people from a CSV file with a bad row,
//! list them, reset some from a CSV file, sign one out, suspend and reactivate one, and look at
//! the outbox.
//! The test kit's `Harness` on the same database stands in for the people who accept their
//! invitations.

use std::path::Path;
use std::process::{Command, Output};

use orgdesk_testkit::{tempdir, test_config, Harness, TestDatabase};

const PASSWORD: &str = "Quiet-Harbor-Lantern-82";

/// Runs `orgdesk args…` on `database_url`, with no SMTP server configured.
fn orgdesk(database_url: &str, args: &[&str]) -> Output {
    orgdesk_with(database_url, args, &[])
}

/// `orgdesk` with more settings in its environment.
fn orgdesk_with(database_url: &str, args: &[&str], settings: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_orgdesk"));
    command
        .args(args)
        .env("DATABASE_URL", database_url)
        .env("USER", "cli-test")
        .env("ORGDESK_PUBLIC_URL", "http://orgdesk.test");
    for smtp in [
        "ORGDESK_SMTP_HOST",
        "ORGDESK_DEV_MAILBOX",
        "ORGDESK_DEV_MAILBOX_DIR",
        "ORGDESK_MAIL_FROM",
    ] {
        command.env_remove(smtp);
    }
    command.envs(settings.iter().copied());
    command.output().expect("the orgdesk binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Runs and expects `code`; returns stdout.
fn expect(database_url: &str, args: &[&str], code: i32) -> String {
    let output = orgdesk(database_url, args);
    assert_eq!(
        output.status.code(),
        Some(code),
        "orgdesk {args:?}\nstdout:\n{}\nstderr:\n{}",
        stdout(&output),
        String::from_utf8_lossy(&output.stderr)
    );
    stdout(&output)
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write a CSV file");
    path.display().to_string()
}

async fn a_whole_organization_from_the_command_line(database: TestDatabase) {
    let h = Harness::on(database, test_config()).await;
    let url = h.database_url().to_owned();
    let dir = tempdir().expect("a temporary directory");

    expect(&url, &["migrate"], 0);
    let created = expect(
        &url,
        &[
            "org",
            "create",
            "Initech",
            "--owner",
            "olga@initech.test",
            "--owner-name",
            "Olga Owner",
        ],
        0,
    );
    assert!(
        created.contains("Created the organization Initech"),
        "{created}"
    );
    assert!(
        created.contains("http://orgdesk.test/reset-password/"),
        "no SMTP: the link is printed\n{created}"
    );
    // The same name again is refused (exit 1, the core's sentence on stderr).
    let again = orgdesk(
        &url,
        &["org", "create", "initech", "--owner", "x@initech.test"],
    );
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("already an organization"));

    let people = write(
        dir.path(),
        "people.csv",
        "name,email,role,title,department\n\
         Peter Gibbons,peter@initech.test,,Programmer,Software\n\
         Samir Nagheenanajar,samir@initech.test,member,Programmer,Software\n\
         Milton Waddams,not-an-email,,Collator,Basement\n\
         Bill Lumbergh,bill@initech.test,admin,Vice President,Management\n",
    );
    let imported = expect(
        &url,
        &["users", "import", &people, "--org", "Initech", "--invite"],
        1,
    );
    assert!(imported.contains(":4: skipped"), "{imported}");
    assert!(imported.contains("not an email"), "{imported}");
    assert!(imported.contains("3 added"), "{imported}");

    let listed = expect(&url, &["users", "list", "--org", "Initech"], 0);
    for name in [
        "Olga Owner",
        "Peter Gibbons",
        "Samir Nagheenanajar",
        "Bill Lumbergh",
    ] {
        assert!(listed.contains(name), "{name} in\n{listed}");
    }
    assert!(!listed.contains("Milton"), "{listed}");
    assert!(listed.contains("4 of 4 users"), "{listed}");
    let csv = expect(
        &url,
        &[
            "users", "list", "--org", "Initech", "--status", "invited", "--format", "csv",
        ],
        0,
    );
    assert_eq!(
        csv.lines().count(),
        5,
        "a header and four invited users\n{csv}"
    );

    // Peter and Samir accept their invitations.
    for email in ["peter@initech.test", "samir@initech.test"] {
        let user = h.user_by_email(email).await;
        let token = h.emailed_token(user.id).await;
        h.core
            .complete_reset(&token, PASSWORD, None)
            .await
            .expect("the invitation is accepted");
    }

    let leavers = write(
        dir.path(),
        "leavers.csv",
        "email\npeter@initech.test\nSAMIR@initech.test\n",
    );
    let refused = expect(
        &url,
        &["users", "reset", "--org", "Initech", "--csv", &leavers],
        1,
    );
    assert!(
        refused.contains("would reset the passwords of 2 users"),
        "{refused}"
    );
    assert_eq!(
        h.scalar("SELECT COUNT(*) AS n FROM users WHERE status = 'reset_pending'")
            .await,
        0
    );
    let reset = expect(
        &url,
        &[
            "users", "reset", "--org", "Initech", "--csv", &leavers, "--yes",
        ],
        0,
    );
    assert!(
        reset
            .lines()
            .any(|l| l.starts_with("reset") && l.split_whitespace().nth(1) == Some("2")),
        "{reset}"
    );
    let pending = expect(
        &url,
        &[
            "users",
            "list",
            "--org",
            "Initech",
            "--status",
            "reset_pending",
        ],
        0,
    );
    assert!(pending.contains("Peter Gibbons"), "{pending}");
    assert!(pending.contains("Samir Nagheenanajar"), "{pending}");
    assert!(pending.contains("2 of 2 users"), "{pending}");

    // An email with no account is an error; an invited user is skipped with the reason.
    let unknown = write(
        dir.path(),
        "unknown.csv",
        "name,email\nNobody,nobody@initech.test\nBill,bill@initech.test\n",
    );
    let partly = expect(
        &url,
        &[
            "users", "reset", "--org", "Initech", "--csv", &unknown, "--yes",
        ],
        1,
    );
    assert!(
        partly.contains("No such user in this organization."),
        "{partly}"
    );
    assert!(partly.contains("resend their invitation"), "{partly}");

    // Signed in nowhere, he is signed out of nothing; someone who isn't there is refused.
    let signed_out = expect(
        &url,
        &[
            "users",
            "sign-out",
            "peter@initech.test",
            "--org",
            "Initech",
        ],
        0,
    );
    assert!(
        signed_out.contains("peter@initech.test wasn't signed in anywhere."),
        "{signed_out}"
    );
    let nobody = orgdesk(
        &url,
        &[
            "users",
            "sign-out",
            "nobody@initech.test",
            "--org",
            "Initech",
        ],
    );
    assert_eq!(nobody.status.code(), Some(1));
    expect(
        &url,
        &["users", "suspend", "peter@initech.test", "--org", "Initech"],
        0,
    );
    let suspended = expect(
        &url,
        &["users", "list", "--org", "Initech", "--status", "suspended"],
        0,
    );
    assert!(suspended.contains("Peter Gibbons"), "{suspended}");
    let again = orgdesk(
        &url,
        &["users", "suspend", "peter@initech.test", "--org", "Initech"],
    );
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("already suspended"));
    let back = expect(
        &url,
        &[
            "users",
            "reactivate",
            "peter@initech.test",
            "--org",
            "Initech",
        ],
        0,
    );
    assert!(back.contains("reset pending"), "{back}");
    expect(
        &url,
        &[
            "users",
            "role",
            "samir@initech.test",
            "admin",
            "--org",
            "Initech",
        ],
        0,
    );
    assert_eq!(h.user_by_email("samir@initech.test").await.role, "admin");
    expect(
        &url,
        &["users", "invite", "bill@initech.test", "--org", "Initech"],
        0,
    );
    expect(
        &url,
        &[
            "users",
            "add",
            "joanna@initech.test",
            "--name",
            "Joanna",
            "--org",
            "Initech",
        ],
        0,
    );

    // The console's Export CSV files: the users to a file (the import's columns first), the
    // activity log to standard output, narrowed by kind and days.
    let people = dir.path().join("people.csv");
    let people_path = people.display().to_string();
    let said = orgdesk(
        &url,
        &[
            "users",
            "export",
            "--org",
            "Initech",
            "--output",
            &people_path,
        ],
    );
    assert_eq!(said.status.code(), Some(0));
    let users = h
        .scalar("SELECT COUNT(*) AS n FROM users WHERE email LIKE '%@initech.test'")
        .await;
    assert!(
        String::from_utf8_lossy(&said.stderr).contains(&format!("Exported {users} users to")),
        "{said:?}"
    );
    let file = std::fs::read_to_string(&people).expect("the export was written");
    let lines: Vec<&str> = file.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(
        lines[0],
        "name,email,role,title,department,status,last_sign_in,added"
    );
    assert_eq!(lines.len() as i64, users + 1, "{file}");
    assert!(
        lines
            .iter()
            .any(|l| l.contains(",samir@initech.test,admin,")),
        "{file}"
    );
    let today = chrono::Utc::now().date_naive();
    let (yesterday, tomorrow) = (
        today.pred_opt().unwrap().to_string(),
        today.succ_opt().unwrap().to_string(),
    );
    let activity = |extra: &[&str]| {
        let mut args = vec!["activity", "export", "--org", "Initech"];
        args.extend_from_slice(extra);
        orgdesk(&url, &args)
    };
    let roles = activity(&[
        "--kind",
        "role_changed",
        "--since",
        &yesterday,
        "--until",
        &tomorrow,
    ]);
    assert_eq!(roles.status.code(), Some(0));
    let roles = stdout(&roles);
    let rows: Vec<&str> = roles.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(rows[0], "time,event,kind,by,user,details,address");
    assert_eq!(rows.len(), 2, "{roles}");
    assert!(
        rows[1].contains(",role_changed,command line (cli-test),"),
        "{roles}"
    );
    let later = stdout(&activity(&["--since", &tomorrow]));
    assert_eq!(
        later.trim_start_matches('\u{feff}').lines().count(),
        1,
        "{later}"
    );
    // A day written badly is a usage error; a range that ends first is refused in words.
    assert_eq!(activity(&["--since", "2026-13-01"]).status.code(), Some(2));
    let backwards = activity(&["--since", &tomorrow, "--until", &yesterday]);
    assert_eq!(backwards.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&backwards.stderr).contains("ends"));

    let outbox = expect(&url, &["outbox", "status", "--org", "Initech"], 0);
    // Olga's, three imported, two resets, Bill's second invitation, Joanna's: nothing sent.
    assert!(outbox.contains("queued"), "{outbox}");
    assert!(outbox.contains("No SMTP server is configured"), "{outbox}");
    let retried = expect(&url, &["outbox", "retry-failed", "--org", "Initech"], 0);
    assert!(retried.contains("0 new emails"), "{retried}");

    // An API token: its secret alone on stdout, listed without it, revoked.
    let secret = expect(
        &url,
        &[
            "tokens",
            "create",
            "--org",
            "Initech",
            "--name",
            "helpdesk",
            "--scope",
            "users:read",
            "--scope",
            "resets:write",
            "--days",
            "30",
        ],
        0,
    );
    let secret = secret.trim();
    assert!(secret.starts_with("odk_") && secret.len() == 47, "{secret}");
    let tokens = expect(&url, &["tokens", "list", "--org", "Initech"], 0);
    assert!(
        tokens.contains("helpdesk") && tokens.contains("users:read resets:write"),
        "{tokens}"
    );
    assert!(
        tokens.contains("live") && !tokens.contains(secret),
        "{tokens}"
    );
    let id = tokens
        .lines()
        .find(|l| l.contains("helpdesk"))
        .and_then(|l| l.split_whitespace().next())
        .expect("the token's id")
        .to_owned();
    let revoked = expect(&url, &["tokens", "revoke", "--org", "Initech", &id], 0);
    assert!(revoked.contains("is revoked"), "{revoked}");
    let tokens = expect(&url, &["tokens", "list", "--org", "Initech"], 0);
    assert!(tokens.contains("revoked"), "{tokens}");
    assert_eq!(
        orgdesk(
            &url,
            &["tokens", "create", "--org", "Initech", "--name", "x"]
        )
        .status
        .code(),
        Some(2),
        "a token needs a scope"
    );

    // Every change was recorded as the command line's.
    assert!(
        h.scalar(
            "SELECT COUNT(*) AS n FROM activity WHERE actor_label = 'command line (cli-test)'"
        )
        .await
            >= 8
    );

    // Usage errors exit with 2; an unknown organization with 1.
    assert_eq!(orgdesk(&url, &["users", "list"]).status.code(), Some(2));
    assert_eq!(
        orgdesk(&url, &["users", "reset", "--org", "Initech"])
            .status
            .code(),
        Some(2)
    );
    let nowhere = orgdesk(&url, &["users", "list", "--org", "Nowhere"]);
    assert_eq!(nowhere.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&nowhere.stderr).contains("no organization named"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_sqlite() {
    a_whole_organization_from_the_command_line(TestDatabase::sqlite()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_postgres() {
    a_whole_organization_from_the_command_line(TestDatabase::postgres().await).await;
}

#[test]
fn help_reads_like_a_manual() {
    let help = orgdesk("sqlite::memory:", &["--help"]);
    assert_eq!(help.status.code(), Some(0));
    let help = stdout(&help);
    for part in [
        "serve",
        "migrate",
        "users",
        "activity",
        "outbox",
        "Examples:",
        "DATABASE_URL",
    ] {
        assert!(help.contains(part), "{part} in\n{help}");
    }
    let import = stdout(&orgdesk("sqlite::memory:", &["users", "import", "--help"]));
    assert!(
        import.contains("name,email,role,title,department"),
        "{import}"
    );
}

#[test]
fn a_bad_setting_is_explained_and_nothing_runs() {
    let idle = "use a whole number of minutes from 5 to 720";
    let links = "use a whole number of links per person per 15 minutes, at least 1";
    for (setting, value, advice) in [
        ("ORGDESK_SESSION_IDLE_MINUTES", "2", idle),
        ("ORGDESK_SESSION_IDLE_MINUTES", "721", idle),
        ("ORGDESK_SESSION_IDLE_MINUTES", "half an hour", idle),
        ("ORGDESK_RESEND_LIMIT", "0", links),
        ("ORGDESK_RESEND_LIMIT", "five", links),
    ] {
        let refused = orgdesk_with("sqlite::memory:", &["migrate"], &[(setting, value)]);
        let stderr = String::from_utf8_lossy(&refused.stderr);
        assert_ne!(refused.status.code(), Some(0), "{stderr}");
        assert!(
            stderr.contains(&format!("{setting}={value:?}: {advice}")),
            "{stderr}"
        );
    }
    let fine = orgdesk_with(
        "sqlite::memory:",
        &["migrate"],
        &[
            ("ORGDESK_SESSION_IDLE_MINUTES", "15"),
            ("ORGDESK_RESEND_LIMIT", "3"),
        ],
    );
    assert_eq!(
        fine.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&fine.stderr)
    );
}

/// A database seeded by an older Orgdesk (the demo on by default, its passwords in the
/// README) lets anyone in as the demo's accounts, its admin included: a deployment on it
/// refuses to start, naming the accounts and the command that closes them; once their passwords
/// are reset it starts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deployment_refuses_a_database_with_published_demo_passwords() {
    let h = Harness::on(TestDatabase::sqlite(), test_config()).await;
    let demo = h.demo().await;
    let url = h.database_url().to_owned();
    // Taken, so a server that got past its checks stops at listening instead of serving.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
    let addr = taken.local_addr().expect("its address").to_string();
    let deployed = [
        ("LEPTOS_SITE_ADDR", addr.as_str()),
        ("ORGDESK_PUBLIC_URL", "https://orgdesk.example.com"),
    ];
    let published = h.core.published_demo_passwords().await.unwrap();
    for email in ["admin@acme.test", "owner@acme.test", &demo.members[0].email] {
        assert!(
            published.iter().any(|account| account.email == email),
            "{email} in {published:?}"
        );
    }

    let refused = orgdesk_with(&url, &["serve"], &deployed);
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("refusing to start"), "{stderr}");
    assert!(stderr.contains(&published[0].email), "{stderr}");
    assert!(
        stderr.contains(&format!("and {} more", published.len() - 5)),
        "{stderr}"
    );
    assert!(stderr.contains("ORGDESK_PUBLIC_URL is https"), "{stderr}");
    assert!(
        stderr.contains("`orgdesk users reset --org \"Acme Corp\" --all --yes`"),
        "{stderr}"
    );

    // As the message says.
    let reset = ["users", "reset", "--org", "Acme Corp", "--all", "--yes"];
    expect(&url, &reset, 0);
    assert_eq!(h.core.published_demo_passwords().await.unwrap(), []);
    let checked = orgdesk_with(&url, &["serve"], &deployed);
    let stderr = String::from_utf8_lossy(&checked.stderr);
    assert!(!stderr.contains("refusing to start"), "{stderr}");
    assert!(
        stderr.contains(&format!("can't listen on {addr}")),
        "{stderr}"
    );
    drop(taken);
}
