//! Uploaded files as pure rules: which names are acceptable, whether the bytes
//! start the way their declared type does, and how a name is put in a
//! `Content-Disposition` header. No I/O.

/// The content types whose first bytes we know, with those bytes.
const SIGNATURES: [(&str, &[u8]); 5] = [
    ("application/pdf", b"%PDF-"),
    ("image/png", b"\x89PNG\r\n\x1a\n"),
    ("image/jpeg", b"\xff\xd8\xff"),
    // A .docx is a zip archive.
    ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", b"PK\x03\x04"),
    // A .doc is an OLE compound file.
    ("application/msword", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"),
];

/// The content types the service can check (and so may be configured).
pub const CHECKED_TYPES: [&str; 5] =
    [SIGNATURES[0].0, SIGNATURES[1].0, SIGNATURES[2].0, SIGNATURES[3].0, SIGNATURES[4].0];

/// The leading bytes a file of `content_type` has, if we know them.
pub fn signature_of(content_type: &str) -> Option<&'static [u8]> {
    SIGNATURES.iter().find(|(t, _)| *t == content_type).map(|(_, s)| *s)
}

/// Whether `bytes` start as a file of `content_type` does.
pub fn content_matches(content_type: &str, bytes: &[u8]) -> bool {
    signature_of(content_type).is_some_and(|s| bytes.starts_with(s))
}

/// The media type of a Content-Type header value, without parameters, in lower case.
pub fn media_type(header: &str) -> String {
    header.split(';').next().unwrap_or("").trim().to_ascii_lowercase()
}

pub const MAX_NAME_CHARS: usize = 200;

/// Why a file name was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameFault {
    Empty,
    TooLong,
    /// Control characters (CR/LF included) or characters that reorder or hide text.
    Invalid,
}

impl NameFault {
    pub fn code(self) -> &'static str {
        match self {
            NameFault::Empty => "required",
            NameFault::TooLong => "too_long",
            NameFault::Invalid => "invalid",
        }
    }

    pub fn message_zh(self) -> String {
        match self {
            NameFault::Empty => "文件名不能为空".into(),
            NameFault::TooLong => format!("文件名不能超过 {MAX_NAME_CHARS} 个字符"),
            NameFault::Invalid => "文件名不能包含控制字符、换行、文字方向控制符或零宽字符".into(),
        }
    }
}

/// The name to keep: any folder part a client sent is dropped (only the
/// last part after `/` or `\` stays), then the name must be 1 to 200
/// characters and pass the single-line rule (`validate::single_line_fault`):
/// no control, line-separator, bidirectional or zero-width characters.
pub fn clean_name(sent: &str) -> Result<String, NameFault> {
    // The one single-line rule, checked before trimming, so a trailing CR/LF is
    // refused rather than quietly dropped.
    if crate::validate::single_line_fault(sent).is_some() {
        return Err(NameFault::Invalid);
    }
    let base = sent.rsplit(['/', '\\']).next().unwrap_or("").trim();
    if base.is_empty() || base == "." || base == ".." {
        return Err(NameFault::Empty);
    }
    if base.chars().count() > MAX_NAME_CHARS {
        return Err(NameFault::TooLong);
    }
    Ok(base.to_string())
}

/// The extension of a name (after the last dot), if it has one.
pub fn extension(name: &str) -> Option<&str> {
    let (stem, ext) = name.rsplit_once('.')?;
    (!stem.is_empty() && !ext.is_empty()).then_some(ext)
}

/// `attachment; filename="<ASCII fallback>"; filename*=UTF-8''<percent-encoded>` (RFC 6266, RFC 8187).
pub fn content_disposition(name: &str) -> String {
    let fallback: String = name
        .chars()
        .map(|c| if (c.is_ascii_graphic() && c != '"' && c != '\\') || c == ' ' { c } else { '_' })
        .collect();
    let mut encoded = String::with_capacity(name.len() * 3);
    for b in name.bytes() {
        // RFC 8187 attr-char: ALPHA / DIGIT / "!" / "#" / "$" / "&" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~"
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            encoded.push(b as char);
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_are_dropped_and_bad_names_refused() {
        assert_eq!(clean_name("../../etc/passwd.pdf").unwrap(), "passwd.pdf");
        assert_eq!(clean_name("C:\\Users\\me\\提案材料.docx").unwrap(), "提案材料.docx");
        assert_eq!(clean_name("a.pdf\r\nX-Evil: 1"), Err(NameFault::Invalid));
        assert_eq!(clean_name("a.pdf\r\n"), Err(NameFault::Invalid));
        assert_eq!(clean_name("exe\u{202e}fdp.exe"), Err(NameFault::Invalid));
        assert_eq!(clean_name("dir/"), Err(NameFault::Empty));
        assert_eq!(clean_name(".."), Err(NameFault::Empty));
        assert_eq!(clean_name(&format!("{}.pdf", "长".repeat(200))), Err(NameFault::TooLong));
        assert!(clean_name(&format!("{}.pdf", "长".repeat(196))).is_ok());
    }

    #[test]
    fn extensions_need_a_stem() {
        assert_eq!(extension("report.final.PDF"), Some("PDF"));
        assert_eq!(extension(".pdf"), None);
        assert_eq!(extension("pdf"), None);
        assert_eq!(extension("a."), None);
    }

    #[test]
    fn signatures_are_checked() {
        assert!(content_matches("application/pdf", b"%PDF-1.7\n"));
        assert!(!content_matches("application/pdf", b"MZ\x90\x00"));
        assert!(content_matches("image/png", b"\x89PNG\r\n\x1a\n\0\0"));
        assert!(!content_matches("application/pdf", b"\x89PNG\r\n\x1a\n"));
        assert!(!content_matches("application/x-unknown", b"anything"));
        assert_eq!(media_type(" Application/PDF ; charset=x"), "application/pdf");
    }

    #[test]
    fn disposition_carries_the_name_safely() {
        assert_eq!(
            content_disposition("提案 \"a\".pdf"),
            "attachment; filename=\"__ _a_.pdf\"; filename*=UTF-8''%E6%8F%90%E6%A1%88%20%22a%22.pdf"
        );
    }
}
