//! Keeping personal data out of logs: SMTP servers quote the recipient in their refusals
//! (`550 5.1.1 <jane@example.com>: Recipient address rejected`), and those reasons are logged.

/// `text` with every email address replaced by `[address]`.
pub fn email_addresses(text: &str) -> String {
    let is_local = |c: char| c.is_ascii_alphanumeric() || "._%+-'".contains(c);
    let is_domain = |c: char| c.is_ascii_alphanumeric() || c == '.' || c == '-';
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '@' {
            let mut start = i;
            while start > 0 && is_local(chars[start - 1]) {
                start -= 1;
            }
            let mut end = i + 1;
            while end < chars.len() && is_domain(chars[end]) {
                end += 1;
            }
            let local_len = i - start;
            if local_len > 0 && end > i + 1 {
                // Take back the local part already copied.
                for _ in 0..local_len {
                    out.pop();
                }
                out.push_str("[address]");
                i = end;
                continue;
            }
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::email_addresses;

    #[test]
    fn addresses_are_replaced_and_the_rest_kept() {
        assert_eq!(
            email_addresses("550 5.1.1 <jane.doe+x@mail.example.com>: Recipient rejected"),
            "550 5.1.1 <[address]>: Recipient rejected"
        );
        assert_eq!(email_addresses("a@b, c@d.e"), "[address], [address]");
        assert_eq!(email_addresses("no address @ here"), "no address @ here");
        assert_eq!(email_addresses("timeout"), "timeout");
    }
}
