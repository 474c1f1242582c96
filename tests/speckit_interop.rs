//! Interop with the real spec-kit CLI (specify-cli 1.2.3): scaffold a feature offline the
//! way a user would, fill in the template minimally, and check that flowgate reads its
//! user stories, requirement IDs and tasks.md checklist.

use std::path::{Path, PathBuf};
use std::process::Command;

use flowgate::git::fs::FsSource;
use flowgate::spec::{self, SpecKind};

/// The `specify` executable on PATH; the test fails (never skips) without it.
fn specify() -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join("specify"))
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!(
                "`specify` is not on PATH; install spec-kit with `pip install specify-cli==1.2.3`"
            )
        })
}

fn run(dir: &Path, program: impl AsRef<std::ffi::OsStr>, args: &[&str]) -> String {
    let out = Command::new(program.as_ref())
        .args(args)
        .current_dir(dir)
        .stdin(std::process::Stdio::null())
        .env("GIT_AUTHOR_NAME", "Test")
        .env("GIT_AUTHOR_EMAIL", "test@example.com")
        .env("GIT_COMMITTER_NAME", "Test")
        .env("GIT_COMMITTER_EMAIL", "test@example.com")
        .output()
        .unwrap_or_else(|e| panic!("running {:?}: {e}", program.as_ref()));
    assert!(
        out.status.success(),
        "{:?} {args:?} failed:\n{}\n{}",
        program.as_ref(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Replaces the first occurrence of each placeholder, in order, as a user filling the
/// template top to bottom would.
fn fill(text: &str, edits: &[(&str, &str)]) -> String {
    let mut text = text.to_string();
    for (from, to) in edits {
        assert!(text.contains(from), "template lacks {from:?}");
        text = text.replacen(from, to, 1);
    }
    text
}

#[test]
fn flowgate_reads_a_spec_kit_feature() {
    let specify = specify();
    let tmp = assert_fs::TempDir::new().unwrap();
    let root = tmp.path();
    run(root, "git", &["init", "-q"]);
    run(
        root,
        &specify,
        &[
            "init",
            "--here",
            "--force",
            "--non-interactive",
            "--ignore-agent-tools",
            "--script",
            "sh",
        ],
    );
    let json = run(
        root,
        "bash",
        &[
            ".specify/scripts/bash/create-new-feature.sh",
            "--json",
            "--short-name",
            "login-gate",
            "Add login gate",
        ],
    );
    assert!(json.contains("001-login-gate"), "{json}");
    let feature = root.join("specs/001-login-gate");

    let spec_path = feature.join("spec.md");
    let template = std::fs::read_to_string(&spec_path).unwrap();
    let spec = fill(
        &template,
        &[
            ("[FEATURE NAME]", "Login gate"),
            ("[DATE]", "2026-01-05"),
            ("[Brief Title]", "Sign in with email"),
            ("[Brief Title]", "Reset a forgotten password"),
            ("[Brief Title]", "Sign out everywhere"),
        ],
    );
    std::fs::write(&spec_path, spec).unwrap();
    let tasks_template = root.join(".specify/templates/tasks-template.md");
    let tasks = std::fs::read_to_string(tasks_template)
        .unwrap()
        .replace("[FEATURE NAME]", "Login gate");
    std::fs::write(feature.join("tasks.md"), tasks).unwrap();

    let globs: Vec<String> = flowgate::config::DEFAULT_SPEC_GLOBS
        .iter()
        .map(|s| s.to_string())
        .collect();
    let index = spec::load(&FsSource::new(root), &globs).unwrap();
    let paths: Vec<_> = index.files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "specs/001-login-gate/spec.md",
            "specs/001-login-gate/tasks.md"
        ]
    );
    for f in &index.files {
        assert!(f.issues.is_empty(), "{:?}", f.issues);
        assert_eq!(f.feature.as_deref(), Some("001-login-gate"));
    }

    // spec.md: user stories by slug and US id, FR-/SC- ids in their sections.
    let spec = &index.files[0];
    assert_eq!(spec.kind, SpecKind::Spec);
    let story = |n: usize| {
        spec.sections
            .iter()
            .find(|s| s.heading.starts_with(&format!("User Story {n} ")))
            .unwrap_or_else(|| panic!("no User Story {n}"))
    };
    let stories = [
        (1, "user-story-1---sign-in-with-email-priority-p1"),
        (2, "user-story-2---reset-a-forgotten-password-priority-p2"),
        (3, "user-story-3---sign-out-everywhere-priority-p3"),
    ];
    for (n, slug) in stories {
        assert_eq!(story(n).slug, slug);
        assert_eq!(story(n).level, 3);
        assert_eq!(story(n).ids, [format!("US{n}")]);
    }
    let ids_of = |slug: &str| {
        spec.sections
            .iter()
            .find(|s| s.slug == slug)
            .map(|s| s.ids.clone())
            .unwrap_or_else(|| panic!("no section #{slug}"))
    };
    assert_eq!(
        ids_of("functional-requirements"),
        ["FR-001", "FR-002", "FR-003", "FR-004", "FR-005", "FR-006", "FR-007"]
    );
    assert_eq!(
        ids_of("measurable-outcomes"),
        ["SC-001", "SC-002", "SC-003", "SC-004"]
    );
    assert!(ids_of("requirements-mandatory").is_empty());
    assert!(ids_of("key-entities-include-if-feature-involves-data").is_empty());
    assert!(ids_of("user-scenarios--testing-mandatory").is_empty());

    // Task links resolve against it, including by US id and qualified ID.
    for reference in [
        "001-login-gate/FR-003",
        "001-login-gate/us2",
        "001-login-gate#edge-cases",
    ] {
        let parsed =
            spec::link::parse_reference(reference, spec::LinkOrigin::Frontmatter, "", &index)
                .unwrap_or_else(|| panic!("{reference} is not a spec link"));
        assert!(
            matches!(
                index.resolve(&parsed),
                spec::Resolution::Section { file: 0, .. }
            ),
            "{reference}"
        );
    }

    // tasks.md: the checklist, with [P] and [USn] tags; TXXX placeholders are not tasks.
    let tasks = &index.files[1];
    assert_eq!(tasks.kind, SpecKind::Tasks);
    let ids: Vec<_> = tasks.checklist.iter().map(|t| t.id.as_str()).collect();
    let want: Vec<String> = (1..=ids.len()).map(|n| format!("T{n:03}")).collect();
    assert_eq!(ids, want, "tasks in order T001..");
    assert!(ids.len() >= 20, "{ids:?}");
    let t = |id: &str| tasks.checklist.iter().find(|t| t.id == id).unwrap();
    assert_eq!(
        (t("T001").parallel, t("T001").story.as_deref()),
        (false, None)
    );
    assert_eq!(
        (t("T003").parallel, t("T003").story.as_deref()),
        (true, None)
    );
    assert_eq!(
        (t("T010").parallel, t("T010").story.as_deref()),
        (true, Some("US1"))
    );
    assert_eq!(t("T014").story.as_deref(), Some("US1"));
    assert!(
        t("T014").text.starts_with("Implement "),
        "{}",
        t("T014").text
    );
    assert!(tasks.checklist.iter().all(|t| !t.done));
    assert!(tasks
        .checklist
        .iter()
        .any(|t| t.story.as_deref() == Some("US3")));
    // The template's frontmatter is not a heading; its first heading is the title.
    assert_eq!(tasks.sections[0].heading, "Tasks: Login gate");
}
