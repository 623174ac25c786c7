//! 统计: a session's figures for the public, as charts with the figures in
//! a table beside each (the same report as /api/public/statistics): the
//! shares of A, B and C replies, satisfaction, replies on time, and each
//! handling unit's and sector's figures. Kept and served with an ETag, as
//! the other public pages.

use std::time::Duration;

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::domain::statistics::Rate;
use crate::error::AppError;
use crate::proposals::public::{Choices, PublicChoice};
use crate::public_cache::Fresh;
use crate::state::AppState;
use crate::statistics::{Report, session_report};
use crate::web::PageError;
use crate::web::frame::Frame;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/public/statistics", web::get().to(statistics_page));
}

/// One bar of a chart: its label, its share (0 to 100) and the figures it shows.
struct Bar {
    label: String,
    width: String,
    shown: String,
    of: String,
}

fn bar(label: impl Into<String>, rate: &Rate) -> Bar {
    Bar {
        label: label.into(),
        width: format!("{:.1}", rate.percent.unwrap_or(0.0)),
        shown: rate.percent.map_or_else(|| "—".to_string(), |p| format!("{p:.1}%")),
        of: format!("{}/{}", rate.numerator, rate.denominator),
    }
}

struct Chart {
    id: &'static str,
    title: String,
    bars: Vec<Bar>,
}

#[derive(Template)]
#[template(path = "public_statistics.html", config = "src/web/askama.toml")]
struct StatisticsPage {
    frame: Frame,
    sessions: Vec<PublicChoice>,
    session_id: String,
    session_name: String,
    submitted: i64,
    filed: i64,
    after_merging: i64,
    replied: i64,
    charts: Vec<Chart>,
}

#[derive(Deserialize)]
struct StatisticsQuery {
    session_id: Option<String>,
}

fn charts(report: &Report) -> Vec<Chart> {
    let r = &report.totals.rates;
    let mut charts = vec![
        Chart {
            id: "grades",
            title: "答复类别".into(),
            bars: vec![bar("A类", &r.grade_a_share), bar("B类", &r.grade_b_share), bar("C类", &r.grade_c_share)],
        },
        Chart {
            id: "handling",
            title: "办理情况".into(),
            bars: vec![
                bar("办复率", &r.reply_rate),
                bar("按期办复率", &r.on_time_reply_rate),
                bar("面商率", &r.contact_rate),
                bar("上网率", &r.publication_rate),
            ],
        },
        Chart {
            id: "satisfaction",
            title: "委员满意度".into(),
            bars: vec![
                bar("办理过程满意率", &r.process_satisfaction_rate),
                bar("办理结果满意率", &r.result_satisfaction_rate),
                bar("双满意率", &r.double_satisfaction_rate),
            ],
        },
    ];
    charts.push(Chart {
        id: "units-on-time",
        title: "各承办单位按期办复率".into(),
        bars: report.by_unit.iter().map(|u| bar(u.name.clone(), &u.rates.on_time_reply_rate)).collect(),
    });
    charts.push(Chart {
        id: "units-satisfied",
        title: "各承办单位双满意率".into(),
        bars: report.by_unit.iter().map(|u| bar(u.name.clone(), &u.rates.double_satisfaction_rate)).collect(),
    });
    charts.push(Chart {
        id: "sectors-satisfied",
        title: "各界别提案双满意率".into(),
        bars: report
            .by_sector
            .iter()
            .map(|s| bar(s.label.clone(), &s.figures.rates.double_satisfaction_rate))
            .collect(),
    });
    charts
}

async fn statistics_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<StatisticsQuery>,
) -> Result<HttpResponse, PageError> {
    let fresh = Fresh::For(Duration::from_secs(state.settings.server.public_refresh_seconds));
    let key = req.uri().to_string();
    if let Some(kept) = state.public_cache.get(&req, &key, fresh) {
        return Ok(kept);
    }
    let sessions = state.db.read(|conn| crate::proposals::public::choices(conn, Choices::Sessions)).await?;
    let wanted = query.into_inner().session_id.filter(|s| !s.is_empty());
    let Some(session_id) = wanted.or_else(|| sessions.first().map(|s| s.id.clone())) else {
        return Err(AppError::not_found().with_detail("还没有会议").into());
    };
    let (session, report) = session_report(&state, session_id.clone(), None).await?;
    let c = &report.totals.counts;
    let page = StatisticsPage {
        frame: Frame::shared("办理统计", "/public/statistics"),
        session_name: session.name,
        submitted: c.submitted,
        filed: c.filed,
        after_merging: c.after_merging,
        replied: c.replied,
        charts: charts(&report),
        sessions,
        session_id,
    };
    let html = page.render().map_err(|e| AppError::internal(format!("template: {e}")))?;
    Ok(state.public_cache.put_as(&req, key, html.into(), "text/html; charset=utf-8", fresh))
}
