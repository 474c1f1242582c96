//! A pull request cannot loosen its own gate, nor hijack the runner through flowgate's
//! output: end-to-end `flowgate ci` runs on a two-branch repository (the base on `main`,
//! the pull request on a branch), each attack first shown to work when the base lets pull
//! requests bring their own configuration (`ci.config_from_base: false`).

mod ci_support;

use ci_support::{pull_request_event, seed_backlog, Repo};

/// `flowgate ci --format github` for a pull request from `base` to `head`: exit code,
/// stdout, stderr and the job summary.
/// The branch is named `feature` (a branch named after a task would stand in for the
/// commits' references).
fn ci(repo: &Repo, title: &str, base: &str, head: &str) -> (i32, String, String, String) {
    let payload = pull_request_event(12, title, "", base, head).replace("task-2-login", "feature");
    let (mut cmd, summary, _) = repo.flowgate_in_actions("pull_request", &payload);
    let out = cmd.args(["ci", "--format", "github"]).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        std::fs::read_to_string(summary).unwrap_or_default(),
    )
}

/// Task TASK-2 "Login" in `status`, with one acceptance criterion, not checked.
fn login_task(status: &str) -> String {
    format!(
        "---\nid: TASK-2\ntitle: Login\nstatus: {status}\nassignee: []\ncreated_date: '2025-01-02'\nlabels: []\ndependencies: []\nspec: specs/001-login/spec.md#requirements\n---\n\n## Description\n\nLet people log in.\n\n## Acceptance Criteria\n<!-- AC:BEGIN -->\n- [ ] #1 Form works\n<!-- AC:END -->\n"
    )
}

const TASK: &str = "backlog/tasks/task-2 - Login.md";

/// The base: a backlog with TASK-2 in progress, and `flowgate_yml` as `.flowgate.yml`.
fn base_repo(flowgate_yml: &str) -> (Repo, String) {
    let repo = Repo::new();
    seed_backlog(&repo);
    repo.write(TASK, &login_task("In Progress"));
    repo.write(".flowgate.yml", flowgate_yml);
    repo.write("src/lib.rs", "pub fn a() {}\n");
    let base = repo.commit("Initial commit");
    repo.git(&["checkout", "-q", "-b", "task-2-login"]);
    (repo, base)
}

const OWN_CONFIG: &str = "ci:\n  config_from_base: false\n";

/// The pull request commits a change without a task reference, then runs `flowgate
/// baseline` and commits the file that records that very finding.
fn baseline_attack(flowgate_yml: &str) -> (Repo, String, String, String) {
    let (repo, base) = base_repo(flowgate_yml);
    repo.write("src/lib.rs", "pub fn a() {}\npub fn b() {}\n");
    let sneaky = repo.commit("Sneak in b");
    repo.flowgate().arg("baseline").assert().success();
    let recorded = std::fs::read_to_string(repo.dir.join(".flowgate-baseline.json")).unwrap();
    assert!(recorded.contains(&sneaky), "{recorded}");
    let head = repo.commit("TASK-2: record the baseline");
    (repo, base, sneaky, head)
}

#[test]
fn a_baseline_the_pull_request_commits_hides_nothing() {
    let (repo, base, sneaky, head) = baseline_attack("");
    let (code, stdout, stderr, summary) = ci(&repo, "TASK-2: login", &base, &head);
    assert_eq!(code, 1, "{stdout}{stderr}");
    let short = &sneaky[..7];
    assert!(
        stdout.contains(&format!(
            "::error title=FG301 missing-task-reference ({short})::\"Sneak in b\" changes code but references no task"
        )),
        "{stdout}"
    );
    assert!(
        stdout.contains("::notice file=.flowgate-baseline.json,title=FG601 config-from-base::this change modifies `.flowgate-baseline.json`; it was checked with the base commit's baseline, not the changed one%0Ahelp: the new file applies to the pull requests opened after this one is merged"),
        "{stdout}"
    );
    assert!(summary.contains("| notes | 1 |"), "{summary}");

    // Where pull requests bring their own configuration, they bring their baseline too.
    let (repo, base, _, head) = baseline_attack(OWN_CONFIG);
    let (code, stdout, stderr, _) = ci(&repo, "TASK-2: login", &base, &head);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(
        !stdout.contains("FG301") && !stdout.contains("FG601"),
        "{stdout}"
    );
}

#[test]
fn the_base_commits_baseline_still_hides_what_it_recorded() {
    let repo = Repo::new();
    seed_backlog(&repo);
    let old = "backlog/tasks/task-3 - Old.md";
    repo.write(old, &login_task("Wontdo").replace("TASK-2", "TASK-3"));
    repo.write("src/lib.rs", "pub fn a() {}\n");
    repo.commit("TASK-2: start");
    repo.flowgate().arg("baseline").assert().success();
    let base = repo.commit("TASK-2: record the baseline");
    repo.git(&["checkout", "-q", "-b", "task-2-login"]);
    repo.write("src/lib.rs", "pub fn a() {}\npub fn b() {}\n");
    let head = repo.commit("TASK-2: add b");
    // The working tree's copy is not what counts: the base commit's is.
    std::fs::remove_file(repo.dir.join(".flowgate-baseline.json")).unwrap();
    let (code, stdout, stderr, _) = ci(&repo, "TASK-2: login", &base, &head);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(
        !stdout.contains("FG105") && !stdout.contains("FG601"),
        "{stdout}"
    );
    // Without the recorded entry, the old task is reported.
    repo.git(&["checkout", "-q", "main"]);
    repo.git(&["rm", "-q", ".flowgate-baseline.json"]);
    let base = repo.commit("Drop the baseline");
    let (code, stdout, _, _) = ci(&repo, "TASK-2: login", &base, &head);
    assert_eq!(code, 1, "{stdout}");
    assert!(
        stdout.contains(&format!("file={old},line=4,col=9,title=FG105")),
        "{stdout}"
    );
}

/// The pull request appends a status to `backlog/config.yml` (so "Done" is no longer the
/// last status, whose guard wants every criterion checked) and moves TASK-2 to "Done"
/// with its criterion unchecked; it also brings a `.yaml` flowspec workflow file.
fn status_attack(flowgate_yml: &str) -> (Repo, String, String) {
    let (repo, base) = base_repo(flowgate_yml);
    repo.write(
        "backlog/config.yml",
        "project_name: \"Widgets\"\ndefault_status: \"To Do\"\nstatuses: [\"To Do\", \"In Progress\", \"Done\", \"Archived\"]\ntask_prefix: \"task\"\n",
    );
    repo.write(TASK, &login_task("Done"));
    repo.write(
        "memory/flowspec_workflow.yaml",
        "states: [\"Specified\", \"Done\"]\n",
    );
    let head = repo.commit("TASK-2: finish login");
    (repo, base, head)
}

#[test]
fn a_status_appended_in_the_pull_request_does_not_lift_the_last_status_guard() {
    let (repo, base, head) = status_attack("");
    let (code, stdout, stderr, _) = ci(&repo, "TASK-2: login", &base, &head);
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(
        stdout.contains(
            "TASK-2 cannot enter \"Done\": acceptance criterion #1 \"Form works\" is not checked"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("::notice file=backlog/config.yml,title=FG601 config-from-base::this change modifies `backlog/config.yml`; it was checked with the base commit's backlog configuration, not the changed one"),
        "{stdout}"
    );
    assert!(
        stdout.contains("::notice file=memory/flowspec_workflow.yaml,title=FG601 config-from-base::this change modifies `memory/flowspec_workflow.yaml`; it was checked with the base commit's workflow definition"),
        "{stdout}"
    );

    let (repo, base, head) = status_attack(OWN_CONFIG);
    let (code, stdout, stderr, _) = ci(&repo, "TASK-2: login", &base, &head);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(!stdout.contains("FG403"), "{stdout}");
}

/// The pull request adds a root `backlog.config.yml` that points at a shadow folder with
/// a tidy copy of the task, and gives the real task a status nobody configured.
fn shadow_attack(flowgate_yml: &str) -> (Repo, String, String) {
    let (repo, base) = base_repo(flowgate_yml);
    repo.write(
        "backlog.config.yml",
        "backlog_directory: shadow\nstatuses: [\"To Do\", \"In Progress\", \"Done\"]\ntask_prefix: \"task\"\n",
    );
    repo.write("shadow/tasks/task-2 - Login.md", &login_task("In Progress"));
    repo.write(TASK, &login_task("Wontdo"));
    let head = repo.commit("TASK-2: shelve login");
    (repo, base, head)
}

#[test]
fn a_root_backlog_config_pointing_at_a_shadow_folder_is_ignored() {
    let (repo, base, head) = shadow_attack("");
    let (code, stdout, stderr, _) = ci(&repo, "TASK-2: login", &base, &head);
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(
        stdout.contains(
            "::error file=backlog/tasks/task-2 - Login.md,line=4,col=9,title=FG105 unknown-status"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("::notice file=backlog.config.yml,title=FG601 config-from-base::this change modifies `backlog.config.yml`; it was checked with the base commit's backlog configuration"),
        "{stdout}"
    );
    assert!(!stdout.contains("shadow/"), "{stdout}");

    let (repo, base, head) = shadow_attack(OWN_CONFIG);
    let (code, stdout, stderr, _) = ci(&repo, "TASK-2: login", &base, &head);
    assert_eq!(code, 0, "{stdout}{stderr}");
}

/// A new backlog folder without any configuration file: discovery at head would pick it,
/// the base's folder is checked, and a note names both.
#[test]
fn a_new_backlog_folder_without_config_gets_a_note() {
    let repo = Repo::new();
    repo.write(
        TASK.replacen("backlog", ".backlog", 1).as_str(),
        &login_task("In Progress"),
    );
    repo.write(
        "specs/001-login/spec.md",
        "# Login\n\n## Requirements\n\n- **FR-001**: x\n",
    );
    let base = repo.commit("TASK-2: start");
    repo.git(&["checkout", "-q", "-b", "task-2-login"]);
    repo.write(TASK, &login_task("In Progress"));
    repo.write(".backlog/tasks/task-2 - Login.md", &login_task("Wontdo"));
    let head = repo.commit("TASK-2: shelve login");
    let (code, stdout, stderr, _) = ci(&repo, "TASK-2: login", &base, &head);
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(
        stdout.contains("file=.backlog/tasks/task-2 - Login.md,line=4,col=9,title=FG105"),
        "{stdout}"
    );
    assert!(
        stdout.contains("::notice title=FG601 config-from-base::at the head of this change the backlog would be found in `backlog/`; it was checked with the base commit's backlog `.backlog/`"),
        "{stdout}"
    );
}

/// Every line that, after the runner strips leading whitespace, starts with `::` is one of
/// flowgate's own annotations: `::error|warning|notice <properties>::<data>`, where the
/// properties hold no `:` (they are escaped).
fn assert_only_own_commands(text: &str) {
    for line in text.lines() {
        let Some(rest) = line.trim_start().strip_prefix("::") else {
            continue;
        };
        let (command, _) = rest
            .split_once("::")
            .unwrap_or_else(|| panic!("not a command flowgate built: {line:?}"));
        let (name, props) = command.split_once(' ').unwrap_or((command, ""));
        assert!(
            ["error", "warning", "notice"].contains(&name) && !props.contains(':'),
            "not a command flowgate built: {line:?}"
        );
    }
}

#[test]
fn status_names_cannot_inject_workflow_commands_through_a_configuration_error() {
    let (repo, base) =
        base_repo("ci:\n  config_from_base: false\nworkflow:\n  initial: [\"Tod\"]\n");
    repo.write(
        "backlog/config.yml",
        "statuses: [\"To Do\", \"Done\\n::add-mask::hunter2\\n  ::error::hijacked\", \"Todo\\r\\n::stop-commands::x\"]\ntask_prefix: \"task\"\n",
    );
    let head = repo.commit("TASK-2: rename statuses");
    let (code, stdout, stderr, _) = ci(&repo, "TASK-2: login", &base, &head);
    assert_eq!(code, 2, "{stdout}{stderr}");
    assert_only_own_commands(&stdout);
    assert_only_own_commands(&stderr);
    assert!(
        stderr.starts_with("::error file=.flowgate.yml,line=4,col="),
        "{stderr}"
    );
    assert!(
        stderr.contains(
            "title=flowgate configuration error::unknown status `Tod` in workflow.initial"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("%0A::add-mask::hunter2%0A  ::error::hijacked"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

#[test]
fn usage_and_repository_errors_are_escaped_commands_too() {
    let (repo, _) = base_repo("");
    let out = repo
        .flowgate()
        .args(["ci", "--format", "github", "--base", "nope\n::add-mask::x"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_only_own_commands(&stderr);
    assert!(stderr.starts_with("::error title=flowgate "), "{stderr}");
    assert!(stderr.contains("nope%0A::add-mask::x"), "{stderr}");
}

#[test]
fn the_step_summary_stays_under_one_mebibyte() {
    let (repo, base) = base_repo("");
    repo.write("src/lib.rs", "pub fn a() {}\npub fn b() {}\n");
    let head = repo.commit("Sneak in b");
    let payload = pull_request_event(12, "TASK-2: login", "", &base, &head)
        .replace("task-2-login", "feature");
    let (mut cmd, summary, _) = repo.flowgate_in_actions("pull_request", &payload);
    // An earlier step run left the summary almost full.
    let earlier = "x".repeat(1024 * 1024 - 300) + "\n";
    std::fs::write(&summary, &earlier).unwrap();
    let out = cmd.args(["ci", "--format", "github"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let written = std::fs::read_to_string(&summary).unwrap();
    assert!(written.len() <= 1024 * 1024, "{}", written.len());
    let ours = &written[earlier.len()..];
    assert!(
        ours.ends_with(
            "… (truncated: this step's log and `flowgate ci --format json` list every finding)\n"
        ),
        "{ours}"
    );
    assert!(ours.starts_with("## ❌ flowgate: 1 error"), "{ours}");
}
