//! flowgate: a deterministic gate for spec-driven repositories.
//!
//! The crate is layered so that each layer can be read and tested alone (lowest first;
//! `tests/architecture.rs` keeps the order):
//!
//! - [`codes`], [`finding`], [`text`], [`paths`]: the vocabulary every layer speaks (rule
//!   codes and their registry, findings, positions); they import nothing above them.
//! - [`tracker`]: the task model the rules read (whatever tracker wrote the tasks) and the
//!   [`tracker::Tracker`] trait that phrases a tracker tool's commands in help.
//! - [`source`]: the files of one snapshot (working tree, index, a commit's tree), behind
//!   one small trait. [`git`] holds the git-backed implementations and history walking;
//!   it is the only module that names libgit2.
//! - [`backlog`], [`spec`], [`workflow`], [`config`]: parsers that turn files into typed models
//!   ([`backlog`] is the Backlog.md reader of the task model);
//!   [`message`]: commit messages and the task-reference grammar.
//! - [`snapshot`]: one source parsed into the models the rules need.
//! - [`rules`]: the checks, pure functions from snapshots (and commit metadata) to
//!   [`finding::Finding`]s.
//! - [`baseline`]: recorded findings that no longer fail.
//! - [`engine`]: the pipeline every command runs (configuration, snapshot, rules, commit
//!   judging, severities, baseline, summary).
//! - [`audit`]: the history pass, coverage and suspect links.
//! - [`report`]: renders findings (human, json, ...) through one `render(format, …)`.
//!   Rules never print.
//! - [`commands`]: one file per subcommand, each declaring the formats it offers; `main`
//!   only parses flags and dispatches.

#![warn(missing_docs)]

pub mod audit;
pub mod backlog;
pub mod baseline;
pub mod cli;
pub mod codes;
pub mod commands;
pub mod config;
pub mod engine;
pub mod finding;
pub mod flowspec;
pub mod git;
pub mod message;
pub mod own_files;
pub mod parallel;
pub mod parsed_codec;
pub mod paths;
pub mod report;
pub mod rules;
pub mod snapshot;
pub mod source;
pub mod spec;
#[cfg(test)]
mod test_rng;
pub mod text;
pub mod tracker;
pub mod workflow;
