//! Passwords: argon2id at the configured cost (memory and passes), hashed on
//! blocking threads and no more at once than configured.

use std::sync::Arc;

use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier, SaltString, rand_core::OsRng};
use argon2::{Algorithm, Argon2, Params, Version};
use tokio::sync::Semaphore;

use crate::error::{AppError, FieldError};

const COMMON_PASSWORDS: &str = include_str!("../../config/common-passwords.txt");

/// What one argon2id password hash costs: the memory it fills, in KiB, and
/// how many passes it makes over it (one lane). Less memory with more passes
/// resists guessing as well (OWASP's list: 19 MiB and 2 passes, 12 and 3,
/// 9 and 4, 7 and 5); every hash names its own cost, so hashes made at
/// another cost still verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasswordCost {
    pub memory_kib: u32,
    pub passes: u32,
}

impl PasswordCost {
    fn params(&self) -> Result<Params, AppError> {
        Params::new(self.memory_kib, self.passes, 1, None)
            .map_err(|e| AppError::internal(format!("argon2 parameters: {e}")))
    }

    /// Whether argon2 accepts this cost (checked when the configuration is read).
    pub fn check(&self) -> Result<(), String> {
        self.params().map(|_| ()).map_err(|_| {
            format!("an argon2id cost of {} KiB and {} passes is not possible", self.memory_kib, self.passes)
        })
    }

    /// Whether `hash` was made at this cost; one that was not is made again
    /// at the account's next sign-in.
    pub fn made(&self, hash: &str) -> bool {
        let Ok(parsed) = PasswordHash::new(hash) else { return false };
        let Ok(params) = Params::try_from(&parsed) else { return false };
        parsed.algorithm == argon2::ARGON2ID_IDENT
            && params.m_cost() == self.memory_kib
            && params.t_cost() == self.passes
            && params.p_cost() == 1
    }
}

/// Hashes and verifies passwords, bounding how many run at once.
#[derive(Clone)]
pub struct Passwords {
    cost: PasswordCost,
    permits: Arc<Semaphore>,
    /// A hash of a random password, verified against when the account does not
    /// exist so that unknown users and wrong passwords take the same time.
    dummy_hash: Arc<String>,
}

impl Passwords {
    pub fn new(cost: PasswordCost, max_concurrent: usize) -> Result<Self, AppError> {
        let random = crate::ids::new_id();
        Ok(Passwords {
            cost,
            permits: Arc::new(Semaphore::new(max_concurrent.max(1))),
            dummy_hash: Arc::new(hash_blocking(&cost, &random)?),
        })
    }

    /// Whether `hash` was made at another cost than the configured one.
    pub fn outdated(&self, hash: &str) -> bool {
        !self.cost.made(hash)
    }

    pub async fn hash(&self, password: String) -> Result<String, AppError> {
        let _permit = self.permits.acquire().await.map_err(|e| AppError::internal(format!("semaphore: {e}")))?;
        let cost = self.cost;
        actix_web::web::block(move || hash_blocking(&cost, &password))
            .await
            .map_err(|e| AppError::internal(format!("blocking: {e}")))?
    }

    /// Verifies `password` against `stored`, or against a dummy hash when there
    /// is no account, so that both cases cost the same. False in the latter case.
    pub async fn verify(&self, password: String, stored: Option<String>) -> Result<bool, AppError> {
        let _permit = self.permits.acquire().await.map_err(|e| AppError::internal(format!("semaphore: {e}")))?;
        let real = stored.is_some();
        let hash = stored.unwrap_or_else(|| self.dummy_hash.as_str().to_string());
        let ok = actix_web::web::block(move || verify_blocking(&password, &hash))
            .await
            .map_err(|e| AppError::internal(format!("blocking: {e}")))?;
        Ok(real && ok)
    }
}

pub fn hash_blocking(cost: &PasswordCost, password: &str) -> Result<String, AppError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::new(Algorithm::Argon2id, Version::V0x13, cost.params()?)
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::internal(format!("argon2: {e}")))
}

/// Checks `password` against `hash` at the cost `hash` names.
pub fn verify_blocking(password: &str, hash: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok(),
        Err(_) => false,
    }
}

/// The password rules: a length in characters, not a common password, not the
/// account name. No composition rules (they make passwords worse, not better).
pub fn check_policy(field: &str, password: &str, username: &str, min: usize, max: usize) -> Result<(), FieldError> {
    let chars = password.chars().count();
    let error = |code: &str, message: String| Err(FieldError { field: field.into(), code: code.into(), message });
    if chars < min {
        return error("too_short", format!("密码至少需要 {min} 个字符"));
    }
    if chars > max {
        return error("too_long", format!("密码不能超过 {max} 个字符"));
    }
    let lower = password.to_lowercase();
    if lower == username.to_lowercase() {
        return error("same_as_username", "密码不能与用户名相同".into());
    }
    if is_common(&lower) {
        return error("too_common", "这个密码太常见，容易被猜到，请换一个".into());
    }
    Ok(())
}

fn is_common(lower: &str) -> bool {
    COMMON_PASSWORDS.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).any(|l| l == lower)
}

/// A random password for new accounts and resets: 16 characters from an
/// alphabet without look-alikes.
pub fn generate_temporary() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    (0..16).map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEVEN_MIB: PasswordCost = PasswordCost { memory_kib: 7168, passes: 5 };
    const NINETEEN_MIB: PasswordCost = PasswordCost { memory_kib: 19456, passes: 2 };

    #[test]
    fn hashes_verify_and_differ_by_salt() {
        let a = hash_blocking(&SEVEN_MIB, "correct horse battery").unwrap();
        let b = hash_blocking(&SEVEN_MIB, "correct horse battery").unwrap();
        assert_ne!(a, b);
        assert!(a.starts_with("$argon2id$v=19$m=7168,t=5,p=1$"), "{a}");
        assert!(verify_blocking("correct horse battery", &a));
        assert!(!verify_blocking("correct horse batterz", &a));
        assert!(!verify_blocking("anything", "not a hash"));
    }

    #[test]
    fn a_hash_made_at_another_cost_verifies_and_is_known_as_outdated() {
        let old = hash_blocking(&NINETEEN_MIB, "correct horse battery").unwrap();
        assert!(old.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{old}");
        assert!(verify_blocking("correct horse battery", &old));
        assert!(!SEVEN_MIB.made(&old));
        assert!(NINETEEN_MIB.made(&old));
        assert!(SEVEN_MIB.made(&hash_blocking(&SEVEN_MIB, "x").unwrap()));
        assert!(!SEVEN_MIB.made("not a hash"));
    }

    #[test]
    fn an_impossible_cost_is_refused() {
        assert!(SEVEN_MIB.check().is_ok());
        assert!(PasswordCost { memory_kib: 7168, passes: 0 }.check().is_err());
        assert!(PasswordCost { memory_kib: 4, passes: 5 }.check().is_err());
    }

    #[test]
    fn the_policy_counts_characters_and_refuses_common_passwords() {
        assert!(check_policy("p", "春眠不觉晓处处闻", "u", 8, 128).is_ok());
        assert_eq!(check_policy("p", "春眠不觉晓", "u", 8, 128).unwrap_err().code, "too_short");
        assert_eq!(check_policy("p", &"x".repeat(129), "u", 8, 128).unwrap_err().code, "too_long");
        assert_eq!(check_policy("p", "Password1", "u", 8, 128).unwrap_err().code, "too_common");
        assert_eq!(check_policy("p", "woaini1314", "u", 8, 128).unwrap_err().code, "too_common");
        assert_eq!(check_policy("p", "zhang.san.x", "Zhang.San.X", 8, 128).unwrap_err().code, "same_as_username");
        assert!(check_policy("p", "lanterns by the river", "u", 8, 128).is_ok());
    }

    #[test]
    fn temporary_passwords_pass_the_policy() {
        let p = generate_temporary();
        assert_eq!(p.chars().count(), 16);
        assert!(check_policy("p", &p, "u", 8, 128).is_ok());
    }
}
