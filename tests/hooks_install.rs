//! `flowgate install` / `uninstall`: where hooks go, and that no existing hook is lost.

mod hooks_support;

use std::os::unix::fs::PermissionsExt;

use hooks_support::Repo;

const HOOKS: [&str; 3] = ["pre-commit", "prepare-commit-msg", "commit-msg"];

#[test]
fn installs_three_executable_shims_idempotently() {
    let r = Repo::bare_init();
    let out = r.flowgate(&["install"]).success();
    for h in HOOKS {
        let path = r.root.join(".git/hooks").join(h);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.contains(&format!("exec flowgate hook {h} \"$@\"")),
            "{text}"
        );
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o111, 0o111);
        assert!(
            out.stdout.contains(&format!("{h}: installed")),
            "{}",
            out.stdout
        );
    }
    let again = r.flowgate(&["install"]).success();
    assert!(
        again.stdout.contains("pre-commit: up to date"),
        "{}",
        again.stdout
    );
    assert!(!r
        .root
        .join(".git/hooks/pre-commit.flowgate-chained")
        .exists());
}

#[test]
fn an_existing_hook_is_chained_runs_first_and_comes_back_on_uninstall() {
    let r = Repo::bare_init();
    let original =
        "#!/bin/sh\necho chained-ran \"$1\" >> \"$(git rev-parse --git-dir)/chained.log\"\n";
    let hook = r.root.join(".git/hooks/commit-msg");
    std::fs::write(&hook, original).unwrap();
    std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o750)).unwrap();
    r.flowgate(&["install"]).success();
    assert_eq!(
        std::fs::read_to_string(r.root.join(".git/hooks/commit-msg.flowgate-chained")).unwrap(),
        original
    );
    r.write("README.md", "# x\n");
    r.git(&["add", "-A"]).success();
    r.git(&["commit", "-q", "-m", "Docs"]).success();
    let log = std::fs::read_to_string(r.root.join(".git/chained.log")).unwrap();
    assert_eq!(log, "chained-ran .git/COMMIT_EDITMSG\n");

    let out = r.flowgate(&["uninstall"]).success();
    assert!(
        out.stdout.contains("the hook it chained is back in place"),
        "{}",
        out.stdout
    );
    assert_eq!(std::fs::read_to_string(&hook).unwrap(), original);
    assert_eq!(
        std::fs::metadata(&hook).unwrap().permissions().mode() & 0o777,
        0o750
    );
    for h in ["pre-commit", "prepare-commit-msg"] {
        assert!(!r.root.join(".git/hooks").join(h).exists());
    }
    assert!(!r
        .root
        .join(".git/hooks/commit-msg.flowgate-chained")
        .exists());
}

#[test]
fn a_taken_chain_slot_is_refused_without_force_and_backed_up_with_it() {
    let r = Repo::bare_init();
    let hooks = r.root.join(".git/hooks");
    std::fs::write(hooks.join("pre-commit"), "#!/bin/sh\necho mine\n").unwrap();
    std::fs::write(
        hooks.join("pre-commit.flowgate-chained"),
        "#!/bin/sh\necho older\n",
    )
    .unwrap();
    let out = r.flowgate(&["install"]).failure();
    assert!(
        out.stderr.contains("already holds a chained hook"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("flowgate install --force"),
        "{}",
        out.stderr
    );
    assert!(
        !hooks.join("commit-msg").exists(),
        "a refusal installs nothing"
    );
    r.flowgate(&["install", "--force"]).success();
    assert_eq!(
        std::fs::read_to_string(hooks.join("pre-commit.flowgate-backup")).unwrap(),
        "#!/bin/sh\necho mine\n"
    );
}

#[test]
fn only_the_named_hooks_and_unknown_names_are_usage_errors() {
    let r = Repo::bare_init();
    r.flowgate(&["install", "--hook", "commit-msg"]).success();
    assert!(r.root.join(".git/hooks/commit-msg").exists());
    assert!(!r.root.join(".git/hooks/pre-commit").exists());
    let out = r.flowgate(&["install", "--hook", "pre-push"]).failure();
    assert!(
        out.stderr.contains("flowgate has no `pre-push` hook"),
        "{}",
        out.stderr
    );
}

#[test]
fn core_hooks_path_is_respected() {
    let r = Repo::bare_init();
    r.git(&["config", "core.hooksPath", "githooks"]).success();
    r.flowgate(&["install"]).success();
    assert!(r.root.join("githooks/pre-commit").exists());
    assert!(!r.root.join(".git/hooks/pre-commit").exists());
    r.write(
        "backlog/config.yml",
        "statuses: [\"To Do\", \"In Progress\", \"Done\"]\n",
    );
    r.write(".flowgate.yml", "links:\n  require: none\n");
    r.write("src/main.rs", "fn main() {}\n");
    r.git(&["add", "-A"]).success();
    r.git(&["commit", "-q", "-m", "Code"])
        .failure()
        .stderr_has(&["FG301"]);
}

#[test]
fn linked_worktrees_share_the_common_hooks() {
    let r = Repo::seeded();
    // Outside the repository, in a folder of its own: a fixed path next to it would be
    // shared by every run of the suite on the machine.
    let outside = assert_fs::TempDir::new().unwrap();
    let wt = outside.path().canonicalize().unwrap().join("wt-linked");
    let wt_str = wt.display().to_string();
    r.git(&["worktree", "add", "-q", "-b", "side", &wt_str])
        .success();
    std::fs::write(wt.join("src/main.rs"), "fn main() { side(); }\n").unwrap();
    r.git_in(&wt, &["commit", "-q", "-am", "Side work"])
        .failure()
        .stderr_has(&["FG301"]);
    r.git_in(&wt, &["commit", "-q", "-am", "Side work\n\nRefs: TASK-1"])
        .success();
}

#[test]
fn the_shim_fails_closed_when_flowgate_is_missing() {
    let r = Repo::bare_init();
    r.flowgate(&["install"]).success();
    let out = std::process::Command::new("/bin/sh")
        .arg(r.root.join(".git/hooks/pre-commit"))
        .current_dir(&r.root)
        .env("PATH", "/nonexistent")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("the pre-commit hook needs flowgate on PATH"),
        "{err}"
    );
    assert!(err.contains("git commit --no-verify"), "{err}");
}

#[test]
fn project_hook_folder_and_pre_commit_framework_manifest() {
    let root = env!("CARGO_MANIFEST_DIR");
    for h in HOOKS {
        let text = std::fs::read_to_string(format!("{root}/hooks/{h}")).unwrap();
        assert!(text.contains(&format!("exec flowgate hook {h} \"$@\"")));
    }
    let manifest = std::fs::read_to_string(format!("{root}/.pre-commit-hooks.yaml")).unwrap();
    assert!(manifest.contains("stages: [pre-commit]"));
    assert!(manifest.contains("stages: [commit-msg]"));
}

#[test]
fn a_user_hook_with_the_marker_comment_is_chained_not_taken_over() {
    let r = Repo::bare_init();
    // A user's own hook that happens to carry flowgate's comment line (copied from a shim).
    let original = "#!/bin/sh\n# flowgate-managed hook: runs `flowgate hook pre-commit`.\necho mine-ran >> \"$(git rev-parse --git-dir)/mine.log\"\n";
    let hook = r.root.join(".git/hooks/pre-commit");
    std::fs::write(&hook, original).unwrap();
    std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = r.flowgate(&["install"]).success();
    assert!(
        out.stdout
            .contains("pre-commit: installed; the existing hook now runs first"),
        "{}",
        out.stdout
    );
    let chained = r.root.join(".git/hooks/pre-commit.flowgate-chained");
    assert_eq!(std::fs::read_to_string(&chained).unwrap(), original);
    assert!(std::fs::read_to_string(&hook)
        .unwrap()
        .contains("# flowgate-shim-checksum: "));
    r.write("README.md", "# x\n");
    r.git(&["add", "-A"]).success();
    r.git(&["commit", "-q", "-m", "Docs"]).success();
    let log = std::fs::read_to_string(r.root.join(".git/mine.log")).unwrap();
    assert_eq!(log, "mine-ran\n");
    // A second install recognises its own shim and leaves the chained hook alone.
    let again = r.flowgate(&["install"]).success();
    assert!(
        again.stdout.contains("pre-commit: up to date"),
        "{}",
        again.stdout
    );
    assert_eq!(std::fs::read_to_string(&chained).unwrap(), original);
    r.flowgate(&["uninstall"]).success();
    assert_eq!(std::fs::read_to_string(&hook).unwrap(), original);
    assert!(!chained.exists());
}

#[test]
fn an_edited_shim_is_no_longer_flowgates() {
    let r = Repo::bare_init();
    r.flowgate(&["install", "--hook", "commit-msg"]).success();
    let hook = r.root.join(".git/hooks/commit-msg");
    let edited = format!(
        "{}echo user-line\n",
        std::fs::read_to_string(&hook).unwrap()
    );
    std::fs::write(&hook, &edited).unwrap();
    // Uninstall does not delete a hook whose text no longer matches its checksum.
    let out = r.flowgate(&["uninstall"]).success();
    assert!(out.stdout.contains("no flowgate hooks"), "{}", out.stdout);
    assert_eq!(std::fs::read_to_string(&hook).unwrap(), edited);
    // Install keeps it, chained.
    r.flowgate(&["install", "--hook", "commit-msg"]).success();
    assert_eq!(
        std::fs::read_to_string(r.root.join(".git/hooks/commit-msg.flowgate-chained")).unwrap(),
        edited
    );
    r.flowgate(&["uninstall"]).success();
    assert_eq!(std::fs::read_to_string(&hook).unwrap(), edited);
}

#[test]
fn a_shim_of_another_flowgate_version_is_recognised_by_its_checksum() {
    let r = Repo::bare_init();
    let rest = "# flowgate-managed hook (another version)\nexec flowgate hook pre-commit \"$@\"\n";
    let body = format!("#!/bin/sh\n{rest}");
    let sum = flowgate::report::sarif::fnv1a(&[&body]);
    let hook = r.root.join(".git/hooks/pre-commit");
    std::fs::write(
        &hook,
        format!("#!/bin/sh\n# flowgate-shim-checksum: {sum}\n{rest}"),
    )
    .unwrap();
    let out = r.flowgate(&["install", "--hook", "pre-commit"]).success();
    assert!(out.stdout.contains("pre-commit: updated"), "{}", out.stdout);
    assert!(!r
        .root
        .join(".git/hooks/pre-commit.flowgate-chained")
        .exists());
    // A wrong checksum makes it a user's hook.
    std::fs::write(
        &hook,
        format!("#!/bin/sh\n# flowgate-shim-checksum: 0000000000000000\n{rest}"),
    )
    .unwrap();
    let out = r.flowgate(&["uninstall"]).success();
    assert!(out.stdout.contains("no flowgate hooks"), "{}", out.stdout);
    assert!(hook.exists());
}
