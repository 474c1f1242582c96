//! flowgate reads what the real Backlog.md CLI writes: IDs, statuses, acceptance criteria
//! and folders, after create / edit / check / complete / archive / demote / draft.
//!
//! Needs `backlog` (npm `backlog.md@1.52.0`) on PATH; without it the test fails.

mod hooks_support;

use std::path::Path;
use std::process::Command;

use hooks_support::backlog_cli;

use flowgate::backlog::{self, Folder, TaskId};
use flowgate::git::FsSource;

/// ID, folder, status, AC checked states, DoD checked states.
type Row = (String, Folder, Option<String>, Vec<bool>, Vec<bool>);

fn id(s: &str) -> TaskId {
    TaskId::parse(s).expect("a task id")
}

#[test]
fn flowgate_reads_what_backlog_md_writes() {
    let temp = assert_fs::TempDir::new().expect("temp dir");
    let dir = temp.path();
    let git = Command::new("git")
        .args(["init", "-q"])
        .current_dir(dir)
        .status()
        .expect("git runs");
    assert!(git.success());

    let cli = |args: &[&str]| backlog_cli(dir, args);
    cli(&["init", "Demo", "--defaults", "--integration-mode", "none"]);
    cli(&[
        "task",
        "create",
        "Set up gate",
        "--ac",
        "Hook installs",
        "--ac",
        "Hook blocks",
        "-a",
        "@alice",
        "--plain",
    ]);
    cli(&[
        "task",
        "create",
        "Write parser",
        "--ac",
        "Parses frontmatter",
        "--dod",
        "Tests pass",
        "--dep",
        "task-1",
        "--plain",
    ]);
    cli(&[
        "task",
        "create",
        "Parser subtask",
        "-p",
        "TASK-2",
        "--ac",
        "Subtask AC",
        "--plain",
    ]);
    cli(&["task", "create", "Later idea", "--plain"]);
    cli(&["draft", "create", "A draft idea", "--plain"]);
    cli(&[
        "task",
        "edit",
        "1",
        "-s",
        "In Progress",
        "--check-ac",
        "1",
        "--notes",
        "Started",
        "--plain",
    ]);
    cli(&[
        "task",
        "edit",
        "1",
        "-s",
        "Done",
        "--check-ac",
        "2",
        "--final-summary",
        "Gate works",
        "--plain",
    ]);
    cli(&["task", "complete", "1"]);
    cli(&[
        "task",
        "edit",
        "2",
        "-s",
        "In Progress",
        "--check-dod",
        "1",
        "--plain",
    ]);
    cli(&["task", "archive", "2.1"]);
    cli(&["task", "demote", "3"]);

    let source = FsSource::new(dir);
    let loaded = backlog::load(&source, None)
        .expect("the backlog reads")
        .expect("a backlog is found");
    assert_eq!(loaded.layout.root, "backlog");
    assert_eq!(
        loaded.layout.config.statuses,
        ["To Do", "In Progress", "Done"]
    );
    for file in &loaded.files {
        assert!(file.issues.is_empty(), "{}: {:?}", file.path, file.issues);
    }

    let mut got: Vec<Row> = loaded
        .files
        .iter()
        .map(|f| {
            let task = f.task.as_ref().expect("parsed");
            (
                f.id().map(TaskId::canonical).unwrap_or_default(),
                f.folder,
                f.status().map(str::to_string),
                task.acceptance.iter().map(|c| c.checked).collect(),
                task.definition_of_done.iter().map(|c| c.checked).collect(),
            )
        })
        .collect();
    got.sort();
    let s = |x: &str| Some(x.to_string());
    assert_eq!(
        got,
        [
            ("DRAFT-1".into(), Folder::Drafts, s("Draft"), vec![], vec![]),
            ("DRAFT-2".into(), Folder::Drafts, s("To Do"), vec![], vec![]),
            (
                "TASK-1".into(),
                Folder::Completed,
                s("Done"),
                vec![true, true],
                vec![]
            ),
            (
                "TASK-2".into(),
                Folder::Tasks,
                s("In Progress"),
                vec![false],
                vec![true]
            ),
            (
                "TASK-2.1".into(),
                Folder::Archive,
                s("To Do"),
                vec![false],
                vec![]
            ),
        ]
    );

    let t1 = loaded.find(&id("task-1")).next().expect("TASK-1");
    let t1 = t1.task.as_ref().expect("parsed");
    assert_eq!(t1.assignee, ["@alice"]);
    assert_eq!(t1.implementation_notes.as_deref(), Some("Started"));
    assert_eq!(t1.final_summary.as_deref(), Some("Gate works"));
    let t2 = loaded.find(&id("TASK-2")).next().expect("TASK-2");
    let deps: Vec<_> = t2
        .task
        .as_ref()
        .expect("parsed")
        .dependencies
        .iter()
        .map(|d| d.value.as_str())
        .collect();
    assert_eq!(deps, ["TASK-1"]);
    let sub = loaded.find(&id("TASK-2.1")).next().expect("TASK-2.1");
    assert_eq!(
        sub.task
            .as_ref()
            .and_then(|t| t.parent.as_ref())
            .map(|p| p.value.as_str()),
        Some("TASK-2")
    );

    // The active tasks and their AC counts agree with Backlog.md's own JSON listing.
    let json: serde_json::Value =
        serde_json::from_str(&cli(&["task", "list", "--json"])).expect("backlog JSON");
    let listed = json["tasks"].as_array().expect("a task array");
    for entry in listed {
        let listed_id = entry["id"].as_str().expect("an id");
        let file = loaded
            .find(&id(listed_id))
            .next()
            .unwrap_or_else(|| panic!("flowgate lacks {listed_id}"));
        let task = file.task.as_ref().expect("parsed");
        assert_eq!(Some(entry["status"].as_str().unwrap_or("")), file.status());
        if let Some(done) = entry["acceptanceCriteriaCompleted"].as_u64() {
            assert_eq!(
                done as usize,
                task.acceptance.iter().filter(|c| c.checked).count(),
                "{listed_id}"
            );
        }
    }
    assert!(listed.iter().any(|e| e["id"] == "TASK-2"));

    // And the task-file rules find nothing wrong with a backlog the CLI wrote.
    let workflow = flowgate::workflow::Workflow::new(
        &loaded.layout.config,
        &flowgate::config::WorkflowSection::default(),
    )
    .expect("default workflow");
    let snapshot = flowgate::snapshot::Snapshot {
        backlog: Some(loaded),
        specs: flowgate::spec::SpecIndex::default(),
        workflow,
        flowspec: None,
        present_modified_files: Default::default(),
    };
    assert_eq!(flowgate::rules::task_files::check(&snapshot), []);
}

/// Task bodies with unbalanced markers. For each, flowgate's verdict (FG112: changes
/// nothing Backlog.md shows; FG110: changes it) must agree with the real CLI: the task is
/// shown the same with the flagged markers deleted exactly when every finding is FG112.
const MARKER_CASES: &[(&str, &str)] = &[
    (
        "FG112",
        "## Implementation Notes\n\n<!-- SECTION:NOTES:BEGIN -->\nNotes.\n<!-- SECTION:NOTES:END -->\nmore text\n<!-- SECTION:NOTES:END -->\n",
    ),
    (
        "FG112",
        "## Description\n\n<!-- SECTION:DESCRIPTION:BEGIN -->\nDesc.\n<!-- SECTION:DESCRIPTION:END -->\n\n## Implementation Notes\n\n<!-- SECTION:NOTES:BEGIN -->\nNotes.\n<!-- SECTION:NOTES:END -->\n<!-- SECTION:DESCRIPTION:END -->\n",
    ),
    (
        "FG112",
        "## Implementation Plan\n\n<!-- SECTION:PLAN:BEGIN -->\nPlan.\n<!-- SECTION:PLAN:END -->\n<!-- SECTION:PLAN:END -->\n",
    ),
    // A stray AC:END after a complete block: Backlog.md then shows no criteria.
    (
        "FG110",
        "## Acceptance Criteria\n<!-- AC:BEGIN -->\n- [ ] #1 one\n- [x] #2 two\n<!-- AC:END -->\n<!-- AC:END -->\n",
    ),
    (
        "FG110",
        "## Definition of Done\n<!-- DOD:BEGIN -->\n- [ ] #1 dod\n<!-- DOD:END -->\n<!-- DOD:END -->\n",
    ),
    // Stray AC:END markers before any block (as flowspec's task-172 has them).
    (
        "FG110",
        "<!-- AC:END -->\n\n<!-- AC:END -->\n\n## Acceptance Criteria\n- [ ] AC1: first\n- [ ] AC2: second\n",
    ),
    // A stray END inside text Backlog.md shows.
    (
        "FG110",
        "## Implementation Notes\n\n<!-- SECTION:NOTES:BEGIN -->\nNotes.\n<!-- SECTION:NOTES:END -->\n\n## Final Summary\n\nSum legacy.\n<!-- SECTION:NOTES:END -->\n",
    ),
    (
        "FG110",
        "## Implementation Notes\n\nNotes legacy.\n<!-- SECTION:NOTES:END -->\n\n## Final Summary\n\nSum.\n",
    ),
    // Unclosed and crossed blocks.
    (
        "FG110",
        "## Acceptance Criteria\n<!-- AC:BEGIN -->\n- [ ] #1 one\n\n## Implementation Notes\n\n<!-- SECTION:NOTES:BEGIN -->\nNotes.\n<!-- SECTION:NOTES:END -->\n",
    ),
    (
        "FG110",
        "## Acceptance Criteria\n<!-- AC:BEGIN -->\n- [ ] #1 one\n## Definition of Done\n<!-- DOD:BEGIN -->\n- [ ] #1 dod\n<!-- AC:END -->\n<!-- DOD:END -->\n",
    ),
];

/// `backlog task view N --plain` without the lines that name the file or the task.
fn view(dir: &Path, n: usize) -> String {
    backlog_cli(dir, &["task", "view", &n.to_string(), "--plain"])
        .lines()
        .filter(|l| !l.starts_with("File:") && !l.starts_with("Task TASK-"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn marker_severity_follows_what_backlog_md_shows() {
    let temp = assert_fs::TempDir::new().expect("temp dir");
    let dir = temp.path();
    std::fs::create_dir_all(dir.join("backlog/tasks")).expect("mkdir");
    std::fs::write(
        dir.join("backlog/config.yml"),
        "project_name: \"Demo\"\nstatuses: [\"To Do\", \"In Progress\", \"Done\"]\ntask_prefix: \"task\"\n",
    )
    .expect("write config");
    std::fs::write(dir.join(".flowgate.yml"), "links:\n  require: none\n").expect("write");
    let head = |n: usize| format!("---\nid: TASK-{n}\ntitle: T\nstatus: To Do\n---\n\n");
    let path = |n: usize| dir.join(format!("backlog/tasks/task-{n} - T.md"));
    for (i, (_, body)) in MARKER_CASES.iter().enumerate() {
        std::fs::write(path(i + 1), format!("{}{body}", head(i + 1))).expect("write task");
    }
    let out = Command::new(env!("CARGO_BIN_EXE_flowgate"))
        .args(["check", "--format", "json"])
        .current_dir(dir)
        .output()
        .expect("flowgate runs");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let findings = json["findings"].as_array().cloned().unwrap_or_default();
    for (i, (expected, _)) in MARKER_CASES.iter().enumerate() {
        let n = i + 1;
        let file = format!("backlog/tasks/task-{n} - T.md");
        let mine: Vec<&serde_json::Value> = findings
            .iter()
            .filter(|f| f["file"] == file.as_str())
            .collect();
        let codes: Vec<&str> = mine.iter().filter_map(|f| f["code"].as_str()).collect();
        assert!(
            !codes.is_empty() && codes.iter().all(|c| c == expected),
            "case {n}: expected only {expected}, got {codes:?}"
        );
        // The same task with every flagged marker line deleted, as task 100 + n.
        let flagged: Vec<u64> = mine.iter().filter_map(|f| f["line"].as_u64()).collect();
        let text = std::fs::read_to_string(path(n)).expect("read");
        let fixed: String = text
            .replace(
                &format!("id: TASK-{n}\n"),
                &format!("id: TASK-{}\n", 100 + n),
            )
            .lines()
            .enumerate()
            .filter(|(k, _)| !flagged.contains(&(*k as u64 + 1)))
            .map(|(_, l)| format!("{l}\n"))
            .collect();
        std::fs::write(path(100 + n), fixed).expect("write fixed");
        let same = view(dir, n) == view(dir, 100 + n);
        assert_eq!(
            same,
            *expected == "FG112",
            "case {n}: Backlog.md shows the task {} without the flagged markers, but flowgate says {expected}",
            if same { "the same" } else { "differently" }
        );
    }
}
