//! Every limit that both the browser and the server know about, in one place: what the UI
//! offers is what the server accepts. The server checks them again (a browser is not trusted);
//! the UI uses them to offer only what will work.

use std::ops::RangeInclusive;

/// Rows-per-page choices of the Users table, smallest first; the first is the default.
pub const PER_PAGE_CHOICES: [u64; 4] = [25, 50, 100, 200];
/// The page size when none is asked for.
pub const DEFAULT_PER_PAGE: u64 = PER_PAGE_CHOICES[0];
/// The largest page size a request may ask for, and gets.
pub const MAX_PER_PAGE: u64 = PER_PAGE_CHOICES[PER_PAGE_CHOICES.len() - 1];
/// Events per page of the Activity page, and in the profile sidebar's Activity tab.
pub const ACTIVITY_PER_PAGE: u64 = 50;
/// The Activity page counts its filter's events exactly up to this many, then says "10,000+":
/// a log grows without end, and counting all of it on every page would slow every page with it.
pub const ACTIVITY_COUNT_CAP: u64 = 10_000;
/// No list has this many pages: a larger number is a bad request, not an empty page.
pub const MAX_PAGE: u64 = 1_000_000;

/// The longest email address (RFC 5321's limit).
pub const MAX_EMAIL_LEN: usize = 320;
/// The longest password accepted on sign-in (longer ones are refused before hashing).
pub const MAX_PASSWORD_BYTES: usize = 1024;
/// The longest search text, in characters.
pub const MAX_SEARCH_CHARS: usize = 200;
/// The longest organization or person name, in characters.
pub const MAX_NAME_CHARS: usize = 200;

/// Allowed link lifetimes, in minutes: at least 5 minutes, at most a day.
pub const LINK_LIFETIME_MINUTES: RangeInclusive<u32> = 5..=1440;
/// Lifetime of an admin-reset link in a new organization (the seed's 15 minutes).
pub const DEFAULT_ADMIN_LINK_MINUTES: u32 = 15;
/// Lifetime of a forgot-password link in a new organization.
pub const DEFAULT_FORGOT_LINK_MINUTES: u32 = 30;

/// Invitation lifetimes are chosen in days and kept in minutes.
pub const MINUTES_PER_DAY: u32 = 24 * 60;
/// Allowed invitation lifetimes, in minutes: an hour to 30 days.
pub const INVITATION_LIFETIME_MINUTES: RangeInclusive<u32> = 60..=43_200;
/// Lifetime of an invitation in a new organization: 7 days.
pub const DEFAULT_INVITATION_MINUTES: u32 = 7 * 24 * 60;

/// The largest CSV file the console's Import users accepts (about 2,500 people); the command
/// line takes any size.
pub const MAX_CONSOLE_IMPORT_BYTES: usize = 200 * 1024;

/// Users per reset call by id; the console sends larger selections in chunks of this size.
pub const MAX_IDS_PER_CALL: usize = 1000;

/// How long an API token may live, in days (from a day to a year), and what Settings offers
/// first.
pub const API_TOKEN_LIFETIME_DAYS: RangeInclusive<u32> = 1..=365;
pub const DEFAULT_API_TOKEN_DAYS: u32 = 90;
/// Longest API token name, in characters.
pub const MAX_API_TOKEN_NAME_CHARS: usize = 100;
/// Live API tokens an organization may hold at once.
pub const MAX_API_TOKENS_PER_ORG: u64 = 50;

// Checked when this crate compiles: the defaults lie within their bounds.
const _: () = {
    let mut i = 1;
    while i < PER_PAGE_CHOICES.len() {
        assert!(PER_PAGE_CHOICES[i - 1] < PER_PAGE_CHOICES[i]);
        i += 1;
    }
    assert!(ACTIVITY_PER_PAGE <= MAX_PER_PAGE);
    assert!(*LINK_LIFETIME_MINUTES.start() <= DEFAULT_ADMIN_LINK_MINUTES);
    assert!(DEFAULT_ADMIN_LINK_MINUTES <= *LINK_LIFETIME_MINUTES.end());
    assert!(*LINK_LIFETIME_MINUTES.start() <= DEFAULT_FORGOT_LINK_MINUTES);
    assert!(DEFAULT_FORGOT_LINK_MINUTES <= *LINK_LIFETIME_MINUTES.end());
    assert!(*INVITATION_LIFETIME_MINUTES.start() <= DEFAULT_INVITATION_MINUTES);
    assert!(DEFAULT_INVITATION_MINUTES <= *INVITATION_LIFETIME_MINUTES.end());
    assert!(*API_TOKEN_LIFETIME_DAYS.start() <= DEFAULT_API_TOKEN_DAYS);
    assert!(DEFAULT_API_TOKEN_DAYS <= *API_TOKEN_LIFETIME_DAYS.end());
};
