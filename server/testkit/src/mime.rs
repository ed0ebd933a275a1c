//! Just enough MIME to read what lettre sends: headers, multipart/alternative parts, and the
//! quoted-printable / base64 / 7bit transfer encodings.

use base64::Engine as _;

#[derive(Debug, Clone)]
pub struct Part {
    pub content_type: String,
    pub body: String,
}

#[derive(Debug, Clone)]
pub struct ParsedMessage {
    pub headers: Vec<(String, String)>,
    pub parts: Vec<Part>,
}

impl ParsedMessage {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    /// The decoded body of the first part whose type starts with `mime` (e.g. `text/plain`).
    pub fn part(&self, mime: &str) -> &str {
        self.parts
            .iter()
            .find(|p| p.content_type.to_ascii_lowercase().starts_with(mime))
            .map(|p| p.body.as_str())
            .unwrap_or_else(|| panic!("no {mime} part in {:?}", self.parts))
    }
}

pub fn parse(raw: &str) -> ParsedMessage {
    let raw = raw.replace("\r\n", "\n");
    let (head, body) = raw.split_once("\n\n").unwrap_or((&raw, ""));
    let headers = parse_headers(head);
    let content_type = header(&headers, "content-type")
        .unwrap_or("text/plain")
        .to_owned();
    let parts = if content_type.to_ascii_lowercase().starts_with("multipart/") {
        let boundary = parameter(&content_type, "boundary").expect("multipart without a boundary");
        split_multipart(body, &boundary)
    } else {
        vec![Part {
            content_type,
            body: decode(body, header(&headers, "content-transfer-encoding")),
        }]
    };
    ParsedMessage { headers, parts }
}

fn split_multipart(body: &str, boundary: &str) -> Vec<Part> {
    let delimiter = format!("--{boundary}");
    let mut parts = Vec::new();
    for chunk in body.split(&delimiter).skip(1) {
        if chunk.starts_with("--") {
            break;
        }
        let chunk = chunk.strip_prefix('\n').unwrap_or(chunk);
        let (head, content) = chunk.split_once("\n\n").unwrap_or((chunk, ""));
        let headers = parse_headers(head);
        let content_type = header(&headers, "content-type")
            .unwrap_or("text/plain")
            .to_owned();
        if content_type.to_ascii_lowercase().starts_with("multipart/") {
            let inner =
                parameter(&content_type, "boundary").expect("nested multipart without a boundary");
            parts.extend(split_multipart(content, &inner));
        } else {
            let content = content.strip_suffix('\n').unwrap_or(content);
            parts.push(Part {
                content_type,
                body: decode(content, header(&headers, "content-transfer-encoding")),
            });
        }
    }
    parts
}

fn parse_headers(head: &str) -> Vec<(String, String)> {
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in head.lines() {
        if line.starts_with([' ', '\t']) {
            if let Some((_, value)) = headers.last_mut() {
                value.push(' ');
                value.push_str(line.trim());
            }
        } else if let Some((name, value)) = line.split_once(':') {
            headers.push((name.trim().to_owned(), value.trim().to_owned()));
        }
    }
    headers
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

fn parameter(value: &str, name: &str) -> Option<String> {
    value.split(';').skip(1).find_map(|p| {
        let (k, v) = p.trim().split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case(name)
            .then(|| v.trim().trim_matches('"').to_owned())
    })
}

fn decode(body: &str, encoding: Option<&str>) -> String {
    match encoding.map(|e| e.to_ascii_lowercase()) {
        Some(e) if e == "quoted-printable" => decode_quoted_printable(body),
        Some(e) if e == "base64" => {
            let compact: String = body.chars().filter(|c| !c.is_whitespace()).collect();
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(compact)
                .expect("valid base64");
            String::from_utf8(bytes).expect("UTF-8 body")
        }
        _ => body.to_owned(),
    }
}

fn decode_quoted_printable(body: &str) -> String {
    let mut bytes = Vec::with_capacity(body.len());
    let mut lines = body.split('\n').peekable();
    while let Some(line) = lines.next() {
        let line = line.trim_end_matches([' ', '\t']);
        let (line, soft_break) = match line.strip_suffix('=') {
            Some(rest) => (rest, true),
            None => (line, false),
        };
        let raw = line.as_bytes();
        let mut i = 0;
        while i < raw.len() {
            if raw[i] == b'=' && i + 3 <= raw.len() {
                let hex = std::str::from_utf8(&raw[i + 1..i + 3]).unwrap_or("");
                if let Ok(byte) = u8::from_str_radix(hex, 16) {
                    bytes.push(byte);
                    i += 3;
                    continue;
                }
            }
            bytes.push(raw[i]);
            i += 1;
        }
        if !soft_break && lines.peek().is_some() {
            bytes.push(b'\n');
        }
    }
    String::from_utf8(bytes).expect("UTF-8 body")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_printable_decodes() {
        assert_eq!(
            decode_quoted_printable("caf=C3=A9 =3D ok=\nay\nnext"),
            "café = okay\nnext"
        );
    }
}
