//! The password policy, in one place: the Reset Password page runs it in wasm for the live
//! checklist and strength bar, and the server runs the very same code before hashing.

use serde::{Deserialize, Serialize};

/// Minimum length, in characters (NIST SP 800-63B asks for at least 8; we ask for 12).
pub const MIN_LENGTH: usize = 12;
/// Maximum length, in characters: argon2 copes with more, but nobody types 128 characters.
pub const MAX_LENGTH: usize = 128;

/// A small list of the passwords seen most often in breaches (lower-case). The length rule
/// already rules out most of the top lists; these are the long ones that people still pick.
const COMMON_PASSWORDS: &[&str] = &[
    "123456789012",
    "1234567890123",
    "12345678910111213",
    "qwertyuiopasdfghjkl",
    "qwertyuiop123",
    "qwerty123456",
    "qwerty12345678",
    "password1234",
    "password12345",
    "password123456",
    "passwordpassword",
    "password123!",
    "p@ssw0rd1234",
    "iloveyou1234",
    "letmein12345",
    "welcome12345",
    "welcome123456",
    "administrator",
    "administrator1",
    "changeme1234",
    "trustno11234",
    "football1234",
    "baseball1234",
    "sunshine1234",
    "princess1234",
    "superman1234",
    "monkey123456",
    "dragon123456",
    "abcdefghijkl",
    "abc123456789",
    "aaaaaaaaaaaa",
    "111111111111",
    "000000000000",
    "correcthorsebatterystaple",
    "1q2w3e4r5t6y",
    "1qaz2wsx3edc",
    "zaq12wsxcde3",
    "asdfghjkl123",
    "passw0rd1234",
    "masterpassword",
    "secretpassword",
    "mypassword123",
    "newpassword123",
    "resetpassword",
    "orgdesk12345",
];

/// The person the password is for: their email and name must not be in it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordContext {
    pub email: String,
    pub name: String,
}

/// One rule of the checklist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Rule {
    MinLength,
    MaxLength,
    NotPersonal,
    NotCommon,
    Varied,
}

impl Rule {
    pub const ALL: [Rule; 5] = [
        Rule::MinLength,
        Rule::Varied,
        Rule::NotPersonal,
        Rule::NotCommon,
        Rule::MaxLength,
    ];

    /// How the rule reads in the checklist.
    pub fn describe(self) -> String {
        match self {
            Rule::MinLength => format!("At least {MIN_LENGTH} characters"),
            Rule::MaxLength => format!("At most {MAX_LENGTH} characters"),
            Rule::NotPersonal => "Doesn't contain your email or name".to_string(),
            Rule::NotCommon => "Isn't a commonly used password".to_string(),
            Rule::Varied => "Mixes at least 2 kinds: letters, digits, symbols".to_string(),
        }
    }

    /// How the rule reads when a password breaks it.
    pub fn violation(self) -> String {
        match self {
            Rule::MinLength => format!("Use at least {MIN_LENGTH} characters."),
            Rule::MaxLength => format!("Use at most {MAX_LENGTH} characters."),
            Rule::NotPersonal => "Don't use your email address or name in the password.".into(),
            Rule::NotCommon => {
                "That password is too common; choose something less guessable.".into()
            }
            Rule::Varied => "Mix letters with digits or symbols.".into(),
        }
    }
}

/// Strength on a 0–4 scale, for the strength bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Strength {
    VeryWeak = 0,
    Weak = 1,
    Fair = 2,
    Good = 3,
    Strong = 4,
}

impl Strength {
    pub fn label(self) -> &'static str {
        match self {
            Strength::VeryWeak => "Very weak",
            Strength::Weak => "Weak",
            Strength::Fair => "Fair",
            Strength::Good => "Good",
            Strength::Strong => "Strong",
        }
    }
    pub fn score(self) -> u8 {
        self as u8
    }
}

/// The result of checking one password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assessment {
    /// Every rule, with whether it is met, in checklist order.
    pub checks: Vec<(Rule, bool)>,
    pub strength: Strength,
}

impl Assessment {
    pub fn is_acceptable(&self) -> bool {
        self.checks.iter().all(|(_, ok)| *ok)
    }
    pub fn violations(&self) -> Vec<Rule> {
        self.checks
            .iter()
            .filter(|(_, ok)| !ok)
            .map(|(r, _)| *r)
            .collect()
    }
}

/// Checks `password` against every rule.
pub fn assess(password: &str, who: &PasswordContext) -> Assessment {
    let len = password.chars().count();
    let lower = password.to_lowercase();
    let checks = Rule::ALL
        .iter()
        .map(|&rule| {
            let ok = match rule {
                Rule::MinLength => len >= MIN_LENGTH,
                Rule::MaxLength => len <= MAX_LENGTH,
                Rule::NotPersonal => !contains_personal(&lower, who),
                Rule::NotCommon => !is_common(&lower),
                Rule::Varied => character_classes(password) >= 2,
            };
            (rule, ok)
        })
        .collect::<Vec<_>>();
    let strength = strength(password, &checks);
    Assessment { checks, strength }
}

fn contains_personal(lower: &str, who: &PasswordContext) -> bool {
    let email = who.email.trim().to_lowercase();
    let local = email.split('@').next().unwrap_or_default();
    let mut parts: Vec<String> = who
        .name
        .split_whitespace()
        .map(str::to_lowercase)
        .filter(|p| p.chars().count() >= 3)
        .collect();
    if local.chars().count() >= 3 {
        parts.push(local.to_string());
    }
    if !email.is_empty() {
        parts.push(email.clone());
    }
    parts.iter().any(|p| lower.contains(p.as_str()))
}

fn is_common(lower: &str) -> bool {
    if COMMON_PASSWORDS.contains(&lower) {
        return true;
    }
    // A single character repeated, or a plain ascending run, is as common as it gets.
    let chars: Vec<char> = lower.chars().collect();
    if chars.len() >= 2 && chars.iter().all(|c| *c == chars[0]) {
        return true;
    }
    chars.len() >= 8 && chars.windows(2).all(|w| (w[1] as u32) == (w[0] as u32) + 1)
}

fn character_classes(password: &str) -> usize {
    let lower = password.chars().any(|c| c.is_lowercase());
    let upper = password.chars().any(|c| c.is_uppercase());
    let digit = password.chars().any(|c| c.is_ascii_digit());
    let other = password.chars().any(|c| !c.is_alphanumeric());
    [lower || upper, digit, other]
        .iter()
        .filter(|b| **b)
        .count()
        + usize::from(lower && upper)
}

/// A coarse entropy estimate: length × log2(alphabet), capped by the rules that failed.
fn strength(password: &str, checks: &[(Rule, bool)]) -> Strength {
    if password.is_empty() {
        return Strength::VeryWeak;
    }
    let mut alphabet = 0u32;
    if password.chars().any(|c| c.is_ascii_lowercase()) {
        alphabet += 26;
    }
    if password.chars().any(|c| c.is_ascii_uppercase()) {
        alphabet += 26;
    }
    if password.chars().any(|c| c.is_ascii_digit()) {
        alphabet += 10;
    }
    if password.chars().any(|c| !c.is_ascii_alphanumeric()) {
        alphabet += 33;
    }
    // Repeated characters add little: count distinct ones, at most the real length.
    let mut distinct: Vec<char> = password.chars().collect();
    distinct.sort_unstable();
    distinct.dedup();
    let effective = (distinct.len() as f64).max(password.chars().count() as f64 * 0.5);
    let bits = effective * f64::from(alphabet.max(1)).log2();
    let by_bits = match bits {
        b if b < 28.0 => Strength::VeryWeak,
        b if b < 45.0 => Strength::Weak,
        b if b < 60.0 => Strength::Fair,
        b if b < 80.0 => Strength::Good,
        _ => Strength::Strong,
    };
    let failed = checks.iter().any(|(_, ok)| !ok);
    if failed {
        by_bits.min(Strength::Weak)
    } else {
        by_bits.max(Strength::Fair)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jane() -> PasswordContext {
        PasswordContext {
            email: "jane.doe@example.com".into(),
            name: "Jane Doe".into(),
        }
    }

    #[test]
    fn a_long_varied_password_passes_every_rule() {
        let a = assess("Tumbling-Otter-47-Harbor", &jane());
        assert!(a.is_acceptable(), "{:?}", a.violations());
        assert!(a.strength >= Strength::Good);
    }

    #[test]
    fn short_passwords_are_refused() {
        let a = assess("Ab1!", &jane());
        assert_eq!(a.violations(), vec![Rule::MinLength]);
        assert!(a.strength <= Strength::Weak);
    }

    #[test]
    fn the_users_name_or_email_is_refused() {
        assert!(assess("JaneRocks2026!!", &jane())
            .violations()
            .contains(&Rule::NotPersonal));
        assert!(assess("x-jane.doe-2026!", &jane())
            .violations()
            .contains(&Rule::NotPersonal));
    }

    #[test]
    fn common_passwords_are_refused() {
        assert!(assess("Password1234", &jane())
            .violations()
            .contains(&Rule::NotCommon));
        assert!(assess("aaaaaaaaaaaaaa", &jane())
            .violations()
            .contains(&Rule::NotCommon));
        assert!(assess("abcdefghijklmnop", &jane())
            .violations()
            .contains(&Rule::NotCommon));
    }

    #[test]
    fn one_kind_of_character_is_not_enough() {
        assert!(assess("onlylowercaseletters", &jane())
            .violations()
            .contains(&Rule::Varied));
    }

    #[test]
    fn overlong_passwords_are_refused() {
        let long = "Ab1!".repeat(40);
        assert!(assess(&long, &jane())
            .violations()
            .contains(&Rule::MaxLength));
    }
}
