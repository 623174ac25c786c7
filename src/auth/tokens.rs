//! JSON Web Tokens: HS256 only, one token type per purpose (access, refresh),
//! iss, aud, exp, nbf and the type always checked. Expiry is judged against the
//! injected clock so that tests can travel in time.

use chrono::{Duration, NaiveDateTime};
use hmac::{Hmac, Mac};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::clock::unix_seconds;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenType {
    /// Short-lived; sent with every API call.
    Access,
    /// Long-lived; only renews a login at /api/auth/refresh.
    Refresh,
    /// The pages' login, kept in an HttpOnly cookie; lives as long as the
    /// login (auth_sessions row) it belongs to and is checked against it on
    /// every page, as access tokens are.
    Page,
}

/// What a token says. Numbers must be numbers: a token whose exp or nbf is a
/// string fails to decode and is refused.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Claims {
    pub iss: String,
    pub aud: String,
    /// The account's id.
    pub sub: String,
    /// The login (auth_sessions.id) the token belongs to.
    pub sid: String,
    pub typ: TokenType,
    /// The account's token generation when issued; a password change or
    /// reset, disabling the account, or a new role or affiliation bumps it
    /// and so voids older tokens.
    pub r#gen: i32,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    pub jti: String,
}

/// Why a token was refused (logged; the client only learns "401").
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("malformed or badly signed token: {0}")]
    Invalid(String),
    #[error("token expired")]
    Expired,
    #[error("token not valid yet")]
    NotYetValid,
    #[error("wrong token type")]
    WrongType,
}

/// Allowance for clocks of several instances that differ slightly.
const LEEWAY_SECONDS: i64 = 5;

pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    issuer: String,
    audience: String,
    pub access_ttl: Duration,
    pub refresh_ttl: Duration,
    /// Keys the pages' form tokens (CSRF), apart from the signing key's own use.
    form_key: Vec<u8>,
}

impl TokenKeys {
    pub fn new(
        secret: &[u8],
        issuer: &str,
        audience: &str,
        access_ttl: Duration,
        refresh_ttl: Duration,
    ) -> anyhow::Result<Self> {
        if secret.len() < 32 {
            anyhow::bail!("auth.jwt_secret must be at least 32 bytes (it has {})", secret.len());
        }
        let mut validation = Validation::new(Algorithm::HS256);
        validation.algorithms = vec![Algorithm::HS256];
        validation.set_issuer(&[issuer]);
        validation.set_audience(&[audience]);
        validation.set_required_spec_claims(&["exp", "nbf", "iss", "aud", "sub"]);
        // exp and nbf are checked below against the injected clock.
        validation.validate_exp = false;
        validation.validate_nbf = false;
        Ok(TokenKeys {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            issuer: issuer.to_string(),
            audience: audience.to_string(),
            access_ttl,
            refresh_ttl,
            form_key: Sha256::new().chain_update(b"proposal-desk form tokens").chain_update(secret).finalize().to_vec(),
        })
    }

    pub fn issue(
        &self,
        typ: TokenType,
        user_id: &str,
        session_id: &str,
        generation: i32,
        now: NaiveDateTime,
    ) -> anyhow::Result<(String, Claims)> {
        let ttl = match typ {
            TokenType::Access => self.access_ttl,
            TokenType::Refresh | TokenType::Page => self.refresh_ttl,
        };
        let iat = unix_seconds(now);
        let claims = Claims {
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            sub: user_id.to_string(),
            sid: session_id.to_string(),
            typ,
            r#gen: generation,
            iat,
            nbf: iat,
            exp: iat + ttl.num_seconds(),
            jti: crate::ids::new_id(),
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)?;
        Ok((token, claims))
    }

    /// The token a page's forms carry for `basis` (the login's id, or the
    /// anonymous visitor's form cookie): an HMAC that only this service can
    /// make, so a form posted from another site, which cannot read it, is refused.
    pub fn form_token(&self, basis: &str) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.form_key).expect("HMAC takes a key of any length");
        mac.update(basis.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    /// Whether `presented` is the form token for `basis` (compared in constant time).
    pub fn form_token_matches(&self, basis: &str, presented: &str) -> bool {
        let Ok(bytes) = hex::decode(presented) else { return false };
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.form_key).expect("HMAC takes a key of any length");
        mac.update(basis.as_bytes());
        mac.verify_slice(&bytes).is_ok()
    }

    pub fn verify(&self, token: &str, expected: TokenType, now: NaiveDateTime) -> Result<Claims, TokenError> {
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|e| TokenError::Invalid(e.to_string()))?;
        let claims = data.claims;
        let now = unix_seconds(now);
        if claims.exp <= now - LEEWAY_SECONDS {
            return Err(TokenError::Expired);
        }
        if claims.nbf > now + LEEWAY_SECONDS {
            return Err(TokenError::NotYetValid);
        }
        if claims.typ != expected {
            return Err(TokenError::WrongType);
        }
        Ok(claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> TokenKeys {
        TokenKeys::new(&[7u8; 32], "pd", "pd", Duration::minutes(15), Duration::hours(1)).unwrap()
    }

    #[test]
    fn a_short_secret_is_refused() {
        assert!(TokenKeys::new(&[7u8; 31], "pd", "pd", Duration::minutes(1), Duration::minutes(1)).is_err());
    }

    #[test]
    fn issued_tokens_verify_until_they_expire() {
        let k = keys();
        let now = chrono::Utc::now().naive_utc();
        let (t, c) = k.issue(TokenType::Access, "u1", "s1", 3, now).unwrap();
        assert_eq!(k.verify(&t, TokenType::Access, now).unwrap(), c);
        assert_eq!(k.verify(&t, TokenType::Refresh, now), Err(TokenError::WrongType));
        assert_eq!(k.verify(&t, TokenType::Access, now + Duration::minutes(16)), Err(TokenError::Expired));
        assert_eq!(k.verify(&t, TokenType::Access, now - Duration::minutes(1)), Err(TokenError::NotYetValid));
        assert_eq!(k.verify(&t, TokenType::Page, now), Err(TokenError::WrongType));
    }

    #[test]
    fn a_form_token_fits_its_basis_only() {
        let k = keys();
        let token = k.form_token("session-1");
        assert!(k.form_token_matches("session-1", &token));
        assert!(!k.form_token_matches("session-2", &token));
        assert!(!k.form_token_matches("session-1", "not hex"));
        assert!(!k.form_token_matches("session-1", ""));
        let other = TokenKeys::new(&[8u8; 32], "pd", "pd", Duration::minutes(15), Duration::hours(1)).unwrap();
        assert!(!other.form_token_matches("session-1", &token), "another secret makes other tokens");
    }
}
