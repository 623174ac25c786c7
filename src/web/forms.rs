//! What a refused form shows: the message of each field at fault beside it,
//! and a general message for the rest. The messages are the operations' own
//! (Chinese), so a page says what the API says.

use crate::error::{AppError, ErrorKind};

#[derive(Debug, Default)]
pub struct FormErrors {
    general: Option<String>,
    fields: Vec<(String, String)>,
}

impl FormErrors {
    pub fn none() -> FormErrors {
        FormErrors::default()
    }

    /// The messages of a refusal: each field's beside it, the detail (or the
    /// kind's title when there is neither) above the form.
    pub fn of(e: &AppError) -> FormErrors {
        let fields: Vec<(String, String)> = e.fields.iter().map(|f| (f.field.clone(), f.message.clone())).collect();
        let general = match (&e.detail, fields.is_empty()) {
            (Some(detail), _) if e.kind != ErrorKind::Validation => Some(detail.clone()),
            (_, true) => Some(e.detail.clone().unwrap_or_else(|| e.kind.titles().0.to_string())),
            _ => None,
        };
        FormErrors { general, fields }
    }

    /// One field's message (as a form names the field).
    pub fn field(mut self, field: &str, message: &str) -> FormErrors {
        self.fields.push((field.to_string(), message.to_string()));
        self
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.fields.iter().find(|(f, _)| f == field).map(|(_, m)| m.as_str())
    }

    pub fn general(&self) -> Option<&str> {
        self.general.as_deref()
    }

    /// Every message, general first: the summary above a refused form, so
    /// that nothing is hidden when a field has no place of its own.
    pub fn all(&self) -> Vec<&str> {
        self.general.iter().map(String::as_str).chain(self.fields.iter().map(|(_, m)| m.as_str())).collect()
    }

    /// The same messages under the names the form gives its fields.
    pub fn renamed(mut self, rename: impl Fn(&str) -> String) -> FormErrors {
        for (field, _) in &mut self.fields {
            *field = rename(field);
        }
        self
    }

    pub fn is_empty(&self) -> bool {
        self.general.is_none() && self.fields.is_empty()
    }
}

/// Whether a refusal is the user's to mend on the form (else it is the page's error).
pub fn is_for_the_form(e: &AppError) -> bool {
    matches!(
        e.kind,
        ErrorKind::Validation
            | ErrorKind::BadRequest
            | ErrorKind::Unauthorized
            | ErrorKind::TooManyRequests
            | ErrorKind::AlreadyExists
            | ErrorKind::StaleVersion
            | ErrorKind::InvalidTransition
    )
}
