//! Who is looking at a page. A signed-in visitor carries the login in an
//! HttpOnly, SameSite=Lax cookie (Secure when the service is reached over
//! TLS, as `server.public_url` says): a page token ([`TokenType::Page`]) of
//! the same login row as the API's tokens, checked against it on every
//! request, so that signing out, a password change or a disabled account
//! end both at once. Lax rather than Strict, so that a link in an email
//! opens the page signed in; posting from another site is stopped by the
//! form token every form carries, bound to the login (or, before signing
//! in, to an anonymous form cookie).

use std::future::Future;
use std::pin::Pin;

use actix_web::cookie::{Cookie, SameSite, time};
use actix_web::{FromRequest, HttpRequest, HttpResponseBuilder, dev::Payload, web};

use crate::auth::AuthUser;
use crate::auth::sign_in::TokenResponse;
use crate::auth::tokens::TokenType;
use crate::error::AppError;
use crate::state::AppState;
use crate::web::PageError;

pub const SESSION_COOKIE: &str = "pd_session";
/// Before signing in: the basis of the sign-in form's token.
pub const FORM_COOKIE: &str = "pd_form";

/// The visitor of a page: signed in or not, with the token its forms carry.
pub struct Visitor {
    pub user: Option<AuthUser>,
    /// The token each form of the page carries.
    pub csrf: String,
    basis: String,
    /// The anonymous form cookie to set, when the visitor has none yet.
    new_form_cookie: Option<String>,
    secure: bool,
    /// The path and query asked for, to come back to after signing in.
    pub asked: String,
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = Result<T, PageError>>>>;

impl FromRequest for Visitor {
    type Error = PageError;
    type Future = BoxFuture<Self>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let session = req.cookie(SESSION_COOKIE).map(|c| c.value().to_string());
        let form = req.cookie(FORM_COOKIE).map(|c| c.value().to_string()).filter(|v| is_nonce(v));
        let asked = req.uri().path_and_query().map(|p| p.as_str().to_string()).unwrap_or_else(|| "/".into());
        Box::pin(async move {
            let state = state.ok_or_else(|| AppError::internal("application state missing"))?;
            let user = match session {
                Some(token) => signed_in(&state, &token).await?,
                None => None,
            };
            let (basis, new_form_cookie) = match (&user, form) {
                (Some(user), _) => (user.session_id.clone(), None),
                (None, Some(nonce)) => (nonce, None),
                (None, None) => {
                    let nonce = crate::ids::new_id().replace('-', "");
                    (nonce.clone(), Some(nonce))
                }
            };
            Ok(Visitor {
                user,
                csrf: state.tokens.form_token(&basis),
                basis,
                new_form_cookie,
                secure: is_tls(&state),
                asked,
            })
        })
    }
}

/// The account of a page token whose login still stands; an expired or
/// ended login is simply not signed in (a database failure is an error).
async fn signed_in(state: &AppState, token: &str) -> Result<Option<AuthUser>, AppError> {
    let Ok(claims) = state.tokens.verify(token, TokenType::Page, state.clock.now()) else {
        return Ok(None);
    };
    match AuthUser::of_login(state, claims).await {
        Ok(user) => Ok(Some(user)),
        Err(e) if e.kind == crate::error::ErrorKind::Unauthorized => Ok(None),
        Err(e) => Err(e),
    }
}

fn is_nonce(value: &str) -> bool {
    value.len() == 32 && value.bytes().all(|b| b.is_ascii_hexdigit())
}

fn is_tls(state: &AppState) -> bool {
    state.settings.server.public_url.starts_with("https://")
}

impl Visitor {
    /// The signed-in account, or a redirect to the sign-in page that comes
    /// back here. An account with a temporary password is sent to change it first.
    pub fn require(&self) -> Result<&AuthUser, PageError> {
        let user = self.user.as_ref().ok_or_else(|| PageError::SignIn { next: self.asked.clone() })?;
        if user.must_change_password {
            return Err(PageError::ChangePassword);
        }
        Ok(user)
    }

    /// Refuses a form that does not carry this visitor's token: posted from
    /// another site, or from a page older than the current login.
    pub fn check_form(&self, state: &AppState, presented: &str) -> Result<(), PageError> {
        if state.tokens.form_token_matches(&self.basis, presented) {
            Ok(())
        } else {
            Err(PageError::from(AppError::forbidden().with_detail("表单已过期或来源不明，请刷新页面后重新提交")))
        }
    }

    /// Adds the cookies this visit needs to an answer.
    pub fn finish(&self, answer: &mut HttpResponseBuilder) {
        if let Some(nonce) = &self.new_form_cookie {
            answer.cookie(self.cookie(FORM_COOKIE, nonce.clone(), None));
        }
    }

    fn cookie(&self, name: &'static str, value: String, max_age: Option<time::Duration>) -> Cookie<'static> {
        cookie(name, value, max_age, self.secure)
    }

    /// The cookie of a new login (after signing in or changing the password).
    pub fn login_cookie(&self, state: &AppState, tokens: &TokenResponse) -> Result<Cookie<'static>, AppError> {
        let now = state.clock.now();
        let claims = state
            .tokens
            .verify(&tokens.access_token, TokenType::Access, now)
            .map_err(|e| AppError::internal(format!("a token just issued does not verify: {e}")))?;
        let (token, _) = state
            .tokens
            .issue(TokenType::Page, &claims.sub, &claims.sid, claims.r#gen, now)
            .map_err(|e| AppError::internal(format!("jwt: {e}")))?;
        let age = time::Duration::seconds(state.tokens.refresh_ttl.num_seconds());
        Ok(self.cookie(SESSION_COOKIE, token, Some(age)))
    }

    /// Clears the login cookie (signed out).
    pub fn logout_cookie(&self) -> Cookie<'static> {
        let mut c = self.cookie(SESSION_COOKIE, String::new(), Some(time::Duration::ZERO));
        c.make_removal();
        c
    }
}

fn cookie(name: &'static str, value: String, max_age: Option<time::Duration>, secure: bool) -> Cookie<'static> {
    let mut c = Cookie::build(name, value).path("/").http_only(true).same_site(SameSite::Lax).secure(secure).finish();
    if let Some(age) = max_age {
        c.set_max_age(age);
    }
    c
}

/// Where to go after signing in: a path of this site only, never another site.
pub fn safe_next(next: &str) -> &str {
    let ok = next.starts_with('/') && !next.starts_with("//") && !next.contains('\\') && !next.starts_with("/sign-");
    if ok { next } else { "/" }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_paths_of_this_site_are_followed_after_signing_in() {
        assert_eq!(safe_next("/proposals/1?x=2"), "/proposals/1?x=2");
        assert_eq!(safe_next("//evil.example/"), "/");
        assert_eq!(safe_next("https://evil.example/"), "/");
        assert_eq!(safe_next("/\\evil.example"), "/");
        assert_eq!(safe_next("/sign-out"), "/");
        assert_eq!(safe_next(""), "/");
    }
}
