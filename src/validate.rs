//! Field checks for request bodies, collecting every fault so the client can
//! show them all at once. Lengths count characters, which is right for Chinese.

use crate::error::{AppError, FieldError};

const MIN_YEAR: i32 = 1949;
const MAX_YEAR: i32 = 2200;

/// Characters that make text display differently from what it is, or hide
/// part of it: the bidirectional embeddings and overrides (U+202A..U+202E),
/// isolates (U+2066..U+2069) and marks (U+200E, U+200F, U+061C), and the
/// zero-width characters (U+200B..U+200D, U+2060 word joiner, U+FEFF). With
/// them a file named `doc\u{202e}fdp.exe` displays as `docexe.pdf`, and two
/// titles that look the same are different text.
pub fn hides_or_reorders(c: char) -> bool {
    matches!(
        c,
        '\u{061c}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}' | '\u{2066}'..='\u{2069}' | '\u{feff}'
    )
}

/// The one rule for every single-line text, file names included: no control
/// character (CR, LF, tab, NEL...), no line or paragraph separator
/// (U+2028, U+2029), nothing [`hides_or_reorders`]. The message, if refused.
pub fn single_line_fault(value: &str) -> Option<&'static str> {
    value
        .chars()
        .any(|c| c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') || hides_or_reorders(c))
        .then_some("不能包含控制字符、换行、文字方向控制符或零宽字符")
}

/// The rule for multi-line texts: line breaks (CR, LF, U+2028, U+2029) and
/// tabs are allowed; other control characters and anything that
/// [`hides_or_reorders`] are not. The message, if refused.
pub fn multi_line_fault(value: &str) -> Option<&'static str> {
    value
        .chars()
        .any(|c| (c.is_control() && !matches!(c, '\n' | '\r' | '\t')) || hides_or_reorders(c))
        .then_some("不能包含控制字符、文字方向控制符或零宽字符")
}

#[derive(Default)]
pub struct Check {
    errors: Vec<FieldError>,
}

impl Check {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn fail(&mut self, field: &str, code: &str, message: impl Into<String>) {
        self.errors.push(FieldError { field: field.into(), code: code.into(), message: message.into() });
    }

    pub fn push(&mut self, error: FieldError) {
        self.errors.push(error);
    }

    /// A required single-line text of `min..=max` characters (a title, a
    /// topic, a name, a phone number, a person in charge...): the one rule of
    /// [`single_line_fault`], checked on the value as sent, so a trailing line
    /// break is refused rather than quietly trimmed away.
    pub fn text(&mut self, field: &str, value: &str, min: usize, max: usize) -> &mut Self {
        if self.length(field, value, min, max)
            && let Some(message) = single_line_fault(value)
        {
            self.fail(field, "invalid", message);
        }
        self
    }

    /// A required multi-line text (reasons, suggestions, a reply's body, a
    /// note): line breaks and tabs allowed, and otherwise [`multi_line_fault`].
    pub fn long_text(&mut self, field: &str, value: &str, min: usize, max: usize) -> &mut Self {
        if self.length(field, value, min, max)
            && let Some(message) = multi_line_fault(value)
        {
            self.fail(field, "invalid", message);
        }
        self
    }

    /// Length in characters of the trimmed value; false when it failed.
    fn length(&mut self, field: &str, value: &str, min: usize, max: usize) -> bool {
        let chars = value.trim().chars().count();
        if chars == 0 && min > 0 {
            self.fail(field, "required", "不能为空");
        } else if chars < min {
            self.fail(field, "too_short", format!("至少 {min} 个字符"));
        } else if chars > max {
            self.fail(field, "too_long", format!("不能超过 {max} 个字符"));
        } else {
            return true;
        }
        false
    }

    pub fn opt_text(&mut self, field: &str, value: Option<&str>, max: usize) -> &mut Self {
        if let Some(v) = value {
            self.text(field, v, 1, max);
        }
        self
    }

    /// An account name: 3 to 64 of a-z, 0-9, dot, dash, underscore.
    pub fn username(&mut self, field: &str, value: &str) -> &mut Self {
        let ok = (3..=64).contains(&value.chars().count())
            && value.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '-' | '_'));
        if !ok {
            self.fail(field, "invalid", "用户名为 3 到 64 个小写字母、数字或 . - _");
        }
        self
    }

    /// An email address plain enough to put in a header: no spaces, no CR/LF.
    pub fn email(&mut self, field: &str, value: Option<&str>) -> &mut Self {
        if let Some(v) = value {
            let ok = v.len() <= 254
                && !v.chars().any(|c| {
                    c.is_whitespace()
                        || c.is_control()
                        || hides_or_reorders(c)
                        || matches!(c, '<' | '>' | ',' | ';' | '"')
                })
                && matches!(v.split_once('@'), Some((local, domain)) if !local.is_empty() && domain.contains('.') && !domain.contains('@') && !domain.starts_with('.') && !domain.ends_with('.'));
            if !ok {
                self.fail(field, "invalid", "邮箱地址格式不正确");
            }
        }
        self
    }

    /// A short code: 1 to 32 of A-Z, a-z, 0-9, dash, underscore.
    pub fn code(&mut self, field: &str, value: &str) -> &mut Self {
        let ok = (1..=32).contains(&value.len())
            && value.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'));
        if !ok {
            self.fail(field, "invalid", "代码为 1 到 32 个字母、数字、- 或 _");
        }
        self
    }

    /// A calendar date within the years the office can mean (both databases
    /// store far wider ranges, PostgreSQL not before 4713 BC).
    pub fn date(&mut self, field: &str, value: chrono::NaiveDate) -> &mut Self {
        use chrono::Datelike;
        if !(MIN_YEAR..=MAX_YEAR).contains(&value.year()) {
            self.fail(field, "out_of_range", format!("日期应在 {MIN_YEAR} 年到 {MAX_YEAR} 年之间"));
        }
        self
    }

    pub fn range(&mut self, field: &str, value: i64, min: i64, max: i64) -> &mut Self {
        if value < min || value > max {
            self.fail(field, "out_of_range", format!("应在 {min} 到 {max} 之间"));
        }
        self
    }

    pub fn finish(self) -> Result<(), AppError> {
        if self.errors.is_empty() { Ok(()) } else { Err(AppError::validation(self.errors)) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(f: impl FnOnce(&mut Check)) -> Vec<String> {
        let mut c = Check::new();
        f(&mut c);
        c.errors.into_iter().map(|e| format!("{}:{}", e.field, e.code)).collect()
    }

    #[test]
    fn text_counts_characters_not_bytes() {
        assert!(
            errors(|c| {
                c.text("t", "关于加强社区养老服务的建议", 1, 13);
            })
            .is_empty()
        );
        assert_eq!(
            errors(|c| {
                c.text("t", "一二三四", 1, 3);
            }),
            vec!["t:too_long"]
        );
        assert_eq!(
            errors(|c| {
                c.text("t", "   ", 1, 3);
            }),
            vec!["t:required"]
        );
        assert_eq!(
            errors(|c| {
                c.text("t", "a\r\nb", 1, 30);
            }),
            vec!["t:invalid"]
        );
    }

    #[test]
    fn single_line_texts_refuse_what_reorders_or_hides_text_and_multi_line_ones_keep_line_breaks() {
        for hidden in [
            "\u{202e}", "\u{202a}", "\u{2066}", "\u{2069}", "\u{200e}", "\u{200f}", "\u{061c}", "\u{200b}", "\u{200d}",
            "\u{2060}", "\u{feff}",
        ] {
            let value = format!("关于{hidden}整改的建议");
            assert_eq!(
                errors(|c| {
                    c.text("t", &value, 1, 30);
                }),
                vec!["t:invalid"],
                "{value:?}"
            );
            assert_eq!(
                errors(|c| {
                    c.long_text("b", &value, 1, 30);
                }),
                vec!["b:invalid"],
                "{value:?}"
            );
        }
        for line_break in ["\n", "\r\n", "\t", "\u{2028}", "\u{85}"] {
            let value = format!("第一行{line_break}第二行");
            assert_eq!(
                errors(|c| {
                    c.text("t", &value, 1, 30);
                }),
                vec!["t:invalid"],
                "{value:?}"
            );
        }
        assert!(
            errors(|c| {
                c.long_text("b", "第一行\n第二行\r\n\t第三行\u{2028}", 1, 30);
            })
            .is_empty()
        );
        assert_eq!(
            errors(|c| {
                c.long_text("b", "响铃\u{7}", 1, 30);
            }),
            vec!["b:invalid"]
        );
        // A trailing line break is refused in a single line, not trimmed away.
        assert_eq!(
            errors(|c| {
                c.text("t", "标题\n", 1, 30);
            }),
            vec!["t:invalid"]
        );
        assert_eq!(
            errors(|c| {
                c.email("e", Some("zhang\u{200b}@example.cn"));
            }),
            vec!["e:invalid"]
        );
    }

    #[test]
    fn emails_with_header_injection_are_refused() {
        assert!(
            errors(|c| {
                c.email("e", Some("zhang@example.cn"));
            })
            .is_empty()
        );
        for bad in ["a@b.c\r\nBcc: x@y.z", "no-at.example", "a@b", "a b@c.d", "<a@b.c>", "a@.b.c"] {
            assert_eq!(
                errors(|c| {
                    c.email("e", Some(bad));
                }),
                vec!["e:invalid"],
                "{bad}"
            );
        }
    }

    #[test]
    fn usernames_are_plain() {
        assert!(
            errors(|c| {
                c.username("u", "zhang.san-01");
            })
            .is_empty()
        );
        for bad in ["ab", "Zhang", "张三", "a'; drop table users; --", &"a".repeat(65)] {
            assert_eq!(
                errors(|c| {
                    c.username("u", bad);
                })
                .len(),
                1,
                "{bad}"
            );
        }
    }
}
