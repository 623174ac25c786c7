//! The home page: what the system is, and for each signed-in role the work
//! waiting for it, with its latest proposals and unread notices.

use actix_web::{HttpResponse, web};
use askama::Template;

use crate::domain::Role;
use crate::notify::inbox::{self, NoticeQuery};
use crate::proposals::reads::{self, ProposalQuery};
use crate::proposals::view::ProposalListItem;
use crate::state::AppState;
use crate::web::PageError;
use crate::web::frame::{Frame, render};
use crate::web::session::Visitor;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(home));
}

struct Task {
    href: &'static str,
    label: &'static str,
    hint: &'static str,
}

struct Desk {
    greeting: String,
    intro: &'static str,
    tasks: Vec<Task>,
    recent: Vec<ProposalListItem>,
}

#[derive(Template)]
#[template(path = "home.html", config = "src/web/askama.toml")]
struct HomePage {
    frame: Frame,
    me: Option<Desk>,
    unread: i64,
}

fn task(href: &'static str, label: &'static str, hint: &'static str) -> Task {
    Task { href, label, hint }
}

/// What each role comes here to do.
fn desk_of(role: Role) -> (&'static str, Vec<Task>) {
    let notices = task("/notices", "我的通知", "交办、答复、催办等消息，以及需要您处理的事项。");
    match role {
        Role::Member => (
            "在这里跟踪您提交和联名的提案：立案、交办、答复，以及需要您评价的答复。",
            vec![task("/proposals", "我的提案", "您提出和联名的提案，每件的办理阶段和期限。"), notices],
        ),
        Role::UnitStaff | Role::UnitHead => (
            "在这里办理交给本单位的提案：签收、沟通、答复，注意每件的办理期限。",
            vec![task("/proposals", "承办的提案", "交给本单位办理的提案，按最近变动排列。"), notices],
        ),
        Role::Office => {
            ("在这里审查、交办和督办全部提案。", vec![task("/proposals", "全部提案", "按状态查看全部提案。"), notices])
        }
        Role::Leader => (
            "在这里跟踪您领办或督办的重点提案。",
            vec![task("/proposals", "重点提案", "您联系的重点提案，办理阶段、承办单位和答复。"), notices],
        ),
        Role::Admin => (
            "系统管理员维护账号、承办单位、界别、届次和会议。",
            vec![task("/admin", "系统管理", "账号、承办单位、界别、届次和会议。"), notices],
        ),
    }
}

async fn home(state: web::Data<AppState>, visitor: Visitor) -> Result<HttpResponse, PageError> {
    let Some(user) = visitor.user.clone() else {
        let page = HomePage { frame: Frame::new(&visitor, "首页", "/"), me: None, unread: 0 };
        return render(&visitor, &page);
    };
    if user.must_change_password {
        return Err(PageError::ChangePassword);
    }
    let (now, workflow) = (state.clock.now(), state.settings.workflow.clone());
    let reader = user.clone();
    let (recent, unread) = state
        .db
        .read(move |conn| {
            // The list is as the reader may see it (none for the administrator).
            let query = ProposalQuery { page: Some(1), per_page: Some(5), ..Default::default() };
            let recent = reads::list_visible(conn, &reader, query, now, &workflow)?.items;
            let notices =
                inbox::list(conn, &reader, &NoticeQuery { unread: Some(true), page: Some(1), per_page: Some(1) })?;
            Ok((recent, notices.unread))
        })
        .await?;
    let (intro, tasks) = desk_of(user.role);
    let me = Desk { greeting: format!("{}，您好", user.display_name), intro, tasks, recent };
    let page = HomePage { frame: Frame::new(&visitor, "首页", "/"), me: Some(me), unread };
    render(&visitor, &page)
}
