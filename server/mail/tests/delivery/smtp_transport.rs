//! The SMTP transport on its own: what a server's answers become, STARTTLS, TLS and AUTH
//! against a real TLS-speaking server, and the hints an operator gets when the TLS setting
//! doesn't match the server.

use std::time::Duration;

use orgdesk_core::OutboundEmail;
use orgdesk_mail::{MailConfig, Mailer, SmtpSettings, TlsMode};
use orgdesk_testkit::mime;
use orgdesk_testkit::smtp_sink::{SinkTls, SmtpSink, TEST_CA_FILE};

fn email(id: i64, to: &str) -> OutboundEmail {
    OutboundEmail {
        id,
        to: to.into(),
        subject: "Reset your Acme Inc. password".into(),
        text: "Grace Admin reset your password.\nOpen https://orgdesk.test/reset?token=abc to choose a new one.\nThe link expires in 15 minutes.".into(),
        html: "<p>Grace Admin reset your password.</p><p><a href=\"https://orgdesk.test/reset?token=abc\">Choose a new password</a></p><p>The link expires in 15 minutes – café.</p>".into(),
        attempts: 0,
    }
}

fn mailer(settings: SmtpSettings) -> Mailer {
    Mailer::from_config(&MailConfig::smtp(settings)).unwrap()
}

fn quick(mut settings: SmtpSettings) -> SmtpSettings {
    settings.timeout = Duration::from_secs(2);
    settings
}

#[tokio::test]
async fn a_message_arrives_as_text_and_html_alternatives_from_the_configured_sender() {
    let sink = SmtpSink::start().await;
    let mailer = mailer(SmtpSettings::plaintext("127.0.0.1", sink.port()));

    mailer.send(&email(1, "jane@acme.test")).await.unwrap();

    let received = sink.wait_for(1, Duration::from_secs(5)).await;
    assert_eq!(received[0].mail_from, "no-reply@orgdesk.local");
    assert_eq!(received[0].rcpt_to, vec!["jane@acme.test".to_owned()]);
    let message = mime::parse(&received[0].data);
    assert_eq!(
        message.header("Subject"),
        Some("Reset your Acme Inc. password")
    );
    assert!(message
        .header("Content-Type")
        .unwrap()
        .starts_with("multipart/alternative"));
    assert!(message
        .part("text/plain")
        .contains("Open https://orgdesk.test/reset?token=abc to choose"));
    assert!(message
        .part("text/html")
        .contains("expires in 15 minutes – café"));
}

#[tokio::test]
async fn pooled_connections_are_reused_between_messages() {
    let sink = SmtpSink::start().await;
    let mailer = mailer(SmtpSettings::plaintext("127.0.0.1", sink.port()));
    for id in 0..20 {
        mailer.send(&email(id, "jane@acme.test")).await.unwrap();
    }
    assert_eq!(sink.count(), 20);
    // A connection goes back to the pool from a spawned task, so the very next send may
    // open a second one; after that they are reused.
    assert!(
        sink.connections() <= 2,
        "{} connections for 20 messages",
        sink.connections()
    );
}

#[tokio::test]
async fn a_recipient_the_server_rejects_is_a_permanent_failure_with_the_servers_reason() {
    let sink = SmtpSink::start().await;
    sink.reject_recipient("gone@acme.test");
    let mailer = mailer(SmtpSettings::plaintext("127.0.0.1", sink.port()));

    let failure = mailer.send(&email(1, "gone@acme.test")).await.unwrap_err();

    assert!(failure.permanent, "{failure}");
    assert!(failure.reason.contains("550"), "{failure}");
    assert!(failure.reason.contains("mailbox unavailable"), "{failure}");
    // The connection stays usable for the next message.
    mailer.send(&email(2, "jane@acme.test")).await.unwrap();
    assert_eq!(sink.count(), 1);
}

#[tokio::test]
async fn an_invalid_recipient_address_is_a_permanent_failure_without_contacting_the_server() {
    let sink = SmtpSink::start().await;
    let mailer = mailer(SmtpSettings::plaintext("127.0.0.1", sink.port()));

    let failure = mailer.send(&email(1, "jane at acme")).await.unwrap_err();

    assert!(failure.permanent);
    assert!(
        failure.reason.contains("invalid recipient address"),
        "{failure}"
    );
    assert_eq!(sink.connections(), 0);
}

#[tokio::test]
async fn a_server_that_is_down_is_a_transient_failure() {
    let sink = SmtpSink::start().await;
    sink.go_down().await;
    let mailer = mailer(quick(SmtpSettings::plaintext("127.0.0.1", sink.port())));

    let failure = mailer.send(&email(1, "jane@acme.test")).await.unwrap_err();

    assert!(!failure.permanent, "{failure}");
    assert!(
        failure
            .reason
            .contains(&format!("127.0.0.1:{}", sink.port())),
        "{failure}"
    );
}

#[tokio::test]
async fn implicit_tls_against_a_plaintext_server_hints_at_the_tls_setting() {
    let sink = SmtpSink::start().await;
    let settings = SmtpSettings {
        tls: TlsMode::Tls,
        ..quick(SmtpSettings::plaintext("127.0.0.1", sink.port()))
    };

    let failure = mailer(settings)
        .send(&email(1, "jane@acme.test"))
        .await
        .unwrap_err();

    assert!(!failure.permanent, "{failure}");
    let hint = format!(
        "the server at 127.0.0.1:{} does not seem to speak TLS; try ORGDESK_SMTP_TLS=starttls or none",
        sink.port()
    );
    assert!(failure.reason.contains(&hint), "{failure}");
    assert_eq!(sink.count(), 0);
}

#[tokio::test]
async fn starttls_against_a_server_that_does_not_offer_it_hints_at_the_tls_setting() {
    let sink = SmtpSink::start().await;
    let settings = SmtpSettings {
        tls: TlsMode::StartTls,
        ..quick(SmtpSettings::plaintext("127.0.0.1", sink.port()))
    };

    let failure = mailer(settings)
        .send(&email(1, "jane@acme.test"))
        .await
        .unwrap_err();

    assert!(
        failure
            .reason
            .contains("does not offer STARTTLS; try ORGDESK_SMTP_TLS=none"),
        "{failure}"
    );
    assert_eq!(
        sink.count(),
        0,
        "nothing is sent in the clear when STARTTLS was asked for"
    );
}

#[tokio::test]
async fn plain_smtp_against_a_server_that_waits_for_a_tls_handshake_hints_at_implicit_tls() {
    // An implicit-TLS server says nothing until the client starts TLS.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let silent = tokio::spawn(async move {
        let mut held = Vec::new();
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            held.push(stream);
        }
    });
    let mut settings = SmtpSettings::plaintext("127.0.0.1", port);
    settings.timeout = Duration::from_millis(500);

    let failure = mailer(settings)
        .send(&email(1, "jane@acme.test"))
        .await
        .unwrap_err();

    assert!(!failure.permanent, "{failure}");
    assert!(
        failure.reason.contains("try ORGDESK_SMTP_TLS=tls"),
        "{failure}"
    );
    silent.abort();
}

/// Settings for the sink's TLS modes, trusting the test CA.
fn tls_settings(host: &str, port: u16, tls: TlsMode) -> SmtpSettings {
    SmtpSettings {
        tls,
        ca_file: Some(TEST_CA_FILE.into()),
        ..quick(SmtpSettings::plaintext(host, port))
    }
}

#[tokio::test]
async fn starttls_encrypts_the_session_before_authenticating_and_sending() {
    let sink = SmtpSink::start_with(SinkTls::StartTls).await;
    sink.require_auth("orgdesk", "s3cret pass");
    let settings = SmtpSettings {
        credentials: Some(("orgdesk".into(), "s3cret pass".into())),
        ..tls_settings("localhost", sink.port(), TlsMode::StartTls)
    };
    let mailer = mailer(settings);

    for id in 1..=3 {
        mailer.send(&email(id, "jane@acme.test")).await.unwrap();
    }

    let received = sink.wait_for(3, Duration::from_secs(5)).await;
    assert!(mime::parse(&received[0].data)
        .part("text/plain")
        .contains("token=abc"));
    assert_eq!(sink.encrypted_messages(), 3, "every message went over TLS");
    assert_eq!(sink.connections(), 1, "one pooled, upgraded connection");
}

#[tokio::test]
async fn implicit_tls_delivers_over_an_encrypted_connection() {
    let sink = SmtpSink::start_with(SinkTls::Implicit).await;
    let mailer = mailer(tls_settings("127.0.0.1", sink.port(), TlsMode::Tls));

    mailer.send(&email(1, "jane@acme.test")).await.unwrap();
    mailer.send(&email(2, "john@acme.test")).await.unwrap();

    sink.wait_for(2, Duration::from_secs(5)).await;
    assert_eq!(sink.encrypted_messages(), 2);
    assert_eq!(sink.connections(), 1);
}

#[tokio::test]
async fn a_certificate_no_trusted_authority_signed_is_refused_with_a_hint() {
    for (tls, mode) in [
        (SinkTls::Implicit, TlsMode::Tls),
        (SinkTls::StartTls, TlsMode::StartTls),
    ] {
        let sink = SmtpSink::start_with(tls).await;
        let settings = SmtpSettings {
            ca_file: None,
            ..tls_settings("localhost", sink.port(), mode)
        };

        let failure = mailer(settings)
            .send(&email(1, "jane@acme.test"))
            .await
            .unwrap_err();

        assert!(!failure.permanent, "an operator can fix it: {failure}");
        assert!(
            failure.reason.contains("is not trusted for \"localhost\""),
            "{mode:?}: {failure}"
        );
        assert_eq!(sink.count(), 0);
    }
}

#[tokio::test]
async fn wrong_smtp_credentials_are_a_permanent_failure_with_the_servers_answer() {
    let sink = SmtpSink::start_with(SinkTls::StartTls).await;
    sink.require_auth("orgdesk", "right");
    let settings = SmtpSettings {
        credentials: Some(("orgdesk".into(), "wrong".into())),
        ..tls_settings("localhost", sink.port(), TlsMode::StartTls)
    };

    let failure = mailer(settings)
        .send(&email(1, "jane@acme.test"))
        .await
        .unwrap_err();

    assert!(failure.permanent, "{failure}");
    assert!(
        failure.reason.contains("authentication failed"),
        "{failure}"
    );
    assert!(
        !failure.reason.contains("wrong"),
        "never the password: {failure}"
    );
    assert_eq!(sink.count(), 0);
}

#[test]
fn an_unreadable_or_empty_ca_file_is_a_setup_error_naming_the_setting() {
    let missing = SmtpSettings {
        ca_file: Some("/nonexistent/ca.pem".into()),
        ..SmtpSettings::plaintext("localhost", 587)
    };
    let error = Mailer::from_config(&MailConfig::smtp(SmtpSettings {
        tls: TlsMode::StartTls,
        ..missing
    }))
    .unwrap_err()
    .to_string();
    assert!(
        error.starts_with("ORGDESK_SMTP_CA_FILE: cannot read /nonexistent/ca.pem"),
        "{error}"
    );

    let dir = orgdesk_testkit::tempdir().unwrap();
    let empty = dir.path().join("empty.pem");
    std::fs::write(&empty, "not a certificate").unwrap();
    let error = Mailer::from_config(&MailConfig::smtp(SmtpSettings {
        tls: TlsMode::Tls,
        ca_file: Some(empty),
        ..SmtpSettings::plaintext("localhost", 465)
    }))
    .unwrap_err()
    .to_string();
    assert!(error.contains("holds no PEM certificate"), "{error}");
}
