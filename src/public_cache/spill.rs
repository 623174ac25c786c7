//! Where kept public answers go when memory is full: a file of this
//! process's own, read back with one `pread` an answer. The operating
//! system keeps the file's pages in its cache while memory is free, so an
//! answer pushed out of memory is still served without the database, JSON
//! or gzip; the process keeps only where each one lies.
//!
//! The file is unlinked as soon as it is opened: it is nobody else's (each
//! instance has its own, even sharing a data folder), takes no clean-up
//! after a crash, and is gone with the process. When it reaches its size it
//! starts again from nothing, which forgets every answer in it at once.

use std::fs::File;
use std::io;
use std::path::Path;
use std::sync::RwLock;
use std::sync::atomic::{AtomicU64, Ordering};

use actix_web::web::Bytes;

/// The spill file.
pub struct Spill {
    segment: RwLock<Segment>,
    /// Where the next answer goes.
    end: AtomicU64,
    budget_bytes: u64,
}

struct Segment {
    file: File,
    /// How many times the file started again; a place of an earlier one is gone.
    epoch: u64,
}

/// Where one answer lies in the spill file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Place {
    epoch: u64,
    offset: u64,
    len: u32,
}

impl Spill {
    /// A new spill file in `dir` holding at most `budget_bytes`.
    pub fn open(dir: &Path, budget_bytes: u64) -> io::Result<Spill> {
        std::fs::create_dir_all(dir)?;
        let path = dir.join(format!(".public-answers-{}", crate::ids::new_id()));
        let mut options = std::fs::OpenOptions::new();
        options.read(true).write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let file = options.open(&path)?;
        std::fs::remove_file(&path)?;
        Ok(Spill { segment: RwLock::new(Segment { file, epoch: 0 }), end: AtomicU64::new(0), budget_bytes })
    }

    /// Writes `bytes` to the file; and whether the file started again to make
    /// room (only when `may_restart`), which forgot every place handed out
    /// before. `None` when the answer does not fit, or the disk refused.
    ///
    /// Callers take turns (the cache's lock): two at once could both start the file again.
    pub fn put(&self, bytes: &[u8], may_restart: bool) -> Option<(Place, bool)> {
        let len = u32::try_from(bytes.len()).ok()?;
        if u64::from(len) > self.budget_bytes {
            return None;
        }
        let mut restarted = false;
        if self.end.load(Ordering::Acquire) + u64::from(len) > self.budget_bytes {
            if !may_restart {
                return None;
            }
            let mut segment = self.segment.write().unwrap_or_else(|p| p.into_inner());
            segment.epoch += 1;
            // Truncating gives the disk back; a failure only leaves it taken.
            if let Err(e) = segment.file.set_len(0) {
                tracing::warn!(error = %e, "cannot truncate the spill file of public answers");
            }
            self.end.store(0, Ordering::Release);
            restarted = true;
        }
        let segment = self.segment.read().unwrap_or_else(|p| p.into_inner());
        let offset = self.end.fetch_add(u64::from(len), Ordering::AcqRel);
        match write_at(&segment.file, bytes, offset) {
            Ok(()) => Some((Place { epoch: segment.epoch, offset, len }, restarted)),
            Err(e) => {
                tracing::warn!(error = %e, "cannot write a public answer to its spill file");
                None
            }
        }
    }

    /// The bytes at `place`, unless the file started again since.
    pub fn get(&self, place: Place) -> Option<Bytes> {
        let segment = self.segment.read().unwrap_or_else(|p| p.into_inner());
        if segment.epoch != place.epoch {
            return None;
        }
        let mut bytes = vec![0; place.len as usize];
        read_at(&segment.file, &mut bytes, place.offset).ok()?;
        Some(Bytes::from(bytes))
    }
}

#[cfg(unix)]
fn write_at(file: &File, bytes: &[u8], offset: u64) -> io::Result<()> {
    std::os::unix::fs::FileExt::write_all_at(file, bytes, offset)
}

#[cfg(unix)]
fn read_at(file: &File, bytes: &mut [u8], offset: u64) -> io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, bytes, offset)
}

// Elsewhere nothing is spilled: answers pushed out of memory are forgotten.
#[cfg(not(unix))]
fn write_at(_: &File, _: &[u8], _: u64) -> io::Result<()> {
    Err(io::ErrorKind::Unsupported.into())
}

#[cfg(not(unix))]
fn read_at(_: &File, _: &mut [u8], _: u64) -> io::Result<()> {
    Err(io::ErrorKind::Unsupported.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_come_back_as_written_until_the_file_starts_again() {
        let dir = std::env::temp_dir().join(format!("pd-spill-{}", crate::ids::new_id()));
        let spill = Spill::open(&dir, 10).expect("a spill file");
        assert_eq!(std::fs::read_dir(&dir).expect("the folder").count(), 0, "the file has no name on disk");
        let (first, restarted) = spill.put(b"abcd", true).expect("room");
        assert!(!restarted);
        let (second, _) = spill.put(b"efgh", true).expect("room");
        assert_eq!(spill.get(first).as_deref(), Some(&b"abcd"[..]));
        assert_eq!(spill.get(second).as_deref(), Some(&b"efgh"[..]));
        assert!(spill.put(b"ijkl", false).is_none(), "full, and not to start again");
        assert_eq!(spill.get(first).as_deref(), Some(&b"abcd"[..]));
        let (third, restarted) = spill.put(b"ijkl", true).expect("room once started again");
        assert!(restarted, "10 bytes hold two answers of 4");
        assert_eq!(spill.get(first), None, "forgotten with the file's restart");
        assert_eq!(spill.get(third).as_deref(), Some(&b"ijkl"[..]));
        assert!(spill.put(b"much too long", true).is_none(), "larger than the whole file");
        let _ = std::fs::remove_dir(&dir);
    }
}
