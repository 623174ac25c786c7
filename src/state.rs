//! What every handler shares.

use std::net::IpAddr;
use std::sync::Arc;

use crate::auth::password::Passwords;
use crate::auth::tokens::TokenKeys;
use crate::clock::SharedClock;
use crate::config::Settings;
use crate::db::Db;
use crate::domain::deadlines::OfficeTime;

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub settings: Arc<Settings>,
    /// The office's time zone and working-day calendar (read at start-up).
    pub office: Arc<OfficeTime>,
    pub clock: SharedClock,
    pub tokens: Arc<TokenKeys>,
    pub passwords: Passwords,
    pub trusted_proxies: Arc<Vec<IpAddr>>,
    /// Every counted proposal's facts, summed for any scope (src/statistics/store.rs).
    pub statistics: crate::statistics::Store,
    /// Built public answers (src/public_cache.rs).
    pub public_cache: crate::public_cache::PublicCache,
    /// The published proposals as the public list shows them (src/proposals/public_index.rs).
    pub public_index: crate::proposals::public_index::PublicIndex,
}

impl AppState {
    pub fn new(settings: Settings, db: Db, clock: SharedClock, jwt_secret: &[u8]) -> anyhow::Result<Self> {
        let tokens = TokenKeys::new(
            jwt_secret,
            &settings.auth.issuer,
            &settings.auth.audience,
            chrono::Duration::minutes(settings.auth.access_token_minutes),
            chrono::Duration::hours(settings.auth.refresh_token_hours),
        )?;
        let passwords = Passwords::new(settings.auth.password_cost(), settings.auth.max_concurrent_hashes)
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let office = Arc::new(settings.calendar.office_time()?);
        let trusted_proxies = settings.server.trusted_proxies.iter().filter_map(|p| p.parse().ok()).collect();
        let public_cache =
            crate::public_cache::PublicCache::new(settings.server.public_cache_megabytes.saturating_mul(1 << 20))
                .spilling_into(
                    std::path::Path::new(&settings.data.dir),
                    settings.server.public_cache_spill_megabytes.saturating_mul(1 << 20),
                );
        let public_index = crate::proposals::public_index::PublicIndex::new(
            std::time::Duration::from_secs(settings.server.public_refresh_seconds),
            settings.workflow.clone(),
        );
        Ok(AppState {
            db,
            settings: Arc::new(settings),
            office,
            clock,
            tokens: Arc::new(tokens),
            passwords,
            trusted_proxies: Arc::new(trusted_proxies),
            statistics: crate::statistics::Store::default(),
            public_cache,
            public_index,
        })
    }
}
