//! The rule families: the checks.
//!
//! Rules never print: the family modules are pure functions from snapshots (and commit
//! metadata) to findings. The codes they report under live in [`crate::codes`] (re-exported
//! here, so a check names its rule as `rules::UNKNOWN_STATUS`).

use crate::config::Config;
use crate::finding::Finding;
use crate::snapshot::Snapshot;

pub use crate::codes::*;

pub mod commits;
pub mod path_globs;
pub mod rigor;
pub mod rigor_branch;
pub mod spec_links;
pub mod task_fields;
pub mod task_files;
pub mod transitions;

/// Runs the tree rules (task files, spec links, flowspec rigor) on one snapshot, at their
/// default severities; the engine applies the configured ones.
pub fn check_tree(snapshot: &Snapshot, config: &Config) -> Vec<Finding> {
    let links = || {
        let mut findings = spec_links::check(snapshot, config);
        findings.extend(rigor::check(snapshot, config));
        findings
    };
    let files = snapshot.backlog.as_ref().map_or(0, |b| b.files.len());
    // The families read the snapshot only: in a large one, the task-file rules and the
    // link rules run on two cores. Their findings are joined in the same order.
    let (mut findings, links) = if files + snapshot.specs.files.len() >= PARALLEL_FILES {
        std::thread::scope(|scope| {
            let links = scope.spawn(links);
            let findings = task_files::check(snapshot);
            let links = links
                .join()
                .unwrap_or_else(|e| std::panic::resume_unwind(e));
            (findings, links)
        })
    } else {
        (task_files::check(snapshot), links())
    };
    findings.extend(links);
    findings
}

/// From this many task and spec files on, [`check_tree`] runs the rule families on two
/// threads.
const PARALLEL_FILES: usize = 1000;

/// Applies the configured severities (dropping `off` findings) and sorts. A task that
/// fails a guard on entering its status (FG403) is not told again that it stands there
/// with open items (FG111): the guard finding says it, and more precisely.
pub fn configure(findings: Vec<Finding>, config: &Config) -> Vec<Finding> {
    let guarded: Vec<(Option<String>, Option<String>)> = findings
        .iter()
        .filter(|f| f.code == GUARD_NOT_MET.code)
        .map(|f| (f.file.clone(), f.task.clone()))
        .collect();
    let mut out: Vec<Finding> = findings
        .into_iter()
        .filter(|f| {
            f.code != DONE_WITH_OPEN_ITEMS.code
                || !guarded.contains(&(f.file.clone(), f.task.clone()))
        })
        .filter_map(|mut f| {
            let configured = config
                .rules
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(f.code) || k.eq_ignore_ascii_case(f.rule))
                .map(|(_, s)| *s);
            if let Some(s) = configured {
                // A finding its rule reported below the rule's default (a mention next to
                // a real reference is a note) stays there: configuration only lowers it.
                let demoted = lookup(f.code).is_some_and(|r| f.severity < r.default_severity);
                f.severity = if demoted { s.min(f.severity) } else { s };
            }
            (f.severity != Severity::Off).then_some(f)
        })
        .collect();
    out.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    out.dedup();
    out
}

/// The files each rule family declares for the focus-contract test (`FOCUS_CASES` next to
/// the rules; see `snapshot.rs`'s tests).
#[cfg(test)]
pub(crate) fn focus_cases() -> impl Iterator<Item = &'static (&'static str, &'static str)> {
    [
        task_files::FOCUS_CASES,
        task_fields::FOCUS_CASES,
        spec_links::FOCUS_CASES,
        rigor::FOCUS_CASES,
    ]
    .into_iter()
    .flatten()
}
