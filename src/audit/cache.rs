//! The audit's incremental cache: one record per judged commit, keyed by commit id, in
//! `.git/flowgate/audit-cache.json`. A commit's record depends only on the commit (and its
//! parents, which its id fixes) and on the configuration, so a record is reused whenever
//! the cache was written by this version with the same configuration. Anything else (an
//! older format, another configuration, a file that does not parse) is ignored and
//! rewritten: the cache can only save work, never change a result.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::history::CommitRecord;
use crate::config::Config;

/// Bumped whenever the record format or what a record means changes.
pub const FORMAT: u32 = 1;

#[derive(Serialize, Deserialize)]
struct CacheFile {
    format: u32,
    key: String,
    records: Vec<CommitRecord>,
}

/// Records loaded from the cache, by commit id.
#[derive(Debug, Default)]
pub struct Cache {
    path: PathBuf,
    key: String,
    records: HashMap<String, CommitRecord>,
}

/// What a configuration contributes to the cache key: everything that can change a
/// per-commit record.
fn key(config: &Config) -> String {
    let mut c = config.clone();
    c.origin = None;
    let text = format!("{}|{:?}", env!("CARGO_PKG_VERSION"), c);
    format!("{:016x}", crate::spec::markdown::content_hash(&text))
}

impl Cache {
    /// Opens the cache in `git_dir` (the repository's `.git`) for `config`.
    pub fn open(git_dir: &Path, config: &Config) -> Cache {
        let path = git_dir.join("flowgate").join("audit-cache.json");
        let key = key(config);
        let records = std::fs::read(&path)
            .ok()
            .and_then(|bytes| serde_json::from_slice::<CacheFile>(&bytes).ok())
            .filter(|f| f.format == FORMAT && f.key == key)
            .map(|f| f.records.into_iter().map(|r| (r.id.clone(), r)).collect())
            .unwrap_or_default();
        Cache { path, key, records }
    }

    /// The number of records loaded.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// True when nothing was loaded.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// Takes the record of commit `id` out of the cache.
    pub fn take(&mut self, id: &str) -> Option<CommitRecord> {
        self.records.remove(id)
    }

    /// Writes `records` as the new cache (atomically: a temporary file, then a rename).
    /// Failing to write is not an error of the audit; the reason is returned for `-v`.
    pub fn save(&self, records: &[CommitRecord]) -> Result<(), String> {
        #[derive(Serialize)]
        struct Out<'a> {
            format: u32,
            key: &'a str,
            records: &'a [CommitRecord],
        }
        let dir = self.path.parent().ok_or("no cache directory")?;
        std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
        let text = serde_json::to_vec(&Out {
            format: FORMAT,
            key: &self.key,
            records,
        })
        .map_err(|e| e.to_string())?;
        let tmp = self
            .path
            .with_extension(format!("tmp{}", std::process::id()));
        std::fs::write(&tmp, text).map_err(|e| e.to_string())?;
        std::fs::rename(&tmp, &self.path).map_err(|e| e.to_string())
    }

    /// Where the cache lives.
    pub fn path(&self) -> &Path {
        &self.path
    }
}
