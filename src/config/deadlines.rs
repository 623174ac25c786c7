//! The settings of time: the calendar and the office's zone (`[calendar]`)
//! and the deadline rules (`[workflow.deadlines]`), and their checks.

use std::path::Path;

use serde::Deserialize;

use super::Settings;
use crate::domain::deadlines::{Span, Stage};

/// Where the working-day calendar is and in which time zone the office works.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalendarSettings {
    /// Folder of the year files (`2027.toml`), read at start-up.
    pub dir: String,
    /// An IANA zone name; a deadline falls due at the end of its day here.
    pub time_zone: String,
}

impl CalendarSettings {
    pub fn zone(&self) -> anyhow::Result<chrono_tz::Tz> {
        self.time_zone.parse().map_err(|_| {
            anyhow::anyhow!("configuration: calendar.time_zone `{}` is not a known time zone", self.time_zone)
        })
    }

    /// The office's time: the calendar files and the zone, checked.
    pub fn office_time(&self) -> anyhow::Result<crate::domain::deadlines::OfficeTime> {
        let calendar = crate::calendar::load(Path::new(&self.dir))?;
        Ok(crate::domain::deadlines::OfficeTime::new(calendar, self.zone()?))
    }
}

/// The deadline rule of each stage, and the rules a kind of proposal has of its own.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeadlineRules {
    pub cosign: Span,
    pub reply: Span,
    pub co_opinion_days_before_reply: u32,
    pub return_window: Span,
    pub rating: Span,
    pub rehandling: Span,
    #[serde(default)]
    pub by_kind: std::collections::BTreeMap<String, KindDeadlineRules>,
}

/// A kind's own rules; a stage left out follows the general rule.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KindDeadlineRules {
    pub cosign: Option<Span>,
    pub reply: Option<Span>,
    pub return_window: Option<Span>,
    pub rating: Option<Span>,
    pub rehandling: Option<Span>,
}

impl DeadlineRules {
    /// The rule of `stage` for a proposal of kind `kind`.
    pub fn rule(&self, kind: &str, stage: Stage) -> Span {
        let own = self.by_kind.get(kind);
        let pick = |general: Span, own: Option<Span>| own.unwrap_or(general);
        match stage {
            Stage::Cosign => pick(self.cosign, own.and_then(|k| k.cosign)),
            Stage::Reply => pick(self.reply, own.and_then(|k| k.reply)),
            Stage::ReturnWindow => pick(self.return_window, own.and_then(|k| k.return_window)),
            Stage::Rating => pick(self.rating, own.and_then(|k| k.rating)),
            Stage::Rehandling => pick(self.rehandling, own.and_then(|k| k.rehandling)),
        }
    }
}

impl Settings {
    pub(super) fn validate_deadlines(&self) -> anyhow::Result<()> {
        let d = &self.workflow.deadlines;
        for code in d.by_kind.keys() {
            if self.workflow.kind(code).is_none() {
                anyhow::bail!("configuration: workflow.deadlines.by_kind.{code} is not a kind of workflow.kinds");
            }
        }
        for kind in &self.workflow.kinds {
            for stage in Stage::ALL {
                let rule = d.rule(&kind.code, *stage);
                let empty = matches!(rule, Span::Days(0) | Span::WorkingDays(0) | Span::Months(0));
                let fixed = matches!(rule, Span::Fixed(_));
                if empty || (fixed && *stage != Stage::Reply && *stage != Stage::Rehandling) {
                    anyhow::bail!(
                        "configuration: workflow.deadlines rule for {} of `{}` is {rule}; it must be at least one day{}",
                        stage.as_str(),
                        kind.code,
                        if fixed { " after the stage starts, not a fixed date" } else { "" }
                    );
                }
            }
        }
        Ok(())
    }
}
