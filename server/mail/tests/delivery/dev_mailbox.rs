//! The dev mailbox: readable files, newest first, never half written.

use orgdesk_core::OutboundEmail;
use orgdesk_mail::{dev_mailbox, DevMailbox, MailConfig, Mailer};

fn email(id: i64, to: &str, subject: &str) -> OutboundEmail {
    OutboundEmail {
        id,
        to: to.into(),
        subject: subject.into(),
        text: format!("text for {id}"),
        html: format!("<p>html for {id}</p>"),
        attempts: 0,
    }
}

#[tokio::test]
async fn the_dev_mailbox_writes_one_readable_json_file_per_message() {
    let dir = orgdesk_testkit::tempdir().unwrap();
    let mailbox_dir = dir.path().join("mailbox"); // created on first delivery
    let mailer = Mailer::from_config(&MailConfig::dev_mailbox(&mailbox_dir)).unwrap();

    mailer
        .send(&email(42, "jane@acme.test", "Reset your password"))
        .await
        .unwrap();

    let files: Vec<_> = std::fs::read_dir(&mailbox_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let name = files[0].to_str().unwrap().to_owned();
    assert!(name.ends_with("-42.json"), "{name}");
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(mailbox_dir.join(&name)).unwrap()).unwrap();
    assert_eq!(json["to"], "jane@acme.test");
    assert_eq!(json["subject"], "Reset your password");
    assert_eq!(json["text"], "text for 42");
    assert_eq!(json["html"], "<p>html for 42</p>");
    assert!(json["sent_at"].as_str().unwrap().starts_with("20"));
}

#[tokio::test]
async fn the_dev_mailbox_lists_newest_first_and_opens_one_by_id() {
    let dir = orgdesk_testkit::tempdir().unwrap();
    let mailbox = DevMailbox::new(dir.path());
    let first = mailbox
        .deliver(&email(1, "a@acme.test", "first"))
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(3)).await;
    let second = mailbox
        .deliver(&email(2, "b@acme.test", "second"))
        .await
        .unwrap();
    std::fs::write(dir.path().join("notes.txt"), "not a message").unwrap();
    std::fs::write(dir.path().join(".99-3.json.tmp"), "{half").unwrap();

    let listed = dev_mailbox::list_messages(dir.path(), 10).await.unwrap();
    assert_eq!(
        listed
            .iter()
            .map(|m| m.subject.as_str())
            .collect::<Vec<_>>(),
        ["second", "first"]
    );
    assert_eq!(
        dev_mailbox::list_messages(dir.path(), 1).await.unwrap(),
        vec![second.clone()]
    );

    let opened = dev_mailbox::read_message(dir.path(), &first.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(opened, first);
    assert_eq!(opened.text, "text for 1");
    assert_eq!(
        dev_mailbox::read_message(dir.path(), "1-999")
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        dev_mailbox::read_message(dir.path(), "../../etc/passwd")
            .await
            .unwrap(),
        None
    );
}

#[tokio::test]
async fn an_empty_or_missing_dev_mailbox_lists_nothing() {
    let dir = orgdesk_testkit::tempdir().unwrap();
    assert!(
        dev_mailbox::list_messages(dir.path().join("never-created"), 10)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn the_dev_mailbox_refuses_an_invalid_recipient_like_a_server_would() {
    let dir = orgdesk_testkit::tempdir().unwrap();
    let mailer = Mailer::from_config(&MailConfig::dev_mailbox(dir.path())).unwrap();
    let failure = mailer.send(&email(1, "nobody", "x")).await.unwrap_err();
    assert!(failure.permanent);
    assert!(dev_mailbox::list_messages(dir.path(), 10)
        .await
        .unwrap()
        .is_empty());
}
