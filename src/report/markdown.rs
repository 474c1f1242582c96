//! The audit report as markdown: summary, coverage matrix, findings by rule and by
//! commit, and status timelines. Table cells are escaped so that no input breaks a table.

use std::fmt::Write;

use super::audit_model::{place, severity, Model, LIST_LIMIT};
use crate::audit::Audit;
use crate::finding::{Finding, Summary};

/// Escapes repository text (a title, a commit subject, a finding's message) for inline
/// markdown, for every markdown flowgate writes (the markdown audit, the job summary and
/// the pull-request comment): no HTML and no entities (`&`, `<`, `>` become entities), no
/// emphasis, code, strikethrough or links (`\`, `` ` ``, `*`, `_`, `~`, `[`, `]` are
/// backslash-escaped; so are `#`, which would reference an issue, and the `:` of `://` and
/// the `.` of `www.`, which GitHub would turn into links), no table-cell break (`|`), one
/// line (newlines and tabs become spaces, other control characters are dropped). An `@`
/// that starts a word is followed by a zero-width space so that an author name or commit
/// subject like `@team` notifies no one where the text is posted; an e-mail address stays
/// as it is (GitHub does not read it as a mention).
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut previous = ' ';
    for (at, c) in text.char_indices() {
        let after_word = previous.is_ascii_alphanumeric();
        previous = c;
        let rest = text.get(at + c.len_utf8()..).unwrap_or_default();
        let before = text.get(..at).unwrap_or_default();
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '|' | '`' | '*' | '_' | '~' | '[' | ']' | '\\' | '#' => {
                out.push('\\');
                out.push(c);
            }
            ':' if rest.starts_with("//") => out.push_str("\\:"),
            '.' if before.len() >= 3
                && before
                    .get(before.len() - 3..)
                    .is_some_and(|w| w.eq_ignore_ascii_case("www")) =>
            {
                out.push_str("\\.")
            }
            '@' if !after_word => out.push_str("@\u{200b}"),
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

fn short(id: &str) -> &str {
    id.get(..8).unwrap_or(id)
}

/// Renders the audit report.
pub fn render(audit: &Audit, findings: &[Finding], summary: Summary) -> String {
    let m = Model::new(audit, findings, summary);
    let mut o = String::new();
    let head = audit.head.to_string();
    let _ = writeln!(o, "# flowgate audit\n");
    let _ = writeln!(
        o,
        "HEAD `{}` · {} commits ({}) · {} tasks · {} spec files · **{} errors**, {} warnings\n",
        short(&head),
        audit.stats.commits,
        m.range(),
        audit.tasks,
        audit.specs,
        summary.errors,
        summary.warnings
    );

    let c = &audit.coverage;
    let _ = writeln!(o, "## Coverage\n");
    let headline = c.headline();
    let mut first = headline.chars();
    let headline: String = first
        .next()
        .map(|h| h.to_uppercase().chain(first).collect())
        .unwrap_or_default();
    let _ = writeln!(o, "{headline}.\n");
    if !c.features.is_empty() {
        let _ = writeln!(o, "| feature | requirements | covered | coverage |");
        let _ = writeln!(o, "|---|---:|---:|---:|");
        for f in &c.features {
            let _ = writeln!(
                o,
                "| {} | {} | {} | {:.0}% |",
                escape(&f.feature),
                f.requirements.len(),
                f.covered(),
                f.percent()
            );
        }
        let _ = writeln!(o);
    }
    for f in &c.features {
        let _ = writeln!(o, "### {} ({:.0}%)\n", escape(&f.feature), f.percent());
        let _ = writeln!(o, "| requirement | section | task | status |");
        let _ = writeln!(o, "|---|---|---|---|");
        for r in &f.requirements {
            if r.tasks.is_empty() {
                let _ = writeln!(
                    o,
                    "| {} | {} | — | **uncovered** |",
                    escape(&r.id),
                    escape(&r.heading)
                );
            }
            for t in &r.tasks {
                let _ = writeln!(
                    o,
                    "| {} | {} | {} {} | {}{} |",
                    escape(&r.id),
                    escape(&r.heading),
                    escape(&t.id),
                    escape(&t.title),
                    escape(&t.status),
                    if t.done { " ✓" } else { "" }
                );
            }
        }
        let _ = writeln!(o);
    }
    let done: Vec<_> = c.all_done().collect();
    let _ = writeln!(
        o,
        "### Requirements whose tasks are all done ({})\n",
        done.len()
    );
    for r in &done {
        let ids: Vec<String> = r.tasks.iter().map(|t| escape(&t.id)).collect();
        let _ = writeln!(o, "- {} ({})", escape(&r.qualified), ids.join(", "));
    }
    if done.is_empty() {
        let _ = writeln!(o, "None.");
    }
    let _ = writeln!(o);
    let _ = writeln!(
        o,
        "### Tasks with no requirement ({})\n",
        c.unlinked_tasks.len()
    );
    for t in c.unlinked_tasks.iter().take(LIST_LIMIT) {
        let _ = writeln!(
            o,
            "- {} {} ({})",
            escape(&t.id),
            escape(&t.title),
            escape(&t.status)
        );
    }
    if c.unlinked_tasks.len() > LIST_LIMIT {
        let _ = writeln!(o, "- … {} more", c.unlinked_tasks.len() - LIST_LIMIT);
    }
    if c.unlinked_tasks.is_empty() {
        let _ = writeln!(o, "None.");
    }
    let _ = writeln!(o);

    let _ = writeln!(o, "## Findings by rule\n");
    if m.by_rule.is_empty() {
        let _ = writeln!(o, "No findings.\n");
    }
    for g in &m.by_rule {
        let _ = writeln!(o, "### {} {} ({})\n", g.code, g.rule, g.findings.len());
        for f in g.findings.iter().take(LIST_LIMIT) {
            let _ = writeln!(
                o,
                "- **{}** {}: {}",
                severity(f),
                escape(&place(f)),
                escape(&f.message)
            );
            if let Some(h) = &f.help {
                let mut lines = h.lines();
                let first = lines.next().unwrap_or_default();
                let _ = writeln!(o, "  - help: {}", escape(first));
                let rest: Vec<&str> = lines.collect();
                if !rest.is_empty() {
                    // The re-confirmation line and the diff, verbatim.
                    let _ = writeln!(o, "\n    ```text");
                    for l in rest {
                        let _ = writeln!(o, "    {}", l.replace("```", "'''"));
                    }
                    let _ = writeln!(o, "    ```");
                }
            }
        }
        if g.findings.len() > LIST_LIMIT {
            let _ = writeln!(
                o,
                "- … {} more (`--format json` has them all)",
                g.findings.len() - LIST_LIMIT
            );
        }
        let _ = writeln!(o);
    }

    let _ = writeln!(o, "## Findings by commit\n");
    if m.by_commit.is_empty() {
        let _ = writeln!(o, "No commit has findings.\n");
    } else {
        let _ = writeln!(o, "| commit | date | author | subject | findings |");
        let _ = writeln!(o, "|---|---|---|---|---|");
        for g in m.by_commit.iter().take(LIST_LIMIT) {
            let codes: Vec<&str> = g.findings.iter().map(|f| f.code).collect();
            let _ = writeln!(
                o,
                "| `{}` | {} | {} | {} | {} |",
                short(&g.commit.id),
                g.commit.date(),
                escape(&g.commit.author),
                escape(&g.commit.subject),
                codes.join(", ")
            );
        }
        if m.by_commit.len() > LIST_LIMIT {
            let _ = writeln!(o, "\n… {} more commits", m.by_commit.len() - LIST_LIMIT);
        }
        let _ = writeln!(o);
    }

    let _ = writeln!(o, "## Status history\n");
    if m.timelines.is_empty() {
        let _ = writeln!(o, "No task changed status in the audited history.\n");
    }
    for (task, rows) in &m.timelines {
        let _ = writeln!(o, "### {}\n", escape(task));
        let _ = writeln!(o, "| date | commit | author | change |");
        let _ = writeln!(o, "|---|---|---|---|");
        for r in rows {
            let _ = writeln!(
                o,
                "| {} | `{}` | {} | {} |",
                r.date,
                short(&r.commit.id),
                escape(&r.commit.author),
                escape(&r.change)
            );
        }
        let _ = writeln!(o);
    }
    if m.more_timelines > 0 {
        let _ = writeln!(
            o,
            "… {} more tasks (`flowgate trace TASK-N` shows one)\n",
            m.more_timelines
        );
    }
    o
}

#[cfg(test)]
mod tests {
    #[test]
    fn escapes_table_breakers() {
        assert_eq!(super::escape("a|b\n<x>`"), "a\\|b &lt;x&gt;\\`");
        assert_eq!(
            super::escape("cc @acme/owners,@bob ada@example.com\u{1b}[31m"),
            "cc @\u{200b}acme/owners,@\u{200b}bob ada@example.com\\[31m"
        );
    }

    /// The markdown audit, the job summary and the pull-request comment escape the same
    /// text the same way (there were two escapers: the audit let `&lt;` through as an
    /// entity and left URLs and strikethrough live, the comment put a zero-width space
    /// into e-mail addresses).
    #[test]
    fn one_escaping_for_every_markdown_output() {
        assert_eq!(
            super::escape("AT&T &lt;b&gt;"),
            "AT&amp;T &amp;lt;b&amp;gt;"
        );
        assert_eq!(
            super::escape("see https://x.example/a_b or www.x.example (~~old~~) #12: done"),
            "see https\\://x.example/a\\_b or www\\.x.example (\\~\\~old\\~\\~) \\#12: done"
        );
        let finding = crate::finding::Finding::new(
            &crate::codes::MISSING_TASK_REFERENCE,
            "written by ada@example.com for @team & AT&T",
        );
        let comment = crate::report::github::escape_message(&finding.message);
        assert_eq!(comment, super::escape(&finding.message));
        assert_eq!(
            comment,
            "written by ada@example.com for @\u{200b}team &amp; AT&amp;T"
        );
    }
}
