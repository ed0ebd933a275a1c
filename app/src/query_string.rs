//! Building query strings for links and redirects, the same on the server and in wasm.

/// Percent-encodes `value` for a query string: everything but RFC 3986's unreserved
/// characters is escaped, byte by byte.
pub fn encode_value(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::encode_value;

    #[test]
    fn reserved_and_non_ascii_characters_are_escaped() {
        assert_eq!(encode_value("jane.doe@acme.test"), "jane.doe%40acme.test");
        assert_eq!(encode_value("a b&c=d"), "a%20b%26c%3Dd");
        assert_eq!(encode_value("Zoë"), "Zo%C3%AB");
    }
}
