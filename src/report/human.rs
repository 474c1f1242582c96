//! Human output: miette diagnostics with the source line, a label under the offending
//! span, and the help line.

use std::collections::HashMap;
use std::fmt;
use std::rc::Rc;

use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError,
    MietteSpanContents, NamedSource, SourceCode, SourceSpan, SpanContents,
};

use super::ReportContext;
use crate::finding::{Finding, Severity, Summary};
use crate::source::{Content, MAX_FILE_SIZE};
use crate::text::{decode, printable, LineIndex};

/// One finding as a miette diagnostic.
struct FindingDiagnostic<'a> {
    finding: &'a Finding,
    /// The message and help, made printable.
    message: String,
    help: Option<String>,
    code: String,
    source: Option<Excerpt>,
    span: Option<SourceSpan>,
}

impl fmt::Debug for FindingDiagnostic<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Display for FindingDiagnostic<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for FindingDiagnostic<'_> {}

impl Diagnostic for FindingDiagnostic<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(&self.code))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.finding.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Note => miette::Severity::Advice,
            _ => miette::Severity::Warning,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source.as_ref().map(|s| s as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let span = self.span?;
        Some(Box::new(std::iter::once(LabeledSpan::new_with_span(
            None, span,
        ))))
    }
}

/// The byte span of a finding's line/column/length in `text`.
fn span_in(text: &str, line: u32, column: u32, len: u32) -> Option<SourceSpan> {
    let index = LineIndex::new(text);
    let start = index.line_start(line)?;
    let line_text = text[start..].split(['\n', '\r']).next().unwrap_or_default();
    let mut chars = line_text
        .char_indices()
        .skip(column.saturating_sub(1) as usize);
    let (col_off, _) = chars.next().unwrap_or((line_text.len(), ' '));
    let end_off = line_text
        .char_indices()
        .map(|(i, _)| i)
        .chain(std::iter::once(line_text.len()))
        .nth(column.saturating_sub(1).saturating_add(len.max(1)) as usize)
        .unwrap_or(line_text.len());
    let len = end_off
        .saturating_sub(col_off)
        .max(usize::from(line_text.is_empty()));
    Some(SourceSpan::new((start + col_off).into(), len))
}

/// A file's or a commit message's text, decoded and indexed once for all the findings
/// that point into it.
struct Text {
    name: String,
    text: String,
    index: LineIndex,
}

impl Text {
    fn new(name: String, text: String) -> Text {
        let index = LineIndex::new(&text);
        Text { name, text, index }
    }
}

/// The lines around a finding, handed to miette instead of the whole text: miette finds
/// a span's line by scanning from the start of its source, which for thousands of
/// findings in one large file is quadratic. The lines are numbered as in the file.
#[derive(Debug)]
struct Excerpt {
    name: String,
    text: String,
    /// 0-based file line of the excerpt's first line.
    first_line: usize,
}

impl SourceCode for Excerpt {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let inner = self.text.read_span(span, before, after)?;
        Ok(Box::new(
            MietteSpanContents::new_named(
                self.name.clone(),
                inner.data(),
                *inner.span(),
                inner.line() + self.first_line,
                inner.column(),
                inner.line_count(),
            )
            .with_language("markdown"),
        ))
    }
}

/// Lines of context around a finding's line put in its excerpt (miette shows one).
const EXCERPT_LINES: u32 = 2;

/// The excerpt of `text` around `line` (control characters made visible) and the span of
/// `column`/`len` on that line within it.
fn excerpt(text: &Text, line: u32, column: u32, len: u32) -> Option<(Excerpt, SourceSpan)> {
    let first = line.saturating_sub(EXCERPT_LINES).max(1);
    let start = text.index.line_start(first)?;
    text.index.line_start(line)?;
    let end = text
        .index
        .line_start(line.saturating_add(EXCERPT_LINES + 1))
        .unwrap_or(text.text.len());
    let lines = printable(text.text.get(start..end)?, true).into_owned();
    let span = span_in(&lines, line - first + 1, column, len)?;
    Some((
        Excerpt {
            name: printable(&text.name, false).into_owned(),
            text: lines,
            first_line: first as usize - 1,
        },
        span,
    ))
}

/// Loads the text a finding points into: a file of the snapshot or a commit message.
fn source_for(finding: &Finding, ctx: &ReportContext<'_>) -> Option<Text> {
    if let Some(file) = &finding.file {
        let source = ctx.source?;
        let Ok(Content::Bytes(bytes)) = source.read(file, MAX_FILE_SIZE) else {
            return None;
        };
        let text = decode(&bytes).ok()?;
        return Some(Text::new(file.clone(), text.to_string()));
    }
    let commit = finding.commit.as_ref()?;
    let (_, message) = ctx.messages.iter().find(|(id, _)| id == commit)?;
    let name = format!("commit {}", short(commit));
    Some(Text::new(name, message.clone()))
}

fn short(commit: &str) -> &str {
    commit.get(..12).unwrap_or(commit)
}

/// A finding's file and commit: where its text comes from.
type TextKey = (Option<String>, Option<String>);

/// Texts already loaded, by file (or commit): each is read and indexed once per report.
#[derive(Default)]
struct Texts {
    loaded: HashMap<TextKey, Option<Rc<Text>>>,
}

impl Texts {
    fn get(&mut self, finding: &Finding, ctx: &ReportContext<'_>) -> Option<Rc<Text>> {
        let key = (finding.file.clone(), finding.commit.clone());
        self.loaded
            .entry(key)
            .or_insert_with(|| source_for(finding, ctx).map(Rc::new))
            .clone()
    }
}

/// Renders one finding. Repository text in it (file names, messages, source lines) is
/// shown with its control characters made visible ([`printable`]).
pub fn render_finding(finding: &Finding, ctx: &ReportContext<'_>) -> String {
    render_with(finding, ctx, &mut Texts::default())
}

fn render_with(finding: &Finding, ctx: &ReportContext<'_>, texts: &mut Texts) -> String {
    let mut code = format!("{}({})", finding.code, finding.rule);
    let mut snippet = None;
    if let Some(line) = finding.line {
        if let Some(text) = texts.get(finding, ctx) {
            snippet = excerpt(&text, line, finding.column.unwrap_or(1), finding.span_len);
        }
    }
    if snippet.is_none() {
        // No snippet to show: name the place in the heading instead.
        let place = match (&finding.file, finding.line, &finding.commit) {
            (Some(f), Some(l), _) => Some(format!("{}:{l}", printable(f, false))),
            (Some(f), None, _) => Some(printable(f, false).into_owned()),
            (None, _, Some(c)) => Some(format!("commit {}", printable(short(c), false))),
            _ => None,
        };
        if let Some(place) = place {
            code = format!("{code} at {place}");
        }
    }
    let (source, span) = match snippet {
        Some((source, span)) => (Some(source), Some(span)),
        None => (None, None),
    };
    let message = printable(&finding.message, false).into_owned();
    let help = finding
        .help
        .as_deref()
        .map(|h| printable(h, false).into_owned());
    let diagnostic = FindingDiagnostic {
        finding,
        message,
        help,
        code,
        source,
        span,
    };
    let theme = if ctx.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        // Lines stay whole (a help's command and a path copy as one line): the width
        // applies to what miette wraps, should a finding ever be wrapped.
        .with_width(super::width::stdout())
        .with_wrap_lines(false)
        .with_context_lines(1);
    let mut out = String::new();
    if handler.render_report(&mut out, &diagnostic).is_err() {
        out = format!("{}: {}\n", finding.code, diagnostic.message);
    }
    out
}

/// Renders every finding and, unless quiet, the summary line.
pub fn render(findings: &[Finding], summary: Summary, ctx: &ReportContext<'_>) -> String {
    let mut out = String::new();
    let mut texts = Texts::default();
    for finding in findings {
        out.push_str(&render_with(finding, ctx, &mut texts));
        out.push('\n');
    }
    if !ctx.quiet {
        out.push_str(&rule_counts(findings));
        out.push_str(&summary_line(summary));
        out.push('\n');
    }
    out
}

/// An audit's findings: those of the history first, without snippets (they point into
/// old versions of files), then those of the tree with snippets from `ctx.source` (HEAD's
/// tree); unless quiet, the counts by rule, the summary and the coverage headline.
pub fn render_audit(
    audit: &crate::audit::Audit,
    findings: &[Finding],
    summary: Summary,
    ctx: &ReportContext<'_>,
) -> String {
    let (history, tree_findings): (Vec<Finding>, Vec<Finding>) =
        findings.iter().cloned().partition(|f| f.commit.is_some());
    let mut text = render(
        &history,
        Summary::default(),
        &ReportContext {
            source: None,
            messages: &[],
            color: ctx.color,
            quiet: true,
        },
    );
    text.push_str(&render(
        &tree_findings,
        summary,
        &ReportContext {
            source: ctx.source,
            messages: &[],
            color: ctx.color,
            quiet: true,
        },
    ));
    if !ctx.quiet {
        // The counts and the summary cover history and tree findings alike.
        text.push_str(&rule_counts(findings));
        text.push_str(&summary_line(summary));
        text.push('\n');
        let c = &audit.coverage;
        text.push_str(&format!("coverage: {}\n", c.headline()));
    }
    text
}

/// One line per rule with its number of findings, in code order, when there are two
/// findings or more: at scale, the shape of the problem before its details.
///
/// ```text
/// findings by rule:
///   FG104 duplicate-task-id   47 (1 error, 46 warnings)
///   FG201 missing-spec-link  126 errors
/// ```
pub fn rule_counts(findings: &[Finding]) -> String {
    if findings.len() < 2 {
        return String::new();
    }
    // (code, name, errors, warnings, notes)
    let mut rows: Vec<(&str, &str, usize, usize, usize)> = Vec::new();
    for f in findings {
        let at = match rows.iter().position(|r| r.0 == f.code) {
            Some(i) => i,
            None => {
                rows.push((f.code, f.rule, 0, 0, 0));
                rows.len() - 1
            }
        };
        if let Some(row) = rows.get_mut(at) {
            match f.severity {
                Severity::Error => row.2 += 1,
                Severity::Note => row.4 += 1,
                _ => row.3 += 1,
            }
        }
    }
    rows.sort_by(|a, b| a.0.cmp(b.0));
    let width = rows
        .iter()
        .map(|r| r.0.len() + 1 + r.1.len())
        .max()
        .unwrap_or(0);
    let digits = rows
        .iter()
        .map(|r| (r.2 + r.3 + r.4).to_string().len())
        .max()
        .unwrap_or(1);
    let mut out = String::from("findings by rule:\n");
    for (code, name, errors, warnings, notes) in rows {
        let kinds: Vec<String> = [
            (errors, "error", "errors"),
            (warnings, "warning", "warnings"),
            (notes, "note", "notes"),
        ]
        .into_iter()
        .filter(|(n, _, _)| *n > 0)
        .map(|(n, one, many)| plural(n, one, many))
        .collect();
        let total = errors + warnings + notes;
        let kinds = match kinds.as_slice() {
            // "126 errors": the number is the total.
            [only] => only
                .split_once(' ')
                .map_or(String::new(), |(_, noun)| noun.to_string()),
            _ => format!("({})", kinds.join(", ")),
        };
        let label = format!("{code} {name}");
        out.push_str(&format!("  {label:<width$}  {total:>digits$} {kinds}\n"));
    }
    out
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `✗ 2 errors, 1 warning (12 tasks, 4 spec files)` or `✓ no findings (...)`.
pub fn summary_line(s: Summary) -> String {
    let mut scope = vec![
        plural(s.tasks, "task", "tasks"),
        plural(s.specs, "spec file", "spec files"),
    ];
    if s.commits > 0 {
        scope.push(plural(s.commits, "commit", "commits"));
    }
    let scope = scope.join(", ");
    match (s.errors, s.warnings) {
        (0, 0) => format!("✓ no findings ({scope} checked)"),
        (0, w) => format!(
            "✓ no errors, {} ({scope} checked)",
            plural(w, "warning", "warnings")
        ),
        (e, w) => format!(
            "✗ {}, {} ({scope} checked)",
            plural(e, "error", "errors"),
            plural(w, "warning", "warnings")
        ),
    }
}

/// A configuration error as a diagnostic pointing into the config file.
#[derive(Debug)]
struct ConfigDiagnostic<'a> {
    error: &'a crate::config::ConfigError,
    source: NamedSource<String>,
    span: Option<SourceSpan>,
}

impl fmt::Display for ConfigDiagnostic<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid configuration: {}", self.error.message)
    }
}

impl std::error::Error for ConfigDiagnostic<'_> {}

impl Diagnostic for ConfigDiagnostic<'_> {
    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.error
            .help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.span.map(|_| &self.source as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let span = self.span?;
        Some(Box::new(std::iter::once(LabeledSpan::new_with_span(
            None, span,
        ))))
    }
}

/// Renders a configuration error with the offending line of the config file.
pub fn render_config_error(error: &crate::config::ConfigError) -> String {
    let span = match (error.line, error.column) {
        (Some(l), Some(c)) => {
            let len = error
                .source_text
                .lines()
                .nth(l.saturating_sub(1) as usize)
                .map_or(1, |t| {
                    let rest: String = t.chars().skip(c.saturating_sub(1) as usize).collect();
                    rest.find(':').unwrap_or(rest.chars().count()).max(1) as u32
                });
            span_in(&error.source_text, l, c, len)
        }
        _ => None,
    };
    let diagnostic = ConfigDiagnostic {
        error,
        source: NamedSource::new(error.file.clone(), error.source_text.clone()),
        span,
    };
    let handler = GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor())
        .with_width(super::width::stderr());
    let mut out = String::new();
    if handler.render_report(&mut out, &diagnostic).is_err() || span.is_none() {
        out = error.to_string();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_per_rule_in_code_order() {
        let f = |rule: &'static crate::rules::Rule, severity: Severity| {
            let mut f = Finding::new(rule, "m");
            f.severity = severity;
            f
        };
        let findings = [
            f(&crate::rules::MISSING_SPEC_LINK, Severity::Error),
            f(&crate::rules::DUPLICATE_TASK_ID, Severity::Warning),
            f(&crate::rules::DUPLICATE_TASK_ID, Severity::Error),
            f(&crate::rules::MISSING_SPEC_LINK, Severity::Error),
            f(&crate::rules::DONE_WITH_OPEN_ITEMS, Severity::Warning),
        ];
        assert_eq!(
            rule_counts(&findings),
            "findings by rule:\n  FG104 duplicate-task-id     2 (1 error, 1 warning)\n  FG111 done-with-open-items  1 warning\n  FG201 missing-spec-link     2 errors\n"
        );
        assert_eq!(rule_counts(&findings[..1]), "");
    }

    #[test]
    fn span_covers_the_columns() {
        let text = "---\nstatus: Won't Do\n---\n";
        let span = span_in(text, 2, 9, 8).unwrap();
        assert_eq!(&text[span.offset()..span.offset() + span.len()], "Won't Do");
    }

    #[test]
    fn span_past_the_end_is_clipped() {
        let text = "abc";
        let span = span_in(text, 1, 2, 50).unwrap();
        assert_eq!(&text[span.offset()..span.offset() + span.len()], "bc");
        assert!(span_in(text, 9, 1, 1).is_none());
    }
}
