//! flowspec's rigor rules, task memory and decision logs, on one snapshot.
//!
//! flowspec describes its rigor rules as a catalogue (SETUP-*, EXEC-*, FREEZE-*, VALID-*,
//! PR-*) with a mode each (strict, warn, off) set in `.flowspec/rigor-config.yml`. Every
//! catalogue rule flowgate can decide from a snapshot has a flowgate code here and carries
//! its catalogue ID on its findings ([`Finding::rigor_id`]); its severity comes from the
//! rigor configuration (strict → error, warn → warning, off → dropped). The task-memory
//! and decision-log rules are flowgate's own (no catalogue ID) and use their default
//! severities. Only flowspec repositories ([`crate::flowspec::detect`]) get
//! any of them.

use std::collections::{BTreeMap, BTreeSet};

use regex::Regex;

use super::Rule;
use crate::backlog::{Folder, TaskFile, TaskId};
pub use crate::codes::{
    by_catalogue_id, catalogue_id, is_catalogue_id, CatalogueRule, ALL_IDS, CATALOGUE,
};
use crate::config::Config;
use crate::finding::{Finding, Position, Severity};
use crate::flowspec::memory::{MemoryFile, FAIL_BYTES, WARN_BYTES};
use crate::flowspec::{Flowspec, Mode};
use crate::snapshot::Snapshot;
use crate::workflow::flowspec::label_state;

/// The findings of the flowspec rules on one snapshot; nothing for other repositories.
pub fn check(snapshot: &Snapshot, config: &Config) -> Vec<Finding> {
    let Some(fs) = snapshot.flowspec.as_ref() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    config_problems(fs, &mut out);
    let ctx = Ctx::new(snapshot, config, fs);
    for file in ctx.files.iter().copied() {
        task_rules(&ctx, file, &mut out);
    }
    memory_rules(&ctx, &mut out);
    decision_rules(&ctx, &mut out);
    apply_modes(out, &fs.config)
}

/// Re-reads the flowspec part of `snapshot` (built from `head`) with the policy of the
/// `trusted` tree (see [`crate::flowspec::load_trusted`]); nothing changes without one.
pub fn trust(
    snapshot: &mut Snapshot,
    head: &dyn crate::source::Source,
    trusted: Option<&dyn crate::source::Source>,
) -> Result<(), crate::source::SourceError> {
    let Some(trusted) = trusted else {
        return Ok(());
    };
    let root = snapshot.backlog.as_ref().map(|b| b.layout.root.clone());
    snapshot.flowspec =
        crate::flowspec::load_trusted(head, trusted, root.as_deref(), &is_catalogue_id)?;
    Ok(())
}

/// Sets the severity of catalogue findings from the rigor configuration.
pub(crate) fn apply_modes(
    findings: Vec<Finding>,
    config: &crate::flowspec::RigorConfig,
) -> Vec<Finding> {
    findings
        .into_iter()
        .map(|mut f| {
            if let Some(c) = CATALOGUE.iter().find(|c| c.rule.code == f.code) {
                f.severity = match config.mode(c.id, c.phase, c.blocking) {
                    Mode::Strict => Severity::Error,
                    Mode::Warn => Severity::Warning,
                    Mode::Off => Severity::Off,
                };
            }
            f
        })
        .collect()
}

/// What every rule needs: the tasks by ID, the memory files by task.
struct Ctx<'a> {
    snapshot: &'a Snapshot,
    config: &'a Config,
    fs: &'a Flowspec,
    /// Task files (not drafts) that parsed, in path order.
    files: Vec<&'a TaskFile>,
    /// Every task ID of the backlog, read or only listed.
    ids: BTreeSet<TaskId>,
    /// Memory files by task.
    memory: BTreeMap<TaskId, Vec<&'a MemoryFile>>,
}

impl<'a> Ctx<'a> {
    fn new(snapshot: &'a Snapshot, config: &'a Config, fs: &'a Flowspec) -> Ctx<'a> {
        let mut ids = BTreeSet::new();
        let mut files = Vec::new();
        if let Some(b) = &snapshot.backlog {
            for f in b.tasks() {
                if let Some(id) = f.id().or(f.name_id.as_ref()) {
                    ids.insert(id.clone());
                }
                // Archived tasks are out of play: nobody works on them any more.
                if f.task.is_some() && f.folder != Folder::Archive {
                    files.push(f);
                }
            }
            ids.extend(
                b.unread
                    .iter()
                    .filter(|e| e.folder != Folder::Drafts)
                    .filter_map(|e| e.name_id.clone()),
            );
        }
        let mut memory: BTreeMap<TaskId, Vec<&MemoryFile>> = BTreeMap::new();
        for m in &fs.memory.files {
            if let Some(id) = &m.id {
                memory.entry(id.clone()).or_default().push(m);
            }
        }
        Ctx {
            snapshot,
            config,
            fs,
            files,
            ids,
            memory,
        }
    }

    fn active(&self, status: &str) -> bool {
        self.snapshot
            .workflow
            .is_one_of(status, &self.config.commits.active_statuses)
    }

    fn done(&self, status: &str) -> bool {
        self.snapshot.workflow.is_last(status)
    }

    fn exists(&self, id: &TaskId) -> bool {
        self.ids.contains(id)
    }

    fn memory_path(&self, id: &TaskId, archived: bool) -> String {
        let name = format!("{}.md", id.file_stem());
        if archived {
            format!("{}/archive/{name}", self.fs.memory.dir)
        } else {
            format!("{}/{name}", self.fs.memory.dir)
        }
    }
}

fn config_problems(fs: &Flowspec, out: &mut Vec<Finding>) {
    if let Some(path) = &fs.config.path {
        for p in &fs.config.problems {
            let pos = Position::new(p.line.unwrap_or(0), p.column.unwrap_or(1), 0);
            out.push(
                Finding::new(&super::FLOWSPEC_FILE_INVALID, p.message.clone())
                    .at(path.clone(), pos)
                    .help(p.help.clone()),
            );
        }
    }
    if let Some(e) = &fs.workflow_error {
        let pos = Position::new(e.line.unwrap_or(0), e.column.unwrap_or(1), 0);
        out.push(
            Finding::new(
                &super::FLOWSPEC_FILE_INVALID,
                format!("{} cannot be read as a flowspec workflow: {}", e.path, e.message),
            )
            .at(e.path.clone(), pos)
            .help("fix the YAML; flowgate reads `states` and `transitions[].from/to`, and checks `workflow:` labels against them"),
        );
    }
}

/// `backlog task edit` wants the ID as the CLI prints it.
fn cli_id(id: &TaskId) -> String {
    id.file_stem()
}

fn labelled<'l>(labels: &'l [String], prefix: &str) -> Option<&'l str> {
    labels.iter().find_map(|l| {
        let l = l.trim();
        let head = l.get(..prefix.len())?;
        head.eq_ignore_ascii_case(prefix)
            .then(|| l.get(prefix.len()..).unwrap_or_default().trim())
            .filter(|s| !s.is_empty())
    })
}

fn task_rules(ctx: &Ctx<'_>, file: &TaskFile, out: &mut Vec<Finding>) {
    let (Some(task), Some(id)) = (file.task.as_ref(), file.id()) else {
        return;
    };
    let Some(status) = task.status.as_ref() else {
        return;
    };
    let at = |rule: &'static Rule, message: String| {
        Finding::new(rule, message)
            .at(file.path.clone(), status.pos)
            .task(id.canonical())
    };
    let cli = cli_id(id);
    let active = ctx.active(&status.value);
    let done = ctx.done(&status.value);
    let tag = |rule: &Rule| catalogue_id(rule.code).map_or(String::new(), |c| format!("[{c}] "));

    // SETUP-002: a dependency named in a label must exist.
    if !done {
        for label in &task.labels {
            let Some(target) = crate::flowspec::label_dependency(label) else {
                continue;
            };
            let exists = TaskId::parse(target).is_some_and(|t| ctx.exists(&t));
            if !exists {
                out.push(
                    at(&super::RIGOR_DEPENDENCY_MISSING, format!(
                        "{}{id} documents the dependency \"{label}\", but {target} is not a task",
                        tag(&super::RIGOR_DEPENDENCY_MISSING)
                    ))
                    .help(format!(
                        "name an existing task (`backlog task list --plain` lists them), or remove the label: backlog task edit {cli} --remove-label \"{label}\""
                    )),
                );
            }
        }
    }

    if active {
        // SETUP-001
        if task.plan.as_deref().is_none_or(|p| p.trim().is_empty()) {
            out.push(
                at(&super::RIGOR_NO_PLAN, format!(
                    "{}{id} is \"{}\" without an implementation plan",
                    tag(&super::RIGOR_NO_PLAN),
                    status.value
                ))
                .help(format!("write the plan before starting: backlog task edit {cli} --plan $'1. First step\\n2. Second step'")),
            );
        }
        // SETUP-003
        if task.acceptance.is_empty() {
            out.push(
                at(&super::RIGOR_NO_ACCEPTANCE, format!(
                    "{}{id} is \"{}\" without an acceptance criterion",
                    tag(&super::RIGOR_NO_ACCEPTANCE),
                    status.value
                ))
                .help(format!("add a testable criterion: backlog task edit {cli} --ac \"<what can be checked>\"")),
            );
        }
        workflow_labels(ctx, file, id, &status.value, &tag, out);
        // EXEC-005: the memory flowspec creates when work starts.
        let has_active = ctx
            .memory
            .get(id)
            .is_some_and(|v| v.iter().any(|m| !m.archived));
        let has_archived = ctx
            .memory
            .get(id)
            .is_some_and(|v| v.iter().any(|m| m.archived));
        if !has_active && !has_archived {
            out.push(
                at(
                    &super::RIGOR_NO_MEMORY,
                    format!(
                        "{}{id} is \"{}\" but has no task memory ({} is missing)",
                        tag(&super::RIGOR_NO_MEMORY),
                        status.value,
                        ctx.memory_path(id, false)
                    ),
                )
                .help(format!(
                    "create it with `flowspec memory init {cli}` and commit it with the task"
                )),
            );
        }
    }

    // VALID-005: a finished task's criteria are all checked.
    if done {
        if let Some(first) = task.acceptance.iter().find(|c| !c.checked) {
            let open = task.acceptance.iter().filter(|c| !c.checked).count();
            let numbers: Vec<String> = task
                .acceptance
                .iter()
                .filter(|c| !c.checked)
                .filter_map(|c| c.number.map(|n| format!("--check-ac {n}")))
                .collect();
            let help = if numbers.is_empty() {
                format!("check each criterion that is met (`- [x]`), or move {id} back to an active status")
            } else {
                format!("backlog task edit {cli} {}, or move {id} back to an active status if they are not met", numbers.join(" "))
            };
            out.push(
                Finding::new(
                    &super::RIGOR_UNCHECKED_ACCEPTANCE,
                    format!(
                        "{}{id} is \"{}\" with {open} unchecked acceptance criteria",
                        tag(&super::RIGOR_UNCHECKED_ACCEPTANCE),
                        status.value
                    ),
                )
                .at(file.path.clone(), first.pos)
                .task(id.canonical())
                .help(help),
            );
        }
    }

    // VALID-006: the status and the workflow label say the same.
    if let (Some(state), Some(fw)) = (label_state(&task.labels), ctx.fs.workflow.as_ref()) {
        let statuses = &ctx.snapshot.workflow.statuses;
        let named = statuses
            .iter()
            .find(|s| s.trim().eq_ignore_ascii_case(state.trim()));
        let last_state = fw.states.last();
        let mismatch = match named {
            Some(s) if !s.trim().eq_ignore_ascii_case(status.value.trim()) => Some(format!(
                "the workflow state \"{state}\" is the status \"{s}\""
            )),
            Some(_) => None,
            None if done => last_state
                .filter(|l| !l.eq_ignore_ascii_case(state.trim()))
                .map(|l| {
                    format!(
                        "a \"{}\" task's workflow state is the last one, \"{l}\"",
                        status.value
                    )
                }),
            None => None,
        };
        if let Some(why) = mismatch {
            let pos = task.workflow_label.as_ref().map_or(status.pos, |l| l.pos);
            out.push(
                Finding::new(&super::RIGOR_STATUS_MISMATCH, format!(
                    "{}{id} has status \"{}\" and label \"workflow:{state}\", which disagree: {why}",
                    tag(&super::RIGOR_STATUS_MISMATCH),
                    status.value
                ))
                .at(file.path.clone(), pos)
                .task(id.canonical())
                .help(format!("make them agree: backlog task edit {cli} -s \"<status>\", or relabel with --remove-label \"workflow:{state}\" -l \"workflow:<state>\"")),
            );
        }
    }

    memory_placement(ctx, file, id, &status.value, out);
}

/// EXEC-006 and EXEC-007 on an active task.
fn workflow_labels(
    ctx: &Ctx<'_>,
    file: &TaskFile,
    id: &TaskId,
    status: &str,
    tag: &dyn Fn(&Rule) -> String,
    out: &mut Vec<Finding>,
) {
    let Some(task) = file.task.as_ref() else {
        return;
    };
    let cli = cli_id(id);
    let pos = task
        .workflow_label
        .as_ref()
        .map(|l| l.pos)
        .or(task.status.as_ref().map(|s| s.pos))
        .unwrap_or_default();
    let fw = ctx.fs.workflow.as_ref();
    let states = fw.map(|w| crate::workflow::quoted_list(w.states.iter().map(String::as_str)));
    let push = |rule: &'static Rule, message: String, help: String, out: &mut Vec<Finding>| {
        out.push(
            Finding::new(rule, format!("{}{message}", tag(rule)))
                .at(file.path.clone(), pos)
                .task(id.canonical())
                .help(help),
        );
    };
    let Some(current) = label_state(&task.labels) else {
        push(
            &super::RIGOR_NO_WORKFLOW_LABEL,
            format!("{id} is \"{status}\" without a `workflow:` label"),
            format!(
                "label its flowspec state: backlog task edit {cli} -l \"workflow:<state>\"{}",
                states
                    .as_ref()
                    .map_or(String::new(), |s| format!(" (states: {s})"))
            ),
            out,
        );
        return;
    };
    let current_index = fw.and_then(|w| w.state(current));
    if let (Some(w), None) = (fw, current_index) {
        push(
            &super::RIGOR_NO_WORKFLOW_LABEL,
            format!(
                "{id}'s label \"workflow:{current}\" names no state of {}",
                w.path
            ),
            format!("use one of {}", states.clone().unwrap_or_default()),
            out,
        );
        return;
    }
    let Some(next) = labelled(&task.labels, "workflow-next:") else {
        let suggestion = match (fw, current_index) {
            (Some(w), Some(i)) => w
                .next(i)
                .first()
                .map_or("<state>".to_string(), |s| s.to_string()),
            _ => "<state>".to_string(),
        };
        push(
            &super::RIGOR_WORKFLOW_NEXT,
            format!("{id} has \"workflow:{current}\" but no `workflow-next:` label"),
            format!(
                "say what comes next: backlog task edit {cli} -l \"workflow-next:{suggestion}\""
            ),
            out,
        );
        return;
    };
    if let (Some(w), Some(i)) = (fw, current_index) {
        let reachable = w.next(i);
        if !reachable.iter().any(|s| s.eq_ignore_ascii_case(next)) {
            let allowed = if reachable.is_empty() {
                format!(
                    "\"{current}\" is final in {}; remove the `workflow-next:` label",
                    w.path
                )
            } else {
                format!(
                    "from \"{current}\" {} allows {}: backlog task edit {cli} --remove-label \"workflow-next:{next}\" -l \"workflow-next:{}\"",
                    w.path,
                    crate::workflow::quoted_list(reachable.iter().copied()),
                    reachable.first().copied().unwrap_or_default()
                )
            };
            push(
                &super::RIGOR_WORKFLOW_NEXT,
                format!(
                    "{id}'s \"workflow-next:{next}\" is not a next state of \"workflow:{current}\""
                ),
                allowed,
                out,
            );
        }
    }
}

/// Where a task's memory must be for its status: active tasks in `memory/`, finished ones
/// in `memory/archive/` (or nowhere), tasks not started nowhere.
fn memory_placement(
    ctx: &Ctx<'_>,
    file: &TaskFile,
    id: &TaskId,
    status: &str,
    out: &mut Vec<Finding>,
) {
    let Some(files) = ctx.memory.get(id) else {
        return;
    };
    let (active, done) = (ctx.active(status), ctx.done(status));
    out.extend(placement(
        &ctx.fs.memory.dir,
        files,
        file,
        id,
        status,
        active,
        done,
    ));
}

/// The finding for a task whose memory `files` (in the folder `dir`) are not where its
/// status says.
fn placement(
    dir: &str,
    files: &[&MemoryFile],
    file: &TaskFile,
    id: &TaskId,
    status: &str,
    active: bool,
    done: bool,
) -> Option<Finding> {
    if files.is_empty() {
        return None;
    }
    let pos = file
        .task
        .as_ref()
        .and_then(|t| t.status.as_ref())
        .map_or_else(Position::default, |s| s.pos);
    let live = files.iter().find(|m| !m.archived);
    let archived = files.iter().find(|m| m.archived);
    let name = format!("{}.md", id.file_stem());
    let active_path = format!("{dir}/{name}");
    let archive_path = format!("{dir}/archive/{name}");
    let (message, help) = if active {
        match (live, archived) {
            (None, Some(a)) => (
                format!(
                    "{id} is \"{status}\" but its memory is archived at {}",
                    a.path
                ),
                format!(
                    "restore it in the same commit: git mv {} {active_path}",
                    a.path
                ),
            ),
            _ => return None,
        }
    } else if done {
        match (live, archived) {
            (Some(l), None) => (
                format!("{id} is \"{status}\" but its memory is still active at {}", l.path),
                format!("archive it in the same commit: git mv {} {archive_path}", l.path),
            ),
            (Some(l), Some(_)) => (
                format!("{id} is \"{status}\" and has both an active and an archived memory"),
                format!("keep the archived one: git rm {} (or merge its notes into {archive_path} first)", l.path),
            ),
            _ => return None,
        }
    } else {
        let paths: Vec<&str> = files.iter().map(|m| m.path.as_str()).collect();
        (
            format!("{id} is \"{status}\", not started, but has task memory at {}", paths.join(" and ")),
            format!("flowspec removes the memory of a task that is reset; in the same commit: git rm {}", paths.join(" ")),
        )
    };
    Some(
        Finding::new(&super::MEMORY_WRONG_PLACE, message)
            .at(file.path.clone(), pos)
            .task(id.canonical()),
    )
    .map(|f| f.help(help))
}

/// FG711 at a transition: each task whose status changed from `before` to `after` must
/// have its memory where the new status says, in the same tree (`source`). Nothing
/// outside flowspec repositories. The hooks get the same finding from the tree rules on
/// the staged task files; this is for the commits `ci` and `audit` judge one by one.
pub fn memory_moves(
    before: &[TaskFile],
    after: &[TaskFile],
    source: &dyn crate::source::Source,
    layout: &crate::backlog::BacklogLayout,
    workflow: &crate::workflow::Workflow,
    config: &Config,
) -> Result<Vec<Finding>, crate::source::SourceError> {
    let moved: Vec<(&TaskFile, &TaskId, &str)> = after
        .iter()
        .filter(|f| f.folder != Folder::Drafts && f.folder != Folder::Archive)
        .filter_map(|a| {
            let id = a.id()?;
            let status = a.status()?;
            let old = before.iter().find(|b| b.id() == Some(id))?.status()?;
            (old.trim() != status.trim()).then_some((a, id, status))
        })
        .collect();
    if moved.is_empty() || !crate::flowspec::detect(source)? {
        return Ok(Vec::new());
    }
    let memory = crate::flowspec::memory::list(source, &layout.root)?;
    let mut out = Vec::new();
    for (file, id, status) in moved {
        let files: Vec<&MemoryFile> = memory
            .files
            .iter()
            .filter(|m| m.id.as_ref() == Some(id))
            .collect();
        let active = workflow.is_one_of(status, &config.commits.active_statuses);
        let done = workflow.is_last(status);
        out.extend(placement(
            &memory.dir,
            &files,
            file,
            id,
            status,
            active,
            done,
        ));
    }
    Ok(out)
}

/// Secrets that must never sit in a memory file (it is imported into an agent's context
/// and committed).
fn secret_patterns() -> &'static [(&'static str, Regex)] {
    static PATTERNS: std::sync::OnceLock<Vec<(&'static str, Regex)>> = std::sync::OnceLock::new();
    PATTERNS.get_or_init(|| {
        [
            ("an AWS access key", r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
            ("a GitHub token", r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{40,})\b"),
            ("a private key", r"-----BEGIN (?:[A-Z]+ )*PRIVATE KEY-----"),
            ("a Slack token", r"\bxox[abprs]-[A-Za-z0-9-]{10,}\b"),
            ("an API key", r"\bsk-(?:ant-|proj-)?[A-Za-z0-9_-]{20,}\b"),
            ("a Google API key", r"\bAIza[0-9A-Za-z_-]{35}\b"),
            (
                "a password or token assignment",
                r#"(?i)\b(?:password|passwd|secret|api[_-]?key|access[_-]?token|auth[_-]?token)\b\s*[:=]\s*["']?([A-Za-z0-9+/_\-.!@#%^&*]{12,})"#,
            ),
        ]
        .into_iter()
        .filter_map(|(k, p)| Regex::new(p).ok().map(|r| (k, r)))
        .collect()
    })
}

/// Values of an assignment that are placeholders, not secrets.
fn placeholder(value: &str) -> bool {
    let v = value.to_ascii_lowercase();
    v.contains("xxx")
        || v.contains("example")
        || v.contains("placeholder")
        || v.contains("changeme")
        || v.contains("redacted")
        || v.contains("your")
        || v.chars().all(|c| c == '*')
}

fn memory_rules(ctx: &Ctx<'_>, out: &mut Vec<Finding>) {
    let mem = &ctx.fs.memory;
    let has_backlog = ctx.snapshot.backlog.is_some();
    for m in &mem.files {
        // Orphans: memory named after no task.
        match &m.id {
            Some(id) if has_backlog && !ctx.exists(id) => out.push(
                Finding::new(&super::MEMORY_ORPHAN, format!("{} is the memory of {id}, which is not a task", m.path))
                    .file(m.path.clone())
                    .help(format!("delete it (git rm {}) or restore the task it belongs to", m.path)),
            ),
            None => out.push(
                Finding::new(&super::MEMORY_ORPHAN, format!("{} is not named after a task", m.path))
                    .file(m.path.clone())
                    .help(format!("name memory files after their task (e.g. {}/task-42.md), or move other notes out of {}", mem.dir, mem.dir)),
            ),
            _ => {}
        }
        if m.size > WARN_BYTES {
            let (sev, limit) = if m.size > FAIL_BYTES {
                (Severity::Error, FAIL_BYTES)
            } else {
                (Severity::Warning, WARN_BYTES)
            };
            let mut f = Finding::new(&super::MEMORY_TOO_LARGE, format!(
                "{} is {} KB, over flowspec's {} KB limit for task memory",
                m.path,
                m.size.div_ceil(1024),
                limit / 1024
            ))
            .file(m.path.clone())
            .help("move finished detail to the task's notes or an archive and keep the memory to current state, decisions and next steps");
            f.severity = sev;
            out.push(f);
        }
        if let Some(text) = &m.text {
            secrets(m, text, out);
            // FREEZE-001: an active memory carries its current state.
            let active_task = m.id.as_ref().is_some_and(|id| {
                ctx.files
                    .iter()
                    .any(|f| f.id() == Some(id) && f.status().is_some_and(|s| ctx.active(s)))
            });
            if !m.archived && active_task {
                let has_state = text.lines().any(|l| {
                    let t = l.trim_start();
                    t.strip_prefix("## ").is_some_and(|h| {
                        h.trim_start()
                            .to_ascii_lowercase()
                            .starts_with("current state")
                    })
                });
                if !has_state {
                    out.push(
                        Finding::new(&super::RIGOR_MEMORY_NO_STATE, format!(
                            "[{}] {} has no `## Current State` section",
                            catalogue_id(super::RIGOR_MEMORY_NO_STATE.code).unwrap_or_default(),
                            m.path
                        ))
                        .file(m.path.clone())
                        .help("add a `## Current State` section saying what is done, what is in progress and what comes next, so the work can be resumed"),
                    );
                }
            }
        }
    }
    if let Some(claude) = &mem.claude_path {
        for import in mem.imports.iter().filter(|i| !i.exists) {
            let help = match &import.resolved {
                Some(p) => format!(
                    "neither {p} nor {}/{} exists: point the import at the active task's memory, or remove the line",
                    mem.dir,
                    import.target.rsplit('/').next().unwrap_or_default()
                ),
                None => "the import leaves the repository: point it at a file of the memory folder".to_string(),
            };
            out.push(
                Finding::new(
                    &super::MEMORY_DANGLING_IMPORT,
                    format!("{claude} imports {}, which does not exist", import.target),
                )
                .at(claude.clone(), Position::whole_line(import.line))
                .help(help),
            );
        }
    }
}

fn secrets(m: &MemoryFile, text: &str, out: &mut Vec<Finding>) {
    let index = crate::text::LineIndex::new(text);
    for (kind, re) in secret_patterns() {
        for caps in re.captures_iter(text) {
            let (Some(all), value) = (caps.get(0), caps.get(1)) else {
                continue;
            };
            if value.is_some_and(|v| placeholder(v.as_str())) {
                continue;
            }
            let shown: String = all.as_str().chars().take(6).collect();
            out.push(
                Finding::new(&super::MEMORY_SECRET, format!("{} holds what looks like {kind} (\"{shown}…\")", m.path))
                    .at(m.path.clone(), index.position(text, all.start(), all.end()))
                    .help("remove it from the file and from history, and rotate the credential; reference secrets by name (an environment variable), never by value"),
            );
        }
    }
}

fn decision_rules(ctx: &Ctx<'_>, out: &mut Vec<Finding>) {
    let has_backlog = ctx.snapshot.backlog.is_some();
    let tag = catalogue_id(super::DECISION_LOG_INVALID.code).unwrap_or_default();
    for log in &ctx.fs.decisions {
        for p in &log.problems {
            out.push(
                Finding::new(
                    &super::DECISION_LOG_INVALID,
                    format!("[{tag}] {}: {}", log.path, p.message),
                )
                .at(log.path.clone(), Position::whole_line(p.line))
                .help(p.help.clone()),
            );
        }
        if !has_backlog {
            continue;
        }
        if let Some(id) = &log.name_id {
            if !ctx.exists(id) {
                out.push(
                    Finding::new(&super::DECISION_LOG_UNKNOWN_TASK, format!("{} is the decision log of {id}, which is not a task", log.path))
                        .file(log.path.clone())
                        .help("name the log after an existing task (memory/decisions/task-N.jsonl), or restore the task"),
                );
            }
        }
        for r in &log.task_refs {
            let message = match (&r.id, &log.name_id) {
                (None, _) => format!(
                    "{} line {}: task_id \"{}\" is not a task ID",
                    log.path, r.line, r.written
                ),
                (Some(id), Some(own)) if id != own => format!(
                    "{} line {}: task_id \"{}\" names another task than the log's, {own}",
                    log.path, r.line, r.written
                ),
                (Some(id), _) if !ctx.exists(id) => format!(
                    "{} line {}: task_id \"{}\" is not a task",
                    log.path, r.line, r.written
                ),
                _ => continue,
            };
            out.push(
                Finding::new(&super::DECISION_LOG_UNKNOWN_TASK, message)
                    .at(log.path.clone(), Position::whole_line(r.line))
                    .help("write the ID of the task the decision belongs to (e.g. \"task_id\": \"task-42\"), in that task's log memory/decisions/task-42.jsonl"),
            );
        }
    }
}

/// Files on which this family's rules fire, for the focus-contract test of `snapshot.rs`
/// (every tree rule must fire on a task file of some fixture, and give a focused snapshot
/// what it gives the whole): `(path, content)`, added to a small backlog there. A new rule
/// of this family that fires in no fixture gets its case here, next to its check.
#[cfg(test)]
pub(crate) const FOCUS_CASES: &[(&str, &str)] = &[];
