//! How a moment is written for clients: RFC 3339 in UTC with its `Z`
//! (`2026-12-01T19:21:10.446528Z`). Times are stored and computed as UTC
//! `NaiveDateTime`s; without the `Z` a client could not tell UTC from local
//! time. Calendar dates (`NaiveDate`, e.g. a contact's day or a fixed due
//! date) are the office's local dates and are written as `YYYY-MM-DD`.

use chrono::NaiveDateTime;
use serde::Serializer;

/// `#[serde(serialize_with = "crate::timestamps::utc")]` on a UTC time.
pub fn utc<S: Serializer>(at: &NaiveDateTime, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(&at.and_utc().to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
}

/// `#[serde(serialize_with = "crate::timestamps::utc_opt")]` on an optional UTC time.
pub fn utc_opt<S: Serializer>(at: &Option<NaiveDateTime>, s: S) -> Result<S::Ok, S::Error> {
    match at {
        Some(at) => utc(at, s),
        None => s.serialize_none(),
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    #[derive(serde::Serialize)]
    struct At {
        #[serde(serialize_with = "super::utc")]
        at: chrono::NaiveDateTime,
        #[serde(serialize_with = "super::utc_opt")]
        maybe: Option<chrono::NaiveDateTime>,
    }

    #[test]
    fn moments_carry_their_utc_offset() {
        let at = NaiveDate::from_ymd_opt(2026, 12, 1).and_then(|d| d.and_hms_micro_opt(19, 21, 10, 446_528));
        let Some(at) = at else { panic!("a valid time") };
        let json = serde_json::to_value(At { at, maybe: None }).unwrap_or_default();
        assert_eq!(json["at"], "2026-12-01T19:21:10.446528Z");
        assert!(json["maybe"].is_null());
        let parsed = chrono::DateTime::parse_from_rfc3339(json["at"].as_str().unwrap_or_default());
        assert!(parsed.is_ok(), "RFC 3339: {json}");
    }
}
