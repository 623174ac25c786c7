//! The words of every email, one folder per message under config/mail/
//! (`subject.txt`, `text.txt`, `html.html`), rendered with minijinja. The
//! folders shipped with a release are built in; `mail.templates_dir` names a
//! folder whose files replace them one by one, so an office rewords a message
//! without a new release. Everything is checked at start-up: an unknown
//! folder or file, a syntax error or a placeholder that does not exist stops
//! start-up with the file (and the line), never an action later.

use std::collections::BTreeMap;
use std::path::Path;

use minijinja::{Environment, UndefinedBehavior, Value};

use crate::domain::notices::Notice;

/// The three parts of a message folder.
const PARTS: [&str; 3] = ["subject.txt", "text.txt", "html.html"];

macro_rules! built_in {
    ($($name:literal),* $(,)?) => {
        &[$((
            $name,
            [
                include_str!(concat!("../../config/mail/", $name, "/subject.txt")),
                include_str!(concat!("../../config/mail/", $name, "/text.txt")),
                include_str!(concat!("../../config/mail/", $name, "/html.html")),
            ],
        )),*]
    };
}

/// Every message, as (folder, [subject, text, html]); a test checks that this
/// list, the folders of config/mail and the notices agree.
const BUILT_IN: &[(&str, [&str; 3])] = built_in![
    "invited",
    "submitted",
    "filed",
    "refused",
    "converted",
    "merged",
    "assigned",
    "replied",
    "rehandling",
    "published",
    "withheld",
    "unit_assigned",
    "unit_rehandling",
    "request_decided",
    "request_received",
    "unsatisfied",
    "key_replied",
    "key_rated",
    "reminder_soon",
    "reminder_today",
    "reminder_overdue",
    "overdue_escalated",
    "deadline_moved",
    "digest",
];

/// Parts every message shares: the HTML frame and the plain text's last lines.
const SHARED: [(&str, &str); 2] = [
    ("_layout.html", include_str!("../../config/mail/_layout.html")),
    ("_footer.txt", include_str!("../../config/mail/_footer.txt")),
];

/// The folder of the digest (摘要) message.
pub const DIGEST: &str = "digest";

/// What a notice's templates may name. `link` is the page of the proposal,
/// `provisional` is set when `date` may still move (its year's calendar is
/// not published).
pub const NOTICE_VALUES: [&str; 10] =
    ["kind", "title", "label", "name", "reason", "date", "days", "previous", "link", "provisional"];

/// A message ready to be written: the in-app notice shows `subject` and
/// `body`; the email has `subject`, `text` (the body and the shared footer)
/// and `html`.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    pub subject: String,
    pub body: String,
    pub text: String,
    pub html: String,
}

/// One line of a digest.
#[derive(Debug, Clone)]
pub struct DigestItem {
    pub subject: String,
    pub body: String,
}

pub struct MailTemplates {
    env: Environment<'static>,
    public_url: String,
}

impl std::fmt::Debug for MailTemplates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailTemplates").field("public_url", &self.public_url).finish_non_exhaustive()
    }
}

impl Default for MailTemplates {
    /// The built-in templates with links left out (a settings value not yet loaded).
    fn default() -> Self {
        // The built-in templates are part of the build and checked by its tests.
        Self::load(None, "").expect("the built-in mail templates")
    }
}

impl MailTemplates {
    /// The built-in templates, then the files of `dir` in their place; every
    /// message is rendered once with sample values to find a wrong placeholder
    /// now. Links start with `public_url`.
    pub fn load(dir: Option<&Path>, public_url: &str) -> anyhow::Result<Self> {
        let mut sources: BTreeMap<String, String> = BTreeMap::new();
        for (folder, parts) in BUILT_IN {
            for (part, text) in PARTS.iter().zip(parts) {
                sources.insert(format!("{folder}/{part}"), (*text).to_string());
            }
        }
        for (name, text) in SHARED {
            sources.insert(name.to_string(), text.to_string());
        }
        if let Some(dir) = dir {
            for (name, text) in read_folder(dir)? {
                sources.insert(name, text);
            }
        }
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        for (name, text) in sources {
            let shown = dir.map(|d| d.join(&name).display().to_string()).unwrap_or_else(|| name.clone());
            env.add_template_owned(name, text)
                .map_err(|e| anyhow::anyhow!("mail template {shown}: {}", explain(&e)))?;
        }
        let templates = MailTemplates { env, public_url: public_url.trim_end_matches('/').to_string() };
        templates.check()?;
        Ok(templates)
    }

    /// The address of a page of the service: `public_url` followed by `path`.
    pub fn link(&self, path: &str) -> String {
        format!("{}{path}", self.public_url)
    }

    /// The words of `notice` with these values (a name not given is empty).
    pub fn notice(&self, notice: Notice, values: &BTreeMap<&'static str, String>) -> anyhow::Result<Rendered> {
        let mut context: BTreeMap<&str, Value> = NOTICE_VALUES.iter().map(|name| (*name, Value::from(""))).collect();
        for (name, value) in values {
            context.insert(name, Value::from(value.as_str()));
        }
        if let Some(link) = values.get("link") {
            context.insert("link", as_href(link));
        }
        self.render(notice.as_str(), context)
    }

    /// The digest of `items`; `period` is 每日 or 每周.
    pub fn digest(&self, period: &str, items: &[DigestItem]) -> anyhow::Result<Rendered> {
        let items: Vec<Value> = items
            .iter()
            .map(|item| {
                let map: BTreeMap<&str, Value> =
                    [("subject", Value::from(item.subject.as_str())), ("body", Value::from(item.body.as_str()))]
                        .into_iter()
                        .collect();
                Value::from(map)
            })
            .collect();
        let context: BTreeMap<&str, Value> = [
            ("period", Value::from(period)),
            ("items", Value::from(items)),
            ("link", as_href(&self.link("/notices"))),
            ("date", Value::from("")),
            ("provisional", Value::from("")),
        ]
        .into_iter()
        .collect();
        self.render(DIGEST, context)
    }

    fn render(&self, folder: &str, mut context: BTreeMap<&str, Value>) -> anyhow::Result<Rendered> {
        let part = |context: &BTreeMap<&str, Value>, name: &str| -> anyhow::Result<String> {
            let template = self.env.get_template(name).map_err(|e| anyhow::anyhow!("mail template {name}: {e}"))?;
            template.render(context).map_err(|e| anyhow::anyhow!("mail template {name}: {}", explain(&e)))
        };
        // A header is one line: the subject's line breaks become spaces.
        let subject =
            part(&context, &format!("{folder}/subject.txt"))?.split_whitespace().collect::<Vec<_>>().join(" ");
        let body = part(&context, &format!("{folder}/text.txt"))?.trim().to_string();
        let footer = part(&context, "_footer.txt")?;
        let footer = footer.lines().map(str::trim_end).filter(|l| !l.is_empty()).collect::<Vec<_>>().join("\n");
        let text = format!("{body}\n\n{footer}\n");
        context.insert("subject", Value::from(subject.as_str()));
        let html = part(&context, &format!("{folder}/html.html"))?;
        Ok(Rendered { subject, body, text, html })
    }

    /// Renders every message once with every value set.
    fn check(&self) -> anyhow::Result<()> {
        let sample: BTreeMap<&'static str, String> =
            NOTICE_VALUES.iter().map(|name| (*name, format!("<{name}>"))).collect();
        for notice in Notice::ALL {
            self.notice(*notice, &sample)?;
        }
        self.digest("每日", &[DigestItem { subject: "<subject>".into(), body: "<body>".into() }])?;
        Ok(())
    }
}

/// The files of an office's template folder, by template name. A file or
/// folder that is no template is refused rather than silently ignored.
fn read_folder(dir: &Path) -> anyhow::Result<Vec<(String, String)>> {
    let read = |path: &Path| std::fs::read_to_string(path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()));
    let entries = std::fs::read_dir(dir).map_err(|e| anyhow::anyhow!("mail.templates_dir {}: {e}", dir.display()))?;
    let mut found = Vec::new();
    for entry in entries.filter_map(Result::ok) {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().to_string();
        if SHARED.iter().any(|(shared, _)| *shared == name) {
            found.push((name, read(&path)?));
        } else if path.is_dir() && BUILT_IN.iter().any(|(folder, _)| *folder == name) {
            let files = std::fs::read_dir(&path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
            for file in files.filter_map(Result::ok) {
                let part = file.file_name().to_string_lossy().to_string();
                if !PARTS.contains(&part.as_str()) {
                    anyhow::bail!(
                        "mail template {}: not a part of a message (expected {})",
                        file.path().display(),
                        PARTS.join(", ")
                    );
                }
                found.push((format!("{name}/{part}"), read(&file.path())?));
            }
        } else {
            let known: Vec<&str> = BUILT_IN.iter().map(|(folder, _)| *folder).collect();
            anyhow::bail!(
                "mail template {}: not a message of the service (known: {}, _layout.html, _footer.txt)",
                path.display(),
                known.join(", ")
            );
        }
    }
    found.sort();
    Ok(found)
}

/// A link as it is written into `href`: unescaped (HTML escaping would turn
/// each `/` into `&#x2f;`) when it holds nothing HTML gives a meaning to.
fn as_href(link: &str) -> Value {
    if link.contains(['<', '>', '"', '\'', '&']) {
        Value::from(link)
    } else {
        Value::from_safe_string(link.to_string())
    }
}

/// A template error with its line, without the engine's debug dump.
fn explain(e: &minijinja::Error) -> String {
    match e.line() {
        Some(line) => format!("line {line}: {}", e.detail().unwrap_or(&e.kind().to_string())),
        None => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values() -> BTreeMap<&'static str, String> {
        let mut v = BTreeMap::new();
        v.insert("kind", "提案".to_string());
        v.insert("title", "关于加强<老旧>小区改造的建议".to_string());
        v.insert("label", "一届一次会议第3号提案".to_string());
        v.insert("name", "区住房和城乡建设局".to_string());
        v.insert("date", "2027-03-31".to_string());
        v.insert("reason", "答复".to_string());
        v.insert("link", "http://desk.example/proposals/p1".to_string());
        v
    }

    #[test]
    fn every_notice_has_a_folder_and_every_folder_is_a_message() {
        let listed: Vec<&str> = BUILT_IN.iter().map(|(folder, _)| *folder).collect();
        let mut expected: Vec<&str> = Notice::ALL.iter().map(|n| n.as_str()).collect();
        expected.push(DIGEST);
        let (mut a, mut b) = (listed.clone(), expected);
        a.sort();
        b.sort();
        assert_eq!(a, b, "the built-in list and the notices disagree");
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/mail");
        let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
            .expect("config/mail")
            .filter_map(Result::ok)
            .filter(|e| e.path().is_dir())
            .map(|e| e.file_name().to_string_lossy().to_string())
            .collect();
        on_disk.sort();
        assert_eq!(on_disk, a, "config/mail holds a folder the binary does not build in, or lacks one");
    }

    #[test]
    fn a_notice_names_its_proposal_deadline_and_link_in_every_part() {
        let t = MailTemplates::load(None, "http://desk.example/").expect("built in");
        let r = t.notice(Notice::UnitAssigned, &values()).expect("rendered");
        assert_eq!(r.subject, "交办通知：一届一次会议第3号提案");
        assert!(r.body.contains("《关于加强<老旧>小区改造的建议》") && r.body.contains("2027-03-31"), "{}", r.body);
        assert!(r.text.starts_with(&r.body) && r.text.contains("http://desk.example/proposals/p1"), "{}", r.text);
        assert!(!r.text.contains("暂按普通工作日"), "not provisional: {}", r.text);
        assert!(r.html.contains("&lt;老旧&gt;") && !r.html.contains("<老旧>"), "HTML escapes the title");
        assert!(r.html.contains("href=\"http://desk.example/proposals/p1\"") && r.html.contains("2027-03-31"));
        assert!(r.html.contains("<title>交办通知：一届一次会议第3号提案</title>"));
    }

    #[test]
    fn a_provisional_date_says_it_may_move() {
        let t = MailTemplates::load(None, "http://desk.example").expect("built in");
        let mut v = values();
        v.insert("provisional", "1".into());
        let r = t.notice(Notice::UnitAssigned, &v).expect("rendered");
        assert!(r.text.contains("暂按普通工作日计算"), "{}", r.text);
        assert!(r.html.contains("暂按普通工作日计算"), "{}", r.html);
    }

    #[test]
    fn an_office_folder_replaces_one_part_and_a_wrong_one_is_refused_with_its_file() {
        let dir = std::env::temp_dir().join(format!("pd-mail-templates-{}", crate::ids::new_id()));
        std::fs::create_dir_all(dir.join("filed")).expect("dir");
        std::fs::write(dir.join("filed/subject.txt"), "【立案】{{ label }}").expect("write");
        let t = MailTemplates::load(Some(&dir), "http://desk.example").expect("loaded");
        assert_eq!(t.notice(Notice::Filed, &values()).expect("rendered").subject, "【立案】一届一次会议第3号提案");
        assert!(t.notice(Notice::Filed, &values()).expect("rendered").body.contains("已立案"), "text stays built in");

        std::fs::write(dir.join("filed/subject.txt"), "立案\n{{ number }}").expect("write");
        let err = MailTemplates::load(Some(&dir), "").unwrap_err().to_string();
        assert!(err.contains("filed/subject.txt") && err.contains("line 2"), "{err}");

        std::fs::write(dir.join("filed/subject.txt"), "{% if %}").expect("write");
        let err = MailTemplates::load(Some(&dir), "").unwrap_err().to_string();
        assert!(err.contains("filed/subject.txt"), "{err}");

        std::fs::write(dir.join("filed/subject.txt"), "{{ label }}").expect("write");
        std::fs::create_dir_all(dir.join("fild")).expect("dir");
        let err = MailTemplates::load(Some(&dir), "").unwrap_err().to_string();
        assert!(err.contains("fild") && err.contains("not a message"), "{err}");
        std::fs::remove_dir_all(dir.join("fild")).expect("rm");

        std::fs::write(dir.join("filed/body.txt"), "x").expect("write");
        let err = MailTemplates::load(Some(&dir), "").unwrap_err().to_string();
        assert!(err.contains("body.txt") && err.contains("subject.txt, text.txt, html.html"), "{err}");
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn a_digest_lists_each_notice() {
        let t = MailTemplates::load(None, "http://desk.example").expect("built in");
        let items = vec![
            DigestItem { subject: "交办通知：A".into(), body: "请办理A".into() },
            DigestItem { subject: "超期提醒：B".into(), body: "请办理B".into() },
        ];
        let r = t.digest("每日", &items).expect("rendered");
        assert_eq!(r.subject, "提案通每日摘要：2条通知");
        assert!(r.text.contains("1. 交办通知：A") && r.text.contains("2. 超期提醒：B"), "{}", r.text);
        assert!(r.text.contains("http://desk.example/notices"), "{}", r.text);
        assert!(r.html.contains("<li") && r.html.contains("请办理B"), "{}", r.html);
    }
}
