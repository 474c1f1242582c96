use super::*;
use crate::backlog::{Backlog, BacklogConfig, BacklogLayout, Spanned, TaskId};
use crate::config::DEFAULT_SPEC_GLOBS;
use crate::source::MemorySource;
use crate::spec;
use crate::workflow::Workflow;

const AUTH_SPEC: &str = "\
# Feature Specification: User auth

## User Scenarios & Testing

### User Story 1 - Sign in (Priority: P1)

Users sign in.

## Requirements

- **FR-001**: System MUST accept a password.
- **FR-002**: System MUST lock after 5 failures.
";

const CART_SPEC: &str = "\
# Cart

## Requirements

- **FR-001**: System MUST keep a cart.
";

fn globs() -> Vec<String> {
    DEFAULT_SPEC_GLOBS.iter().map(|s| s.to_string()).collect()
}

fn specs() -> SpecIndex {
    let src = MemorySource::new()
        .with("specs/001-user-auth/spec.md", AUTH_SPEC)
        .with("specs/002-cart/spec.md", CART_SPEC)
        .with("docs/prd/billing.md", "# Billing\n\n## Invoices\n")
        .with_symlink("specs/003-linked", "/tmp/elsewhere");
    spec::load(&src, &globs()).unwrap()
}

/// A task in `folder` whose frontmatter `spec:` entries are on lines 6, 7, ...
fn task(path: &str, folder: Folder, spec: &[&str]) -> TaskFile {
    let stem = path.rsplit('/').next().unwrap_or_default();
    let id = TaskId::parse(stem.split(" - ").next().unwrap_or_default());
    let at = |line: u32, len: usize| Position::new(line, 5, len as u32);
    TaskFile {
        tracker: &crate::backlog::BACKLOG_MD,
        path: path.to_string(),
        folder,
        name_id: id.clone(),
        task: Some(Task {
            id,
            title: Some(Spanned::new("A task".into(), Position::new(3, 8, 6))),
            status: Some(Spanned::new("To Do".into(), Position::new(4, 9, 5))),
            spec: spec
                .iter()
                .enumerate()
                .map(|(i, s)| Spanned::new(s.to_string(), at(6 + i as u32, s.len())))
                .collect(),
            ..Task::default()
        }),
        issues: Vec::new(),
    }
}

fn snapshot(specs: SpecIndex, files: Vec<TaskFile>) -> Snapshot {
    let config = BacklogConfig::default();
    Snapshot {
        backlog: Some(Backlog {
            layout: BacklogLayout {
                root: "backlog".into(),
                config_file: Some("backlog/config.yml".into()),
                config: config.clone(),
                config_problem: None,
            },
            files,
            unread: Vec::new(),
            milestones: Vec::new(),
        }),
        specs,
        workflow: Workflow::new(&config, &Default::default()).unwrap(),
        flowspec: None,
        present_modified_files: Default::default(),
    }
}

/// (code, line, message, help) of each finding.
fn run(files: Vec<TaskFile>, config: &Config) -> Vec<(String, Option<u32>, String, String)> {
    check(&snapshot(specs(), files), config)
        .into_iter()
        .map(|f| {
            (
                f.code.to_string(),
                f.line,
                f.message,
                f.help.unwrap_or_default(),
            )
        })
        .collect()
}

fn one(spec: &str) -> Vec<(String, Option<u32>, String, String)> {
    run(
        vec![task("backlog/tasks/task-1 - A.md", Folder::Tasks, &[spec])],
        &Config::default(),
    )
}

#[test]
fn good_links_pass() {
    for spec in [
        "specs/001-user-auth/spec.md#fr-001",
        "./specs/001-user-auth/spec.md#FR-002",
        "specs/001-user-auth/spec.md#user-story-1---sign-in-priority-p1",
        "specs/001-user-auth/spec.md#US1",
        "001-user-auth/FR-002",
        "001-user-auth#requirements",
        "002-cart/fr-001",
        "FR-002",
        "docs/prd/billing.md#invoices",
    ] {
        assert_eq!(one(spec), [], "{spec}");
    }
}

#[test]
fn missing_link_without_a_related_section_names_the_choices() {
    let got = run(
        vec![task("backlog/tasks/task-1 - A.md", Folder::Tasks, &[])],
        &Config::default(),
    );
    assert_eq!(
        got,
        [(
            "FG201".into(),
            Some(3),
            "task TASK-1 links to no spec section".into(),
            "if it implements a spec section, add the section to the task's references: \
             backlog task edit 1 --add-ref \"<spec file>#<heading slug or requirement ID>\" \
             (or a `spec:` key in its frontmatter, which the Backlog.md CLI drops when it edits \
             the task); if tasks like it implement no spec, give them a label listed in \
             `links.exempt_labels`, or set `links.require: none`, in .flowgate.yml"
                .into()
        )]
    );
}

fn titled(path: &str, title: &str) -> TaskFile {
    let mut file = task(path, Folder::Tasks, &[]);
    if let Some(t) = file.task.as_mut() {
        t.title = Some(Spanned::new(title.into(), Position::new(3, 8, 6)));
    }
    file
}

#[test]
fn missing_link_proposes_a_section_only_when_the_title_relates_to_it() {
    let got = run(
        vec![
            titled("backlog/tasks/task-1 - A.md", "User sign-in flow"),
            titled("backlog/tasks/task-2 - B.md", "Send invoices by mail"),
            titled("backlog/tasks/task-3 - C.md", "FR-002: lockout"),
            titled("backlog/tasks/task-4 - D.md", "Cart requirements review"),
        ],
        &Config::default(),
    );
    let helps: Vec<&str> = got.iter().map(|g| g.3.as_str()).collect();
    assert_eq!(
        helps[0],
        "if it implements `specs/001-user-auth/spec.md#US1`, add it to the task's references: \
         backlog task edit 1 --add-ref \"specs/001-user-auth/spec.md#US1\" (or `spec: specs/001-user-auth/spec.md#US1` \
         in its frontmatter, which the Backlog.md CLI drops when it edits the task); otherwise link \
         the section it implements the same way, or, if it implements no spec, give it a label \
         listed in `links.exempt_labels` in .flowgate.yml"
    );
    // One shared word ("invoices") is not enough to guess.
    assert!(
        helps[1].starts_with("if it implements a spec section,"),
        "{}",
        helps[1]
    );
    // A requirement ID in the title names its section.
    assert!(
        helps[2].starts_with("if it implements `specs/001-user-auth/spec.md#FR-002`,"),
        "{}",
        helps[2]
    );
    // Words shared with two different headings do not add up.
    assert!(
        helps[3].starts_with("if it implements a spec section,"),
        "{}",
        helps[3]
    );
}

#[test]
fn drafts_exempt_labels_archive_and_require_none_need_no_link() {
    let mut labelled = task("backlog/tasks/task-2 - B.md", Folder::Tasks, &[]);
    if let Some(t) = labelled.task.as_mut() {
        t.labels = vec!["Chore".into()];
    }
    let files = vec![
        task("backlog/drafts/draft-1 - D.md", Folder::Drafts, &[]),
        task(
            "backlog/archive/tasks/task-3 - C.md",
            Folder::Archive,
            &["nope.md"],
        ),
        labelled,
    ];
    let mut config = Config::default();
    config.links.exempt_labels = vec!["chore".into()];
    assert_eq!(run(files, &config), []);

    config.links.require = LinkRequirement::None;
    let files = vec![task(
        "backlog/tasks/task-1 - A.md",
        Folder::Tasks,
        &["specs/001-user-auth/spec.md"],
    )];
    assert_eq!(run(files, &config), [], "no FG201 and no FG206");

    // Completed tasks are still checked.
    let got = run(
        vec![task(
            "backlog/completed/task-4 - E.md",
            Folder::Completed,
            &[],
        )],
        &Config::default(),
    );
    assert_eq!(got[0].0, "FG201");
}

#[test]
fn missing_target_suggests_the_nearest_file_or_feature() {
    assert_eq!(
        one("specs/001-user-auth/spek.md#fr-001"),
        [(
            "FG202".into(),
            Some(6),
            "spec link `specs/001-user-auth/spek.md#fr-001` points to `specs/001-user-auth/spek.md`, which is not a spec file".into(),
            "did you mean `specs/001-user-auth/spec.md#fr-001`?".into()
        )]
    );
    assert_eq!(
        one("001-user-oauth/FR-001"),
        [(
            "FG202".into(),
            Some(6),
            "spec link `001-user-oauth/FR-001` names feature `001-user-oauth`, which has no spec files".into(),
            "did you mean `001-user-auth/FR-001`?".into()
        )]
    );
    assert_eq!(
        one("specs/004-new/spec.md#fr-1")[0].2,
        "spec link `specs/004-new/spec.md#fr-1` points to `specs/004-new/spec.md`, which does not exist"
    );
    assert_eq!(
        one("README.md")[0].2,
        "spec link `README.md` points to `README.md`, which is not a spec file"
    );
}

#[test]
fn unknown_fragment_suggests_the_nearest_anchor_or_lists_short_files() {
    let got = one("specs/001-user-auth/spec.md#fr-003");
    assert_eq!(got[0].0, "FG203");
    assert_eq!(
        got[0].2,
        "spec link `specs/001-user-auth/spec.md#fr-003`: `fr-003` is no heading or requirement ID in `specs/001-user-auth/spec.md`"
    );
    assert_eq!(
        got[0].3,
        "did you mean `specs/001-user-auth/spec.md#FR-001`?"
    );
    let got = one("specs/001-user-auth/spec.md#zzzz");
    assert_eq!(
        got[0].3,
        "`specs/001-user-auth/spec.md` has the IDs `US1`, `FR-001`, `FR-002` and the headings `#feature-specification-user-auth`, `#user-scenarios--testing`, `#user-story-1---sign-in-priority-p1`, `#requirements`"
    );
    let got = one("001-user-auth/FR-0002");
    assert_eq!(got[0].0, "FG203");
    assert!(
        got[0].3.starts_with("did you mean `001-user-auth/FR-002`?"),
        "{}",
        got[0].3
    );
    let got = one("FR-999");
    assert_eq!(
        (got[0].0.as_str(), got[0].2.as_str()),
        (
            "FG203",
            "spec link `FR-999`: no spec defines requirement `FR-999`"
        )
    );
}

#[test]
fn ambiguous_bare_id_lists_the_qualified_forms() {
    assert_eq!(
        one("FR-001"),
        [(
            "FG204".into(),
            Some(6),
            "spec link `FR-001`: requirement `FR-001` is defined in 2 specs".into(),
            "qualify it with its feature: `001-user-auth/FR-001` or `002-cart/FR-001`".into()
        )]
    );
}

#[test]
fn links_leaving_the_repo_are_refused() {
    for (spec, why) in [
        ("/etc/passwd", "is an absolute path"),
        (
            "../other/specs/001-x/spec.md#fr-1",
            "climbs above the repository root",
        ),
        (
            "specs/003-linked/spec.md#fr-1",
            "goes through a symbolic link",
        ),
        ("C:\\specs\\spec.md", "is an absolute path"),
    ] {
        let got = one(spec);
        assert_eq!(got.len(), 1, "{spec}");
        assert_eq!(got[0].0, "FG205", "{spec}");
        assert_eq!(
            got[0].2,
            format!("spec link `{spec}` {why}; flowgate never reads files outside the repository")
        );
    }
}

#[test]
fn whole_file_links_warn_only_when_sections_are_required() {
    let got = one("specs/002-cart/spec.md");
    assert_eq!(
        got,
        [(
            "FG206".into(),
            Some(6),
            "spec link `specs/002-cart/spec.md` names the whole file, not a section".into(),
            "add the heading slug or requirement ID the task implements such as `specs/002-cart/spec.md#FR-001`; or set `links.require: file` in .flowgate.yml".into()
        )]
    );
    let mut config = Config::default();
    config.links.require = LinkRequirement::File;
    let files = vec![task(
        "backlog/tasks/task-1 - A.md",
        Folder::Tasks,
        &["specs/002-cart/spec.md"],
    )];
    assert_eq!(run(files, &config), []);
}

#[test]
fn documentation_references_and_body_links_count_when_they_point_into_specs() {
    let mut file = task("backlog/tasks/task-1 - A.md", Folder::Tasks, &[]);
    if let Some(t) = file.task.as_mut() {
        let at = |line| Position::new(line, 3, 1);
        t.documentation = vec![
            Spanned::new("https://example.com/specs/001-x/spec.md".into(), at(6)),
            Spanned::new("mailto:team@example.com".into(), at(7)),
            Spanned::new("docs/handbook.md".into(), at(8)),
        ];
        t.references = vec![
            Spanned::new("src/main.rs".into(), at(10)),
            Spanned::new("PR #12".into(), at(11)),
            Spanned::new("specs/002-cart/spec.md#fr-009".into(), at(12)),
        ];
        t.body_links = vec![
            Spanned::new("#acceptance-criteria".into(), at(20)),
            Spanned::new("../../specs/001-user-auth/spec.md#fr-001".into(), at(21)),
            Spanned::new("../../../etc/specs/001-x/spec.md".into(), at(22)),
            Spanned::new("../../README.md".into(), at(23)),
        ];
    }
    let got = run(vec![file], &Config::default());
    let codes: Vec<_> = got.iter().map(|f| (f.0.as_str(), f.1)).collect();
    assert_eq!(codes, [("FG203", Some(12)), ("FG205", Some(22))]);
}

#[test]
fn no_specs_at_all_is_one_finding_naming_the_globs() {
    let files = vec![
        task("backlog/tasks/task-1 - A.md", Folder::Tasks, &[]),
        task("backlog/tasks/task-2 - B.md", Folder::Tasks, &[]),
    ];
    let snap = snapshot(spec::load(&MemorySource::new(), &globs()).unwrap(), files);
    let got = check(&snap, &Config::default());
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].code, "FG208");
    assert_eq!(
        got[0].message,
        "no spec files found (tried `specs/*/spec.md`, `specs/*/plan.md`, `specs/*/tasks.md`, `docs/prd/*.md`, `docs/specs/*.md`), so 2 tasks cannot link to a spec"
    );
}

#[test]
fn unreadable_spec_files_are_reported() {
    let src = MemorySource::new()
        .with("specs/001-a/spec.md", "# A\n")
        .with_symlink("specs/002-b/spec.md", "../../x.md");
    let snap = snapshot(spec::load(&src, &globs()).unwrap(), Vec::new());
    let got = check(&snap, &Config::default());
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].code, "FG209");
    assert_eq!(got[0].file.as_deref(), Some("specs/002-b/spec.md"));
}
