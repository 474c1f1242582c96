//! The bad-input matrix: every hostile or broken file, through the real binary
//! (`flowgate check`) on a real repository. Each case asserts a clear, located finding,
//! the documented exit code (1 for error findings, 2 for configuration errors), that the
//! other files are still checked (the sibling task's known FG105 still appears), and that
//! the run ends (the timeout is a hang guard, not a timing assertion).

use std::path::PathBuf;
use std::process::Command as StdCommand;
use std::time::Duration;

use assert_cmd::Command;
use assert_fs::TempDir;
use serde_json::Value;

const TASK: &str = "backlog/tasks/task-3 - Hostile.md";
const SIBLING: &str = "backlog/tasks/task-2 - Bad.md";

/// A repository with one good task, one task with a known defect (FG105 on line 4) and
/// one spec; each case adds its hostile file.
struct Repo {
    _tmp: TempDir,
    root: PathBuf,
}

impl Repo {
    fn new() -> Repo {
        let tmp = TempDir::new().expect("temp dir");
        let root = tmp.path().canonicalize().expect("canonical temp dir");
        let status = StdCommand::new("git")
            .args(["init", "-q", "-b", "main"])
            .current_dir(&root)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .status()
            .expect("git runs");
        assert!(status.success());
        let r = Repo { _tmp: tmp, root };
        r.write(
            "backlog/config.yml",
            b"statuses: [\"To Do\", \"In Progress\", \"Done\"]\n",
        );
        r.write(
            "backlog/tasks/task-1 - Good.md",
            b"---\nid: TASK-1\ntitle: Good\nstatus: To Do\nspec: specs/001-a/spec.md#fr-001\n---\n",
        );
        r.write(
            SIBLING,
            b"---\nid: TASK-2\ntitle: Bad\nstatus: Wontdo\nspec: specs/001-a/spec.md#fr-001\n---\n",
        );
        r.write("specs/001-a/spec.md", b"# Spec\n\n- **FR-001**: x\n");
        r
    }

    fn write(&self, path: &str, bytes: &[u8]) {
        let full = self.root.join(path);
        if let Some(parent) = full.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(full, bytes).expect("write");
    }

    /// Runs `git ARGS` in the repository (fixed identity, no user configuration).
    fn git(&self, args: &[&str]) -> String {
        let out = StdCommand::new("git")
            .args(args)
            .current_dir(&self.root)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_AUTHOR_NAME", "Ann")
            .env("GIT_AUTHOR_EMAIL", "ann@example.com")
            .env("GIT_COMMITTER_NAME", "Ann")
            .env("GIT_COMMITTER_EMAIL", "ann@example.com")
            .output()
            .expect("git runs");
        assert!(out.status.success(), "git {args:?}: {out:?}");
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// Commits everything there is, without hooks.
    fn commit_all(&self) {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "--no-verify", "-m", "start"]);
    }

    /// Runs `flowgate ARGS` and asserts a repository, usage or configuration error: exit 2,
    /// nothing on stdout, and `needle` in the message.
    fn fails_with(&self, args: &[&str], needle: &str) {
        let (code, stdout, stderr) = self.run(args);
        assert_eq!(code, 2, "{args:?}: {stdout}{stderr}");
        assert!(stdout.is_empty(), "{args:?}: {stdout}");
        assert!(
            stderr.contains(needle),
            "{args:?}: no {needle:?} in {stderr}"
        );
    }

    /// `flowgate ARGS` in the repository: exit code, stdout, stderr.
    fn run(&self, args: &[&str]) -> (i32, String, String) {
        self.run_env(&[], args)
    }

    /// `flowgate ARGS` in the repository with extra environment variables.
    fn run_env(&self, env: &[(&str, &str)], args: &[&str]) -> (i32, String, String) {
        let out = Command::cargo_bin("flowgate")
            .expect("binary")
            .current_dir(&self.root)
            .envs(env.iter().copied())
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("NO_COLOR", "1")
            .args(args)
            .timeout(Duration::from_secs(30))
            .output()
            .expect("flowgate runs");
        (
            out.status
                .code()
                .expect("exited, not killed by the hang guard"),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    /// `flowgate check --format json`: exit code and the parsed report (Null when stdout
    /// is not JSON, e.g. on a configuration error) and stderr.
    fn check(&self) -> (i32, Value, String) {
        let (code, stdout, stderr) = self.run(&["check", "--format", "json"]);
        let report = serde_json::from_str(&stdout).unwrap_or(Value::Null);
        (code, report, stderr)
    }
}

/// The findings of a report on `file`, as (code, line, message).
fn findings_on(report: &Value, file: &str) -> Vec<(String, Option<u64>, String)> {
    report["findings"]
        .as_array()
        .map(|all| {
            all.iter()
                .filter(|f| f["file"].as_str() == Some(file))
                .map(|f| {
                    (
                        f["code"].as_str().unwrap_or_default().to_string(),
                        f["line"].as_u64(),
                        f["message"].as_str().unwrap_or_default().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Runs check, asserts exit 1 and the sibling's FG105, and returns the findings on `file`.
fn check_expecting_findings(r: &Repo, file: &str) -> Vec<(String, Option<u64>, String)> {
    let (code, report, stderr) = r.check();
    assert_eq!(code, 1, "exit code; stderr:\n{stderr}\nreport: {report:#}");
    let sibling = findings_on(&report, SIBLING);
    assert!(
        sibling
            .iter()
            .any(|(c, l, _)| c == "FG105" && *l == Some(4)),
        "the sibling task is no longer checked: {report:#}"
    );
    findings_on(&report, file)
}

/// Asserts that `found` holds a finding with `code`, on `line` (when given), whose
/// message contains `needle`.
fn assert_finding(
    found: &[(String, Option<u64>, String)],
    code: &str,
    line: Option<u64>,
    needle: &str,
) {
    assert!(
        found
            .iter()
            .any(|(c, l, m)| c == code && (line.is_none() || *l == line) && m.contains(needle)),
        "no {code} at line {line:?} containing {needle:?} in {found:#?}"
    );
}

/// Text without whitespace or the renderer's frame characters (it wraps long lines).
fn flat(text: &str) -> String {
    text.replace('│', " ").split_whitespace().collect()
}

fn frontmatter(extra: &str) -> String {
    format!("---\nid: TASK-3\ntitle: Hostile\nstatus: To Do\n{extra}---\n")
}

#[test]
fn empty_task_file() {
    let r = Repo::new();
    r.write(TASK, b"");
    let found = check_expecting_findings(&r, TASK);
    assert_finding(&found, "FG101", Some(1), "no frontmatter");
}

#[test]
fn frontmatter_only() {
    let r = Repo::new();
    r.write(TASK, frontmatter("").as_bytes());
    let found = check_expecting_findings(&r, TASK);
    // A valid task without a body: only the missing spec link is reported.
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_finding(&found, "FG201", Some(3), "links to no spec section");
}

#[test]
fn unterminated_frontmatter() {
    let r = Repo::new();
    r.write(TASK, b"---\nid: TASK-3\ntitle: Hostile\n\nSome body text\n");
    let found = check_expecting_findings(&r, TASK);
    assert_finding(&found, "FG101", Some(1), "never closed");
}

#[test]
fn yaml_bomb_deep_nesting() {
    let r = Repo::new();
    let deep = format!("x: {}{}\n", "[".repeat(10_000), "]".repeat(10_000));
    r.write(TASK, frontmatter(&deep).as_bytes());
    let found = check_expecting_findings(&r, TASK);
    assert_finding(&found, "FG101", Some(5), "not valid YAML");
}

#[test]
fn yaml_bomb_billion_laughs_alias_expansion() {
    // Nine levels of nine aliases: 9^9 (387 million) nodes if expanded. serde_norway stops
    // alias expansion with "repetition limit exceeded"; the file gets a located finding.
    let r = Repo::new();
    let mut yaml = String::from("a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    let names: Vec<char> = ('a'..='j').collect();
    for pair in names.windows(2) {
        let (prev, next) = (pair[0], pair[1]);
        let refs = vec![format!("*{prev}"); 9].join(", ");
        yaml.push_str(&format!("{next}: &{next} [{refs}]\n"));
    }
    r.write(TASK, frontmatter(&yaml).as_bytes());
    let found = check_expecting_findings(&r, TASK);
    assert_finding(&found, "FG101", None, "repetition limit exceeded");
    assert!(found.iter().all(|(_, l, _)| l.is_some()), "{found:#?}");
}

#[test]
fn fifty_mib_task_file() {
    let r = Repo::new();
    let mut bytes = frontmatter("").into_bytes();
    bytes.resize(50 * 1024 * 1024, b'x');
    r.write(TASK, &bytes);
    let found = check_expecting_findings(&r, TASK);
    assert_finding(&found, "FG100", None, "over the 4194304-byte limit");
}

#[test]
fn binary_blob_named_like_a_task() {
    let r = Repo::new();
    let path = "backlog/tasks/task-1 - x.md";
    let blob: Vec<u8> = (0..=255u8).cycle().take(4096).collect();
    r.write(path, &blob);
    let found = check_expecting_findings(&r, path);
    assert_finding(&found, "FG100", None, "binary");
}

#[test]
fn non_utf8_bytes_are_located() {
    let r = Repo::new();
    let mut bytes = frontmatter("").into_bytes();
    bytes.extend_from_slice(b"\nCaf\xe9 au lait\n");
    r.write(TASK, &bytes);
    let found = check_expecting_findings(&r, TASK);
    assert_finding(&found, "FG100", Some(7), "not valid UTF-8");
}

#[test]
fn nul_bytes() {
    let r = Repo::new();
    let mut bytes = frontmatter("").into_bytes();
    bytes.extend_from_slice(b"\nbefore\0after\n");
    r.write(TASK, &bytes);
    let found = check_expecting_findings(&r, TASK);
    assert_finding(&found, "FG100", None, "NUL");
}

#[test]
fn bom_and_crlf_keep_lines_true() {
    let r = Repo::new();
    let text = frontmatter("spec: specs/001-a/spec.md#nope\n").replace('\n', "\r\n");
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend_from_slice(text.as_bytes());
    r.write(TASK, &bytes);
    let found = check_expecting_findings(&r, TASK);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_finding(&found, "FG203", Some(5), "`nope` is no heading");
}

#[test]
fn ten_thousand_acceptance_criteria() {
    let r = Repo::new();
    let mut text = frontmatter("status_note: many\n")
        .replace("status: To Do", "status: Done")
        .replace("status_note: many\n", "spec: specs/001-a/spec.md#fr-001\n");
    text.push_str("\n## Acceptance Criteria\n<!-- AC:BEGIN -->\n");
    for i in 1..=10_000 {
        let mark = if i == 9_999 { ' ' } else { 'x' };
        text.push_str(&format!("- [{mark}] #{i} criterion {i}\n"));
    }
    text.push_str("<!-- AC:END -->\n");
    r.write(TASK, text.as_bytes());
    let (code, report, stderr) = r.check();
    assert_eq!(code, 1, "{stderr}");
    assert!(findings_on(&report, SIBLING)
        .iter()
        .any(|(c, _, _)| c == "FG105"));
    // The task parsed in full: it is counted, and nothing is reported as unreadable.
    let found = findings_on(&report, TASK);
    assert!(
        found.iter().all(|(c, _, _)| c != "FG100" && c != "FG101"),
        "{found:#?}"
    );
    assert_eq!(report["summary"]["tasks"], 3);
}

#[test]
fn spec_link_climbing_out_of_the_repository() {
    let r = Repo::new();
    r.write(
        TASK,
        frontmatter("spec: ../../../../etc/passwd\n").as_bytes(),
    );
    let found = check_expecting_findings(&r, TASK);
    assert_finding(&found, "FG205", Some(5), "climbs above the repository root");
}

#[test]
fn spec_link_with_an_absolute_path() {
    let r = Repo::new();
    r.write(TASK, frontmatter("spec: /etc/passwd\n").as_bytes());
    let found = check_expecting_findings(&r, TASK);
    assert_finding(&found, "FG205", Some(5), "absolute path");
}

#[test]
#[cfg(unix)]
fn symlinked_spec_pointing_outside_the_repository() {
    let r = Repo::new();
    let outside = TempDir::new().expect("temp dir");
    let target = outside.path().join("spec.md");
    std::fs::write(&target, "# Outside\n\n- **FR-001**: secret\n").expect("write");
    std::fs::create_dir_all(r.root.join("specs/002-b")).expect("mkdir");
    std::os::unix::fs::symlink(&target, r.root.join("specs/002-b/spec.md")).expect("symlink");
    r.write(
        TASK,
        frontmatter("spec: specs/002-b/spec.md#fr-001\n").as_bytes(),
    );
    let (code, report, stderr) = r.check();
    assert_eq!(code, 1, "{stderr}");
    assert_finding(
        &findings_on(&report, TASK),
        "FG205",
        Some(5),
        "goes through a symbolic link",
    );
    assert_finding(
        &findings_on(&report, "specs/002-b/spec.md"),
        "FG209",
        None,
        "is a symbolic link",
    );
    assert!(findings_on(&report, SIBLING)
        .iter()
        .any(|(c, _, _)| c == "FG105"));
    let text = report.to_string();
    assert!(!text.contains("secret"), "read through the symlink: {text}");
}

/// Asserts that `check` refuses `.flowgate.yml` with text `config`: exit 2, every needle
/// in the message (whitespace ignored: the renderer wraps), located on line 2.
fn config_refused(config: &[u8], needles: &[&str]) {
    let r = Repo::new();
    r.write(".flowgate.yml", config);
    let (code, _, stderr) = r.check();
    assert_eq!(code, 2, "{stderr}");
    for needle in needles {
        assert!(flat(&stderr).contains(&flat(needle)), "{needle}: {stderr}");
    }
    assert!(stderr.contains(".flowgate.yml:2:"), "{stderr}");
}

#[test]
fn invalid_regex_in_the_config_is_a_located_config_error() {
    config_refused(
        b"commits:\n  reference_pattern: '(unclosed'\n",
        &["invalid regular expression `(unclosed`"],
    );
}

#[test]
fn huge_regex_in_the_config_is_refused_not_compiled() {
    config_refused(
        b"specs:\n  id_patterns: ['(a{1000}){1000}']\n",
        &["exceeds size limit"],
    );
}

#[test]
fn a_reference_pattern_too_large_only_case_insensitively_is_refused_by_check() {
    // Under the size limit as written, over it case-insensitively (as the hooks compile
    // it): `check` must refuse what would make every commit-msg hook exit 2.
    config_refused(
        b"commits:\n  reference_pattern: '[a-z]{3449}'\n",
        &[
            "invalid regular expression `[a-z]{3449}`",
            "exceeds size limit",
        ],
    );
}

#[test]
fn id_patterns_that_compile_alone_but_not_together_are_refused() {
    // A group named `id` clashes with the one the patterns are wrapped in: every custom
    // pattern was dropped without a word.
    config_refused(
        b"specs:\n  id_patterns: ['(?P<id>REQ-[0-9]+)']\n",
        &[
            "the `specs.id_patterns` do not compile together",
            "name no capture group `id`",
        ],
    );
}

#[test]
fn huge_and_deep_spec_markdown() {
    let r = Repo::new();
    let mut spec = String::new();
    spec.push_str(&">".repeat(100_000));
    spec.push_str(" # deep quote\n\n");
    spec.push_str(&"- ".repeat(50_000));
    spec.push_str("deep list\n\n");
    spec.push_str(&"[".repeat(100_000));
    spec.push_str("\n\n");
    for i in 0..50_000 {
        spec.push_str(&format!(
            "## Heading {i}\n\n- **FR-{i:03}**: requirement\n\n"
        ));
    }
    assert!(spec.len() < 4 * 1024 * 1024);
    r.write("specs/003-c/spec.md", spec.as_bytes());
    r.write(
        TASK,
        frontmatter("spec: specs/003-c/spec.md#fr-49999\n").as_bytes(),
    );
    let found = check_expecting_findings(&r, TASK);
    // The last requirement of the file was found: the link resolves, no finding.
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn spec_file_over_the_size_limit() {
    let r = Repo::new();
    let mut spec = b"# Big\n\n- **FR-001**: x\n".to_vec();
    spec.resize(5 * 1024 * 1024, b'a');
    r.write("specs/004-d/spec.md", &spec);
    r.write(
        TASK,
        frontmatter("spec: specs/004-d/spec.md#fr-001\n").as_bytes(),
    );
    let (code, report, stderr) = r.check();
    assert_eq!(code, 1, "{stderr}");
    assert_finding(
        &findings_on(&report, "specs/004-d/spec.md"),
        "FG209",
        None,
        "over the 4194304-byte limit",
    );
    assert!(findings_on(&report, SIBLING)
        .iter()
        .any(|(c, _, _)| c == "FG105"));
}

#[test]
fn a_directory_and_a_symlink_named_like_task_files() {
    let r = Repo::new();
    std::fs::create_dir_all(r.root.join("backlog/tasks/task-4 - Dir.md")).expect("mkdir");
    #[cfg(unix)]
    std::os::unix::fs::symlink("/etc/passwd", r.root.join("backlog/tasks/task-5 - Link.md"))
        .expect("symlink");
    let (code, report, stderr) = r.check();
    assert_eq!(code, 1, "{stderr}");
    assert!(findings_on(&report, SIBLING)
        .iter()
        .any(|(c, _, _)| c == "FG105"));
    #[cfg(unix)]
    assert_finding(
        &findings_on(&report, "backlog/tasks/task-5 - Link.md"),
        "FG100",
        None,
        "is a symbolic link",
    );
    // A folder is not a task file: it is not listed (and not entered).
    assert!(findings_on(&report, "backlog/tasks/task-4 - Dir.md").is_empty());
    let text = report.to_string();
    assert!(!text.contains("root:"), "read through the symlink: {text}");
}

// ---- Inputs that once took time quadratic in their size (bench/slow-inputs.sh times
// them). These tests assert what is reported; the timeout is only a hang guard.

#[test]
fn sixty_kib_of_nested_brackets_is_refused_before_the_yaml_parser() {
    let r = Repo::new();
    let deep = format!("x: {}\n", "[".repeat(60_000));
    r.write(TASK, frontmatter(&deep).as_bytes());
    let found = check_expecting_findings(&r, TASK);
    assert_finding(
        &found,
        "FG101",
        Some(5),
        "`[` and `{` nest more than 64 levels deep here",
    );
    // The pre-commit hook reads the same file from the index.
    r.git(&["add", "-A"]);
    let (code, stdout, stderr) = r.run(&["hook", "pre-commit"]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    // Hooks report on stderr (git shows it).
    assert!(
        flat(&stderr).contains("removetheextra`[`/`{`,orquotethetextthatholdsthem"),
        "{stdout}{stderr}"
    );
}

#[test]
fn a_body_line_of_unclosed_link_openers() {
    let r = Repo::new();
    let mut text = frontmatter("spec: specs/001-a/spec.md#fr-001\n");
    text.push('\n');
    text.push_str(&"[a](".repeat(60_000));
    text.push('\n');
    r.write(TASK, text.as_bytes());
    // The task is read in full and is valid: nothing to report on it.
    let found = check_expecting_findings(&r, TASK);
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn twenty_thousand_unclosed_section_markers() {
    let r = Repo::new();
    let mut text = frontmatter("spec: specs/001-a/spec.md#fr-001\n");
    text.push('\n');
    for i in 0..20_000 {
        text.push_str(&format!("<!-- N{i}:BEGIN -->\n"));
    }
    r.write(TASK, text.as_bytes());
    let found = check_expecting_findings(&r, TASK);
    let unclosed = found.iter().filter(|(c, _, _)| c == "FG110").count();
    assert_eq!(unclosed, 20_000);
    assert_finding(
        &found,
        "FG110",
        Some(20_007),
        "`<!-- N19999:BEGIN -->` has no matching END marker",
    );
    // Human output renders every one of them with its source line.
    let (code, stdout, stderr) = r.run(&["check"]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(
        stdout.matches("FG110(unbalanced-section-markers)").count(),
        20_000
    );
    assert!(
        stdout.contains("20007 │ <!-- N19999:BEGIN -->"),
        "the last marker's line is shown with its number"
    );
}

// ---- Human output shows repository text with its control characters made visible.

#[test]
#[cfg(unix)]
fn a_file_name_with_a_newline_and_an_escape_cannot_break_the_output() {
    let r = Repo::new();
    let name = "backlog/tasks/task-3 - a\nFG999 forged\u{1b}[2J.md";
    r.write(name, frontmatter("").replace("To Do", "Nope").as_bytes());
    let (code, stdout, stderr) = r.run(&["check"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stdout.contains("task-3 - a␊FG999 forged␛[2J.md"),
        "{stdout}"
    );
    assert!(!stdout.contains('\u{1b}'), "{stdout:?}");
    assert!(
        !stdout.lines().any(|l| l.trim_start().starts_with("FG999")),
        "{stdout}"
    );
}

#[test]
fn an_escape_sequence_in_a_commit_message_and_an_author_name_stays_off_the_terminal() {
    let r = Repo::new();
    r.write("src/main.rs", b"fn main() {}\n");
    r.git(&["add", "-A"]);
    let msg = r.root.join("msg.txt");
    std::fs::write(&msg, "Fix it \u{1b}]0;owned\u{7}\u{1b}[31m\n").expect("write");
    let (code, stdout, stderr) = r.run(&["hook", "commit-msg", msg.to_str().expect("utf-8")]);
    assert!(
        !stdout.contains('\u{1b}') && !stderr.contains('\u{1b}'),
        "{stdout:?}{stderr:?}"
    );
    assert!(!stdout.contains('\u{7}'), "{stdout:?}");
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(stderr.contains("1 │ Fix it ␛]0;owned␇␛[31m"), "{stderr}");

    // The audit names each commit's author in its history findings.
    let out = StdCommand::new("git")
        .args(["commit", "-q", "--no-verify", "-m", "Fix it \u{1b}[31m"])
        .current_dir(&r.root)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "Eve \u{1b}[2J")
        .env("GIT_AUTHOR_EMAIL", "eve@example.com")
        .env("GIT_COMMITTER_NAME", "Eve")
        .env("GIT_COMMITTER_EMAIL", "eve@example.com")
        .output()
        .expect("git runs");
    assert!(out.status.success(), "{out:?}");
    let (_, stdout, stderr) = r.run(&["audit"]);
    assert!(stdout.contains("Eve ␛[2J"), "{stdout}{stderr}");
    assert!(
        !stdout.contains('\u{1b}') && !stderr.contains('\u{1b}'),
        "{stdout:?}"
    );
}

// ---- Fail closed: what the gate cannot read is an error (exit 2), never a pass.

#[test]
fn a_missing_directory_is_an_error_not_an_empty_tree() {
    Repo::new().fails_with(
        &["-C", "/nonexistent/flowgate", "check"],
        "cannot work in /nonexistent/flowgate",
    );
}

#[test]
fn a_detached_head_at_a_missing_commit_is_an_error() {
    let r = Repo::new();
    r.commit_all();
    std::fs::write(
        r.root.join(".git/HEAD"),
        "0123456789abcdef0123456789abcdef01234567\n",
    )
    .expect("write HEAD");
    r.write(TASK, frontmatter("").as_bytes());
    r.git(&["add", TASK]);
    r.fails_with(
        &["hook", "pre-commit"],
        "HEAD (0123456789abcdef0123456789abcdef01234567) names a commit that cannot be read",
    );
}

/// Removes the loose object `blob` from the repository.
fn remove_object(r: &Repo, blob: &str) {
    std::fs::remove_file(
        r.root
            .join(".git/objects")
            .join(&blob[..2])
            .join(&blob[2..]),
    )
    .expect("the blob is a loose object");
}

#[test]
fn a_missing_before_blob_is_an_error_not_a_new_task() {
    let r = Repo::new();
    r.commit_all();
    let blob = r.git(&["rev-parse", &format!("HEAD:{SIBLING}")]);
    remove_object(&r, &blob);
    r.write(
        SIBLING,
        b"---\nid: TASK-2\ntitle: Bad\nstatus: Done\nspec: specs/001-a/spec.md#fr-001\n---\n",
    );
    r.git(&["add", SIBLING]);
    r.fails_with(
        &["hook", "pre-commit"],
        &format!("cannot read {SIBLING} (blob {blob}) from the repository"),
    );
}

#[test]
fn a_plain_folder_is_checked_and_said_to_be_outside_git() {
    let r = Repo::new();
    std::fs::remove_dir_all(r.root.join(".git")).expect("rm .git");
    let (code, stdout, stderr) = r.run(&["check"]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(stdout.contains("FG105"), "{stdout}");
    assert!(
        flat(&stderr).contains(&flat(&format!(
            "flowgate: {} is not in a git repository; reading the files of that folder as they are on disk",
            r.root.display()
        ))),
        "{stderr}"
    );
    // What needs git has nothing to read there.
    r.fails_with(&["check", "--staged"], "is not inside a git repository");
    r.fails_with(&["hook", "pre-commit"], "is not inside a git repository");
}

#[test]
fn a_git_dir_that_is_not_a_repository_is_an_error_not_a_plain_folder() {
    let r = Repo::new();
    let bogus = r.root.join("not-a-repo");
    std::fs::create_dir_all(&bogus).expect("mkdir");
    let bogus = bogus.display().to_string();
    for args in [&["check"][..], &["check", "--staged"], &["init", "--force"]] {
        let (code, stdout, stderr) = r.run_env(&[("GIT_DIR", &bogus)], args);
        assert_eq!(code, 2, "{args:?}: {stdout}{stderr}");
        assert!(
            stderr.contains(&format!(
                "GIT_DIR names {bogus}, which is not a git repository"
            )),
            "{args:?}: {stderr}"
        );
    }
    assert!(!r.root.join(".flowgate.yml").exists());
}

#[test]
fn a_broken_dot_git_is_an_error_not_a_plain_folder() {
    let r = Repo::new();
    std::fs::remove_dir_all(r.root.join(".git")).expect("rm .git");
    // A linked worktree whose repository is gone.
    r.write(".git", b"gitdir: /nonexistent/repo/.git/worktrees/x\n");
    r.fails_with(
        &["check"],
        "has a .git entry that is not a readable git repository",
    );
    // Also from a folder below it.
    let (code, _, stderr) = r.run(&["-C", "backlog", "check"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("is not a readable git repository"),
        "{stderr}"
    );
}

#[test]
fn a_referenced_task_whose_blob_is_missing_is_an_error_not_a_missing_task() {
    let r = Repo::new();
    r.commit_all();
    r.write(
        SIBLING,
        b"---\nid: TASK-2\ntitle: Bad\nstatus: To Do\nspec: specs/001-a/spec.md#fr-001\n---\n",
    );
    r.write("src/main.rs", b"fn main() {}\n");
    r.git(&["add", SIBLING, "src/main.rs"]);
    let blob = r.git(&["rev-parse", &format!(":{SIBLING}")]);
    remove_object(&r, &blob);
    let error = format!("cannot read {SIBLING} from the index");
    r.write(".git/MSG", b"Fix it\n\nRefs: TASK-2\n");
    // Found by its name: the read fails.
    r.fails_with(&["hook", "commit-msg", ".git/MSG"], &error);
    // An ID no file name carries: every task file is read, and one cannot be.
    r.write(".git/MSG", b"Fix it\n\nRefs: TASK-7\n");
    r.fails_with(&["hook", "commit-msg", ".git/MSG"], "cannot read");
}

#[test]
#[cfg(unix)]
fn a_commit_message_file_that_never_ends_or_is_too_large_is_refused() {
    let r = Repo::new();
    r.commit_all();
    r.write("src/main.rs", b"fn main() {}\n");
    r.git(&["add", "src/main.rs"]);
    r.fails_with(
        &["hook", "commit-msg", "/dev/zero"],
        "/dev/zero is not a regular file",
    );
    // prepare-commit-msg only helps: it says why it did nothing, and lets the commit go.
    r.git(&["checkout", "-q", "-b", "task-1-fix"]);
    let (code, _, stderr) = r.run(&["hook", "prepare-commit-msg", "/dev/zero"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("prepare-commit-msg skipped") && stderr.contains("is not a regular file"),
        "{stderr}"
    );
    let fifo = r.root.join(".git/FIFO_MSG");
    let made = StdCommand::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo");
    assert!(made.success());
    r.fails_with(
        &["hook", "commit-msg", ".git/FIFO_MSG"],
        "is not a regular file",
    );
    let mut big = b"Fix it\n\nRefs: TASK-1\n".to_vec();
    big.resize(5 * 1024 * 1024, b'x');
    r.write(".git/BIG_MSG", &big);
    r.fails_with(&["hook", "commit-msg", ".git/BIG_MSG"], "-byte limit");
}

/// Commits, on top of HEAD, a file `depth` folders deep (through `git fast-import`: no
/// file system holds such a path), and returns the commit's id.
fn commit_nested(r: &Repo, depth: usize) -> String {
    let path = format!("{}f.rs", "a/".repeat(depth));
    let head = r.git(&["rev-parse", "HEAD"]);
    let message = "Nest\n\nRefs: TASK-1\n";
    let stream = format!(
        "commit refs/heads/deep-{depth}\ncommitter Ann <ann@example.com> 1700000000 +0000\ndata {}\n{message}from {head}\nM 100644 inline {path}\ndata 3\nx;\n\n",
        message.len()
    );
    let mut import = StdCommand::new("git")
        .args(["fast-import", "--quiet"])
        .current_dir(&r.root)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .stdin(std::process::Stdio::piped())
        .spawn()
        .expect("git fast-import");
    std::io::Write::write_all(import.stdin.as_mut().expect("stdin"), stream.as_bytes())
        .expect("feed");
    assert!(import.wait().expect("wait").success());
    r.git(&["rev-parse", &format!("deep-{depth}")])
}

#[test]
fn folders_nested_too_deep_are_an_error_not_a_crash() {
    // Each level is one step of a recursive walk: thousands would overflow the stack
    // (an abort, not even exit 2). Up to the limit the walks run, past it they refuse.
    let r = Repo::new();
    r.commit_all();
    let base = r.git(&["rev-parse", "HEAD"]);
    let fine = commit_nested(&r, 500);
    // HEAD moves without a checkout: git itself refuses to check out the deeper one.
    r.git(&["update-ref", "refs/heads/main", &fine]);
    for args in [vec!["ci", "--base", &base, "--head", &fine], vec!["audit"]] {
        let (code, stdout, stderr) = r.run(&args);
        assert_eq!(code, 1, "{args:?}: {stdout}{stderr}");
    }
    let deep = commit_nested(&r, 5000);
    r.git(&["update-ref", "refs/heads/main", &deep]);
    let needle = "the tree nests folders more than 512 deep (a/a/a/";
    r.fails_with(&["ci", "--base", &base, "--head", &deep], needle);
    r.fails_with(&["audit"], needle);
    r.fails_with(&["trace", "TASK-1"], needle);
}

// ---- flowgate's own files: size-capped, never read or written through a link, never
// written outside the repository.

#[test]
#[cfg(unix)]
fn a_baseline_linked_to_dev_zero_is_refused() {
    let r = Repo::new();
    std::os::unix::fs::symlink("/dev/zero", r.root.join(".flowgate-baseline.json"))
        .expect("symlink");
    r.fails_with(&["check"], "is a symbolic link");
}

#[test]
fn a_baseline_path_outside_the_repository_is_never_written() {
    let outside = TempDir::new().expect("temp dir");
    let target = outside.path().join("victim.json");
    for path in ["../victim.json".to_string(), target.display().to_string()] {
        let r = Repo::new();
        r.write(".flowgate.yml", format!("baseline: '{path}'\n").as_bytes());
        r.commit_all();
        r.fails_with(&["baseline"], "is outside the repository");
        assert!(!r
            .root
            .parent()
            .expect("parent")
            .join("victim.json")
            .exists());
        assert!(!target.exists());
    }
}

#[test]
#[cfg(unix)]
fn init_does_not_follow_a_dangling_config_link() {
    let r = Repo::new();
    let outside = TempDir::new().expect("temp dir");
    let target = outside.path().join("created.yml");
    std::os::unix::fs::symlink(&target, r.root.join(".flowgate.yml")).expect("symlink");
    r.fails_with(&["init", "--force"], "is a symbolic link");
    assert!(!target.exists());
    r.fails_with(&["init"], "already exists");
}

#[test]
#[cfg(unix)]
fn an_audit_cache_linked_to_a_fifo_or_a_linked_cache_folder_is_neither_read_nor_written() {
    let r = Repo::new();
    r.commit_all();
    let fifo = r.root.join("fifo");
    let made = StdCommand::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo");
    assert!(made.success());
    std::fs::create_dir_all(r.root.join(".git/flowgate")).expect("mkdir");
    std::os::unix::fs::symlink(&fifo, r.root.join(".git/flowgate/audit-cache.bin"))
        .expect("symlink");
    let (code, stdout, stderr) = r.run(&["audit", "--format", "json"]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(stdout.contains("FG105"), "{stdout}");

    // A linked cache folder: the audit runs and writes nothing through the link.
    std::fs::remove_dir_all(r.root.join(".git/flowgate")).expect("rm");
    let elsewhere = TempDir::new().expect("temp dir");
    std::os::unix::fs::symlink(elsewhere.path(), r.root.join(".git/flowgate")).expect("symlink");
    let (code, _, stderr) = r.run(&["audit", "--format", "json"]);
    assert_eq!(code, 1, "{stderr}");
    let written: Vec<_> = std::fs::read_dir(elsewhere.path())
        .expect("ls")
        .flatten()
        .collect();
    assert!(written.is_empty(), "{written:?}");
}

#[test]
#[cfg(unix)]
fn a_task_file_name_that_is_not_utf8_is_reported_not_skipped() {
    use std::os::unix::ffi::OsStrExt;
    let r = Repo::new();
    let name = std::ffi::OsStr::from_bytes(b"task-5 - Caf\xe9.md");
    std::fs::write(r.root.join("backlog/tasks").join(name), frontmatter("")).expect("write");
    let shown = "backlog/tasks/task-5 - Caf\\xE9.md";
    let found = check_expecting_findings(&r, shown);
    assert_finding(&found, "FG100", None, "name is not valid UTF-8");
    // The same from the index (the pre-commit view) and from a commit (the audit's).
    r.git(&["add", "-A"]);
    let (code, stdout, stderr) = r.run(&["check", "--staged", "--format", "json"]);
    assert_eq!(code, 1, "{stderr}");
    let report: Value = serde_json::from_str(&stdout).expect("json");
    assert_finding(
        &findings_on(&report, shown),
        "FG100",
        None,
        "name is not valid UTF-8",
    );
    let (_, stdout, _) = r.run(&["check"]);
    assert!(stdout.contains("task-5 - Caf\\xE9.md"), "{stdout}");
}

#[test]
#[cfg(unix)]
fn a_report_path_that_is_a_symbolic_link_is_not_written_through() {
    let r = Repo::new();
    r.commit_all();
    let outside = TempDir::new().expect("temp dir");
    let target = outside.path().join("victim.txt");
    std::fs::write(&target, "keep me\n").expect("write");
    std::os::unix::fs::symlink(&target, r.root.join("report.json")).expect("symlink");
    r.fails_with(
        &["audit", "--format", "json", "-o", "report.json"],
        "report.json is a symbolic link",
    );
    assert_eq!(std::fs::read_to_string(&target).expect("read"), "keep me\n");
    // A regular file there is replaced as asked.
    std::fs::remove_file(r.root.join("report.json")).expect("rm");
    let (code, _, stderr) = r.run(&["audit", "--format", "json", "-o", "report.json"]);
    assert_eq!(code, 1, "{stderr}");
    let written = std::fs::read_to_string(r.root.join("report.json")).expect("read");
    assert!(written.contains("FG105"), "{written}");
}

#[test]
fn backlog_folder_outside_the_repository_in_backlog_config() {
    for dir in ["../shadow", "/tmp/shadow"] {
        let r = Repo::new();
        r.write(
            "backlog.config.yml",
            format!(
                "backlog_directory: \"{dir}\"\nstatuses: [\"To Do\", \"In Progress\", \"Done\"]\n"
            )
            .as_bytes(),
        );
        // The folder it names is never read: the backlog inside the repository is checked.
        let found = check_expecting_findings(&r, "backlog.config.yml");
        let why = if dir.starts_with('/') {
            "is an absolute path"
        } else {
            "climbs above the repository root"
        };
        assert_finding(
            &found,
            "FG101",
            None,
            &format!("`backlog_directory: {dir}` {why}; flowgate never reads files outside the repository"),
        );
    }
}

#[test]
fn backlog_folder_outside_the_repository_in_flowgate_config() {
    for (dir, why) in [
        ("../x", "climbs above the repository root"),
        ("/abs/backlog", "is an absolute path"),
    ] {
        let r = Repo::new();
        r.write(
            ".flowgate.yml",
            format!("backlog:\n  dir: {dir}\n").as_bytes(),
        );
        let (code, report, stderr) = r.check();
        assert_eq!(code, 2, "{stderr}\n{report:#}");
        assert!(
            flat(&stderr).contains(&flat(&format!(
                "`backlog.dir: {dir}` {why}; flowgate never reads files outside the repository"
            ))),
            "{stderr}"
        );
        assert!(stderr.contains(".flowgate.yml:2:"), "{stderr}");
        assert!(flat(&stderr).contains("e.g.`dir:backlog`"), "{stderr}");
    }
}
