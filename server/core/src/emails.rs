//! The emails Orgdesk sends, as plain text and HTML. Every interpolated value is
//! HTML-escaped in the HTML part. Subjects say what happened and for which organization.
//! Emails with a reset link also carry "Didn't expect this? Cancel the request", which opens
//! a page that asks first (mail scanners fetch links, so following one changes nothing).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What kind of email a row of the outbox holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmailKind {
    AdminReset,
    ForgotPassword,
    PasswordChanged,
    Invitation,
}

impl EmailKind {
    pub const ALL: [EmailKind; 4] = [
        EmailKind::AdminReset,
        EmailKind::ForgotPassword,
        EmailKind::PasswordChanged,
        EmailKind::Invitation,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            EmailKind::AdminReset => "admin_reset",
            EmailKind::ForgotPassword => "forgot_password",
            EmailKind::PasswordChanged => "password_changed",
            EmailKind::Invitation => "invitation",
        }
    }
    pub fn parse(s: &str) -> Option<EmailKind> {
        EmailKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
    /// How the activity log names it, e.g. "Password reset email".
    pub fn label(self) -> &'static str {
        match self {
            EmailKind::AdminReset => "Password reset email",
            EmailKind::ForgotPassword => "Forgot-password email",
            EmailKind::PasswordChanged => "Password-changed email",
            EmailKind::Invitation => "Invitation email",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedEmail {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// An email with a link (a reset or an invitation) as the outbox queues it: what it says, in
/// a few hundred bytes of JSON, written out when it is sent. A bulk reset of 10,000 users so
/// carries no 30 MB of text and HTML through its transaction (decision 37). The link is in it,
/// so the outbox drops it once the email is sent or given up, as it drops written bodies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Letter {
    pub about: About,
    pub org_name: String,
    pub user_name: String,
    pub link: String,
    pub cancel_link: String,
    /// When it was queued: the email says "expires in 60 minutes" as of then.
    pub queued_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// What a [`Letter`] is about, and who asked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum About {
    /// An admin reset the password: named, or `None` for the command line or an API token.
    AdminReset {
        admin: Option<String>,
    },
    /// The user asked for a new admin-reset link; `admin` made the reset, when known.
    ResentReset {
        admin: Option<String>,
    },
    ForgotPassword,
    /// An invitation to set a first password, from `admin` (`None`: the command line, or the
    /// invited person asking for a new link).
    Invitation {
        admin: Option<String>,
    },
}

impl Letter {
    pub fn kind(&self) -> EmailKind {
        match self.about {
            About::AdminReset { .. } | About::ResentReset { .. } => EmailKind::AdminReset,
            About::ForgotPassword => EmailKind::ForgotPassword,
            About::Invitation { .. } => EmailKind::Invitation,
        }
    }

    /// The subject line alone, which the outbox keeps beside the letter.
    pub fn subject(&self) -> String {
        match self.about {
            About::AdminReset { .. } | About::ResentReset { .. } => {
                admin_reset_subject(&self.org_name)
            }
            About::ForgotPassword => forgot_password_subject(&self.org_name),
            About::Invitation { .. } => invitation_subject(&self.org_name),
        }
    }

    pub fn write(&self) -> RenderedEmail {
        let (org_name, user_name) = (self.org_name.as_str(), self.user_name.as_str());
        let (link, cancel_link) = (self.link.as_str(), self.cancel_link.as_str());
        let (now, expires_at) = (self.queued_at, self.expires_at);
        match &self.about {
            About::AdminReset { admin } | About::ResentReset { admin } => {
                let requested_by = match (&self.about, admin.as_deref()) {
                    (About::ResentReset { .. }, admin) => RequestedBy::UserResend { admin },
                    (_, Some(admin)) => RequestedBy::Admin(admin),
                    (_, None) => RequestedBy::Unnamed,
                };
                admin_reset(&AdminResetEmail {
                    org_name,
                    user_name,
                    requested_by,
                    link,
                    cancel_link,
                    now,
                    expires_at,
                })
            }
            About::ForgotPassword => forgot_password(&ForgotPasswordEmail {
                org_name,
                user_name,
                link,
                cancel_link,
                now,
                expires_at,
            }),
            About::Invitation { admin } => invitation(&InvitationEmail {
                org_name,
                user_name,
                invited_by: admin.as_deref(),
                link,
                now,
                expires_at,
            }),
        }
    }
}

/// The text and HTML an outbox row is sent with: its letter written out, or the bodies written
/// when it was queued. `None` when there is neither (dropped once sent or given up) or the
/// letter is one this version cannot read.
pub fn bodies(
    text: Option<String>,
    html: Option<String>,
    letter: Option<&str>,
) -> Option<(String, String)> {
    match letter {
        Some(letter) => {
            let email = serde_json::from_str::<Letter>(letter).ok()?.write();
            Some((email.text, email.html))
        }
        None => Some((text?, html.unwrap_or_default())),
    }
}

fn admin_reset_subject(org_name: &str) -> String {
    format!("Reset your {org_name} password")
}

fn forgot_password_subject(org_name: &str) -> String {
    format!("Your {org_name} password reset link")
}

fn invitation_subject(org_name: &str) -> String {
    format!("You're invited to {org_name}")
}

/// Escapes text for HTML element content and attribute values.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// "in 15 minutes (at 21:43 UTC)".
pub fn expiry_in_words(now: DateTime<Utc>, expires_at: DateTime<Utc>) -> String {
    let minutes = ((expires_at - now).num_seconds() + 59) / 60;
    if minutes >= 48 * 60 {
        let days = (minutes + 12 * 60) / (24 * 60);
        return format!(
            "in {days} days (on {} UTC)",
            expires_at.format("%Y-%m-%d at %H:%M")
        );
    }
    let span = match minutes {
        m if m <= 1 => "in 1 minute".to_owned(),
        m if m < 120 => format!("in {m} minutes"),
        m if m % 60 == 0 => format!("in {} hours", m / 60),
        m => format!("in {} hours {} minutes", m / 60, m % 60),
    };
    format!("{span} (at {} UTC)", expires_at.format("%H:%M"))
}

/// Who asked for the reset link in an admin-reset email.
#[derive(Debug, Clone, Copy)]
pub enum RequestedBy<'a> {
    /// An admin, named.
    Admin(&'a str),
    /// The user asked for a new link from the sign-in page or an expired link; the reset
    /// itself was an admin's (named when known).
    UserResend { admin: Option<&'a str> },
    /// The organization's administrators, unnamed (the command line).
    Unnamed,
}

pub struct AdminResetEmail<'a> {
    pub org_name: &'a str,
    pub user_name: &'a str,
    pub requested_by: RequestedBy<'a>,
    pub link: &'a str,
    /// Opens the page where the user can cancel the request.
    pub cancel_link: &'a str,
    pub now: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

pub fn admin_reset(e: &AdminResetEmail<'_>) -> RenderedEmail {
    let expiry = expiry_in_words(e.now, e.expires_at);
    let who = match e.requested_by {
        RequestedBy::Admin(admin) => format!("{admin}, an administrator of {},", e.org_name),
        RequestedBy::UserResend { admin: Some(admin) } => {
            format!("{admin}, an administrator of {},", e.org_name)
        }
        RequestedBy::UserResend { admin: None } | RequestedBy::Unnamed => {
            format!("An administrator of {}", e.org_name)
        }
    };
    let resent = matches!(e.requested_by, RequestedBy::UserResend { .. });
    let subject = admin_reset_subject(e.org_name);
    let intro = format!("{who} reset the password of your {} account.", e.org_name);
    let resent_line = "You asked for a new link; any earlier link no longer works.";
    let mut text = format!(
        "Hello {},\n\n{intro} Your old password no longer works.\n\n",
        e.user_name
    );
    if resent {
        text.push_str(resent_line);
        text.push_str("\n\n");
    }
    text.push_str(&format!(
        "Choose a new password here:\n{}\n\nThis link can be used once and expires {expiry}. If it has expired, \
         open it anyway and choose Resend Email, or use Resend Email on the sign-in page.\n\n\
         Didn't expect this? Cancel the request: {}\n\
         The link above then stops working. Your old password still won't work, so contact your {} administrator.\n",
        e.link, e.cancel_link, e.org_name
    ));

    let h = escape_html;
    let mut body = format!(
        "<p>Hello {},</p>\n<p>{} Your old password no longer works.</p>\n",
        h(e.user_name),
        h(&intro)
    );
    if resent {
        body.push_str(&format!("<p>{}</p>\n", h(resent_line)));
    }
    body.push_str(&format!(
        "<p><a href=\"{link}\" style=\"{BUTTON}\">Reset password</a></p>\n\
         <p>Or paste this link into your browser:<br><a href=\"{link}\">{link}</a></p>\n\
         <p>This link can be used once and expires <strong>{}</strong>. If it has expired, open it anyway and \
         choose Resend Email.</p>\n\
         <p style=\"color:#555\">Didn't expect this? <a href=\"{cancel}\">Cancel the request</a>: the link above \
         then stops working. Your old password still won't work, so contact your {} administrator.</p>\n",
        h(&expiry),
        h(e.org_name),
        link = h(e.link),
        cancel = h(e.cancel_link),
    ));
    RenderedEmail {
        subject,
        text,
        html: page(&h(e.org_name), &body),
    }
}

pub struct ForgotPasswordEmail<'a> {
    pub org_name: &'a str,
    pub user_name: &'a str,
    pub link: &'a str,
    /// Opens the page where the user can cancel the request.
    pub cancel_link: &'a str,
    pub now: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

pub fn forgot_password(e: &ForgotPasswordEmail<'_>) -> RenderedEmail {
    let expiry = expiry_in_words(e.now, e.expires_at);
    let subject = forgot_password_subject(e.org_name);
    let text = format!(
        "Hello {},\n\nSomeone (hopefully you) asked to reset the password of your {} account.\n\n\
         Choose a new password here:\n{}\n\nThis link can be used once and expires {expiry}. \
         Your current password keeps working until you set a new one.\n\n\
         Didn't expect this? Cancel the request: {}\n\
         The link above then stops working. Your current password keeps working either way.\n",
        e.user_name, e.org_name, e.link, e.cancel_link
    );
    let h = escape_html;
    let body = format!(
        "<p>Hello {},</p>\n<p>Someone (hopefully you) asked to reset the password of your {} account.</p>\n\
         <p><a href=\"{link}\" style=\"{BUTTON}\">Choose a new password</a></p>\n\
         <p>Or paste this link into your browser:<br><a href=\"{link}\">{link}</a></p>\n\
         <p>This link can be used once and expires <strong>{}</strong>. Your current password keeps working \
         until you set a new one.</p>\n\
         <p style=\"color:#555\">Didn't expect this? <a href=\"{cancel}\">Cancel the request</a>: the link above \
         then stops working. Your current password keeps working either way.</p>\n",
        h(e.user_name),
        h(e.org_name),
        h(&expiry),
        link = h(e.link),
        cancel = h(e.cancel_link),
    );
    RenderedEmail {
        subject,
        text,
        html: page(&h(e.org_name), &body),
    }
}

pub struct InvitationEmail<'a> {
    pub org_name: &'a str,
    pub user_name: &'a str,
    /// Who invited them: an admin's name, or `None` (the command line).
    pub invited_by: Option<&'a str>,
    pub link: &'a str,
    pub now: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

pub fn invitation(e: &InvitationEmail<'_>) -> RenderedEmail {
    let expiry = expiry_in_words(e.now, e.expires_at);
    let who = match e.invited_by {
        Some(admin) => format!("{admin}, an administrator of {},", e.org_name),
        None => format!("An administrator of {}", e.org_name),
    };
    let subject = invitation_subject(e.org_name);
    let text = format!(
        "Hello {},\n\n{who} invited you to your {} account.\n\n\
         Set your password here:\n{}\n\nThis link can be used once and expires {expiry}. \
         If it has expired, open it anyway to ask for a new one.\n\n\
         Didn't expect this? You can ignore this email: nothing happens until a password is set.\n",
        e.user_name, e.org_name, e.link
    );
    let h = escape_html;
    let body = format!(
        "<p>Hello {},</p>\n<p>{} invited you to your {} account.</p>\n\
         <p><a href=\"{link}\" style=\"{BUTTON}\">Set your password</a></p>\n\
         <p>Or paste this link into your browser:<br><a href=\"{link}\">{link}</a></p>\n\
         <p>This link can be used once and expires <strong>{}</strong>. If it has expired, open it anyway to ask \
         for a new one.</p>\n\
         <p style=\"color:#555\">Didn't expect this? You can ignore this email: nothing happens until a password \
         is set.</p>\n",
        h(e.user_name),
        h(&who),
        h(e.org_name),
        h(&expiry),
        link = h(e.link),
    );
    RenderedEmail {
        subject,
        text,
        html: page(&h(e.org_name), &body),
    }
}

pub struct PasswordChangedEmail<'a> {
    pub org_name: &'a str,
    pub user_name: &'a str,
    pub changed_at: DateTime<Utc>,
    pub sign_in_url: &'a str,
}

pub fn password_changed(e: &PasswordChangedEmail<'_>) -> RenderedEmail {
    let when = e.changed_at.format("%Y-%m-%d %H:%M UTC").to_string();
    let subject = format!("Your {} password was changed", e.org_name);
    let text = format!(
        "Hello {},\n\nThe password of your {} account was changed on {when}. You were signed out everywhere; \
         sign in with the new password at {}.\n\n\
         Didn't change it? Contact your {} administrator right away.\n",
        e.user_name, e.org_name, e.sign_in_url, e.org_name
    );
    let h = escape_html;
    let body = format!(
        "<p>Hello {},</p>\n<p>The password of your {} account was changed on <strong>{}</strong>. You were \
         signed out everywhere; <a href=\"{}\">sign in</a> with the new password.</p>\n\
         <p style=\"color:#555\">Didn't change it? Contact your {} administrator right away.</p>\n",
        h(e.user_name),
        h(e.org_name),
        h(&when),
        h(e.sign_in_url),
        h(e.org_name),
    );
    RenderedEmail {
        subject,
        text,
        html: page(&h(e.org_name), &body),
    }
}

const BUTTON: &str = "display:inline-block;padding:10px 18px;background:#2454d6;color:#fff;\
                      text-decoration:none;border-radius:6px;font-weight:600";

/// Wraps an already-escaped body in a minimal, mail-client-friendly page.
fn page(org_name_html: &str, body: &str) -> String {
    format!(
        "<!doctype html>\n<html><body style=\"font-family:system-ui,-apple-system,Segoe UI,sans-serif;\
         font-size:15px;line-height:1.5;color:#1b1b1f;max-width:560px;margin:0 auto;padding:24px\">\n\
         <p style=\"font-weight:700;font-size:17px\">{org_name_html}</p>\n{body}</body></html>\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 6, 1, h, m, 0)
            .single()
            .unwrap_or_default()
    }

    #[test]
    fn the_admin_reset_email_names_the_org_the_admin_the_link_and_the_expiry() {
        let email = admin_reset(&AdminResetEmail {
            org_name: "Acme <Corp>",
            user_name: "Jane \"JD\" Doe",
            requested_by: RequestedBy::Admin("Ada Admin"),
            link: "https://x.test/reset-password/abc?x=1&y=2",
            cancel_link: "https://x.test/reset-password/abc/cancel",
            now: at(21, 28),
            expires_at: at(21, 43),
        });
        assert_eq!(email.subject, "Reset your Acme <Corp> password");
        assert!(email
            .text
            .contains("Ada Admin, an administrator of Acme <Corp>,"));
        assert!(email.text.contains("in 15 minutes (at 21:43 UTC)"));
        assert!(email
            .text
            .contains("https://x.test/reset-password/abc?x=1&y=2"));
        assert!(email.html.contains("Acme &lt;Corp&gt;"));
        assert!(email.html.contains("Jane &quot;JD&quot; Doe"));
        assert!(email
            .html
            .contains("href=\"https://x.test/reset-password/abc?x=1&amp;y=2\""));
        assert!(!email.html.contains("<Corp>"));
        assert!(email
            .html
            .contains("contact your Acme &lt;Corp&gt; administrator"));
    }

    #[test]
    fn the_admin_reset_email_offers_to_cancel_the_request_in_both_parts() {
        let email = admin_reset(&AdminResetEmail {
            org_name: "Acme Corp",
            user_name: "Jane",
            requested_by: RequestedBy::UserResend { admin: None },
            link: "https://x.test/reset-password/abc",
            cancel_link: "https://x.test/reset-password/abc/cancel?a=1&b=2",
            now: at(10, 0),
            expires_at: at(10, 15),
        });
        assert!(email.text.contains(
            "Didn't expect this? Cancel the request: https://x.test/reset-password/abc/cancel?a=1&b=2\n"
        ));
        assert!(email.text.contains(
            "Your old password still won't work, so contact your Acme Corp administrator."
        ));
        assert!(email.html.contains(
            "<a href=\"https://x.test/reset-password/abc/cancel?a=1&amp;b=2\">Cancel the request</a>"
        ));
        // The link to choose a password comes first: people (and tests) look for it there.
        for part in [&email.text, &email.html] {
            let choose = part.find("/reset-password/abc").unwrap_or(usize::MAX);
            let cancel = part.find("/reset-password/abc/cancel").unwrap_or(0);
            assert!(choose < cancel, "{part}");
        }
    }

    #[test]
    fn the_forgot_password_email_says_the_current_password_keeps_working() {
        let email = forgot_password(&ForgotPasswordEmail {
            org_name: "Acme Corp",
            user_name: "Jane",
            link: "http://l/reset-password/t",
            cancel_link: "http://l/reset-password/t/cancel",
            now: at(10, 0),
            expires_at: at(10, 30),
        });
        assert!(email.text.contains("current password keeps working"));
        assert!(email.text.contains("in 30 minutes (at 10:30 UTC)"));
    }

    #[test]
    fn the_forgot_password_email_offers_to_cancel_the_request_in_both_parts() {
        let email = forgot_password(&ForgotPasswordEmail {
            org_name: "Acme Corp",
            user_name: "Jane",
            link: "http://l/reset-password/t",
            cancel_link: "http://l/reset-password/t/cancel",
            now: at(10, 0),
            expires_at: at(10, 30),
        });
        assert!(email.text.contains(
            "Didn't expect this? Cancel the request: http://l/reset-password/t/cancel\n"
        ));
        assert!(email
            .text
            .contains("Your current password keeps working either way."));
        assert!(email
            .html
            .contains("<a href=\"http://l/reset-password/t/cancel\">Cancel the request</a>"));
    }

    #[test]
    fn expiry_reads_in_hours_for_long_links() {
        assert_eq!(
            expiry_in_words(at(10, 0), at(12, 0)),
            "in 2 hours (at 12:00 UTC)"
        );
        assert_eq!(
            expiry_in_words(at(10, 0), at(10, 1)),
            "in 1 minute (at 10:01 UTC)"
        );
    }
}
