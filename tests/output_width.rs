//! Human output is laid out for the terminal's width when it goes to one (`COLUMNS` when
//! set, else the terminal's size), and for 100 columns when it does not. Driven on a real
//! pseudo-terminal through util-linux `script`.

mod ci_support;

use std::process::Command;

use ci_support::Repo;

/// A repository whose `.flowgate.yml` has a misspelt key: the error's message lists every
/// key of the section, a line miette wraps at the width.
fn repo_with_a_long_config_error() -> Repo {
    let repo = Repo::new();
    repo.write(".flowgate.yml", "commits:\n  reference_pattren: \"x\"\n");
    repo
}

/// `flowgate check` on a pseudo-terminal of `cols` columns, with `COLUMNS` as given;
/// everything it printed (script merges stdout and stderr).
fn check_on_a_terminal(repo: &Repo, cols: u16, columns: Option<&str>) -> String {
    // Set after `stty`: bash updates its own `COLUMNS` when the window size changes.
    let columns = match columns {
        Some(c) => format!("COLUMNS={c}"),
        None => "env -u COLUMNS".to_string(),
    };
    let cmd = format!(
        "stty rows 24 cols {cols}; {columns} '{}' check",
        assert_cmd::cargo::cargo_bin("flowgate").display()
    );
    let mut script = Command::new("script");
    script
        .args(["-qec", &cmd, "/dev/null"])
        .current_dir(&repo.dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("TERM", "dumb")
        .env_remove("GITHUB_ACTIONS");
    let out = script.output().expect("script (util-linux) runs");
    String::from_utf8_lossy(&out.stdout).replace('\r', "")
}

fn widest(text: &str) -> usize {
    text.lines().map(|l| l.chars().count()).max().unwrap_or(0)
}

#[test]
fn on_a_terminal_columns_sets_the_width() {
    let repo = repo_with_a_long_config_error();
    let out = check_on_a_terminal(&repo, 120, Some("50"));
    assert!(out.contains("reference_pattren"), "{out}");
    assert!(widest(&out) <= 50, "{out}");
    assert!(widest(&out) > 40, "{out}");
}

#[test]
fn on_a_terminal_without_columns_its_size_sets_the_width() {
    let repo = repo_with_a_long_config_error();
    let out = check_on_a_terminal(&repo, 60, None);
    assert!(out.contains("reference_pattren"), "{out}");
    assert!(widest(&out) <= 60, "{out}");
    assert!(widest(&out) > 50, "{out}");
}

#[test]
fn off_a_terminal_the_width_is_100_whatever_columns_says() {
    let repo = repo_with_a_long_config_error();
    let out = repo
        .flowgate()
        .env("COLUMNS", "50")
        .arg("check")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(widest(&stderr) > 50, "{stderr}");
    assert!(widest(&stderr) <= 100, "{stderr}");
}
