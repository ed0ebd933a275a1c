//! The browser's panic report: what the wasm front end sends the server when it panics, so a
//! crash in someone's tab shows up in the server log (`POST PATH`, a plain-text body).

/// Where the browser posts the report.
pub const PATH: &str = "/client-panic";

/// The largest report the server reads; the browser truncates to this before sending.
pub const MAX_BYTES: usize = 2048;

/// Cuts `text` to at most `MAX_BYTES` bytes, on a character boundary.
pub fn truncate(text: &str) -> &str {
    if text.len() <= MAX_BYTES {
        return text;
    }
    let mut end = MAX_BYTES;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncation_keeps_whole_characters() {
        assert_eq!(truncate("short"), "short");
        let long = "é".repeat(MAX_BYTES);
        let cut = truncate(&long);
        assert!(cut.len() <= MAX_BYTES && cut.len() > MAX_BYTES - 2);
        assert!(cut.chars().all(|c| c == 'é'));
    }
}
