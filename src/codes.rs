//! The vocabulary every layer speaks: rule codes and their registry, severities, and the
//! flowspec rigor-catalogue IDs the rules enforce.
//!
//! Every rule has a stable code, a stable name, a family, a default severity and a
//! documentation text that `flowgate explain CODE` prints. Parsers report problems under
//! these codes and the checks in [`crate::rules`] use them; this module imports nothing of
//! the crate, so any layer may use it.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// How serious a finding is. `Off` findings are dropped before reporting.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The rule is disabled.
    Off,
    /// Information only (e.g. "the base configuration was used"); never fails the gate.
    Note,
    /// Reported, but does not fail the gate.
    Warning,
    /// Fails the gate (exit code 1).
    Error,
}

impl Severity {
    /// The lowercase name used in config files and output.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Off => "off",
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// The family a rule belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// Task files as files: frontmatter, ids, statuses, dependencies, markers.
    TaskFiles,
    /// Links from tasks to spec sections.
    SpecLinks,
    /// Commit messages and the tasks they reference.
    Commits,
    /// Status changes between two snapshots.
    Transitions,
    /// Requirement coverage (audit).
    Coverage,
    /// Pull-request checks (`flowgate ci`).
    PullRequests,
    /// flowspec's rigor rules, task memory and decision logs.
    Flowspec,
}

impl Family {
    /// Human name of the family.
    pub fn name(self) -> &'static str {
        match self {
            Family::TaskFiles => "task files",
            Family::SpecLinks => "spec links",
            Family::Commits => "commits",
            Family::Transitions => "transitions",
            Family::Coverage => "coverage",
            Family::PullRequests => "pull requests",
            Family::Flowspec => "flowspec",
        }
    }
}

/// What a rule reads besides the task file it reports on: the contract between a rule and
/// the pre-commit hook, which checks a *focused* snapshot (the staged task files read, every
/// other task file only listed by the ID in its name, and what the staged files need read
/// as well; see `Snapshot::focused`). A staged file's findings on the focused snapshot are
/// the ones the whole snapshot gives it; the snapshot tests run every rule over their
/// fixtures both ways, and check that a [`Focus::OwnFile`] rule needs nothing more.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    /// Not a tree rule: it judges commits, changes, pull requests or history.
    NotTree,
    /// A tree rule whose findings are never on a task file (spec files, flowspec's memory
    /// and decision logs, a configuration): the hook's tree check keeps none of them.
    Elsewhere,
    /// Only the task file itself, the listing of the others, and what every snapshot reads
    /// whole (the configurations, milestones, flowspec's files).
    OwnFile,
    /// The tasks the file references (dependencies, parent, subtasks), transitively, and
    /// the tasks a dangling reference's help proposes (near misses, for their titles).
    References,
    /// Every task file: the help may propose an ID that no task carries.
    AllIds,
    /// The spec files its links name (every spec file when it proposes a section).
    LinkedSpecs,
}

/// A rule's static description.
#[derive(Debug)]
pub struct Rule {
    /// Stable code, e.g. `FG104`.
    pub code: &'static str,
    /// Stable kebab-case name, e.g. `duplicate-task-id`.
    pub name: &'static str,
    /// The family.
    pub family: Family,
    /// Severity unless configured otherwise.
    pub default_severity: Severity,
    /// What the rule reads besides the task file it reports on.
    pub focus: Focus,
    /// One line: what the rule checks.
    pub summary: &'static str,
    /// Markdown documentation: why, a failing example and a passing example.
    pub doc: &'static str,
}

macro_rules! rules {
    ($( $ident:ident = $code:literal $name:literal $family:ident $sev:ident $focus:ident $summary:literal $doc:expr; )*) => {
        $(
            #[doc = $summary]
            pub static $ident: Rule = Rule {
                code: $code,
                name: $name,
                family: Family::$family,
                default_severity: Severity::$sev,
                focus: Focus::$focus,
                summary: $summary,
                doc: $doc,
            };
        )*
        /// Every rule, in code order.
        pub static ALL: &[&Rule] = &[$(&$ident),*];
    };
}

rules! {
    UNREADABLE_TASK_FILE = "FG100" "unreadable-task-file" TaskFiles Error OwnFile
        "A task file cannot be read as text (binary, not UTF-8, or over the size limit)."
        include_str!("rules/docs/FG100.md");
    UNPARSABLE_FRONTMATTER = "FG101" "unparsable-frontmatter" TaskFiles Error OwnFile
        "A task file has no frontmatter, an unterminated one, or YAML that does not parse."
        include_str!("rules/docs/FG101.md");
    MISSING_FIELD = "FG102" "missing-required-field" TaskFiles Error OwnFile
        "A task's frontmatter lacks `id`, `title` or `status`, or has one of the wrong type."
        include_str!("rules/docs/FG102.md");
    ID_FILENAME_MISMATCH = "FG103" "id-filename-mismatch" TaskFiles Error AllIds
        "The ID in a task's file name differs from its frontmatter `id`."
        include_str!("rules/docs/FG103.md");
    DUPLICATE_TASK_ID = "FG104" "duplicate-task-id" TaskFiles Error AllIds
        "Two task files carry the same ID."
        include_str!("rules/docs/FG104.md");
    UNKNOWN_STATUS = "FG105" "unknown-status" TaskFiles Error OwnFile
        "A task's status is not one of the configured statuses."
        include_str!("rules/docs/FG105.md");
    STATUS_SPELLING = "FG106" "status-spelling" TaskFiles Warning OwnFile
        "A task's status matches a configured one only when case and spaces are ignored."
        include_str!("rules/docs/FG106.md");
    DANGLING_DEPENDENCY = "FG107" "dangling-dependency" TaskFiles Error References
        "A task depends on a task that does not exist."
        include_str!("rules/docs/FG107.md");
    DANGLING_PARENT = "FG108" "dangling-parent" TaskFiles Error References
        "A task's `parent_task_id` names a task that does not exist."
        include_str!("rules/docs/FG108.md");
    DEPENDENCY_CYCLE = "FG109" "dependency-cycle" TaskFiles Error References
        "Tasks depend on each other in a cycle."
        include_str!("rules/docs/FG109.md");
    UNBALANCED_MARKERS = "FG110" "unbalanced-section-markers" TaskFiles Error OwnFile
        "A `<!-- ...:BEGIN -->` marker has no matching END (or the reverse), and Backlog.md shows the task differently for it."
        include_str!("rules/docs/FG110.md");
    DONE_WITH_OPEN_ITEMS = "FG111" "done-with-open-items" TaskFiles Warning OwnFile
        "A task in the last status has unchecked acceptance criteria or Definition of Done items."
        include_str!("rules/docs/FG111.md");
    STRAY_END_MARKER = "FG112" "stray-end-marker" TaskFiles Warning OwnFile
        "A text section's END marker repeats after its block was closed; Backlog.md ignores it."
        include_str!("rules/docs/FG112.md");
    UNKNOWN_MILESTONE = "FG113" "unknown-milestone" TaskFiles Error OwnFile
        "A task's `milestone` names no milestone file (by ID, number or title)."
        include_str!("rules/docs/FG113.md");
    UNKNOWN_TASK_TYPE = "FG114" "unknown-task-type" TaskFiles Error OwnFile
        "A task's `type` is not one of the configured task types."
        include_str!("rules/docs/FG114.md");
    UNKNOWN_PRIORITY = "FG115" "unknown-priority" TaskFiles Error OwnFile
        "A task's `priority` is not one of the configured priorities."
        include_str!("rules/docs/FG115.md");
    SUBTASK_PARENT_MISMATCH = "FG116" "subtask-parent-mismatch" TaskFiles Error References
        "A parent's `subtasks` list and a subtask's `parent_task_id` disagree."
        include_str!("rules/docs/FG116.md");
    MODIFIED_FILE_MISSING = "FG117" "modified-file-missing" TaskFiles Warning OwnFile
        "An unfinished task's `modified_files` lists a path that is not in the tree."
        include_str!("rules/docs/FG117.md");
    MISSING_SPEC_LINK = "FG201" "missing-spec-link" SpecLinks Error LinkedSpecs
        "A task links to no spec section."
        include_str!("rules/docs/FG201.md");
    LINK_TARGET_MISSING = "FG202" "link-target-missing" SpecLinks Error LinkedSpecs
        "A spec link points to a file or feature that does not exist."
        include_str!("rules/docs/FG202.md");
    FRAGMENT_NOT_FOUND = "FG203" "fragment-not-found" SpecLinks Error LinkedSpecs
        "A spec link's `#fragment` or ID matches no heading or requirement ID."
        include_str!("rules/docs/FG203.md");
    AMBIGUOUS_ID = "FG204" "ambiguous-spec-id" SpecLinks Error LinkedSpecs
        "A bare requirement ID is defined in more than one spec feature."
        include_str!("rules/docs/FG204.md");
    LINK_ESCAPES_REPO = "FG205" "link-escapes-repo" SpecLinks Error LinkedSpecs
        "A spec link points outside the repository."
        include_str!("rules/docs/FG205.md");
    COARSE_LINK = "FG206" "whole-file-link" SpecLinks Warning LinkedSpecs
        "A spec link names a whole file where the configuration asks for sections."
        include_str!("rules/docs/FG206.md");
    SUSPECT_LINK = "FG207" "suspect-link" SpecLinks Warning NotTree
        "The linked spec section changed after the task was finished."
        include_str!("rules/docs/FG207.md");
    NO_SPECS = "FG208" "no-specs-found" SpecLinks Warning Elsewhere
        "The repository has tasks but no spec files matched the configured globs."
        include_str!("rules/docs/FG208.md");
    UNREADABLE_SPEC_FILE = "FG209" "unreadable-spec-file" SpecLinks Error Elsewhere
        "A file matched by the spec globs cannot be read (binary, not UTF-8, over the size limit, or a symlink)."
        include_str!("rules/docs/FG209.md");
    MISSING_TASK_REFERENCE = "FG301" "missing-task-reference" Commits Error NotTree
        "A commit that changes code references no task."
        include_str!("rules/docs/FG301.md");
    UNKNOWN_TASK_REFERENCE = "FG302" "unknown-task-reference" Commits Error NotTree
        "A commit references a task that does not exist in its tree."
        include_str!("rules/docs/FG302.md");
    TASK_NOT_ACTIVE = "FG303" "task-not-active" Commits Error NotTree
        "A commit references a task that is not in an active status."
        include_str!("rules/docs/FG303.md");
    DRAFT_REFERENCE = "FG304" "draft-reference" Commits Error NotTree
        "A commit references a draft instead of a task."
        include_str!("rules/docs/FG304.md");
    ILLEGAL_TRANSITION = "FG401" "illegal-transition" Transitions Error NotTree
        "A task's status moved along a transition the workflow does not allow."
        include_str!("rules/docs/FG401.md");
    ILLEGAL_INITIAL_STATUS = "FG402" "illegal-initial-status" Transitions Error NotTree
        "A new task starts in a status new tasks may not start in."
        include_str!("rules/docs/FG402.md");
    GUARD_NOT_MET = "FG403" "guard-not-met" Transitions Error NotTree
        "A task entered a status without meeting that status's guards."
        include_str!("rules/docs/FG403.md");
    UNFINISHED_TASK_DELETED = "FG404" "unfinished-task-deleted" Transitions Error NotTree
        "A task file was deleted while the task was not done."
        include_str!("rules/docs/FG404.md");
    ID_CHANGED = "FG405" "id-changed" Transitions Error NotTree
        "A task file's `id` was changed in place."
        include_str!("rules/docs/FG405.md");
    ID_REUSED = "FG406" "id-reused" Transitions Error NotTree
        "A new task reuses the ID of a task that existed before."
        include_str!("rules/docs/FG406.md");
    ILLEGAL_WORKFLOW_TRANSITION = "FG407" "illegal-workflow-transition" Transitions Error NotTree
        "A task's flowspec `workflow:` label moved along an edge `flowspec_workflow.yml` does not allow."
        include_str!("rules/docs/FG407.md");
    UNCOVERED_REQUIREMENT = "FG501" "uncovered-requirement" Coverage Warning NotTree
        "A spec requirement or user story has no task linked to it."
        include_str!("rules/docs/FG501.md");
    CONFIG_FROM_BASE = "FG601" "config-from-base" PullRequests Note NotTree
        "A pull request changes the gate's configuration, baseline or backlog settings; it was checked with the base branch's."
        include_str!("rules/docs/FG601.md");
    FLOWSPEC_FILE_INVALID = "FG701" "flowspec-file-invalid" Flowspec Error Elsewhere
        "`.flowspec/rigor-config.yml` or `flowspec_workflow.yml` cannot be read as written."
        include_str!("rules/docs/FG701.md");
    RIGOR_NO_PLAN = "FG702" "rigor-no-plan" Flowspec Error OwnFile
        "SETUP-001: an active task has no implementation plan."
        include_str!("rules/docs/FG702.md");
    RIGOR_DEPENDENCY_MISSING = "FG703" "rigor-dependency-missing" Flowspec Error OwnFile
        "SETUP-002: a `depends-on:`/`blocked-by:` label names a task that does not exist."
        include_str!("rules/docs/FG703.md");
    RIGOR_NO_ACCEPTANCE = "FG704" "rigor-no-acceptance-criteria" Flowspec Error OwnFile
        "SETUP-003: an active task has no acceptance criterion."
        include_str!("rules/docs/FG704.md");
    RIGOR_NO_WORKFLOW_LABEL = "FG705" "rigor-no-workflow-label" Flowspec Error OwnFile
        "EXEC-006: an active task has no `workflow:` label, or one naming no state of `flowspec_workflow.yml`."
        include_str!("rules/docs/FG705.md");
    RIGOR_WORKFLOW_NEXT = "FG706" "rigor-workflow-next" Flowspec Error OwnFile
        "EXEC-007: an active task's `workflow-next:` label is missing or not a next state of its `workflow:` label."
        include_str!("rules/docs/FG706.md");
    RIGOR_NO_MEMORY = "FG707" "rigor-no-task-memory" Flowspec Warning OwnFile
        "EXEC-005: an active task has no task memory file."
        include_str!("rules/docs/FG707.md");
    RIGOR_MEMORY_NO_STATE = "FG708" "rigor-memory-no-current-state" Flowspec Error Elsewhere
        "FREEZE-001: an active task's memory has no `## Current State` section."
        include_str!("rules/docs/FG708.md");
    RIGOR_UNCHECKED_ACCEPTANCE = "FG709" "rigor-unchecked-acceptance" Flowspec Error OwnFile
        "VALID-005: a finished task has unchecked acceptance criteria."
        include_str!("rules/docs/FG709.md");
    RIGOR_STATUS_MISMATCH = "FG710" "rigor-status-mismatch" Flowspec Error OwnFile
        "VALID-006: a task's status and its `workflow:` label disagree."
        include_str!("rules/docs/FG710.md");
    MEMORY_WRONG_PLACE = "FG711" "memory-wrong-place" Flowspec Error Elsewhere
        "A task's memory file is where its status says it must not be (active, archived or present)."
        include_str!("rules/docs/FG711.md");
    MEMORY_ORPHAN = "FG712" "memory-orphan" Flowspec Error Elsewhere
        "A task memory file belongs to no task."
        include_str!("rules/docs/FG712.md");
    MEMORY_DANGLING_IMPORT = "FG713" "memory-dangling-import" Flowspec Error Elsewhere
        "`CLAUDE.md` imports a memory file that does not exist."
        include_str!("rules/docs/FG713.md");
    MEMORY_TOO_LARGE = "FG714" "memory-too-large" Flowspec Warning Elsewhere
        "A task memory file is over 25 KB (warning) or 100 KB (error)."
        include_str!("rules/docs/FG714.md");
    MEMORY_SECRET = "FG715" "memory-secret" Flowspec Error Elsewhere
        "A task memory file holds something that looks like a credential."
        include_str!("rules/docs/FG715.md");
    DECISION_LOG_INVALID = "FG716" "decision-log-invalid" Flowspec Error Elsewhere
        "VALID-001: a decision log line is not JSON or lacks the fields of a decision."
        include_str!("rules/docs/FG716.md");
    DECISION_LOG_UNKNOWN_TASK = "FG717" "decision-log-unknown-task" Flowspec Error Elsewhere
        "A decision log belongs to, or a line names, a task that does not exist."
        include_str!("rules/docs/FG717.md");
    RIGOR_BRANCH_NAME = "FG718" "rigor-branch-name" Flowspec Error NotTree
        "EXEC-002: a task branch (the current one, a pull request's, or one a merge brought in) does not follow the branch-name pattern."
        include_str!("rules/docs/FG718.md");
    RIGOR_BRANCH_TASK = "FG719" "rigor-branch-task" Flowspec Error NotTree
        "EXEC-004: a branch (the current one, a pull request's, or one a merge brought in) names no task, or one that does not exist or is not active."
        include_str!("rules/docs/FG719.md");
    RIGOR_DCO = "FG720" "rigor-dco-signoff" Flowspec Error NotTree
        "PR-001: a pull-request commit has no `Signed-off-by:` trailer of its author."
        include_str!("rules/docs/FG720.md");
    RIGOR_ITERATION_BRANCH = "FG721" "rigor-iteration-branch" Flowspec Error NotTree
        "PR-003: an iteration branch's `-vN` suffix starts below -v2."
        include_str!("rules/docs/FG721.md");
    RIGOR_NO_DECISION_LOG = "FG722" "rigor-no-decision-log" Flowspec Error NotTree
        "EXEC-003: a commit of code on a task branch, whose task has no decision log or an empty one."
        include_str!("rules/docs/FG722.md");
    RIGOR_UNTRACED_DECISIONS = "FG723" "rigor-untraced-decisions" Flowspec Error NotTree
        "VALID-001: a pull request's task has no decision log, or an empty one."
        include_str!("rules/docs/FG723.md");
}

/// A catalogue rule flowgate enforces.
#[derive(Debug)]
pub struct CatalogueRule {
    /// The catalogue ID, e.g. `SETUP-001`.
    pub id: &'static str,
    /// Its phase, as written in `rigor-config.yml` (`setup`, `execution`, ...).
    pub phase: &'static str,
    /// Blocking (default strict) or advisory (default warn).
    pub blocking: bool,
    /// The flowgate rule that enforces it.
    pub rule: &'static Rule,
}

macro_rules! catalogue {
    ($( $id:literal $phase:literal $blocking:literal $rule:ident; )*) => {
        /// The catalogue rules flowgate enforces, with their flowgate rules.
        pub static CATALOGUE: &[CatalogueRule] = &[
            $( CatalogueRule { id: $id, phase: $phase, blocking: $blocking, rule: &$rule }, )*
        ];
    };
}

catalogue! {
    "SETUP-001" "setup" true RIGOR_NO_PLAN;
    "SETUP-002" "setup" true RIGOR_DEPENDENCY_MISSING;
    "SETUP-003" "setup" true RIGOR_NO_ACCEPTANCE;
    "EXEC-005" "execution" false RIGOR_NO_MEMORY;
    "EXEC-006" "execution" true RIGOR_NO_WORKFLOW_LABEL;
    "EXEC-007" "execution" true RIGOR_WORKFLOW_NEXT;
    "FREEZE-001" "freeze" true RIGOR_MEMORY_NO_STATE;
    "VALID-001" "validation" true DECISION_LOG_INVALID;
    "VALID-005" "validation" true RIGOR_UNCHECKED_ACCEPTANCE;
    "VALID-006" "validation" true RIGOR_STATUS_MISMATCH;
    "VALID-001" "validation" true RIGOR_UNTRACED_DECISIONS;
    "EXEC-003" "execution" true RIGOR_NO_DECISION_LOG;
    "EXEC-002" "execution" true RIGOR_BRANCH_NAME;
    "EXEC-004" "execution" true RIGOR_BRANCH_TASK;
    "PR-001" "pr" true RIGOR_DCO;
    "PR-003" "pr" true RIGOR_ITERATION_BRANCH;
}

/// Every ID of flowspec's catalogue, checked by flowgate or not (a `rigor-config.yml` may
/// set a mode for any of them).
pub const ALL_IDS: &[&str] = &[
    "SETUP-001",
    "SETUP-002",
    "SETUP-003",
    "SETUP-004",
    "EXEC-001",
    "EXEC-002",
    "EXEC-003",
    "EXEC-004",
    "EXEC-005",
    "EXEC-006",
    "EXEC-007",
    "EXEC-008",
    "EXEC-009",
    "EXEC-010",
    "FREEZE-001",
    "FREEZE-002",
    "FREEZE-003",
    "VALID-001",
    "VALID-002",
    "VALID-003",
    "VALID-004",
    "VALID-005",
    "VALID-006",
    "VALID-007",
    "PR-001",
    "PR-002",
    "PR-003",
];

/// True when `id` is a catalogue ID (case-insensitive).
pub fn is_catalogue_id(id: &str) -> bool {
    ALL_IDS.iter().any(|k| k.eq_ignore_ascii_case(id.trim()))
}

/// The catalogue ID a flowgate code enforces (`FG705` → `EXEC-006`).
pub fn catalogue_id(code: &str) -> Option<&'static str> {
    CATALOGUE.iter().find(|c| c.rule.code == code).map(|c| c.id)
}

/// The flowgate rule that enforces a catalogue ID (`exec-006` → FG705).
pub fn by_catalogue_id(id: &str) -> Option<&'static Rule> {
    CATALOGUE
        .iter()
        .find(|c| c.id.eq_ignore_ascii_case(id.trim()))
        .map(|c| c.rule)
}

/// Looks a rule up by code (`FG104`, case-insensitive), name (`duplicate-task-id`) or
/// the flowspec rigor-catalogue ID it enforces (`EXEC-006`).
pub fn lookup(key: &str) -> Option<&'static Rule> {
    ALL.iter()
        .copied()
        .find(|r| r.code.eq_ignore_ascii_case(key) || r.name.eq_ignore_ascii_case(key))
        .or_else(|| by_catalogue_id(key))
}

/// The codes and names of all rules, for "did you mean" suggestions.
pub fn all_keys() -> impl Iterator<Item = &'static str> {
    ALL.iter().flat_map(|r| [r.code, r.name])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_names_are_unique() {
        let mut keys: Vec<_> = all_keys().collect();
        let n = keys.len();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), n);
    }

    #[test]
    fn every_doc_has_a_failing_and_a_passing_example() {
        for rule in ALL {
            assert!(
                rule.doc.contains("## Example"),
                "{} lacks an example",
                rule.code
            );
            assert!(
                rule.doc.contains("## Use instead"),
                "{} lacks a fix",
                rule.code
            );
        }
    }

    #[test]
    fn lookup_accepts_code_and_name() {
        assert_eq!(lookup("fg104").map(|r| r.name), Some("duplicate-task-id"));
        assert_eq!(lookup("duplicate-task-id").map(|r| r.code), Some("FG104"));
        assert!(lookup("FG999").is_none());
    }
}
