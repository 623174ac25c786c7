//! A visitor of the pages as a browser is one: it keeps the cookies the
//! service sets, follows nothing by itself, and posts forms with the token
//! the page it came from carries.

#![allow(dead_code)]

use std::cell::RefCell;
use std::collections::BTreeMap;

use actix_web::http::{Method, StatusCode, header};
use actix_web::test::TestRequest;

use super::{PASSWORD, Reply, TestApp, TestUser};

pub struct PageVisitor<'a> {
    app: &'a TestApp,
    cookies: RefCell<BTreeMap<String, String>>,
}

/// A page as a visitor gets it.
pub struct Page {
    pub status: StatusCode,
    pub html: String,
    pub location: Option<String>,
    pub reply: Reply,
}

impl Page {
    /// The form token the page's forms carry.
    pub fn csrf(&self) -> String {
        let marker = "name=\"csrf\" value=\"";
        let start = self.html.find(marker).unwrap_or_else(|| panic!("no form token in {}", self.html)) + marker.len();
        let end = self.html[start..].find('"').expect("end of the token") + start;
        self.html[start..end].to_string()
    }

    /// The value of the page's first field named `name` (a hidden version, an assignment id).
    pub fn input(&self, name: &str) -> String {
        let marker = format!("name=\"{name}\" value=\"");
        let start =
            self.html.find(&marker).unwrap_or_else(|| panic!("no field {name} in {}", self.html)) + marker.len();
        let end = self.html[start..].find('"').expect("end of the value") + start;
        // As a browser reads the attribute.
        self.html[start..end]
            .replace("&quot;", "\"")
            .replace("&#x27;", "'")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&#38;", "&")
            .replace("&#34;", "\"")
            .replace("&#39;", "'")
            .replace("&amp;", "&")
    }

    pub fn assert_shows(&self, text: &str) {
        assert!(self.html.contains(text), "the page does not show {text:?}:\n{}", self.html);
    }

    pub fn assert_hides(&self, text: &str) {
        assert!(!self.html.contains(text), "the page shows {text:?}:\n{}", self.html);
    }

    pub fn assert_redirects_to(&self, to: &str) {
        assert_eq!(self.status, StatusCode::SEE_OTHER, "{}", self.html);
        assert_eq!(self.location.as_deref(), Some(to));
    }
}

impl<'a> PageVisitor<'a> {
    pub fn new(app: &'a TestApp) -> PageVisitor<'a> {
        PageVisitor { app, cookies: RefCell::new(BTreeMap::new()) }
    }

    /// A visitor signed in through the sign-in page.
    pub async fn signed_in(app: &'a TestApp, user: &TestUser) -> PageVisitor<'a> {
        let visitor = PageVisitor::new(app);
        let page = visitor.sign_in(&user.username, PASSWORD).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "signing in: {}", page.html);
        visitor
    }

    pub async fn sign_in(&self, username: &str, password: &str) -> Page {
        let form = self.get("/sign-in").await;
        self.post("/sign-in", &[("csrf", &form.csrf()), ("username", username), ("password", password)]).await
    }

    pub fn cookie(&self, name: &str) -> Option<String> {
        self.cookies.borrow().get(name).cloned()
    }

    pub fn set_cookie(&self, name: &str, value: &str) {
        self.cookies.borrow_mut().insert(name.into(), value.into());
    }

    /// Takes `action` on the proposal from its page, with the fields given
    /// and the form token and version the page carries; the page must come
    /// back saying it was done.
    pub async fn act(&self, id: &str, action: &str, fields: &[(&str, &str)]) -> Page {
        self.act_at(&format!("/proposals/{id}"), id, action, fields).await
    }

    /// [`act`](Self::act) from the page at `page` (the proposal's page with a search, say).
    pub async fn act_at(&self, page: &str, id: &str, action: &str, fields: &[(&str, &str)]) -> Page {
        let page = self.get(page).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.html);
        assert!(
            page.html.contains(&format!("/proposals/{id}/act/{action}\"")),
            "the page offers no form for {action}:\n{}",
            page.html
        );
        let (csrf, version) = (page.csrf(), page.input("version"));
        let mut all: Vec<(&str, &str)> = vec![("csrf", &csrf), ("version", &version)];
        all.extend_from_slice(fields);
        let done = self.post(&format!("/proposals/{id}/act/{action}"), &all).await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{action} refused:\n{}", done.html);
        let back = self.get(done.location.as_deref().expect("a location")).await;
        back.assert_shows("已完成：");
        back
    }

    /// The same, for a form the page refuses: the page as shown again.
    pub async fn refused(&self, id: &str, action: &str, fields: &[(&str, &str)]) -> Page {
        let page = self.get(&format!("/proposals/{id}")).await;
        let (csrf, version) = (page.csrf(), page.input("version"));
        let mut all: Vec<(&str, &str)> = vec![("csrf", &csrf), ("version", &version)];
        all.extend_from_slice(fields);
        let shown = self.post(&format!("/proposals/{id}/act/{action}"), &all).await;
        assert!(shown.status.is_client_error(), "{action} was not refused: {}", shown.status);
        shown
    }

    pub async fn get(&self, path: &str) -> Page {
        self.send(TestRequest::default().method(Method::GET).uri(path)).await
    }

    /// A GET that sends these headers too (If-None-Match, …).
    pub async fn get_with(&self, path: &str, headers: &[(header::HeaderName, &str)]) -> Page {
        let mut request = TestRequest::default().method(Method::GET).uri(path);
        for (name, value) in headers {
            request = request.insert_header((name.clone(), value.to_string()));
        }
        self.send(request).await
    }

    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        let body = serde_urlencoded(fields);
        let request = TestRequest::default()
            .method(Method::POST)
            .uri(path)
            .insert_header((header::CONTENT_TYPE, "application/x-www-form-urlencoded"))
            .set_payload(body);
        self.send(request).await
    }

    /// Posts a form with one file (multipart/form-data), as a file field sends it.
    pub async fn post_file(&self, path: &str, fields: &[(&str, &str)], file: (&str, &str, &[u8])) -> Page {
        let boundary = "pd-test-boundary-7d1c";
        let mut body = Vec::new();
        for (name, value) in fields {
            body.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                    .as_bytes(),
            );
        }
        let (file_name, content_type, bytes) = file;
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: {content_type}\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let request = TestRequest::default()
            .method(Method::POST)
            .uri(path)
            .insert_header((header::CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}")))
            .set_payload(body);
        self.send(request).await
    }

    async fn send(&self, mut request: TestRequest) -> Page {
        let cookies: Vec<String> = self.cookies.borrow().iter().map(|(k, v)| format!("{k}={v}")).collect();
        if !cookies.is_empty() {
            request = request.insert_header((header::COOKIE, cookies.join("; ")));
        }
        let reply = self.app.call(request).await;
        for value in reply.headers.get_all(header::SET_COOKIE) {
            let value = value.to_str().expect("ASCII cookie");
            let pair = value.split(';').next().unwrap_or_default();
            if let Some((name, v)) = pair.split_once('=') {
                let removed = value.contains("Max-Age=0") || v.is_empty();
                if removed {
                    self.cookies.borrow_mut().remove(name);
                } else {
                    self.cookies.borrow_mut().insert(name.to_string(), v.to_string());
                }
            }
        }
        let location = reply.headers.get(header::LOCATION).and_then(|v| v.to_str().ok()).map(str::to_string);
        Page { status: reply.status, html: reply.text.clone(), location, reply }
    }
}

fn serde_urlencoded(fields: &[(&str, &str)]) -> String {
    fields.iter().map(|(k, v)| format!("{}={}", encode(k), encode(v))).collect::<Vec<_>>().join("&")
}

pub fn encode(value: &str) -> String {
    let mut out = String::new();
    for b in value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}
