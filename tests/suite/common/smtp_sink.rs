//! An SMTP server for the tests: it speaks the protocol over real TCP on
//! loopback and keeps what it receives. It can be told to answer 4xx, to
//! answer 5xx, or to hang up in the middle of a message.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Accept,
    /// 451 to MAIL FROM: try again later.
    Tempfail,
    /// 550 to RCPT TO: never.
    Reject,
    /// Closes the connection after the first line of the message's data.
    CloseMidData,
}

pub struct SmtpSink {
    pub port: u16,
    mode: Arc<Mutex<Mode>>,
    received: Arc<Mutex<Vec<String>>>,
}

impl SmtpSink {
    pub fn start() -> SmtpSink {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the sink");
        let port = listener.local_addr().expect("address").port();
        let mode = Arc::new(Mutex::new(Mode::Accept));
        let received = Arc::new(Mutex::new(Vec::new()));
        let (m, r) = (mode.clone(), received.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (m, r) = (m.clone(), r.clone());
                std::thread::spawn(move || {
                    let _ = session(stream, &m, &r);
                });
            }
        });
        SmtpSink { port, mode, received }
    }

    pub fn set(&self, mode: Mode) {
        *self.mode.lock().expect("mode") = mode;
    }

    /// Every message received whole, as its raw text.
    pub fn messages(&self) -> Vec<String> {
        self.received.lock().expect("received").clone()
    }
}

fn session(stream: TcpStream, mode: &Mutex<Mode>, received: &Mutex<Vec<String>>) -> std::io::Result<()> {
    let mut out = stream.try_clone()?;
    let mut lines = BufReader::new(stream);
    out.write_all(b"220 sink ESMTP\r\n")?;
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let command = line.trim_end().to_ascii_uppercase();
        let now = *mode.lock().expect("mode");
        if command.starts_with("EHLO") || command.starts_with("HELO") {
            out.write_all(b"250-sink\r\n250 8BITMIME\r\n")?;
        } else if command.starts_with("MAIL FROM") {
            if now == Mode::Tempfail {
                out.write_all(b"451 4.3.0 try again later\r\n")?;
            } else {
                out.write_all(b"250 2.1.0 ok\r\n")?;
            }
        } else if command.starts_with("RCPT TO") {
            if now == Mode::Reject {
                out.write_all(b"550 5.1.1 no such mailbox\r\n")?;
            } else {
                out.write_all(b"250 2.1.5 ok\r\n")?;
            }
        } else if command == "DATA" {
            out.write_all(b"354 go ahead\r\n")?;
            let mut data = String::new();
            loop {
                let mut part = String::new();
                if lines.read_line(&mut part)? == 0 {
                    return Ok(());
                }
                if now == Mode::CloseMidData {
                    // Hang up with the message half read.
                    return Ok(());
                }
                if part == ".\r\n" {
                    break;
                }
                data.push_str(part.strip_prefix('.').unwrap_or(&part));
            }
            received.lock().expect("received").push(data);
            out.write_all(b"250 2.0.0 queued\r\n")?;
        } else if command == "QUIT" {
            out.write_all(b"221 2.0.0 bye\r\n")?;
            return Ok(());
        } else {
            out.write_all(b"250 ok\r\n")?;
        }
    }
}

/// A header's value as a mail client shows it: unfolded, with its
/// RFC 2047 encoded words (=?utf-8?b?…?=) decoded.
pub fn header(message: &str, name: &str) -> Option<String> {
    let head = message.split("\r\n\r\n").next()?;
    let mut value: Option<String> = None;
    for line in head.split("\r\n") {
        if let Some(v) = value.as_mut() {
            if line.starts_with(' ') || line.starts_with('\t') {
                v.push_str(line.trim_start());
                continue;
            }
            break;
        }
        if let Some(rest) = line.strip_prefix(&format!("{name}: ")) {
            value = Some(rest.to_string());
        }
    }
    value.map(|v| decode_words(&v))
}

fn decode_words(value: &str) -> String {
    use base64::Engine as _;
    let mut bytes = Vec::new();
    let mut rest = value;
    let mut after_word = false;
    while let Some(start) = rest.find("=?") {
        // Whitespace between two encoded words is not part of the text.
        if !(after_word && rest[..start].trim().is_empty()) {
            bytes.extend_from_slice(&rest.as_bytes()[..start]);
        }
        after_word = true;
        let word = &rest[start + 2..];
        let Some(end) = word.find("?=") else { break };
        let mut parts = word[..end].splitn(3, '?');
        let (_charset, encoding, text) = (parts.next(), parts.next(), parts.next().unwrap_or(""));
        if encoding.is_some_and(|e| e.eq_ignore_ascii_case("b")) {
            bytes.extend(base64::engine::general_purpose::STANDARD.decode(text).unwrap_or_default());
        } else {
            bytes.extend_from_slice(text.as_bytes());
        }
        rest = &word[end + 2..];
    }
    bytes.extend_from_slice(rest.as_bytes());
    String::from_utf8_lossy(&bytes).into_owned()
}

/// The plain-text body of a single-part message sent base64-encoded.
pub fn text_body(message: &str) -> String {
    use base64::Engine as _;
    let body: String = message.split("\r\n\r\n").nth(1).unwrap_or("").split_whitespace().collect();
    String::from_utf8_lossy(&base64::engine::general_purpose::STANDARD.decode(body).unwrap_or_default()).into_owned()
}

/// The decoded body of the part of type `content_type` (`text/plain`,
/// `text/html`) of a multipart message, as a mail client shows it.
pub fn part(message: &str, content_type: &str) -> Option<String> {
    use base64::Engine as _;
    let boundary = header(message, "Content-Type")?.split("boundary=").nth(1)?.trim_matches('"').to_string();
    for section in message.split(&format!("--{boundary}")) {
        let section = section.trim_start_matches("\r\n");
        let (head, body) = section.split_once("\r\n\r\n")?;
        if !head.to_ascii_lowercase().contains(&format!("content-type: {content_type}")) {
            continue;
        }
        let head = head.to_ascii_lowercase();
        let decoded = if head.contains("content-transfer-encoding: base64") {
            let joined: String = body.split_whitespace().collect();
            base64::engine::general_purpose::STANDARD.decode(joined).ok()?
        } else if head.contains("content-transfer-encoding: quoted-printable") {
            quoted_printable(body)
        } else {
            body.as_bytes().to_vec()
        };
        return Some(String::from_utf8_lossy(&decoded).into_owned());
    }
    None
}

fn quoted_printable(body: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len());
    let bytes = body.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'=' if bytes.get(i + 1..i + 3) == Some(b"\r\n") => i += 3,
            b'=' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok().and_then(|h| u8::from_str_radix(h, 16).ok());
                out.push(hex.unwrap_or(b'='));
                i += 3;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    out
}
