//! flowspec's branch and pull-request rigor rules, judged by `flowgate ci` on the pull
//! request's head branch and commits: EXEC-002 (branch naming), PR-003 (iteration
//! suffix), EXEC-004 (the branch's task exists and is active) and PR-001 (DCO sign-off).
//! Only flowspec repositories (the head snapshot has flowspec's files) get them.

use regex::Regex;

use super::rigor::apply_modes;
use crate::config::Config;
use crate::finding::Finding;
use crate::snapshot::Snapshot;

/// The branch pattern flowspec's catalogue asks for (`host/task-N/slug`); subtask IDs
/// (`task-12.3`) are accepted too.
pub const DEFAULT_PATTERN: &str = r"^[a-z0-9-]+/task-[0-9]+(\.[0-9]+)*/[a-z0-9-]+$";

/// What the pull-request rules look at.
#[derive(Debug, Clone, Copy)]
pub struct PullRequest<'a> {
    /// The head branch (`head.ref`), when known.
    pub branch: Option<&'a str>,
    /// The repository's default branch, when known.
    pub default_branch: Option<&'a str>,
}

/// One commit of the pull request, for PR-001.
#[derive(Debug, Clone)]
pub struct PrCommit<'a> {
    /// The commit id.
    pub id: String,
    /// Number of parents (merges are not signed off by the DCO convention).
    pub parents: usize,
    /// Author name.
    pub author_name: &'a str,
    /// Author email.
    pub author_email: &'a str,
    /// The full message.
    pub message: &'a str,
}

/// The rules for a pull request from `branch` (its commits `commits`, read from `repo`),
/// judged against the head snapshot. Nothing outside flowspec repositories.
pub fn for_pull_request(
    repo: &crate::git::Repo,
    commits: &[git2::Oid],
    branch: Option<&str>,
    default_branch: Option<&str>,
    snapshot: &Snapshot,
    config: &Config,
) -> Result<Vec<Finding>, crate::source::SourceError> {
    if snapshot.flowspec.is_none() {
        return Ok(Vec::new());
    }
    let metas = commits
        .iter()
        .map(|&id| crate::git::judge::CommitMeta::read(repo, id))
        .collect::<Result<Vec<_>, _>>()?;
    let pr_commits: Vec<PrCommit<'_>> = metas
        .iter()
        .map(|m| PrCommit {
            id: m.id.to_string(),
            parents: m.parents.len(),
            author_name: &m.author_name,
            author_email: &m.author_email,
            message: &m.message,
        })
        .collect();
    let pr = PullRequest {
        branch,
        default_branch,
    };
    Ok(check(&pr, &pr_commits, snapshot, config))
}

/// True when the branch is exempt from the naming rules: the default branch (`main` or
/// `master` when the default is not known), `release/*`, and GitHub's merge-queue
/// branches.
fn exempt(branch: &str, default_branch: Option<&str>) -> bool {
    match default_branch {
        Some(d) if d == branch => return true,
        None if branch == "main" || branch == "master" => return true,
        _ => {}
    }
    branch.starts_with("release/") || branch.starts_with("gh-readonly-queue/")
}

/// Splits a PR-003 iteration suffix: `a/task-1/x-v3` → (`a/task-1/x`, Some(3)).
fn split_iteration(branch: &str) -> (&str, Option<u64>) {
    if let Some(i) = branch.rfind("-v") {
        let digits = branch.get(i + 2..).unwrap_or_default();
        if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
            return (branch.get(..i).unwrap_or(branch), digits.parse().ok());
        }
    }
    (branch, None)
}

/// The branch and pull-request findings; nothing outside flowspec repositories.
pub fn check(
    pr: &PullRequest<'_>,
    commits: &[PrCommit<'_>],
    snapshot: &Snapshot,
    config: &Config,
) -> Vec<Finding> {
    let Some(fs) = snapshot.flowspec.as_ref() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if let Some(branch) = pr.branch.filter(|b| !exempt(b, pr.default_branch)) {
        branch_rules(branch, snapshot, config, &mut out);
    }
    for c in commits.iter().filter(|c| c.parents < 2) {
        if let Some(f) = dco(c) {
            out.push(f);
        }
    }
    apply_modes(out, &fs.config)
}

fn branch_rules(branch: &str, snapshot: &Snapshot, config: &Config, out: &mut Vec<Finding>) {
    let pattern = config
        .flowspec
        .branch_pattern
        .as_deref()
        .unwrap_or(DEFAULT_PATTERN);
    let (base, iteration) = split_iteration(branch);
    let Ok(re) = Regex::new(pattern) else {
        // `.flowgate.yml` is validated when read; a pattern that does not compile never
        // gets here.
        return;
    };
    if let Some(n) = iteration.filter(|n| *n < 2) {
        out.push(
            Finding::new(
                &super::RIGOR_ITERATION_BRANCH,
                format!("[PR-003] branch \"{branch}\" is iteration {n}; iterations are numbered from -v2"),
            )
            .help(format!("the first branch has no suffix, the next is \"{base}-v2\": git branch -m \"{base}-v2\"")),
        );
    }
    if !re.is_match(base) && !re.is_match(branch) {
        let host = "<host>";
        let suggestion = match crate::message::branch_reference(branch, &task_prefix(snapshot)) {
            Some(id) => format!("{host}/{}/{}", id.file_stem(), slug(base)),
            None => format!("{host}/task-<N>/{}", slug(base)),
        };
        out.push(
            Finding::new(
                &super::RIGOR_BRANCH_NAME,
                format!("[EXEC-002] branch \"{branch}\" does not match the pattern {pattern}"),
            )
            .help(format!(
                "rename it, e.g. git branch -m \"{suggestion}\" (an iteration adds -v2, -v3; set flowspec.branch_pattern in .flowgate.yml for another convention)"
            )),
        );
    }
    let prefix = task_prefix(snapshot);
    match crate::message::branch_reference(branch, &prefix) {
        None => out.push(
            Finding::new(
                &super::RIGOR_BRANCH_TASK,
                format!("[EXEC-004] branch \"{branch}\" names no task"),
            )
            .help(format!(
                "work on a branch named after its task, e.g. <host>/{prefix}-<N>/<slug>"
            )),
        ),
        Some(id) => {
            let found: Vec<_> = snapshot
                .backlog
                .as_ref()
                .map(|b| {
                    b.find(&id)
                        .filter(|f| f.folder != crate::backlog::Folder::Drafts)
                        .collect()
                })
                .unwrap_or_default();
            let active = found.iter().any(|f| {
                f.status().is_some_and(|s| {
                    snapshot
                        .workflow
                        .is_one_of(s, &config.commits.active_statuses)
                })
            });
            let message = if found.is_empty() {
                Some(format!(
                    "[EXEC-004] branch \"{branch}\" names {id}, which is not a task"
                ))
            } else if !active {
                let status = found
                    .first()
                    .and_then(|f| f.status())
                    .unwrap_or("no status");
                Some(format!(
                    "[EXEC-004] branch \"{branch}\" names {id}, which is \"{status}\", not active"
                ))
            } else {
                None
            };
            if let Some(message) = message {
                out.push(
                    Finding::new(&super::RIGOR_BRANCH_TASK, message)
                        .task(id.canonical())
                        .help(format!(
                            "create the task or move it to {} in this pull request: backlog task edit {} -s \"{}\"",
                            crate::workflow::quoted_list(config.commits.active_statuses.iter().map(String::as_str)),
                            id.file_stem(),
                            config.commits.active_statuses.first().map_or("In Progress", String::as_str)
                        )),
                );
            }
        }
    }
}

fn task_prefix(snapshot: &Snapshot) -> String {
    snapshot.backlog.as_ref().map_or("task".to_string(), |b| {
        b.layout.config.task_prefix.to_ascii_lowercase()
    })
}

/// The last path segment of a branch, as a slug.
fn slug(branch: &str) -> String {
    let last = branch.rsplit('/').next().unwrap_or(branch);
    let s: String = last
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let s = s.trim_matches('-').to_string();
    if s.is_empty() {
        "slug".into()
    } else {
        s
    }
}

/// PR-001: a `Signed-off-by:` trailer with the author's email.
fn dco(c: &PrCommit<'_>) -> Option<Finding> {
    let email = c.author_email.trim().to_ascii_lowercase();
    let signed = c.message.lines().any(|l| {
        let l = l.trim();
        l.get(..14)
            .is_some_and(|h| h.eq_ignore_ascii_case("signed-off-by:"))
            && l.to_ascii_lowercase().contains(&format!("<{email}>"))
    });
    if signed {
        return None;
    }
    let any = c.message.lines().any(|l| {
        l.trim()
            .get(..14)
            .is_some_and(|h| h.eq_ignore_ascii_case("signed-off-by:"))
    });
    let message = if any {
        format!(
            "[PR-001] commit is signed off, but not by its author {} <{}>",
            c.author_name, c.author_email
        )
    } else {
        "[PR-001] commit has no DCO sign-off (Signed-off-by:)".to_string()
    };
    Some(
        Finding::new(&super::RIGOR_DCO, message)
            .commit(c.id.clone())
            .help(format!(
                "add the trailer as the author ({} <{}>): git rebase --signoff <base branch>, then push with --force-with-lease",
                c.author_name, c.author_email
            )),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iteration_suffixes_split() {
        assert_eq!(split_iteration("h/task-1/x-v3"), ("h/task-1/x", Some(3)));
        assert_eq!(split_iteration("h/task-1/x-val"), ("h/task-1/x-val", None));
        assert_eq!(split_iteration("h/task-1/x"), ("h/task-1/x", None));
    }

    #[test]
    fn the_branch_names_its_task() {
        let id = |b: &str| crate::message::branch_reference(b, "task").map(|t| t.canonical());
        assert_eq!(id("laptop/task-12/login").as_deref(), Some("TASK-12"));
        assert_eq!(id("feature/task-12.3-login").as_deref(), Some("TASK-12.3"));
        assert_eq!(id("feature/subtask-12"), None);
        assert_eq!(id("feature/login"), None);
    }

    #[test]
    fn exemptions() {
        assert!(exempt("main", None));
        assert!(exempt("trunk", Some("trunk")));
        assert!(!exempt("main", Some("trunk")));
        assert!(exempt("release/v1.2", Some("main")));
        assert!(!exempt("feature/x", Some("main")));
    }

    #[test]
    fn default_pattern() {
        let re = Regex::new(DEFAULT_PATTERN).unwrap();
        assert!(re.is_match("laptop/task-12/add-login"));
        assert!(re.is_match("laptop/task-12.3/add-login"));
        assert!(!re.is_match("feature/add-login"));
        assert!(!re.is_match("Laptop/task-12/Add"));
    }

    #[test]
    fn dco_needs_the_author() {
        let c = |msg: &'static str| PrCommit {
            id: "abc".into(),
            parents: 1,
            author_name: "Ann",
            author_email: "ann@example.com",
            message: msg,
        };
        assert!(dco(&c("x\n\nSigned-off-by: Ann <ann@example.com>\n")).is_none());
        assert!(dco(&c("x\n\nsigned-off-by: Ann <ANN@example.com>\n")).is_none());
        let other = dco(&c("x\n\nSigned-off-by: Bob <bob@example.com>\n")).unwrap();
        assert_eq!(
            other.message,
            "[PR-001] commit is signed off, but not by its author Ann <ann@example.com>"
        );
        let none = dco(&c("x\n")).unwrap();
        assert_eq!(
            none.message,
            "[PR-001] commit has no DCO sign-off (Signed-off-by:)"
        );
    }
}
