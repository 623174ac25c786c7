//! The token signing secret: from configuration, or, on the embedded SQLite
//! default only, generated on first start and kept in the data folder with
//! owner-only permissions. PostgreSQL means production with several
//! instances, which must share one configured secret.
//!
//! The generated file is written atomically (temporary file, fsync, rename,
//! fsync of the folder), so a kill at any moment leaves no secret or the whole
//! one, never an empty file that would stop every later start.

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
        if secret.len() >= 32 {
            return Ok(secret);
        }
        if !secret.is_empty() {
            anyhow::bail!(
                "{} holds a secret shorter than 32 bytes ({}); put at least 32 random bytes in it, or delete it to generate a new one",
                path.display(),
                secret.len()
            );
        }
        // Empty: left by a start that was killed between creating the file and
        // writing it (versions before the atomic write). Nothing was ever
        // signed with it, so a new secret loses nothing.
        tracing::warn!(path = %path.display(), "secret file is empty (an interrupted first start); generating a new one");
    }
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir).map_err(|e| anyhow::anyhow!("cannot create {}: {e}", dir.display()))?;
    remove_leftovers(dir);
    let mut bytes = [0u8; 48];
    rand::fill(&mut bytes);
    let secret = hex::encode(bytes);
    write_atomically(path, dir, secret.as_bytes())
        .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
    tracing::info!(path = %path.display(), "generated a token signing secret for the embedded database");
    Ok(secret.into_bytes())
}

/// Temporary files are `.jwt-secret.<pid>.<random>.tmp`, next to the secret.
const TEMP_PREFIX: &str = ".jwt-secret.";
const TEMP_SUFFIX: &str = ".tmp";

/// Writes `contents` to `path` so that a crash at any moment leaves either no
/// file or the whole one: a temporary file in the same folder (owner-only from
/// its creation), written and flushed to disk, then renamed over `path`, and
/// the folder flushed so that the rename itself survives a power cut.
fn write_atomically(path: &Path, dir: &Path, contents: &[u8]) -> std::io::Result<()> {
    let mut suffix = [0u8; 8];
    rand::fill(&mut suffix);
    let temp = dir.join(format!("{TEMP_PREFIX}{}.{}{TEMP_SUFFIX}", std::process::id(), hex::encode(suffix)));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let written = options.open(&temp).and_then(|mut file| {
        file.write_all(contents)?;
        file.sync_all()
    });
    if let Err(e) = written.and_then(|()| std::fs::rename(&temp, path)) {
        let _ = std::fs::remove_file(&temp);
        return Err(e);
    }
    sync_dir(dir)
}

#[cfg(unix)]
fn sync_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::File::open(dir)?.sync_all()
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> std::io::Result<()> {
    Ok(())
}

/// Removes temporary files that an interrupted write left behind. The secret
/// is only generated on the embedded database, which one instance serves, so
/// no other writer can be using them.
fn remove_leftovers(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with(TEMP_PREFIX) && name.ends_with(TEMP_SUFFIX) {
            match std::fs::remove_file(entry.path()) {
                Ok(()) => {
                    tracing::warn!(file = %entry.path().display(), "removed a temporary secret file left by an interrupted start")
                }
                Err(e) => {
                    tracing::warn!(file = %entry.path().display(), error = %e, "cannot remove a leftover temporary secret file")
                }
            }
        }
    }
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

    fn fresh_dir() -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("pd-secret-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn assert_valid_secret(dir: &Path, secret: &[u8]) {
        assert_eq!(secret.len(), 96, "48 random bytes in hex");
        assert!(secret.iter().all(u8::is_ascii_hexdigit));
        assert_eq!(std::fs::read(dir.join(SECRET_FILE)).unwrap(), secret, "the file holds the secret in use");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.join(SECRET_FILE)).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let leftovers: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
            .filter(|name| name != SECRET_FILE)
            .collect();
        assert!(leftovers.is_empty(), "temporary files left behind: {leftovers:?}");
    }

    #[test]
    fn a_write_killed_before_its_rename_leaves_only_a_temporary_file_and_the_next_start_succeeds() {
        // What a kill between creating the temporary file and renaming it
        // leaves: an empty (or partly written) temporary file, and no secret.
        let dir = fresh_dir();
        std::fs::write(dir.join(".jwt-secret.4242.0123456789abcdef.tmp"), b"").unwrap();
        std::fs::write(dir.join(".jwt-secret.4243.fedcba9876543210.tmp"), b"3f2a").unwrap();
        let url = DatabaseUrl::parse("sqlite://x.db").unwrap();
        let secret = jwt_secret(&settings_with(&dir, ""), &url).unwrap();
        assert_valid_secret(&dir, &secret);
        assert_eq!(jwt_secret(&settings_with(&dir, ""), &url).unwrap(), secret, "kept from then on");
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn an_empty_secret_file_left_by_an_older_version_is_replaced() {
        // Older versions created the file, then wrote it: a kill in between
        // left it empty, and every later start refused to run. An empty file
        // never signed anything, so a new secret loses nothing.
        let dir = fresh_dir();
        std::fs::write(dir.join(SECRET_FILE), b"").unwrap();
        let url = DatabaseUrl::parse("sqlite://x.db").unwrap();
        let secret = jwt_secret(&settings_with(&dir, ""), &url).unwrap();
        assert_valid_secret(&dir, &secret);
        // Whitespace only (e.g. a newline added by an editor) is just as empty.
        std::fs::write(dir.join(SECRET_FILE), b"\n").unwrap();
        let again = jwt_secret(&settings_with(&dir, ""), &url).unwrap();
        assert_valid_secret(&dir, &again);
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn a_short_secret_is_refused_with_what_to_do() {
        // Something that is not empty was put there by someone: never overwritten.
        let dir = fresh_dir();
        std::fs::write(dir.join(SECRET_FILE), b"too-short").unwrap();
        let url = DatabaseUrl::parse("sqlite://x.db").unwrap();
        let err = jwt_secret(&settings_with(&dir, ""), &url).unwrap_err().to_string();
        assert!(err.contains("shorter than 32 bytes") && err.contains(SECRET_FILE), "{err}");
        assert!(err.contains("delete it"), "the message says what to do: {err}");
        assert_eq!(std::fs::read(dir.join(SECRET_FILE)).unwrap(), b"too-short");
        std::fs::remove_dir_all(dir).ok();
    }
}
