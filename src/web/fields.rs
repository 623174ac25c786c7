//! A posted form's fields, read into what the operations take: the same
//! request types as the JSON API, so every rule is checked in one place. A
//! value that is not even a date or a number is the field's own error.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use crate::error::{AppError, AppResult};
use crate::ids::Id;

pub struct Fields {
    pairs: Vec<(String, String)>,
}

impl Fields {
    pub fn new(pairs: Vec<(String, String)>) -> Fields {
        Fields { pairs }
    }

    /// The field's first value, as typed ("" when absent).
    pub fn text(&self, name: &str) -> String {
        self.pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default()
    }

    /// The field's value, or none when it is absent or blank.
    pub fn optional(&self, name: &str) -> Option<String> {
        let value = self.text(name);
        (!value.trim().is_empty()).then_some(value)
    }

    /// Every value of a field given several times (checkboxes).
    pub fn all(&self, name: &str) -> Vec<String> {
        self.pairs.iter().filter(|(k, _)| k == name).map(|(_, v)| v.clone()).collect()
    }

    /// Every field whose name starts with `prefix`, by the rest of the name.
    pub fn prefixed(&self, prefix: &str) -> BTreeMap<String, String> {
        self.pairs
            .iter()
            .filter_map(|(k, v)| k.strip_prefix(prefix).map(|rest| (rest.to_string(), v.clone())))
            .collect()
    }

    /// The proposal's version the page showed.
    pub fn version(&self) -> AppResult<i32> {
        self.text("version").trim().parse().map_err(|_| AppError::bad_request("页面缺少版本号，请刷新后重试"))
    }

    pub fn optional_version(&self) -> Option<i32> {
        self.text("version").trim().parse().ok()
    }

    /// A date typed as YYYY-MM-DD (what a date field sends).
    pub fn date(&self, name: &str) -> AppResult<NaiveDate> {
        self.optional_date(name)?.ok_or_else(|| AppError::invalid_field(name, "required", "请填写日期"))
    }

    pub fn optional_date(&self, name: &str) -> AppResult<Option<NaiveDate>> {
        parse_date(name, &self.text(name))
    }

    /// "true" or "false", as a button or a choice sends it.
    pub fn yes(&self, name: &str) -> AppResult<bool> {
        match self.text(name).as_str() {
            "true" => Ok(true),
            "false" => Ok(false),
            _ => Err(AppError::invalid_field(name, "required", "请选择")),
        }
    }

    /// The id a field names, of the kind the action needs.
    pub fn id<I: Id>(&self, name: &str) -> AppResult<I> {
        I::parse(self.text(name).trim()).ok_or_else(|| AppError::invalid_field(name, "required", "请选择"))
    }

    /// The fields as typed, to fill a refused form again (never the form token).
    pub fn kept(&self) -> BTreeMap<String, String> {
        let mut kept = BTreeMap::new();
        for (k, v) in self.pairs.iter().filter(|(k, _)| k != "csrf") {
            kept.entry(k.clone())
                .and_modify(|all: &mut String| {
                    all.push('\u{1f}');
                    all.push_str(v)
                })
                .or_insert_with(|| v.clone());
        }
        kept
    }
}

/// A text field's value trimmed, or none when blank (a filter not chosen).
pub fn given(value: &str) -> Option<String> {
    let value = value.trim();
    (!value.is_empty()).then(|| value.to_string())
}

/// A date field's value: blank is none; anything but YYYY-MM-DD is the field's error.
pub fn parse_date(name: &str, value: &str) -> AppResult<Option<NaiveDate>> {
    let value = value.trim();
    if value.is_empty() {
        return Ok(None);
    }
    NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .map(Some)
        .map_err(|_| AppError::invalid_field(name, "invalid", "日期格式应为 年-月-日，如 2027-03-31"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(pairs: &[(&str, &str)]) -> Fields {
        Fields::new(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect())
    }

    #[test]
    fn dates_blank_and_bad_are_told_apart() {
        let f = fields(&[("a", "2027-03-31"), ("b", ""), ("c", "31/03/2027")]);
        assert_eq!(f.date("a").ok(), NaiveDate::from_ymd_opt(2027, 3, 31));
        assert_eq!(f.optional_date("b").ok(), Some(None));
        let bad = f.optional_date("c").expect_err("not a date");
        assert_eq!(bad.fields[0].field, "c");
        assert!(f.date("b").is_err());
    }

    #[test]
    fn repeated_fields_are_all_read_and_kept() {
        let f = fields(&[("csrf", "t"), ("m", "1"), ("m", "2"), ("unit_due_x", "2027-01-01")]);
        assert_eq!(f.all("m"), vec!["1", "2"]);
        assert_eq!(f.prefixed("unit_due_").get("x").map(String::as_str), Some("2027-01-01"));
        assert!(!f.kept().contains_key("csrf"));
        assert_eq!(f.kept().get("m").map(String::as_str), Some("1\u{1f}2"));
    }
}
