//! The bad-input matrix (SPEC §7): every hostile or broken file, through the real binary
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

    /// `flowgate check --format json`: exit code and the parsed report (Null when stdout
    /// is not JSON, e.g. on a configuration error) and stderr.
    fn check(&self) -> (i32, Value, String) {
        let out = Command::cargo_bin("flowgate")
            .expect("binary")
            .current_dir(&self.root)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("NO_COLOR", "1")
            .args(["check", "--format", "json"])
            .timeout(Duration::from_secs(20))
            .output()
            .expect("flowgate runs");
        let code = out
            .status
            .code()
            .expect("exited, not killed by the hang guard");
        let report = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
        (
            code,
            report,
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
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

#[test]
fn invalid_regex_in_the_config_is_a_located_config_error() {
    let r = Repo::new();
    r.write(
        ".flowgate.yml",
        b"commits:\n  reference_pattern: '(unclosed'\n",
    );
    let (code, _, stderr) = r.check();
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("invalid regular expression `(unclosed`"),
        "{stderr}"
    );
    assert!(stderr.contains(".flowgate.yml:2:"), "{stderr}");
}

#[test]
fn huge_regex_in_the_config_is_refused_not_compiled() {
    let r = Repo::new();
    r.write(
        ".flowgate.yml",
        b"specs:\n  id_patterns: ['(a{1000}){1000}']\n",
    );
    let (code, _, stderr) = r.check();
    assert_eq!(code, 2, "{stderr}");
    assert!(flat(&stderr).contains("exceedssizelimit"), "{stderr}");
    assert!(stderr.contains(".flowgate.yml:2:"), "{stderr}");
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
