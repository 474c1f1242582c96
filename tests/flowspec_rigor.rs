//! flowspec's rigor rules, task memory and decision logs, on a fixture flowspec
//! repository, through real `git commit`s with the hooks installed and `flowgate check`.

mod hooks_support;

use hooks_support::{Repo, Run};

/// `flowgate check`, with its report (stdout) where the snippet assertions look.
fn check(r: &Repo) -> Run {
    let run = r.flowgate(&["check"]);
    Run {
        ok: run.ok,
        stderr: run.stdout.clone(),
        stdout: run.stdout,
    }
}

const WORKFLOW: &str = "version: \"2.0\"\nstates: [\"To Do\", \"Planned\", \"In Implementation\", \"Done\"]\ntransitions:\n  - { name: plan, from: \"To Do\", to: \"Planned\" }\n  - { name: build, from: \"Planned\", to: \"In Implementation\" }\n  - { name: finish, from: \"In Implementation\", to: \"Done\" }\n";

const T1: &str = "backlog/tasks/task-1 - Login.md";
const T2: &str = "backlog/tasks/task-2 - Logout.md";
const MEM1: &str = "backlog/memory/task-1.md";

/// A task file with labels, an optional plan and acceptance criteria.
fn task(id: &str, title: &str, status: &str, labels: &[&str], plan: bool, ac: &[bool]) -> String {
    let labels = labels
        .iter()
        .map(|l| format!("'{l}'"))
        .collect::<Vec<_>>()
        .join(", ");
    let mut s = format!(
        "---\nid: {id}\ntitle: {title}\nstatus: {status}\nassignee: []\ncreated_date: '2026-01-05 10:00'\nlabels: [{labels}]\ndependencies: []\n---\n\n## Description\n\n<!-- SECTION:DESCRIPTION:BEGIN -->\n{title}.\n<!-- SECTION:DESCRIPTION:END -->\n"
    );
    if !ac.is_empty() {
        s.push_str("\n## Acceptance Criteria\n<!-- AC:BEGIN -->\n");
        for (i, checked) in ac.iter().enumerate() {
            let mark = if *checked { 'x' } else { ' ' };
            s.push_str(&format!("- [{mark}] #{} Criterion {}\n", i + 1, i + 1));
        }
        s.push_str("<!-- AC:END -->\n");
    }
    if plan {
        s.push_str("\n## Implementation Plan\n\n<!-- SECTION:PLAN:BEGIN -->\n1. Build it\n<!-- SECTION:PLAN:END -->\n");
    }
    s
}

/// The commit id of HEAD.
fn head(r: &Repo) -> String {
    r.git(&["rev-parse", "HEAD"])
        .success()
        .stdout
        .trim()
        .to_string()
}

/// Commits everything without running the hooks (`-s`: signed off).
fn commit_unchecked(r: &Repo, signed_off: bool, message: &str) {
    r.git(&["add", "-A"]).success();
    let mut args = vec!["commit", "-q", "--no-verify", "-m", message];
    if signed_off {
        args.push("-s");
    }
    r.git(&args).success();
}

/// TASK-1 "Login", with a plan.
fn login(status: &str, labels: &[&str], ac: &[bool]) -> String {
    task("TASK-1", "Login", status, labels, true, ac)
}

/// TASK-2 "Logout".
fn logout(status: &str, labels: &[&str], plan: bool, ac: &[bool]) -> String {
    task("TASK-2", "Logout", status, labels, plan, ac)
}

/// A flowspec repository whose every rule passes: TASK-1 in progress with its memory,
/// TASK-2 not started.
fn fixture() -> Repo {
    let r = Repo::new();
    r.write("flowspec_workflow.yml", WORKFLOW);
    r.write(
        ".flowspec/rigor-config.yml",
        "enforcement:\n  global: strict\n  rules:\n    EXEC-005: warn\nlogging:\n  format: jsonl\n",
    );
    r.write(
        T1,
        &login(
            "In Progress",
            &["workflow:In Implementation", "workflow-next:Done"],
            &[false],
        ),
    );
    r.write(T2, &logout("To Do", &["workflow:To Do"], false, &[false]));
    r.write(
        MEM1,
        "# task-1\n\n## Current State\n\nForm done; handler next.\n",
    );
    r.write(
        "backlog/CLAUDE.md",
        "# Backlog\n\n## Active Task Context\n\n@import ../memory/task-1.md\n",
    );
    r.write(
        "memory/decisions/task-1.jsonl",
        "{\"timestamp\":\"2026-01-05T10:00:00Z\",\"task_id\":\"task-1\",\"phase\":\"execution\",\"decision\":\"Use cookies\",\"rationale\":\"no server state\",\"actor\":\"@dev\"}\n",
    );
    r.commit_all("Start login\n\nRefs: TASK-1").success();
    r
}

#[test]
fn the_fixture_is_clean_in_the_hooks_and_in_check() {
    let r = fixture();
    r.flowgate(&["check"]).success();
}

#[test]
fn finishing_a_task_must_archive_its_memory_in_the_same_commit() {
    let r = fixture();
    r.write(T1, &login("Done", &["workflow:Done"], &[true]));
    r.commit_all("Finish login\n\nRefs: TASK-1")
        .failure()
        .stderr_has(&[
            "FG711(memory-wrong-place)",
            "TASK-1 is \"Done\" but its memory is still active at backlog/memory/task-1.md",
            "help: archive it in the same commit: git mv backlog/memory/task-1.md backlog/memory/archive/task-1.md",
        ]);
    r.git_mv(MEM1, "backlog/memory/archive/task-1.md").success();
    // The import of the active task's memory goes with it.
    r.write(
        "backlog/CLAUDE.md",
        "# Backlog\n\n## Active Task Context\n\n",
    );
    r.commit_all("Finish login\n\nRefs: TASK-1").success();
    r.flowgate(&["check"]).success();
}

#[test]
fn starting_a_task_bare_breaks_the_setup_and_execution_rules() {
    let r = fixture();
    r.write(T2, &logout("In Progress", &[], false, &[]));
    r.commit_all("Start logout\n\nRefs: TASK-2")
        .failure()
        .stderr_has(&[
            "FG702(rigor-no-plan)",
            "[SETUP-001] TASK-2 is \"In Progress\" without an implementation plan",
            "help: write the plan before starting: backlog task edit task-2 --plan",
            "FG704(rigor-no-acceptance-criteria)",
            "[SETUP-003] TASK-2 is \"In Progress\" without an acceptance criterion",
            "FG705(rigor-no-workflow-label)",
            "[EXEC-006] TASK-2 is \"In Progress\" without a `workflow:` label",
            "(states: \"To Do\", \"Planned\", \"In Implementation\", \"Done\")",
            "FG707(rigor-no-task-memory)",
            "help: create it with `flowspec memory init task-2` and commit it with the task",
        ]);
}

#[test]
fn workflow_next_must_follow_the_workflow_file_and_status_must_match_the_label() {
    let r = fixture();
    r.write(
        T2,
        &logout(
            "In Progress",
            &["workflow:Planned", "workflow-next:Done"],
            true,
            &[false],
        ),
    );
    r.write(
        "backlog/memory/task-2.md",
        "## Current State\n\nnothing yet\n",
    );
    r.commit_all("Plan logout\n\nRefs: TASK-2")
        .failure()
        .stderr_has(&[
            "FG706(rigor-workflow-next)",
            "[EXEC-007] TASK-2's \"workflow-next:Done\" is not a next state of \"workflow:Planned\"",
            "help: from \"Planned\" flowspec_workflow.yml allows \"In Implementation\": backlog task edit task-2 --remove-label \"workflow-next:Done\" -l \"workflow-next:In Implementation\"",
        ]);
    r.write(
        T2,
        &logout(
            "In Progress",
            &["workflow:To Do", "workflow-next:Planned"],
            true,
            &[false],
        ),
    );
    r.commit_all("Plan logout\n\nRefs: TASK-2")
        .failure()
        .stderr_has(&[
            "FG710(rigor-status-mismatch)",
            "[VALID-006] TASK-2 has status \"In Progress\" and label \"workflow:To Do\", which disagree: the workflow state \"To Do\" is the status \"To Do\"",
        ]);
}

#[test]
fn rigor_config_modes_turn_rules_to_warnings_or_off() {
    let r = fixture();
    r.write(
        ".flowspec/rigor-config.yml",
        "enforcement:\n  phases:\n    setup: off\n  rules:\n    EXEC-006: warn\n",
    );
    r.write(T2, &logout("In Progress", &[], false, &[]));
    r.write("backlog/memory/task-2.md", "## Current State\n\nstarted\n");
    let run = r.commit_all("Start logout\n\nRefs: TASK-2").success();
    assert!(run.stderr.contains("[EXEC-006]"), "{}", run.stderr);
    assert!(!run.stderr.contains("SETUP-001"), "{}", run.stderr);
}

#[test]
fn a_malformed_rigor_config_is_pointed_and_never_turns_rules_off() {
    let r = fixture();
    r.write(
        ".flowspec/rigor-config.yml",
        "enforcement:\n  global: lenient\n  phases: {setup: [off\n",
    );
    r.write(T2, &logout("In Progress", &[], false, &[]));
    r.write("backlog/memory/task-2.md", "## Current State\n");
    check(&r).failure().stderr_has(&[
        "FG701(flowspec-file-invalid)",
        ".flowspec/rigor-config.yml is not valid YAML",
        // The YAML parser reports the unclosed list where the text ends.
        ".flowspec/rigor-config.yml:4:1",
        "[SETUP-001] TASK-2 is \"In Progress\" without an implementation plan",
    ]);
    r.write(
        ".flowspec/rigor-config.yml",
        "enforcement:\n  global: lenient\n",
    );
    check(&r).failure().stderr_has(&[
        "`global` is \"lenient\", not a rigor mode",
        "help: write `global: strict`, `global: warn` or `global: off`",
        "[SETUP-001]",
    ]);
}

#[test]
fn decision_logs_are_checked_line_by_line() {
    let r = fixture();
    r.write(
        "memory/decisions/task-1.jsonl",
        "{\"timestamp\":\"2026-01-05T10:00:00Z\",\"task_id\":\"task-1\",\"phase\":\"execution\",\"decision\":\"Use cookies\",\"rationale\":\"no server state\",\"actor\":\"@dev\"}\n{\"timestamp\": \"2026-01-05T10:00:00Z\"\n{\"timestamp\":\"2026-01-05T11:00:00Z\",\"task_id\":\"task-9\",\"phase\":\"execution\",\"decision\":\"x\",\"rationale\":\"y\",\"actor\":\"@dev\"}\n",
    );
    r.write("memory/decisions/task-77.jsonl", "");
    check(&r)
        .failure()
        .stderr_has(&[
            "FG716(decision-log-invalid)",
            "[VALID-001] memory/decisions/task-1.jsonl: line 2 is not JSON",
            "memory/decisions/task-1.jsonl:2:",
            "FG717(decision-log-unknown-task)",
            "memory/decisions/task-1.jsonl line 3: task_id \"task-9\" names another task than the log's, TASK-1",
            "memory/decisions/task-77.jsonl is the decision log of TASK-77, which is not a task",
        ]);
    let json = r.flowgate(&["check", "--format", "json"]).failure().stdout;
    assert!(
        json.contains("\"rigor_id\": \"VALID-001\"") || json.contains("\"rigor_id\":\"VALID-001\""),
        "{json}"
    );
}

#[test]
fn memory_files_are_checked_in_the_tree() {
    let r = fixture();
    r.write("backlog/memory/task-9.md", "## Current State\n");
    r.write(
        "backlog/CLAUDE.md",
        "# Backlog\n\n```\n@import ../memory/task-5.md\n```\n@import ../memory/task-1.md\n@import ../memory/task-42.md\n",
    );
    r.write(
        MEM1,
        &format!("## Current State\n\ndeploy key AKIAABCDEFGHIJKLMNOP\npassword: example-placeholder\n{}", "x".repeat(26 * 1024)),
    );
    check(&r).failure().stderr_has(&[
        "FG712(memory-orphan)",
        "backlog/memory/task-9.md is the memory of TASK-9, which is not a task",
        "FG713(memory-dangling-import)",
        "backlog/CLAUDE.md imports ../memory/task-42.md, which does not exist",
        "backlog/CLAUDE.md:7:",
        "FG714(memory-too-large)",
        "backlog/memory/task-1.md is 27 KB, over flowspec's 25 KB limit for task memory",
        "FG715(memory-secret)",
        "looks like an AWS access key (\"AKIAAB…\")",
        "backlog/memory/task-1.md:3:",
    ]);
    let run = check(&r).failure();
    assert!(
        !run.stderr.contains("task-5"),
        "fenced imports are examples: {}",
        run.stderr
    );
    assert!(
        !run.stderr.contains("password or token"),
        "placeholders pass: {}",
        run.stderr
    );
}

#[test]
fn without_flowspec_files_no_rigor_rule_runs() {
    let r = Repo::new();
    r.write(T1, &task("TASK-1", "Login", "In Progress", &[], false, &[]));
    r.write("backlog/memory/task-9.md", "notes\n");
    r.commit_all("Start login\n\nRefs: TASK-1").success();
    r.flowgate(&["check"]).success();
}

#[test]
fn explain_accepts_catalogue_ids() {
    let r = Repo::new();
    let out = r.flowgate(&["explain", "EXEC-006"]).success().stdout;
    assert!(out.starts_with("# FG705 rigor-no-workflow-label"), "{out}");
    let out = r.flowgate(&["explain", "valid-001"]).success().stdout;
    assert!(out.starts_with("# FG716 decision-log-invalid"), "{out}");
    assert!(
        out.contains("\n# FG723 rigor-untraced-decisions\n"),
        "{out}"
    );
    let out = r.flowgate(&["explain", "EXEC-003"]).success().stdout;
    assert!(out.starts_with("# FG722 rigor-no-decision-log"), "{out}");
}

#[test]
fn dependency_labels_must_name_tasks_and_done_tasks_have_checked_criteria() {
    let r = fixture();
    r.write(
        T2,
        &logout(
            "To Do",
            &["workflow:To Do", "depends-on:task-1", "blocked-by:task-404"],
            false,
            &[false],
        ),
    );
    r.commit_all("Plan logout\n\nRefs: TASK-2")
        .failure()
        .stderr_has(&[
            "FG703(rigor-dependency-missing)",
            "[SETUP-002] TASK-2 documents the dependency \"blocked-by:task-404\", but task-404 is not a task",
            "backlog task edit task-2 --remove-label \"blocked-by:task-404\"",
        ]);
    r.write(T2, &logout("To Do", &["workflow:To Do"], false, &[false]));
    r.write(
        T1,
        &login("Done", &["workflow:Done"], &[true, false, false]),
    );
    r.git_mv(MEM1, "backlog/memory/archive/task-1.md").success();
    r.write("backlog/CLAUDE.md", "# Backlog\n");
    r.commit_all("Finish login\n\nRefs: TASK-1")
        .failure()
        .stderr_has(&[
            "FG709(rigor-unchecked-acceptance)",
            "[VALID-005] TASK-1 is \"Done\" with 2 unchecked acceptance criteria",
            "help: backlog task edit task-1 --check-ac 2 --check-ac 3, or move TASK-1 back to an active status if they are not met",
        ]);
}

#[test]
fn ci_and_audit_judge_each_commit_for_memory_that_did_not_move_with_its_task() {
    let r = fixture();
    let base = head(&r);
    r.write(T1, &login("Done", &["workflow:Done"], &[true]));
    r.git(&["add", "-A"]).success();
    commit_unchecked(&r, false, "Finish login\n\nRefs: TASK-1");
    let finished = head(&r);
    // The memory follows one commit later: the tree is right again, the history is not.
    r.git_mv(MEM1, "backlog/memory/archive/task-1.md").success();
    r.write("backlog/CLAUDE.md", "# Backlog\n");
    r.commit_all("Archive login memory\n\nRefs: TASK-1")
        .success();
    r.flowgate(&["check"]).success();

    let ci = r
        .flowgate(&["ci", "--format", "json", "--base", &base, "--head", "HEAD"])
        .failure();
    let doc: serde_json::Value = serde_json::from_str(&ci.stdout).expect("ci prints JSON");
    let moved: Vec<_> = doc["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["code"] == "FG711")
        .collect();
    assert_eq!(moved.len(), 1, "{}", ci.stdout);
    assert_eq!(
        moved[0]["commit"]
            .as_str()
            .map(|c| finished.starts_with(c) || c.starts_with(&finished)),
        Some(true),
        "{}",
        ci.stdout
    );
    assert_eq!(
        moved[0]["help"],
        "archive it in the same commit: git mv backlog/memory/task-1.md backlog/memory/archive/task-1.md"
    );

    let audit = r.flowgate(&["audit", "--format", "json"]).failure();
    assert!(
        audit.stdout.contains(
            "TASK-1 is \\\"Done\\\" but its memory is still active at backlog/memory/task-1.md"
        ),
        "{}",
        audit.stdout
    );
}

/// `flowgate ci --format json` for a pull request from `branch` (head HEAD, base `base`);
/// the codes of the flowspec branch and pull-request findings with their messages.
fn ci_branch(r: &Repo, base: &str, branch: &str) -> Vec<(String, String)> {
    ci_findings(r, base, branch, &["FG718", "FG719", "FG720", "FG721"])
}

/// Like [`ci_branch`], for the findings of the rules `codes`.
fn ci_findings(r: &Repo, base: &str, branch: &str, codes: &[&str]) -> Vec<(String, String)> {
    let head_id = head(r);
    let payload = serde_json::json!({
        "number": 7,
        "pull_request": {
            "number": 7,
            "title": "TASK-1: Login",
            "body": "",
            "head": { "ref": branch, "sha": head_id },
            "base": { "ref": "main", "sha": base }
        },
        "repository": { "full_name": "acme/widgets", "default_branch": "main" }
    });
    let event = r.tmp.path().join("event.json");
    std::fs::write(&event, payload.to_string()).expect("event");
    let out = std::process::Command::new(assert_cmd::cargo::cargo_bin("flowgate"))
        .current_dir(&r.root)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GITHUB_EVENT_NAME", "pull_request")
        .env("GITHUB_EVENT_PATH", &event)
        .env_remove("GITHUB_STEP_SUMMARY")
        .env_remove("GITHUB_OUTPUT")
        .args(["ci", "--format", "json"])
        .output()
        .expect("flowgate runs");
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("ci prints JSON");
    doc["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| codes.contains(&f["code"].as_str().unwrap_or_default()))
        .map(|f| {
            (
                f["code"].as_str().unwrap_or_default().to_string(),
                format!(
                    "{} | {}",
                    f["message"].as_str().unwrap_or_default(),
                    f["help"].as_str().unwrap_or_default()
                ),
            )
        })
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect()
}

#[test]
fn ci_judges_the_branch_name_its_task_and_dco_sign_off() {
    let r = fixture();
    let base = head(&r);
    r.write("src/login.rs", "pub fn login() {}\n");
    r.commit_all("Add login\n\nRefs: TASK-1").success();

    let got = ci_branch(&r, &base, "feature/login");
    let codes: Vec<&str> = got.iter().map(|(c, _)| c.as_str()).collect();
    assert_eq!(codes, ["FG718", "FG719", "FG720"], "{got:#?}");
    assert!(
        got[0]
            .1
            .starts_with("[EXEC-002] branch \"feature/login\" does not match the pattern"),
        "{got:#?}"
    );
    assert!(
        got[0].1.contains("git branch -m \"<host>/task-<N>/login\""),
        "{got:#?}"
    );
    assert!(
        got[1]
            .1
            .starts_with("[EXEC-004] branch \"feature/login\" names no task"),
        "{got:#?}"
    );
    assert_eq!(
        got[2].1,
        "[PR-001] commit has no DCO sign-off (Signed-off-by:) | add the trailer as the author (Alice <alice@example.com>): git rebase --signoff <base branch>, then push with --force-with-lease"
    );

    // Signed off by its author, on a well-named iteration branch of an active task: clean.
    r.git(&["commit", "-q", "--amend", "--no-edit", "-s", "--no-verify"])
        .success();
    assert_eq!(ci_branch(&r, &base, "laptop/task-1/login-v2"), []);
    // The default branch and release branches are exempt from naming.
    assert_eq!(ci_branch(&r, &base, "main"), []);
    assert_eq!(ci_branch(&r, &base, "release/1.0"), []);

    let got = ci_branch(&r, &base, "laptop/task-2/logout-v1");
    let codes: Vec<&str> = got.iter().map(|(c, _)| c.as_str()).collect();
    assert_eq!(codes, ["FG719", "FG721"], "{got:#?}");
    assert!(got[1].1.starts_with("[PR-003] branch \"laptop/task-2/logout-v1\" is iteration 1; iterations are numbered from -v2"), "{got:#?}");
    assert!(got[0].1.starts_with("[EXEC-004] branch \"laptop/task-2/logout-v1\" names TASK-2, which is \"To Do\", not active"), "{got:#?}");

    // A configured pattern replaces flowspec's (read from the base, as all configuration).
    r.write(
        ".flowgate.yml",
        "links:\n  require: none\nflowspec:\n  branch_pattern: '^feature/task-[0-9]+-[a-z-]+$'\n",
    );
    r.git(&["add", "-A"]).success();
    commit_unchecked(&r, true, "Branch convention\n\nRefs: TASK-1");
    let base = head(&r);
    r.write("src/login.rs", "pub fn login() { form() }\nfn form() {}\n");
    r.git(&["add", "-A"]).success();
    r.git(&["commit", "-q", "-s", "-m", "Login form\n\nRefs: TASK-1"])
        .success();
    assert_eq!(ci_branch(&r, &base, "feature/task-1-login"), []);
    let got = ci_branch(&r, &base, "laptop/task-1/login");
    assert_eq!(got.len(), 1, "{got:#?}");
    assert!(
        got[0]
            .1
            .contains("does not match the pattern ^feature/task-[0-9]+-[a-z-]+$"),
        "{got:#?}"
    );
}

#[test]
fn a_pull_request_cannot_switch_the_rigor_rules_off() {
    let r = fixture();
    let base = head(&r);
    r.write(
        ".flowspec/rigor-config.yml",
        "enforcement:\n  global: off\n",
    );
    r.write(T2, &logout("In Progress", &[], false, &[]));
    commit_unchecked(&r, true, "Start logout\n\nRefs: TASK-2");
    let got = ci_findings(
        &r,
        &base,
        "laptop/task-2/logout",
        &["FG702", "FG718", "FG719"],
    );
    let codes: Vec<&str> = got.iter().map(|(c, _)| c.as_str()).collect();
    assert_eq!(codes, ["FG702"], "{got:#?}");
    // Removing flowspec's files does not either.
    r.git(&["rm", "-q", "-r", ".flowspec", "flowspec_workflow.yml"])
        .success();
    commit_unchecked(&r, true, "Drop flowspec\n\nRefs: TASK-2");
    let got = ci_findings(&r, &base, "laptop/task-2/logout", &["FG702"]);
    assert_eq!(got.len(), 1, "{got:#?}");
}

/// TASK-2 moved to In Progress with what the rigor rules ask (plan, criterion, workflow
/// labels, memory), uncommitted.
fn start_logout(r: &Repo) {
    r.write(
        T2,
        &logout(
            "In Progress",
            &["workflow:Planned", "workflow-next:In Implementation"],
            true,
            &[false],
        ),
    );
    r.write(
        "backlog/memory/task-2.md",
        "# task-2\n\n## Current State\n\nStarted.\n",
    );
}

#[test]
fn the_hooks_judge_the_branch_its_task_and_its_decision_log() {
    let r = fixture();
    // A branch that names no task: EXEC-002 and EXEC-004 reject the commit.
    r.git(&["checkout", "-q", "-b", "feature/login"]).success();
    r.write("src/login.rs", "pub fn login() {}\n");
    r.commit_all("Add login\n\nRefs: TASK-1")
        .failure()
        .stderr_has(&[
            "FG718(rigor-branch-name)",
            "[EXEC-002] branch \"feature/login\" does not match the pattern",
            "help: rename it, e.g. git branch -m \"<host>/task-<N>/login\"",
            "FG719(rigor-branch-task)",
            "[EXEC-004] branch \"feature/login\" names no task",
            "help: work on a branch named after its task, e.g. <host>/task-<N>/<slug>",
        ]);
    // Renamed after its active task, whose decision log exists: accepted.
    r.git(&["branch", "-q", "-m", "laptop/task-1/login"])
        .success();
    r.commit_all("Add login\n\nRefs: TASK-1").success();

    // A commit that only plans on the branch (its task not started yet, no code) passes
    // EXEC-004: the branch's task is often created or groomed there before work starts.
    r.git(&["checkout", "-q", "-b", "laptop/task-2/plan"])
        .success();
    let task_2 = r.root.join("backlog/tasks/task-2 - Logout.md");
    let planned =
        std::fs::read_to_string(&task_2).expect("TASK-2's file") + "\nSplit out of TASK-1.\n";
    std::fs::write(&task_2, planned).expect("TASK-2 written");
    r.commit_all("Groom TASK-2").success();
    r.git(&["checkout", "-q", "laptop/task-1/login"]).success();
    r.git(&["branch", "-q", "-D", "laptop/task-2/plan"])
        .success();

    // An iteration numbered -v1, for a task not started: PR-003 and EXEC-004.
    r.git(&["checkout", "-q", "-b", "laptop/task-2/logout-v1"])
        .success();
    r.write("src/logout.rs", "pub fn logout() {}\n");
    r.commit_all("Add logout\n\nRefs: TASK-1")
        .failure()
        .stderr_has(&[
            "FG721(rigor-iteration-branch)",
            "[PR-003] branch \"laptop/task-2/logout-v1\" is iteration 1; iterations are numbered from -v2",
            "help: the first branch has no suffix, the next is \"laptop/task-2/logout-v2\"",
            "FG719(rigor-branch-task)",
            "[EXEC-004] branch \"laptop/task-2/logout-v1\" names TASK-2, which is \"To Do\", not active",
            "help: create the task or move it to \"In Progress\": backlog task edit task-2 -s \"In Progress\"",
        ]);

    // TASK-2 started as the rules ask, with code and no decision log: EXEC-003.
    r.git(&["branch", "-q", "-m", "laptop/task-2/logout"])
        .success();
    start_logout(&r);
    r.commit_all("Add logout\n\nRefs: TASK-2")
        .failure()
        .stderr_has(&[
            "FG722(rigor-no-decision-log)",
            "[EXEC-003] TASK-2, the task of branch \"laptop/task-2/logout\", has no decision log: memory/decisions/task-2.jsonl is missing or empty",
            "help: record each significant decision as one JSON line, e.g. echo '{\"timestamp\":",
            ">> memory/decisions/task-2.jsonl",
        ]);
    // A line of flowspec's daily decision log that names the task counts.
    r.write(
        ".flowspec/logs/decisions/2026-01-05.jsonl",
        "{\"timestamp\":\"2026-01-05T11:00:00Z\",\"task_id\":\"task-2\",\"decision\":\"Clear the cookie\",\"rationale\":\"stateless\",\"actor\":\"@dev\"}\n",
    );
    r.commit_all("Add logout\n\nRefs: TASK-2").success();

    // A detached HEAD is exempt from the branch rules, and so are release branches and the
    // default branch origin's HEAD names.
    r.git(&["checkout", "-q", "--detach"]).success();
    r.write("src/detached.rs", "pub fn x() {}\n");
    r.commit_all("Detached work\n\nRefs: TASK-2").success();
    r.git(&["checkout", "-q", "-b", "release/2.0"]).success();
    r.write("src/release.rs", "pub fn r() {}\n");
    r.commit_all("Release work\n\nRefs: TASK-2").success();
    r.git(&["checkout", "-q", "-b", "trunk"]).success();
    r.write("src/trunk.rs", "pub fn t() {}\n");
    r.commit_all("Trunk work\n\nRefs: TASK-2")
        .failure()
        .stderr_has(&["[EXEC-002] branch \"trunk\""]);
    r.git(&["update-ref", "refs/remotes/origin/trunk", "HEAD"])
        .success();
    r.git(&[
        "symbolic-ref",
        "refs/remotes/origin/HEAD",
        "refs/remotes/origin/trunk",
    ])
    .success();
    r.commit_all("Trunk work\n\nRefs: TASK-2").success();

    // The modes come from rigor-config.yml: EXEC-002 as a warning lets the commit through.
    r.git(&["checkout", "-q", "-b", "feature/more-logout"])
        .success();
    r.write(
        ".flowspec/rigor-config.yml",
        "enforcement:\n  global: strict\n  rules:\n    EXEC-005: warn\n    EXEC-002: warn\n    EXEC-004: off\n",
    );
    r.write(
        "src/logout.rs",
        "pub fn logout() { clear() }\nfn clear() {}\n",
    );
    let run = r.commit_all("More logout\n\nRefs: TASK-2").success();
    assert!(
        run.stderr.contains("FG718(rigor-branch-name)") && !run.stderr.contains("FG719"),
        "{}",
        run.stderr
    );
}

#[test]
fn ci_asks_for_the_decision_log_of_the_pull_requests_task_once_as_valid_001() {
    let r = fixture();
    let base = head(&r);
    start_logout(&r);
    r.write("src/logout.rs", "pub fn logout() {}\n");
    commit_unchecked(&r, true, "Add logout\n\nRefs: TASK-2");
    let got = ci_findings(&r, &base, "laptop/task-2/logout", &["FG722", "FG723"]);
    assert_eq!(
        got,
        [(
            "FG723".to_string(),
            "[VALID-001] TASK-2, the task of branch \"laptop/task-2/logout\", has no decision log: memory/decisions/task-2.jsonl is missing or empty | record each significant decision as one JSON line, e.g. echo '{\"timestamp\":\"'$(date -u +%Y-%m-%dT%H:%M:%SZ)'\",\"task_id\":\"task-2\",\"phase\":\"execution\",\"decision\":\"<what>\",\"rationale\":\"<why>\",\"actor\":\"@<you>\"}' >> memory/decisions/task-2.jsonl".to_string()
        )]
    );
    // A pull request that finishes its task (moves it to Done) is still the task's work.
    let r = fixture();
    let base = head(&r);
    r.write(T1, &login("Done", &["workflow:Done"], &[true]));
    r.git_mv(MEM1, "backlog/memory/archive/task-1.md").success();
    r.write("backlog/CLAUDE.md", "# Backlog\n");
    commit_unchecked(&r, true, "Finish login\n\nRefs: TASK-1");
    let got = ci_findings(&r, &base, "laptop/task-1/login", &["FG719", "FG723"]);
    assert_eq!(got, [], "{got:#?}");
}

/// `specs/001-logout/`: a spec whose requirements hold an open question (and a fenced
/// `TODO`, which is quoted code), whose assumptions keep a template placeholder, and a
/// checklist with an unchecked item.
fn open_spec(r: &Repo) {
    r.write(
        "specs/001-logout/spec.md",
        "# Feature Specification: Logout\n\n## Requirements\n\n### Functional Requirements\n\n- **FR-001**: Users MUST be able to log out from every page.\n- **FR-002**: Sessions MUST end after [NEEDS CLARIFICATION: how long?]\n\n```text\nTODO: a fenced TODO is quoted, not a marker\n```\n\n## Assumptions\n\n- [Assumption about target users, e.g., \"Users have stable internet connectivity\"]\n",
    );
    r.write(
        "specs/001-logout/checklists/requirements.md",
        "# Requirements Checklist\n\n- [x] CHK001 Requirements are testable\n- [ ] CHK002 No open questions remain\n",
    );
}

#[test]
fn spec_ready_keeps_a_task_out_of_in_progress_while_its_spec_is_open() {
    let r = fixture();
    r.write(
        ".flowgate.yml",
        "links:\n  require: none\nworkflow:\n  guards:\n    In Progress: [spec-ready]\n    Done: [acceptance-criteria-checked, definition-of-done-checked]\n",
    );
    open_spec(&r);
    let linked = |status: &str, labels: &[&str]| {
        logout(status, labels, true, &[false]).replace(
            "dependencies: []\n",
            "dependencies: []\nspec:\n  - specs/001-logout/spec.md#requirements\n  - specs/001-logout/spec.md#assumptions\n",
        )
    };
    r.write(T2, &linked("To Do", &["workflow:To Do"]));
    r.commit_all("Specify logout\n\nRefs: TASK-1").success();

    // Starting TASK-2 (with everything the rigor rules ask) is refused at each open item.
    r.write(
        T2,
        &linked(
            "In Progress",
            &["workflow:Planned", "workflow-next:In Implementation"],
        ),
    );
    r.write(
        "backlog/memory/task-2.md",
        "# task-2\n\n## Current State\n\nStarting.\n",
    );
    let run = r
        .commit_all("Start logout\n\nRefs: TASK-2")
        .failure()
        .stderr_has(&[
            "FG403(guard-not-met)",
            "TASK-2 cannot enter \"In Progress\": the spec it links to (specs/001-logout/spec.md#requirements) has the open marker \"[NEEDS CLARIFICATION\"",
            "specs/001-logout/spec.md:8:",
            "help: answer the question or finish the text at specs/001-logout/spec.md:8 (spec-kit: /speckit.clarify), then move the task",
            "TASK-2 cannot enter \"In Progress\": the spec it links to (specs/001-logout/spec.md#assumptions) still has spec-kit's template placeholder \"[Assumption about target users, e.g., \"Users have stable internet connectivity\"]\"",
            "help: replace the placeholder with this feature's own text at specs/001-logout/spec.md:16, or delete the line",
            "TASK-2 cannot enter \"In Progress\": checklist specs/001-logout/checklists/requirements.md has the unchecked item \"CHK002 No open questions remain\"",
            "help: review the item and check it (`- [x]`) at specs/001-logout/checklists/requirements.md:4 once it holds, or remove it if it does not apply",
        ]);
    assert!(!run.stderr.contains("a fenced TODO"), "{}", run.stderr);
    assert_eq!(
        run.stderr.matches("FG403(guard-not-met)").count(),
        3,
        "{}",
        run.stderr
    );

    // Clarified, filled in and reviewed: the task may start.
    r.write(
        "specs/001-logout/spec.md",
        &r.read("specs/001-logout/spec.md")
            .replace("[NEEDS CLARIFICATION: how long?]", "30 minutes of inactivity")
            .replace(
                "[Assumption about target users, e.g., \"Users have stable internet connectivity\"]",
                "Users log in with a password",
            ),
    );
    r.write(
        "specs/001-logout/checklists/requirements.md",
        "# Requirements Checklist\n\n- [x] CHK001 Requirements are testable\n- [x] CHK002 No open questions remain\n",
    );
    r.commit_all("Start logout\n\nRefs: TASK-2").success();
}

/// Makes `branch` off `main` with one signed-off commit of code, then merges it into
/// `main` with `git merge --no-ff` (git's own subject: `Merge branch '<branch>'`);
/// returns the merge commit's id.
fn merge_branch(r: &Repo, branch: &str, file: &str) -> String {
    r.git(&["checkout", "-q", "-b", branch, "main"]).success();
    r.write(file, "pub fn f() {}\n");
    r.git(&["add", "-A"]).success();
    commit_unchecked(r, true, "Work\n\nRefs: TASK-1");
    r.git(&["checkout", "-q", "main"]).success();
    r.git(&["merge", "-q", "--no-ff", "--no-edit", "--no-verify", branch])
        .success();
    head(r)
}

#[test]
fn audit_judges_the_branch_each_merge_brought_in() {
    let r = fixture();
    let bad = merge_branch(&r, "feature/login", "src/a.rs");
    let good = merge_branch(&r, "laptop/task-1/login-v2", "src/b.rs");
    r.git(&["branch", "laptop/task-1/sync", "main"]).success();
    let idle = merge_branch(&r, "laptop/task-2/logout", "src/c.rs");
    // A merge of main into a task branch names main: the default branch is exempt.
    r.git(&["checkout", "-q", "laptop/task-1/sync"]).success();
    r.git(&["merge", "-q", "--no-ff", "--no-edit", "--no-verify", "main"])
        .success();
    assert_eq!(
        r.git(&["log", "-1", "--format=%s"]).success().stdout.trim(),
        "Merge branch 'main' into laptop/task-1/sync"
    );

    let audit = r.flowgate(&["audit", "--format", "json"]).failure();
    let doc: serde_json::Value = serde_json::from_str(&audit.stdout).expect("audit prints JSON");
    let got: Vec<(String, String, String)> = doc["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| ["FG718", "FG719", "FG721"].contains(&f["code"].as_str().unwrap_or_default()))
        .map(|f| {
            let commit = f["commit"].as_str().unwrap_or_default();
            let at = [(&bad, "bad"), (&good, "good"), (&idle, "idle")]
                .iter()
                .find(|(id, _)| !commit.is_empty() && id.starts_with(commit))
                .map_or(commit.to_string(), |(_, name)| name.to_string());
            // The audit names the merge after the message: "(commit <id>, <date>, <author>)".
            let message = f["message"].as_str().unwrap_or_default();
            let (message, merge) = message.split_once(" (commit ").unwrap_or((message, ""));
            assert!(
                merge.starts_with(commit.get(..8).unwrap_or("?"))
                    && merge.ends_with(", Alice <alice@example.com>)"),
                "{message} (commit {merge}"
            );
            (
                at,
                f["code"].as_str().unwrap_or_default().to_string(),
                format!("{message} | {}", f["help"].as_str().unwrap_or_default()),
            )
        })
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let pattern = "^[a-z0-9-]+/task-[0-9]+(\\.[0-9]+)*/[a-z0-9-]+$";
    assert_eq!(
        got,
        [
            (
                "bad".to_string(),
                "FG718".to_string(),
                format!("[EXEC-002] branch \"feature/login\" does not match the pattern {pattern} | rename it, e.g. git branch -m \"<host>/task-<N>/login\" (an iteration adds -v2, -v3; set flowspec.branch_pattern in .flowgate.yml for another convention)")
            ),
            (
                "bad".to_string(),
                "FG719".to_string(),
                "[EXEC-004] branch \"feature/login\" names no task | work on a branch named after its task, e.g. <host>/task-<N>/<slug>".to_string()
            ),
            (
                "idle".to_string(),
                "FG719".to_string(),
                "[EXEC-004] branch \"laptop/task-2/logout\" names TASK-2, which is \"To Do\", not active | create the task or move it to \"In Progress\": backlog task edit task-2 -s \"In Progress\"".to_string()
            ),
        ],
        "{}",
        audit.stdout
    );

    // The audit cache gives the same findings.
    let again = r.flowgate(&["audit", "--format", "json"]).failure();
    assert_eq!(again.stdout, audit.stdout);
}

/// `check` keeps of a task's body sections only whether each is there: a plan is still
/// there when the task is taken from `check`'s memo, and a task without one is still
/// reported (SETUP-001), as a check without the memo reports them.
#[test]
fn a_plan_counts_as_written_when_check_takes_the_task_from_its_memo() {
    let r = fixture();
    for plan in [true, false] {
        r.write(
            T2,
            &logout(
                "In Progress",
                &["workflow:In Implementation"],
                plan,
                &[false],
            ),
        );
        // Old enough to be kept in the memo.
        std::thread::sleep(std::time::Duration::from_millis(1100));
        let _ = std::fs::remove_file(r.root.join(".git/flowgate/check-memo.bin"));
        let cold = r.flowgate(&["check", "--format", "json"]);
        let warm = r.flowgate(&["-v", "check", "--format", "json"]);
        assert!(
            warm.stderr.contains(", 0 and 0 read and parsed"),
            "{}",
            warm.stderr
        );
        assert_eq!((&cold.stdout, cold.ok), (&warm.stdout, warm.ok));
        assert_eq!(warm.stdout.contains("SETUP-001"), !plan, "{}", warm.stdout);
    }
}
