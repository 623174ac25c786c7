//! How long a failed message waits before its next attempt: exponential
//! backoff from `mail.retry_first_seconds`, doubling per attempt up to
//! `mail.retry_max_seconds`, shortened by up to a half at random (jitter) so
//! that messages failing together (a server down) do not all retry together.

use chrono::Duration;

use crate::config::MailSettings;

/// The wait after attempt number `attempts` (1 for the first) failed;
/// `random` is uniform in [0, 1).
pub fn wait(attempts: i32, mail: &MailSettings, random: f64) -> Duration {
    let doublings = attempts.saturating_sub(1).clamp(0, 30) as u32;
    let full = mail.retry_first_seconds.saturating_mul(1i64 << doublings).min(mail.retry_max_seconds);
    let jitter = (full as f64 * 0.5 * random.clamp(0.0, 1.0)) as i64;
    Duration::seconds((full - jitter).max(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mail() -> MailSettings {
        let mut s = crate::config::Settings::load_from(None, Vec::new()).expect("defaults");
        s.mail.retry_first_seconds = 60;
        s.mail.retry_max_seconds = 3600;
        s.mail
    }

    #[test]
    fn each_wait_doubles_up_to_the_cap() {
        let m = mail();
        let waits: Vec<i64> = (1..=8).map(|a| wait(a, &m, 0.0).num_seconds()).collect();
        assert_eq!(waits, [60, 120, 240, 480, 960, 1920, 3600, 3600]);
    }

    #[test]
    fn jitter_shortens_by_at_most_a_half() {
        let m = mail();
        assert_eq!(wait(3, &m, 0.999_999).num_seconds(), 121);
        assert_eq!(wait(3, &m, 0.5).num_seconds(), 180);
        assert_eq!(wait(40, &m, 0.0).num_seconds(), 3600, "no overflow for a long history");
    }
}
