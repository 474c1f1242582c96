//! The tracker seam: the rules read the task model of `flowgate::tracker`, not Backlog.md's
//! files. This test holds a second reader, for a tiny line-based tracker format that exists
//! only here, and runs the transition rules on its tasks unchanged: the findings point into
//! the tiny files and their help quotes the tiny tool's commands, not `backlog task …`.
//!
//! The format, one field per line (`key value`), a task per file `tiny/<ID>.task`:
//!
//! ```text
//! id T-2
//! title Ship the login
//! status Done
//! owner ann
//! needs T-1
//! check x Works
//! check _ Tested
//! ```

use flowgate::finding::{Finding, Position};
use flowgate::rules::transitions::{self, NoLookup, TransitionInput};
use flowgate::tracker::{CheckItem, Edit, Folder, Spanned, Task, TaskFile, TaskId, Tracker};
use flowgate::workflow::Workflow;

/// The tiny tracker's command-line tool.
#[derive(Debug)]
struct Tiny;

static TINY: Tiny = Tiny;

impl Tracker for Tiny {
    fn name(&self) -> &'static str {
        "tiny"
    }

    fn create(&self) -> String {
        "tiny new".to_string()
    }

    fn archive(&self, id: &TaskId) -> String {
        format!("tiny shelve {id}")
    }

    fn edit(&self, id: Option<&TaskId>, edits: &[Edit<'_>]) -> String {
        let mut command = format!("tiny set {}", id.map_or("?".to_string(), TaskId::canonical));
        for edit in edits {
            command.push(' ');
            command.push_str(&match edit {
                Edit::CheckCriterion(k) => format!("tick={k}"),
                Edit::CheckDone(k) => format!("done={k}"),
                Edit::Assign => "owner=<you>".to_string(),
                Edit::FinalSummary => "summary=<text>".to_string(),
                Edit::Notes => "notes=<text>".to_string(),
                Edit::AddReference(link) => format!("ref={link}"),
                Edit::Status(status) => format!("status={status}"),
            });
        }
        command
    }
}

/// The tiny reader: `tiny/<ID>.task` into the task model. A line it does not know is
/// ignored; the value's position is the column after `key `.
fn read_tiny(path: &str, text: &str) -> TaskFile {
    let mut task = Task::default();
    for (n, line) in text.lines().enumerate() {
        let Some((key, value)) = line.split_once(' ') else {
            continue;
        };
        let line_no = u32::try_from(n + 1).unwrap_or(u32::MAX);
        let column = u32::try_from(key.chars().count() + 2).unwrap_or(u32::MAX);
        let len = u32::try_from(value.chars().count()).unwrap_or(u32::MAX);
        let spanned = || Spanned::new(value.to_string(), Position::new(line_no, column, len));
        match key {
            "id" => {
                task.id = TaskId::parse(value);
                task.raw_id = Some(spanned());
            }
            "title" => task.title = Some(spanned()),
            "status" => task.status = Some(spanned()),
            "owner" => task.assignee.push(value.to_string()),
            "needs" => task.dependencies.push(spanned()),
            "check" => {
                let (mark, text) = value.split_once(' ').unwrap_or((value, ""));
                task.acceptance.push(CheckItem {
                    number: None,
                    checked: mark == "x",
                    text: text.to_string(),
                    pos: Position::line(line_no, 0),
                });
            }
            _ => {}
        }
    }
    let name_id = path
        .rsplit('/')
        .next()
        .and_then(|name| name.strip_suffix(".task"))
        .and_then(TaskId::parse);
    TaskFile {
        tracker: &TINY,
        path: path.to_string(),
        folder: if path.starts_with("tiny/shelved/") {
            Folder::Archive
        } else {
            Folder::Tasks
        },
        name_id,
        task: Some(task),
        issues: Vec::new(),
    }
}

/// The tiny tracker's board: three statuses, flowgate's default workflow on them.
fn workflow() -> Workflow {
    let statuses = ["Open", "Doing", "Closed"].map(String::from).to_vec();
    Workflow::with_statuses(statuses, &Default::default()).unwrap()
}

/// The transition findings of one change from `before` to `after` (path, text).
fn judge(before: &[(&str, &str)], after: &[(&str, &str)]) -> Vec<Finding> {
    let read = |files: &[(&str, &str)]| -> Vec<TaskFile> {
        files.iter().map(|(p, t)| read_tiny(p, t)).collect()
    };
    let (before, after) = (read(before), read(after));
    let workflow = workflow();
    transitions::check(&TransitionInput {
        before: &before,
        after: &after,
        workflow: &workflow,
        flowspec: None,
        root_commit: false,
        span: false,
        lookup: &NoLookup,
    })
}

const DOING: &str = "id T-2\ntitle Ship the login\nstatus Doing\ncheck x Works\ncheck _ Tested\ncheck _ Documented\n";

#[test]
fn a_guard_on_a_tiny_task_points_into_the_tiny_file_and_quotes_the_tiny_tool() {
    let closed = DOING.replace("status Doing", "status Closed");
    let findings = judge(&[("tiny/T-2.task", DOING)], &[("tiny/T-2.task", &closed)]);
    assert_eq!(findings.len(), 1, "{findings:#?}");
    let f = &findings[0];
    assert_eq!(f.code, "FG403");
    assert_eq!(
        f.message,
        "T-2 cannot enter \"Closed\": acceptance criteria #2 \"Tested\" and #3 \"Documented\" are not checked"
    );
    assert_eq!(
        f.help.as_deref(),
        Some("check each criterion once it is met (`- [x]`): tiny set T-2 tick=2 tick=3")
    );
    assert_eq!(f.file.as_deref(), Some("tiny/T-2.task"));
    assert_eq!((f.line, f.column), (Some(3), Some(8)));
    assert_eq!(f.task.as_deref(), Some("T-2"));
}

#[test]
fn a_deleted_unfinished_tiny_task_is_archived_with_the_tiny_tool() {
    let findings = judge(&[("tiny/T-2.task", DOING)], &[]);
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_eq!(findings[0].code, "FG404");
    assert_eq!(
        findings[0].message,
        "T-2 was deleted while in \"Doing\"; an unfinished task must not disappear"
    );
    assert_eq!(
        findings[0].help.as_deref(),
        Some("restore it (git restore --source=HEAD --staged --worktree -- \"tiny/T-2.task\") and archive it instead: tiny shelve T-2")
    );
    // Moved to the shelf (an archive): the same task, nothing lost.
    let shelved = judge(
        &[("tiny/T-2.task", DOING)],
        &[("tiny/shelved/T-2.task", DOING)],
    );
    assert!(shelved.is_empty(), "{shelved:#?}");
}

#[test]
fn an_edited_tiny_id_is_told_to_create_with_the_tiny_tool() {
    let renumbered = DOING.replace("id T-2", "id T-7");
    let findings = judge(
        &[("tiny/T-2.task", DOING)],
        &[("tiny/T-2.task", &renumbered)],
    );
    let edited: Vec<&Finding> = findings.iter().filter(|f| f.code == "FG405").collect();
    assert_eq!(edited.len(), 1, "{findings:#?}");
    assert_eq!(
        edited[0].help.as_deref(),
        Some("a task keeps its ID for life (commits and links refer to it): put back `id: T-2`; for a new task, create a new file with `tiny new`")
    );
    assert_eq!((edited[0].line, edited[0].column), (Some(1), Some(4)));
}

#[test]
fn no_finding_of_a_tiny_task_quotes_backlog_md() {
    let open = "id T-3\ntitle Write docs\nstatus Open\nneeds T-9\n";
    let closed = "id T-3\ntitle Write docs\nstatus Closed\nneeds T-9\ncheck _ Reviewed\n";
    let findings = judge(&[("tiny/T-3.task", open)], &[("tiny/T-3.task", closed)]);
    assert!(!findings.is_empty());
    for f in &findings {
        let text = format!("{} {}", f.message, f.help.as_deref().unwrap_or_default());
        assert!(!text.contains("backlog"), "{text}");
    }
}
