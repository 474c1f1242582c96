//! GitHub output: workflow-command annotations, the markdown job summary
//! (`$GITHUB_STEP_SUMMARY`), the step outputs (`$GITHUB_OUTPUT`) and the body of the sticky
//! pull-request comment.
//!
//! Everything here renders strings; writing them to files or to the API is the command's
//! job. Text that comes from the repository (commit subjects, task titles, messages that
//! quote them) is escaped: workflow-command data and properties as the Actions runner
//! expects, markdown so that no raw HTML, link or `@mention` from a commit message reaches
//! the summary or the comment.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::markdown::escape;
use crate::config::ConfigError;
use crate::finding::{Finding, Severity, Summary};

/// The hidden marker that identifies flowgate's sticky pull-request comment.
pub const COMMENT_MARKER: &str = "<!-- flowgate -->";

/// GitHub refuses comments longer than this many characters.
const COMMENT_LIMIT: usize = 65_000;

/// GitHub refuses a step's job summary larger than this many bytes (1 MiB).
pub const STEP_SUMMARY_LIMIT: usize = 1024 * 1024;

/// Annotations of each kind (error, warning, notice) that GitHub shows for one step; it
/// drops the rest without a word.
pub const ANNOTATIONS_PER_KIND: usize = 10;

/// Whether the findings were printed as annotations, for the job summary's note on those
/// that GitHub does not show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Annotations {
    /// Printed as workflow commands (`--format github`): GitHub shows the first
    /// [`ANNOTATIONS_PER_KIND`] of each kind.
    Printed,
    /// Not printed: stdout had another format (named here).
    NotPrinted {
        /// The `--format` of stdout.
        format: String,
    },
}

/// A commit that was checked, for grouping findings in the summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitLabel {
    /// The full commit id.
    pub id: String,
    /// The first line of its message.
    pub subject: String,
}

/// The first 7 characters of a commit id.
pub fn short_sha(id: &str) -> &str {
    id.get(..7).unwrap_or(id)
}

/// Escapes the data part of a workflow command (`%`, `\r`, `\n`).
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow-command property value (data escapes plus `:` and `,`).
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

fn command_for(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note | Severity::Off => "notice",
    }
}

/// One finding as a workflow command: `::error file=F,line=L,col=C,title=T::message`.
///
/// The title is `CODE rule-name`, followed by the short commit id when the finding belongs
/// to a commit; a finding in a commit message (no file) is thereby still tied to its commit.
pub fn annotation(f: &Finding) -> String {
    let mut props = Vec::new();
    if let Some(file) = &f.file {
        props.push(format!("file={}", escape_property(file)));
        if let Some(line) = f.line {
            props.push(format!("line={line}"));
            if let Some(col) = f.column {
                props.push(format!("col={col}"));
            }
        }
    }
    let mut title = format!("{} {}", f.code, f.rule);
    if let Some(commit) = &f.commit {
        let _ = write!(title, " ({})", short_sha(commit));
    }
    props.push(format!("title={}", escape_property(&title)));
    let mut data = f.message.clone();
    if let Some(help) = &f.help {
        let _ = write!(data, "\nhelp: {help}");
    }
    format!(
        "::{} {}::{}",
        command_for(f.severity),
        props.join(","),
        escape_data(&data)
    )
}

/// A configuration error as one `::error` workflow command that names its file, line and
/// column.
pub fn config_error_command(c: &ConfigError) -> String {
    let mut props = vec![format!("file={}", escape_property(&c.file))];
    if let Some(line) = c.line {
        props.push(format!("line={line}"));
        if let Some(col) = c.column {
            props.push(format!("col={col}"));
        }
    }
    let data = match &c.help {
        Some(help) => format!("{}\nhelp: {help}", c.message),
        None => c.message.clone(),
    };
    props.push(format!(
        "title={}",
        escape_property("flowgate configuration error")
    ));
    format!("::error {}::{}", props.join(","), escape_data(&data))
}

/// An error without a place (usage, repository) as one `::error` workflow command titled
/// `title`.
pub fn error_command(title: &str, message: &str) -> String {
    format!(
        "::error title={}::{}",
        escape_property(title),
        escape_data(message)
    )
}

/// A bug (a panic) as one `::error` workflow command, its message escaped.
pub fn internal_error(message: &str) -> String {
    format!(
        "::error title=flowgate internal error::{}",
        escape_data(&format!(
            "flowgate stopped unexpectedly (please report this): {message}"
        ))
    )
}

/// All findings as workflow commands, one per line.
pub fn render_annotations(findings: &[Finding]) -> String {
    let mut out = String::new();
    for f in findings {
        out.push_str(&annotation(f));
        out.push('\n');
    }
    out
}

/// The step outputs as `key=value` lines for `$GITHUB_OUTPUT`.
pub fn render_outputs(summary: Summary) -> String {
    format!(
        "errors={}\nwarnings={}\nchecked-commits={}\n",
        summary.errors, summary.warnings, summary.commits
    )
}

/// Escapes a finding's message or help for markdown, keeping its `code` spans as code
/// (rendered with [`code`], where nothing is interpreted); unbalanced backticks are
/// escaped like any other text.
pub fn escape_message(s: &str) -> String {
    let parts: Vec<&str> = s.split('`').collect();
    if parts.len() % 2 == 0 {
        return escape(s);
    }
    parts
        .iter()
        .enumerate()
        .map(|(i, p)| {
            if i % 2 == 1 && !p.is_empty() {
                code(p)
            } else {
                escape(p)
            }
        })
        .collect()
}

/// Inline code for markdown: a backtick fence longer than any run inside; newlines folded.
pub fn code(s: &str) -> String {
    let s: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    // In a table cell a `|` ends the cell even inside code; GitHub accepts `\|` there.
    let s = s.replace('|', "\\|");
    let longest = s
        .split(|c| c != '`')
        .map(str::len)
        .max()
        .unwrap_or_default();
    let fence = "`".repeat(longest + 1);
    let pad = if s.starts_with('`') || s.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{s}{pad}{fence}")
}

fn icon(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "❌",
        Severity::Warning => "⚠️",
        Severity::Note | Severity::Off => "ℹ️",
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The headline: `2 errors, 1 warning in 3 commits` or the all-clear line.
pub fn headline(summary: Summary) -> String {
    if summary.errors == 0 && summary.warnings == 0 {
        format!(
            "✅ flowgate: all clear ({} checked)",
            plural(summary.commits, "commit", "commits")
        )
    } else {
        format!(
            "{} flowgate: {}, {} in {}",
            if summary.errors > 0 { "❌" } else { "⚠️" },
            plural(summary.errors, "error", "errors"),
            plural(summary.warnings, "warning", "warnings"),
            plural(summary.commits, "commit", "commits")
        )
    }
}

fn finding_item(f: &Finding) -> String {
    let mut line = format!(
        "- {} **{}** {}: {}",
        icon(f.severity),
        f.code,
        f.rule,
        escape_message(&f.message)
    );
    if let Some(file) = &f.file {
        let mut loc = file.clone();
        if let Some(l) = f.line {
            let _ = write!(loc, ":{l}");
        }
        let _ = write!(line, " ({})", code(&loc));
    } else if let (Some(_), Some(l)) = (&f.commit, f.line) {
        let _ = write!(line, " (message line {l})");
    }
    if let Some(help) = &f.help {
        let _ = write!(line, "<br>help: {}", escape_message(help));
    }
    line.push('\n');
    line
}

/// The markdown report shared by the job summary and the PR comment: counts, findings by
/// commit (in the order the commits were checked), then counts by rule.
pub fn render_summary(findings: &[Finding], summary: Summary, commits: &[CommitLabel]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "## {}\n", headline(summary));
    let _ = writeln!(out, "| | count |\n|---|---:|");
    let _ = writeln!(out, "| errors | {} |", summary.errors);
    let _ = writeln!(out, "| warnings | {} |", summary.warnings);
    let _ = writeln!(out, "| commits checked | {} |", summary.commits);
    let notes = findings
        .iter()
        .filter(|f| f.severity == Severity::Note)
        .count();
    if notes > 0 {
        let _ = writeln!(out, "| notes | {notes} |");
    }
    if findings.is_empty() {
        return out;
    }

    let _ = writeln!(out, "\n### Findings\n");
    for c in commits {
        let mine: Vec<&Finding> = findings
            .iter()
            .filter(|f| f.commit.as_deref() == Some(c.id.as_str()))
            .collect();
        if mine.is_empty() {
            continue;
        }
        let _ = writeln!(
            out,
            "#### Commit {} {}\n",
            code(short_sha(&c.id)),
            escape(&c.subject)
        );
        for f in mine {
            out.push_str(&finding_item(f));
        }
        out.push('\n');
    }
    // Findings of commits not in the list (should not happen) are shown with the rest.
    let known = |f: &&Finding| {
        f.commit
            .as_deref()
            .is_some_and(|id| commits.iter().any(|c| c.id == id))
    };
    let pr: Vec<&Finding> = findings
        .iter()
        .filter(|f| !known(f) && f.file.is_none())
        .collect();
    if !pr.is_empty() {
        let _ = writeln!(out, "#### Pull request and repository\n");
        for f in pr {
            out.push_str(&finding_item(f));
        }
        out.push('\n');
    }
    let tree: Vec<&Finding> = findings
        .iter()
        .filter(|f| !known(f) && f.file.is_some())
        .collect();
    if !tree.is_empty() {
        let _ = writeln!(out, "#### Files at head\n");
        for f in tree {
            out.push_str(&finding_item(f));
        }
        out.push('\n');
    }

    let _ = writeln!(
        out,
        "### By rule\n\n| rule | errors | warnings | notes |\n|---|---:|---:|---:|"
    );
    let mut by_rule: BTreeMap<(&str, &str), [usize; 3]> = BTreeMap::new();
    for f in findings {
        let counts = by_rule.entry((f.code, f.rule)).or_default();
        match f.severity {
            Severity::Error => counts[0] += 1,
            Severity::Warning => counts[1] += 1,
            Severity::Note | Severity::Off => counts[2] += 1,
        }
    }
    for ((code_, rule), [e, w, n]) in by_rule {
        let _ = writeln!(out, "| **{code_}** {rule} | {e} | {w} | {n} |");
    }
    out.push_str("\nRun `flowgate explain CODE` for a rule's documentation and examples.\n");
    out
}

/// The body of the sticky PR comment: the hidden marker, then the summary. When there is
/// nothing to report the comment is kept and says so (it is updated, not deleted, so the
/// conversation keeps the history of what was fixed).
pub fn render_comment(findings: &[Finding], summary: Summary, commits: &[CommitLabel]) -> String {
    let mut body = format!("{COMMENT_MARKER}\n");
    let report = render_summary(findings, summary, commits);
    body.push_str(&truncate(
        &report,
        COMMENT_LIMIT.saturating_sub(body.len()),
        "see the job summary for the full report",
    ));
    body
}

/// The note on the findings that have no annotation on the run page: over GitHub's
/// limit of [`ANNOTATIONS_PER_KIND`] of each kind per step, or all of them when stdout
/// had another format; `None` when every finding is annotated.
pub fn unannotated_note(findings: &[Finding], annotations: &Annotations) -> Option<String> {
    let count = |severity: Severity| findings.iter().filter(|f| f.severity == severity).count();
    let counts = [
        (count(Severity::Error), "error", "errors"),
        (count(Severity::Warning), "warning", "warnings"),
        (count(Severity::Note), "note", "notes"),
    ];
    let cap = match annotations {
        Annotations::Printed => ANNOTATIONS_PER_KIND,
        Annotations::NotPrinted { .. } => 0,
    };
    let missing: Vec<String> = counts
        .iter()
        .filter(|(n, _, _)| *n > cap)
        .map(|&(n, one, many)| plural(n - cap, one, many))
        .collect();
    if missing.is_empty() {
        return None;
    }
    let list = crate::text::phrase_list(&missing, "and");
    let why = match annotations {
        Annotations::Printed => format!(
            "GitHub shows at most {ANNOTATIONS_PER_KIND} error, {ANNOTATIONS_PER_KIND} warning and {ANNOTATIONS_PER_KIND} notice annotations per step, so {list} have no annotation on the files"
        ),
        Annotations::NotPrinted { format } => format!(
            "This step printed `--format {format}`, not annotations, so {list} have no annotation on the files (the default in GitHub Actions is `--format github`)"
        ),
    };
    Some(format!(
        "> **Not every finding is annotated.** {why}. Every finding is listed below and in this step's log.\n"
    ))
}

/// The job summary ([`render_summary`]) with a note on the findings that have no
/// annotation ([`unannotated_note`]), cut to at most `room` bytes, with a note saying where
/// the rest is.
pub fn render_step_summary(
    findings: &[Finding],
    summary: Summary,
    commits: &[CommitLabel],
    annotations: &Annotations,
    room: usize,
) -> String {
    let mut report = render_summary(findings, summary, commits);
    if let Some(note) = unannotated_note(findings, annotations) {
        // After the counts, before the findings: a cut report keeps it.
        let at = report.find("\n### Findings").unwrap_or(report.len());
        report.insert_str(at, &format!("\n{note}"));
    }
    truncate(
        &report,
        room,
        "this step's log and `flowgate ci --format json` list every finding",
    )
}

/// `report` when it fits in `limit` bytes; else its first lines and a note that it was
/// cut (`… (truncated: {rest})`), together within `limit` (nothing when not even the note
/// fits). Cut at a line end, so that no
/// markdown construct is left open.
fn truncate(report: &str, limit: usize, rest: &str) -> String {
    if report.len() <= limit {
        return report.to_string();
    }
    let note = format!("\n\n… (truncated: {rest})\n");
    if note.len() > limit {
        return String::new();
    }
    let mut cut = limit.saturating_sub(note.len());
    while !report.is_char_boundary(cut) {
        cut -= 1;
    }
    let cut = report.get(..cut).and_then(|r| r.rfind('\n')).unwrap_or(cut);
    format!("{}{note}", report.get(..cut).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Position;
    use crate::rules;

    #[test]
    fn properties_and_data_are_escaped() {
        assert_eq!(escape_data("50%\r\nx"), "50%25%0D%0Ax");
        assert_eq!(escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
    }

    #[test]
    fn errors_are_single_escaped_commands() {
        assert_eq!(
            error_command("flowgate repository error", "bad\n::add-mask::x"),
            "::error title=flowgate repository error::bad%0A::add-mask::x"
        );
        assert_eq!(
            internal_error("boom\r\n::error::x"),
            "::error title=flowgate internal error::flowgate stopped unexpectedly (please report this): boom%0D%0A::error::x"
        );
    }

    #[test]
    fn file_finding_annotation() {
        let f = Finding::new(
            &rules::UNKNOWN_STATUS,
            "status \"Won't Do\" is not configured",
        )
        .at("backlog/tasks/task-1 - A, B.md", Position::new(4, 9, 3))
        .help("use one of \"To Do\", \"Done\"");
        assert_eq!(
            annotation(&f),
            "::error file=backlog/tasks/task-1 - A%2C B.md,line=4,col=9,title=FG105 unknown-status::status \"Won't Do\" is not configured%0Ahelp: use one of \"To Do\", \"Done\""
        );
    }

    #[test]
    fn message_finding_has_short_sha_in_title() {
        let f = Finding::new(&rules::MISSING_TASK_REFERENCE, "no task")
            .commit("abc1234def5678")
            .message_line(1, 10);
        assert_eq!(
            annotation(&f),
            "::error title=FG301 missing-task-reference (abc1234)::no task"
        );
        let n = Finding::new(&rules::CONFIG_FROM_BASE, "used base");
        assert!(annotation(&n).starts_with("::notice title=FG601 config-from-base::"));
    }

    #[test]
    fn markdown_is_escaped() {
        assert_eq!(
            escape("<img src=x> *b* @alice [l](u)\n|"),
            "&lt;img src=x&gt; \\*b\\* @\u{200b}alice \\[l\\](u) \\|"
        );
        assert_eq!(code("a`b"), "``a`b``");
        assert_eq!(code("`x"), "`` `x ``");
        assert_eq!(escape_message("set `a*b` in <x>"), "set `a*b` in &lt;x&gt;");
        assert_eq!(escape_message("odd ` tick"), "odd \\` tick");
    }

    #[test]
    fn long_reports_are_cut_at_a_line_end_within_the_limit() {
        let findings: Vec<Finding> = (0..20_000)
            .map(|i| {
                Finding::new(&rules::UNKNOWN_STATUS, format!("status {i} ✓ is unknown"))
                    .at(format!("t{i}.md"), Position::line(1, 1))
            })
            .collect();
        let summary = Summary::default().count(&findings);
        let printed = Annotations::Printed;
        let md = render_step_summary(&findings, summary, &[], &printed, STEP_SUMMARY_LIMIT);
        assert!(md.len() <= STEP_SUMMARY_LIMIT, "{}", md.len());
        assert!(md.ends_with(
            "… (truncated: this step's log and `flowgate ci --format json` list every finding)\n"
        ));
        assert!(md.contains("so 19990 errors have no annotation on the files"));
        assert_eq!(
            render_step_summary(&findings, summary, &[], &printed, 10),
            ""
        );
        let comment = render_comment(&findings, summary, &[]);
        assert!(comment.len() <= COMMENT_LIMIT);
        assert!(comment.ends_with("see the job summary for the full report)\n"));
        let short = render_step_summary(&[], Summary::default(), &[], &printed, STEP_SUMMARY_LIMIT);
        assert!(!short.contains("truncated"));
    }

    #[test]
    fn summary_groups_by_commit_and_rule() {
        let commits = vec![
            CommitLabel {
                id: "1111111aaaa".into(),
                subject: "Add <script> login".into(),
            },
            CommitLabel {
                id: "2222222bbbb".into(),
                subject: "clean".into(),
            },
        ];
        let findings = vec![
            Finding::new(&rules::MISSING_TASK_REFERENCE, "no task").commit("1111111aaaa"),
            Finding::new(&rules::UNKNOWN_STATUS, "bad status").at("t.md", Position::line(2, 1)),
        ];
        let summary = Summary {
            commits: 2,
            ..Summary::default()
        }
        .count(&findings);
        let md = render_summary(&findings, summary, &commits);
        assert!(md.starts_with("## ❌ flowgate: 2 errors, 0 warnings in 2 commits\n"));
        assert!(md.contains("#### Commit `1111111` Add &lt;script&gt; login\n"));
        assert!(!md.contains("2222222"));
        assert!(md.contains("#### Files at head\n"));
        assert!(md.contains("| **FG301** missing-task-reference | 1 | 0 | 0 |"));
        assert!(!md.contains("<script>"));
        let clean = render_comment(&[], Summary::default(), &[]);
        assert!(clean.starts_with("<!-- flowgate -->\n## ✅ flowgate: all clear"));
        assert_eq!(
            render_outputs(summary),
            "errors=2\nwarnings=0\nchecked-commits=2\n"
        );
    }
}
