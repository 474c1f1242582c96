//! The conventions of modern command-line tools: shell completions that the shells parse, a
//! man page, and colors that follow `--color`, `NO_COLOR`, `CLICOLOR_FORCE` and `TERM=dumb`.

mod hooks_support;

use std::path::Path;
use std::process::Command;

use assert_fs::TempDir;
use hooks_support::Repo;

const SUBCOMMANDS: [&str; 13] = [
    "check",
    "hook",
    "install",
    "uninstall",
    "explain",
    "init",
    "demo",
    "audit",
    "trace",
    "baseline",
    "ci",
    "completions",
    "man",
];

fn flowgate() -> Command {
    let mut c = Command::new(assert_cmd::cargo::cargo_bin("flowgate"));
    for var in ["NO_COLOR", "CLICOLOR", "CLICOLOR_FORCE", "CI", "TERM"] {
        c.env_remove(var);
    }
    c.env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1");
    c
}

fn stdout_of(cmd: &mut Command) -> String {
    let out = cmd.output().expect("flowgate runs");
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `shell -n FILE` (syntax check only) when `shell` is installed; scripts/test.sh installs
/// zsh and fish with apt-get where it can.
fn parses_with(shell: &str, flag: &str, file: &Path) {
    let out = match Command::new(shell).arg(flag).arg(file).output() {
        Ok(out) => out,
        Err(_) => {
            eprintln!("{shell} is not installed: its completion script was not parsed");
            return;
        }
    };
    assert!(
        out.status.success(),
        "{shell} {flag} rejects the completion script: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn completions_are_generated_for_every_shell_and_parse() {
    let tmp = TempDir::new().expect("tempdir");
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let script = stdout_of(flowgate().args(["completions", shell]));
        // Every subcommand is offered.
        for sub in SUBCOMMANDS {
            assert!(script.contains(sub), "{shell}: no `{sub}` in\n{script}");
        }
        let file = tmp.path().join(format!("flowgate.{shell}"));
        std::fs::write(&file, &script).expect("write");
        match shell {
            "bash" => {
                // bash is always there: this one never skips.
                let out = Command::new("bash")
                    .arg("-n")
                    .arg(&file)
                    .output()
                    .expect("bash");
                assert!(
                    out.status.success(),
                    "{}",
                    String::from_utf8_lossy(&out.stderr)
                );
            }
            "zsh" => parses_with("zsh", "-n", &file),
            "fish" => parses_with("fish", "--no-execute", &file),
            _ => {}
        }
    }
}

#[test]
fn bash_completion_completes_subcommands() {
    let tmp = TempDir::new().expect("tempdir");
    let file = tmp.path().join("flowgate.bash");
    std::fs::write(&file, stdout_of(flowgate().args(["completions", "bash"]))).expect("write");
    // Load the script and ask it, as bash does on TAB, for the words after `flowgate com`.
    let probe = format!(
        "source '{}'; COMP_WORDS=(flowgate com); COMP_CWORD=1; COMP_LINE='flowgate com'; \
         COMP_POINT=${{#COMP_LINE}}; _flowgate flowgate com flowgate; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        file.display()
    );
    let out = Command::new("bash")
        .args(["-c", &probe])
        .output()
        .expect("bash");
    let words = String::from_utf8_lossy(&out.stdout);
    assert!(words.lines().any(|w| w == "completions"), "{words}");
}

#[test]
fn an_unknown_shell_is_a_usage_error_listing_the_shells() {
    let out = flowgate()
        .args(["completions", "tcsh"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("[possible values: bash, elvish, fish, powershell, zsh]"),
        "{err}"
    );
}

#[test]
fn man_page_documents_every_command() {
    let page = stdout_of(flowgate().arg("man"));
    assert!(page.contains(".TH flowgate 1"), "{page}");
    assert!(page.contains(".SH NAME"), "{page}");
    for sub in SUBCOMMANDS {
        assert!(
            page.contains(&format!("flowgate\\-{sub}(1)")),
            "man page lacks `{sub}`"
        );
    }
}

#[test]
fn man_dir_writes_a_page_per_subcommand() {
    let tmp = TempDir::new().expect("tempdir");
    stdout_of(flowgate().args(["man", "--dir"]).arg(tmp.path()));
    assert!(tmp.path().join("flowgate.1").is_file());
    for sub in SUBCOMMANDS {
        let page = std::fs::read_to_string(tmp.path().join(format!("flowgate-{sub}.1")))
            .unwrap_or_else(|e| panic!("flowgate-{sub}.1: {e}"));
        assert!(page.contains(&format!(".TH flowgate-{sub} 1")), "{page}");
    }
}

/// A repository with one finding (an unknown status), so that `check` prints a diagnostic.
fn repo_with_a_finding() -> Repo {
    let r = Repo::bare_init();
    r.write(
        "backlog/config.yml",
        "project_name: \"Demo\"\nstatuses: [\"To Do\", \"Done\"]\ntask_prefix: \"task\"\n",
    );
    r.write(".flowgate.yml", "links:\n  require: none\n");
    r.write_task("TASK-1", "Login", "Won't Do", &[]);
    r
}

const ESC: &str = "\x1b[";

fn check_output(r: &Repo, args: &[&str], env: &[(&str, &str)]) -> String {
    let mut c = flowgate();
    c.current_dir(&r.root).arg("check").args(args);
    for (k, v) in env {
        c.env(k, v);
    }
    let out = c.output().expect("runs");
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn colors_follow_the_flag_then_no_color_and_clicolor_force() {
    let r = repo_with_a_finding();
    // Not a terminal: no colors by default.
    assert!(!check_output(&r, &[], &[]).contains(ESC));
    // CLICOLOR_FORCE turns them on even into a pipe; NO_COLOR wins over it.
    assert!(check_output(&r, &[], &[("CLICOLOR_FORCE", "1")]).contains(ESC));
    assert!(!check_output(&r, &[], &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")]).contains(ESC));
    // An empty NO_COLOR is not set (no-color.org).
    assert!(check_output(&r, &[], &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "")]).contains(ESC));
    // The flag beats the environment.
    assert!(check_output(&r, &["--color", "always"], &[("NO_COLOR", "1")]).contains(ESC));
    assert!(!check_output(&r, &["--color", "never"], &[("CLICOLOR_FORCE", "1")]).contains(ESC));
}

/// `flowgate check` on a pseudo-terminal (util-linux `script`), with `TERM` set to `term`.
fn check_on_a_terminal(r: &Repo, term: &str) -> String {
    let cmd = format!(
        "'{}' -C '{}' check",
        assert_cmd::cargo::cargo_bin("flowgate").display(),
        r.root.display()
    );
    let out = Command::new("script")
        .args(["-qec", &cmd, "/dev/null"])
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR")
        .env_remove("CLICOLOR_FORCE")
        // On a CI machine (`CI` set) a terminal gets colors whatever `TERM` says.
        .env_remove("CI")
        .env("TERM", term)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .expect("script (util-linux) runs");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn on_a_terminal_colors_are_on_unless_term_is_dumb() {
    let r = repo_with_a_finding();
    let colored = check_on_a_terminal(&r, "xterm-256color");
    assert!(colored.contains("Won't Do"), "{colored}");
    assert!(colored.contains(ESC), "{colored}");
    let dumb = check_on_a_terminal(&r, "dumb");
    assert!(dumb.contains("Won't Do"), "{dumb}");
    assert!(!dumb.contains(ESC), "{dumb}");
}

/// Runs flowgate in `r` and returns its exit code and stderr.
fn code_and_stderr(r: &Repo, args: &[&str]) -> (Option<i32>, String) {
    let out = flowgate()
        .current_dir(&r.root)
        .env_remove("GITHUB_ACTIONS")
        .args(args)
        .output()
        .expect("flowgate runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_format_the_command_does_not_offer_is_a_usage_error_naming_those_it_does() {
    let r = repo_with_a_finding();
    r.git(&["add", "-A"]).success();
    r.git(&["commit", "-q", "-m", "Start"]).success();
    r.write_task("TASK-2", "Logout", "Won't Do", &[]);
    r.git(&["add", "-A"]).success();
    let cases: [(&[&str], &str); 3] = [
        (
            &["hook", "pre-commit", "--format", "github"],
            "flowgate: usage error: this command does not offer --format github; use human or json\n",
        ),
        (
            &["init", "--force", "--format", "sarif"],
            "flowgate: usage error: this command does not offer --format sarif; use human\n",
        ),
        (
            &["baseline", "--format", "json"],
            "flowgate: usage error: this command does not offer --format json; use human\n",
        ),
    ];
    for (args, message) in cases {
        let (code, stderr) = code_and_stderr(&r, args);
        assert_eq!(code, Some(2), "{args:?}: {stderr}");
        assert_eq!(stderr, message, "{args:?}");
    }
    // Refused before anything was written.
    assert!(!r.root.join(".flowgate-baseline.json").exists());
    assert_eq!(r.read(".flowgate.yml"), "links:\n  require: none\n");
    // The formats they offer still work.
    let (code, stderr) = code_and_stderr(&r, &["hook", "pre-commit", "--format", "json"]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("\"FG105\""), "{stderr}");
}
