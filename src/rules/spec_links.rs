//! Spec-link rules: every task maps to real spec sections.

use crate::config::Config;
use crate::finding::Finding;
use crate::snapshot::Snapshot;

/// Every spec-link finding of a snapshot.
pub fn check(snapshot: &Snapshot, config: &Config) -> Vec<Finding> {
    let _ = (snapshot, config);
    Vec::new()
}
