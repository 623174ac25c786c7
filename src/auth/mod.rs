//! Accounts' credentials and tokens: argon2id passwords, JWTs, login limits,
//! the signing secret, and the extractors handlers use to know who is calling.

pub mod extract;
pub mod password;
pub mod secrets;
pub mod sessions;
pub mod sign_in;
pub mod throttle;
pub mod tokens;

pub use extract::AuthUser;
