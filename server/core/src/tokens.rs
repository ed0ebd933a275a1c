//! The secrets in session cookies and reset links: 256 random bits from the operating
//! system's CSPRNG, base64url without padding. Only their SHA-256 is ever stored.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::rngs::OsRng;
use rand::TryRngCore;
use sha2::{Digest, Sha256};

use crate::CoreError;

/// Length of an encoded token: 32 bytes in base64 without padding.
pub(crate) const TOKEN_LEN: usize = 43;

pub(crate) struct Token {
    /// Goes to the person (cookie or emailed link), never into the database or the logs.
    pub plain: String,
    pub hash: String,
}

pub(crate) fn new_token() -> Result<Token, CoreError> {
    let mut bytes = [0u8; 32];
    OsRng.try_fill_bytes(&mut bytes).map_err(|e| {
        CoreError::Internal(format!("the operating system's random source failed: {e}"))
    })?;
    let plain = URL_SAFE_NO_PAD.encode(bytes);
    let hash = hash_token(&plain);
    Ok(Token { plain, hash })
}

pub(crate) fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Whether `token` could be one of ours; anything else is answered without a query.
pub(crate) fn is_well_formed(token: &str) -> bool {
    token.len() == TOKEN_LEN
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A password for the demo organization: 16 characters from an unambiguous alphabet (80 bits)
/// in groups of four, easy to copy from a terminal.
pub(crate) fn new_demo_password() -> Result<String, CoreError> {
    const ALPHABET: &[u8; 32] = b"abcdefghijkmnpqrstuvwxyz23456789";
    let mut bytes = [0u8; 16];
    OsRng.try_fill_bytes(&mut bytes).map_err(|e| {
        CoreError::Internal(format!("the operating system's random source failed: {e}"))
    })?;
    let mut out = String::with_capacity(19);
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 && i % 4 == 0 {
            out.push('-');
        }
        // 256 is a multiple of 32: no modulo bias.
        out.push(ALPHABET[(*b % 32) as usize] as char);
    }
    Ok(out)
}
