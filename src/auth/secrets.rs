//! The token signing secret: from configuration, or, on the embedded SQLite
//! default only, generated on first start and kept in the data folder with
//! owner-only permissions. PostgreSQL means production with several
//! instances, which must share one configured secret.

use std::io::Write;
use std::path::Path;

use crate::config::Settings;
use crate::db::DatabaseUrl;

pub const SECRET_FILE: &str = "jwt-secret";

pub fn jwt_secret(settings: &Settings, url: &DatabaseUrl) -> anyhow::Result<Vec<u8>> {
    let configured = settings.auth.jwt_secret.trim();
    if !configured.is_empty() {
        if configured.len() < 32 {
            anyhow::bail!("configuration: auth.jwt_secret must be at least 32 bytes (it has {})", configured.len());
        }
        return Ok(configured.as_bytes().to_vec());
    }
    if !url.is_sqlite() {
        anyhow::bail!(
            "configuration: auth.jwt_secret is required with PostgreSQL (set PD__AUTH__JWT_SECRET to at least 32 random bytes, the same on every instance)"
        );
    }
    load_or_generate(&Path::new(&settings.data.dir).join(SECRET_FILE))
}

fn load_or_generate(path: &Path) -> anyhow::Result<Vec<u8>> {
    if path.exists() {
        restrict_permissions(path)?;
        let text = std::fs::read_to_string(path).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
        let secret = text.trim().as_bytes().to_vec();
        if secret.len() < 32 {
            anyhow::bail!("{} holds a secret shorter than 32 bytes; delete it to generate a new one", path.display());
        }
        return Ok(secret);
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| anyhow::anyhow!("cannot create {}: {e}", dir.display()))?;
    }
    let mut bytes = [0u8; 48];
    rand::fill(&mut bytes);
    let secret = hex::encode(bytes);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(|e| anyhow::anyhow!("cannot create {}: {e}", path.display()))?;
    file.write_all(secret.as_bytes())?;
    file.sync_all()?;
    tracing::info!(path = %path.display(), "generated a token signing secret for the embedded database");
    Ok(secret.into_bytes())
}

#[cfg(unix)]
fn restrict_permissions(path: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path)?.permissions().mode();
    if mode & 0o077 != 0 {
        tracing::warn!(path = %path.display(), "secret file was readable by others; restricting it to its owner");
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(())
}

#[cfg(not(unix))]
fn restrict_permissions(_path: &Path) -> anyhow::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings_with(dir: &Path, secret: &str) -> Settings {
        let mut s = Settings::load_from(None, Vec::<(String, String)>::new()).unwrap();
        s.data.dir = dir.display().to_string();
        s.auth.jwt_secret = secret.to_string();
        s
    }

    #[test]
    fn sqlite_generates_a_private_secret_once() {
        let dir = std::env::temp_dir().join(format!("pd-secret-{}", uuid::Uuid::new_v4()));
        let url = DatabaseUrl::parse("sqlite://x.db").unwrap();
        let first = jwt_secret(&settings_with(&dir, ""), &url).unwrap();
        let again = jwt_secret(&settings_with(&dir, ""), &url).unwrap();
        assert_eq!(first, again);
        assert!(first.len() >= 32);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.join(SECRET_FILE)).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn postgres_refuses_to_start_without_a_configured_secret() {
        let dir = std::env::temp_dir();
        let url = DatabaseUrl::parse("postgres://u@h/db").unwrap();
        let err = jwt_secret(&settings_with(&dir, ""), &url).unwrap_err().to_string();
        assert!(err.contains("auth.jwt_secret"), "{err}");
        let err = jwt_secret(&settings_with(&dir, "short"), &url).unwrap_err().to_string();
        assert!(err.contains("32 bytes"), "{err}");
        assert!(jwt_secret(&settings_with(&dir, &"k".repeat(32)), &url).is_ok());
    }
}
