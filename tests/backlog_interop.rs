//! flowgate reads what the real Backlog.md CLI writes: IDs, statuses, acceptance criteria
//! and folders, after create / edit / check / complete / archive / demote / draft.
//!
//! Needs `backlog` (npm `backlog.md@1.52.0`) on PATH; without it the test fails.

use std::path::Path;
use std::process::{Command, Stdio};

use flowgate::backlog::{self, Folder, TaskId};
use flowgate::git::FsSource;

fn backlog_cli(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("backlog")
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .env("GIT_AUTHOR_NAME", "Test")
        .env("GIT_AUTHOR_EMAIL", "test@example.com")
        .env("GIT_COMMITTER_NAME", "Test")
        .env("GIT_COMMITTER_EMAIL", "test@example.com")
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run the Backlog.md CLI `backlog` ({e}); install it with `npm install -g backlog.md@1.52.0`"
            )
        });
    assert!(
        out.status.success(),
        "backlog {args:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

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
    };
    assert_eq!(flowgate::rules::task_files::check(&snapshot), []);
}
