//! `flowgate demo`: a sample spec-driven repo in a temp dir, checked.
//!
//! The sample is written by flowgate itself (no `backlog` or `specify` CLI, no `git`
//! binary): a Backlog.md backlog, two spec-kit features, tasks linked to spec sections, and
//! two mistakes put there on purpose: a spec link with a misspelled fragment (FG203) and a
//! task in a status nobody configured (FG105). Then the same code as `flowgate check` runs
//! on it.
//!
//! Exit code: 0 when the demo ran, whatever the sample's findings (they are the point of
//! the demo); 2 when the sample could not be built or checked.

use std::path::{Path, PathBuf};

use super::{check, CommandError, Context, Outcome};
use crate::cli::{CheckArgs, DemoArgs, Format};

/// The formats `flowgate demo` writes: those of the `check` it runs.
pub const FORMATS: &[Format] = &[Format::Human, Format::Json, Format::Sarif];

/// The sample's files: repo-relative path and content.
const FILES: &[(&str, &str)] = &[
    (
        "README.md",
        "# Shop\n\nA sample spec-driven repository built by `flowgate demo`.\n",
    ),
    ("backlog/config.yml", BACKLOG_CONFIG),
    ("specs/001-user-login/spec.md", SPEC_LOGIN),
    ("specs/001-user-login/tasks.md", TASKS_LOGIN),
    ("specs/002-order-export/spec.md", SPEC_EXPORT),
    ("specs/002-order-export/tasks.md", TASKS_EXPORT),
    ("backlog/tasks/task-1 - Build-the-sign-in-form.md", TASK_1),
    ("backlog/tasks/task-2 - Check-credentials.md", TASK_2),
    (
        "backlog/tasks/task-2.1 - Lock-account-after-failed-attempts.md",
        TASK_2_1,
    ),
    ("backlog/tasks/task-3 - Export-orders-to-CSV.md", TASK_3),
    ("backlog/tasks/task-4 - Email-the-export-link.md", TASK_4),
    (
        "src/login.rs",
        "pub fn sign_in(email: &str) -> bool {\n    !email.is_empty()\n}\n",
    ),
    (
        "src/export.rs",
        "pub fn export_csv() -> String {\n    String::from(\"id,total\\n\")\n}\n",
    ),
];

const BACKLOG_CONFIG: &str = "\
project_name: \"Shop\"
default_status: \"To Do\"
statuses: [\"To Do\", \"In Progress\", \"Done\"]
labels: []
date_format: yyyy-mm-dd
auto_commit: false
task_prefix: \"task\"
";

const SPEC_LOGIN: &str = "\
# Feature Specification: User login

**Feature Branch**: `001-user-login`
**Status**: Draft

## User Scenarios & Testing *(mandatory)*

### User Story 1 - Sign in with email (Priority: P1)

A customer signs in with email and password to see their orders.

**Acceptance Scenarios**:

1. **Given** a registered customer, **When** they enter the right password, **Then** they see their orders.
2. **Given** a registered customer, **When** they enter a wrong password, **Then** they see an error.

### User Story 2 - Stay signed in (Priority: P2)

A customer who ticks \"remember me\" stays signed in for 30 days.

## Requirements *(mandatory)*

### Functional Requirements

- **FR-001**: The system MUST show a sign-in form with email and password fields.
- **FR-002**: The system MUST check the password against the stored hash.
- **FR-003**: The system MUST lock an account for 15 minutes after 5 failed attempts.

## Success Criteria *(mandatory)*

### Measurable Outcomes

- **SC-001**: 95% of sign-ins complete in under 1 second.
";

const TASKS_LOGIN: &str = "\
---
description: \"Task list for User login\"
---

# Tasks: User login

## Phase 1: User Story 1 - Sign in with email (Priority: P1)

- [x] T001 [US1] Build the sign-in form in src/login.rs
- [ ] T002 [US1] Check the password hash
- [ ] T003 [P] [US1] Lock the account after failed attempts
";

const SPEC_EXPORT: &str = "\
# Feature Specification: Order export

**Feature Branch**: `002-order-export`
**Status**: Draft

## User Scenarios & Testing *(mandatory)*

### User Story 1 - Export orders to CSV (Priority: P1)

A shop owner downloads last month's orders as a CSV file for the accountant.

**Acceptance Scenarios**:

1. **Given** orders in March, **When** the owner exports March, **Then** the file has one line per order.

### User Story 2 - Email the export (Priority: P3)

The owner gets a link to the export by email instead of waiting for it.

## Requirements *(mandatory)*

### Functional Requirements

- **FR-001**: The system MUST export the orders of a chosen month as CSV.
- **FR-002**: The CSV MUST have the columns id, date, customer and total.
- **FR-003**: The system MUST email a download link when the export is ready.

## Success Criteria *(mandatory)*

### Measurable Outcomes

- **SC-001**: An export of 10,000 orders is ready in under 10 seconds.
";

const TASKS_EXPORT: &str = "\
---
description: \"Task list for Order export\"
---

# Tasks: Order export

## Phase 1: User Story 1 - Export orders to CSV (Priority: P1)

- [ ] T001 [US1] Write the CSV exporter in src/export.rs
- [ ] T002 [US2] Email the download link
";

const TASK_1: &str = "\
---
id: TASK-1
title: Build the sign-in form
status: Done
assignee:
  - '@alice'
created_date: '2025-03-03 09:12'
updated_date: '2025-03-05 16:40'
labels:
  - frontend
dependencies: []
spec: 001-user-login/FR-001
---

## Description

<!-- SECTION:DESCRIPTION:BEGIN -->
Email and password fields, a submit button, and an error line.
<!-- SECTION:DESCRIPTION:END -->

## Acceptance Criteria
<!-- AC:BEGIN -->
- [x] #1 The form has email and password fields
- [x] #2 A wrong password shows an error line
<!-- AC:END -->

## Final Summary

<!-- SECTION:FINAL_SUMMARY:BEGIN -->
Form added in src/login.rs.
<!-- SECTION:FINAL_SUMMARY:END -->
";

const TASK_2: &str = "\
---
id: TASK-2
title: Check credentials
status: In Progress
assignee:
  - '@bob'
created_date: '2025-03-04 10:00'
labels:
  - backend
dependencies:
  - TASK-1
spec:
  - specs/001-user-login/spec.md#user-story-1---sign-in-with-email-priority-p1
  - 001-user-login/FR-002
---

## Description

<!-- SECTION:DESCRIPTION:BEGIN -->
Check the password against the stored hash.
<!-- SECTION:DESCRIPTION:END -->

## Acceptance Criteria
<!-- AC:BEGIN -->
- [x] #1 A right password signs the customer in
- [ ] #2 A wrong password is rejected
<!-- AC:END -->
";

const TASK_2_1: &str = "\
---
id: TASK-2.1
title: Lock account after failed attempts
status: To Do
assignee: []
created_date: '2025-03-04 10:05'
labels:
  - backend
dependencies: []
parent_task_id: TASK-2
spec: 001-user-login/FR-003
---

## Acceptance Criteria
<!-- AC:BEGIN -->
- [ ] #1 The 5th failed attempt locks the account for 15 minutes
<!-- AC:END -->
";

const TASK_3: &str = "\
---
id: TASK-3
title: Export orders to CSV
status: To Do
assignee:
  - '@carol'
created_date: '2025-03-06 11:30'
labels:
  - backend
dependencies: []
spec: specs/002-order-export/spec.md#user-story-1---export-order-to-csv-priority-p1
---

## Description

<!-- SECTION:DESCRIPTION:BEGIN -->
One line per order, columns id, date, customer, total.
<!-- SECTION:DESCRIPTION:END -->

## Acceptance Criteria
<!-- AC:BEGIN -->
- [ ] #1 The export has one line per order of the chosen month
- [ ] #2 The columns are id, date, customer and total
<!-- AC:END -->
";

const TASK_4: &str = "\
---
id: TASK-4
title: Email the export link
status: Won't Do
assignee: []
created_date: '2025-03-06 11:45'
labels:
  - backend
dependencies:
  - TASK-3
spec: 002-order-export/FR-003
---

## Acceptance Criteria
<!-- AC:BEGIN -->
- [ ] #1 The owner gets an email with the link when the export is ready
<!-- AC:END -->
";

/// A temporary directory removed when dropped (also when the demo fails half-way).
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Builds the sample repo and checks it.
pub fn run(ctx: &Context, args: &DemoArgs) -> Result<Outcome, CommandError> {
    let (dir, _guard) = match &args.dir {
        Some(d) => {
            let d = if d.is_absolute() {
                d.clone()
            } else {
                ctx.dir.join(d)
            };
            let occupied = std::fs::read_dir(&d).is_ok_and(|mut entries| entries.next().is_some());
            if occupied {
                return Err(CommandError::Usage(format!(
                    "{} is not empty; give `flowgate demo --dir` a new or empty directory",
                    d.display()
                )));
            }
            (d, None)
        }
        None => {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.subsec_nanos());
            let d = std::env::temp_dir()
                .join(format!("flowgate-demo-{}-{nanos:09}", std::process::id()));
            (d.clone(), Some(TempDir(d)))
        }
    };
    build(&dir)?;

    let human = ctx.global.format == Format::Human;
    if human && !ctx.global.quiet {
        println!(
            "flowgate demo: a sample repo with a Backlog.md backlog (5 tasks) and two spec-kit \
             features,\nwith two mistakes in it on purpose. Running `flowgate check` on it:\n"
        );
    }
    let mut check_ctx = ctx.clone();
    check_ctx.dir = dir.clone();
    check_ctx.global.config = None;
    check::run(
        &check_ctx,
        &CheckArgs {
            staged: false,
            paths: Vec::new(),
        },
    )?;
    if human && !ctx.global.quiet {
        println!("{}", closing(args.dir.as_ref().map(|_| dir.as_path())));
    }
    Ok(Outcome::Clean)
}

/// What to look at and what to try next.
fn closing(kept: Option<&Path>) -> String {
    let mut text = String::from(
        "\nThe two errors above are the demo's point:\n  \
         FG203  TASK-3 links to `#user-story-1---export-order-to-csv-priority-p1`; the heading's\n         \
         anchor is `...-export-orders-to-csv-...` (see the \"did you mean\").\n  \
         FG105  TASK-4 is in status \"Won't Do\", which backlog/config.yml does not configure.\n\n\
         Try next:\n  \
         flowgate explain FG203     what the rule checks, with a failing and a passing example\n  \
         flowgate explain --list    every rule\n",
    );
    match kept {
        Some(dir) => {
            text.push_str(&format!(
                "  flowgate -C {0} check   after fixing the two files\n\n\
                 The sample repo is kept in {0}.\n",
                dir.display()
            ));
        }
        None => text.push_str(
            "  flowgate demo --dir DIR    keep the sample repo to edit it and check again\n",
        ),
    }
    text.push_str(
        "In your own repo: `flowgate init` writes a commented .flowgate.yml for its layout,\n\
         `flowgate install` installs the git hooks, and `flowgate check` checks the tree.",
    );
    text
}

/// Writes the sample files and commits them (with libgit2, so no git binary is needed).
fn build(dir: &Path) -> Result<(), CommandError> {
    let io = |what: &str, e: std::io::Error| {
        CommandError::Repository(format!("demo: cannot write {what}: {e}"))
    };
    for (path, content) in FILES {
        let full = dir.join(path);
        if let Some(parent) = full.parent() {
            std::fs::create_dir_all(parent).map_err(|e| io(&parent.display().to_string(), e))?;
        }
        std::fs::write(&full, content).map_err(|e| io(&full.display().to_string(), e))?;
    }
    // A fixed identity: the demo must not depend on the user's git configuration.
    crate::git::ops::init_and_commit_all(
        dir,
        "flowgate demo",
        "demo@flowgate.invalid",
        "Sample spec-driven repo\n\nBuilt by `flowgate demo`.\n",
    )
    .map_err(|e| CommandError::Repository(format!("demo: cannot create the git repository: {e}")))
}
