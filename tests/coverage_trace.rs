//! Requirement coverage counts requirements where specs define them; `trace` takes a bare
//! task number and says when an ID is ambiguous.

mod audit_support;

use audit_support::Repo;

/// A spec-kit feature whose plan and checklist repeat its requirements, and a PRD outside
/// feature folders that defines its own.
fn repo_with_mentions() -> Repo {
    let r = Repo::with_spec();
    r.write(
        ".flowgate.yml",
        "specs:\n  globs: [\"specs/*/*.md\", \"specs/*/checklists/*.md\", \"docs/prd/*.md\"]\n",
    );
    r.write(
        "specs/001-user-auth/plan.md",
        "# Plan\n\n## Requirements covered\n\n- **FR-001**: sign in, see spec\n- **FR-002**: lockout, see spec\n",
    );
    r.write(
        "specs/001-user-auth/checklists/requirements.md",
        "# Checklist\n\n- [x] **FR-001**: testable\n- [ ] FR-003: testable\n",
    );
    r.write(
        "docs/prd/billing.md",
        "# Billing\n\n## Requirements\n\n- **FR-100**: send invoices\n- [ ] **FR-101**: a checklist line, not a definition\n\n### FR-102: Refunds\n\nText.\n",
    );
    r.task(
        1,
        "Sign in",
        "In Progress",
        "specs/001-user-auth/spec.md#FR-001",
        false,
    );
    r.commit("Specs and a task");
    r
}

#[test]
fn coverage_counts_requirements_where_they_are_defined() {
    let r = repo_with_mentions();
    let doc = r.json(&["audit"]);
    let uncovered: Vec<(&str, &str)> = doc["findings"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|f| f["code"] == "FG501")
                .filter_map(|f| Some((f["file"].as_str()?, f["message"].as_str()?)))
                .collect()
        })
        .unwrap_or_default();
    // spec.md defines FR-001..FR-003 and US1 (FR-001 is covered); the PRD defines FR-100
    // (a list item) and FR-102 (a heading). The plan, the checklist and the PRD's
    // checkbox line define nothing.
    assert_eq!(
        uncovered,
        [
            ("docs/prd/billing.md", "docs/prd/billing.md#FR-100 (\"Requirements\") has no task linked to it"),
            ("docs/prd/billing.md", "docs/prd/billing.md#FR-102 (\"FR-102: Refunds\") has no task linked to it"),
            ("specs/001-user-auth/spec.md", "001-user-auth/US1 (\"User Story 1 - Sign in (Priority: P1)\") has no task linked to it"),
            ("specs/001-user-auth/spec.md", "001-user-auth/FR-002 (\"Functional Requirements\") has no task linked to it"),
            ("specs/001-user-auth/spec.md", "001-user-auth/FR-003 (\"Functional Requirements\") has no task linked to it"),
        ]
    );
    let human = r.flowgate(&["audit"]);
    assert!(
        human
            .stdout
            .contains("coverage: 1 of 6 requirements have a task (17%)"),
        "{}",
        human.stdout
    );
}

#[test]
fn no_requirements_means_no_percentage() {
    let r = Repo::new();
    r.write(
        "backlog/config.yml",
        "project_name: demo\nstatuses: [\"To Do\", \"In Progress\", \"Done\"]\ntask_prefix: task\n",
    );
    r.write(".flowgate.yml", "links:\n  require: none\n");
    r.task(1, "Sign in", "To Do", "none", false);
    r.commit("A task, no specs");
    let run = r.flowgate(&["audit"]);
    assert!(
        run.stdout.contains(
            "coverage: no spec file defines a requirement, so there is no coverage to measure"
        ),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("0 of 0"), "{}", run.stdout);
    let md = r.flowgate(&["audit", "--format", "markdown"]);
    assert!(
        md.stdout
            .contains("No spec file defines a requirement, so there is no coverage to measure."),
        "{}",
        md.stdout
    );
}

#[test]
fn trace_takes_a_bare_task_number() {
    let r = repo_with_mentions();
    let doc = r.json(&["trace", "1"]);
    assert_eq!(doc["kind"], "task");
    assert_eq!(doc["task"]["id"], "TASK-1");
    // FR-003 is defined by spec.md and only mentioned by the checklist: not ambiguous.
    let doc = r.json(&["trace", "FR-003"]);
    assert_eq!(doc["kind"], "requirement");
    assert_eq!(doc["section"]["file"], "specs/001-user-auth/spec.md");
}

#[test]
fn trace_says_when_an_id_is_ambiguous_and_lists_the_candidates() {
    let r = repo_with_mentions();
    r.write(
        "specs/002-cart/spec.md",
        "# Cart\n\n## Requirements\n\n- **FR-001**: keep a cart\n",
    );
    r.write(
        "backlog/tasks/task-1 - Sign in again.md",
        &audit_support::task("TASK-1", "Sign in again", "To Do", "002-cart/FR-001", false),
    );
    r.commit("A second feature and a duplicate task");
    let run = r.flowgate(&["trace", "FR-001"]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(
        run.stderr.contains(
            "`FR-001` is ambiguous: it is defined in 2 specs; trace one of them:\n  flowgate trace 001-user-auth/FR-001\n  flowgate trace 002-cart/FR-001"
        ),
        "{}",
        run.stderr
    );
    let run = r.flowgate(&["trace", "1"]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(
        run.stderr.contains(
            "TASK-1 is ambiguous: 2 task files carry it:\n  backlog/tasks/task-1 - Sign in again.md\n  backlog/tasks/task-1 - Sign in.md\ngive each its own ID (flowgate check reports them as FG104), then trace it again"
        ),
        "{}",
        run.stderr
    );
}
