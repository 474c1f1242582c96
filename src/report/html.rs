//! The audit report as one self-contained HTML file: inline CSS, no scripts, no external
//! assets, every string from the repository escaped.

use std::fmt::Write;

use super::audit_model::{place, severity, Model, LIST_LIMIT};
use crate::audit::Audit;
use crate::finding::{Finding, Summary};

/// Escapes text for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = r#"
:root{--fg:#1f2328;--muted:#656d76;--line:#d0d7de;--bg:#f6f8fa;--err:#cf222e;--warn:#9a6700;--ok:#1a7f37}
*{box-sizing:border-box}
body{font:14px/1.5 -apple-system,"Segoe UI",Helvetica,Arial,sans-serif;color:var(--fg);margin:0;padding:24px 32px;max-width:1200px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:19px;border-bottom:1px solid var(--line);padding-bottom:4px;margin-top:32px}
h3{font-size:15px;margin:20px 0 8px}
.meta{color:var(--muted);margin-bottom:16px}
.cards{display:flex;gap:12px;flex-wrap:wrap;margin:16px 0}
.card{border:1px solid var(--line);border-radius:6px;padding:10px 16px;min-width:140px;background:var(--bg)}
.card b{display:block;font-size:22px}
.card.err b{color:var(--err)}.card.warn b{color:var(--warn)}.card.ok b{color:var(--ok)}
table{border-collapse:collapse;width:100%;margin:8px 0 16px}
th,td{border:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}
th{background:var(--bg)}
td.num{text-align:right;font-variant-numeric:tabular-nums}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px}
.bar{background:#eaeef2;border-radius:3px;height:8px;width:120px;display:inline-block;vertical-align:middle;margin-right:6px}
.bar i{display:block;height:8px;border-radius:3px;background:var(--ok)}
.sev{font-weight:600;text-transform:uppercase;font-size:11px;padding:1px 6px;border-radius:10px;color:#fff}
.sev.error{background:var(--err)}.sev.warning{background:var(--warn)}
.uncovered{color:var(--err);font-weight:600}.done{color:var(--ok)}
ul.findings{list-style:none;padding:0}
ul.findings li{border-left:3px solid var(--line);padding:4px 10px;margin:6px 0}
ul.findings li.error{border-color:var(--err)}ul.findings li.warning{border-color:var(--warn)}
.help{color:var(--muted);white-space:pre-wrap}
.help.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px}
details{margin:4px 0}summary{cursor:pointer}
"#;

fn short(id: &str) -> &str {
    id.get(..8).unwrap_or(id)
}

/// Renders the audit report.
pub fn render(audit: &Audit, findings: &[Finding], summary: Summary) -> String {
    let m = Model::new(audit, findings, summary);
    let c = &audit.coverage;
    let head = audit.head.to_string();
    let mut o = String::new();
    let _ = write!(
        o,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>flowgate audit {}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        escape(short(&head))
    );
    let _ = writeln!(o, "<h1>flowgate audit</h1>");
    let _ = writeln!(
        o,
        "<div class=\"meta\">HEAD <code>{}</code> · {} commits ({}) · {} tasks · {} spec files</div>",
        escape(short(&head)),
        audit.stats.commits,
        escape(&m.range()),
        audit.tasks,
        audit.specs
    );
    let _ = writeln!(o, "<section id=\"summary\"><div class=\"cards\">");
    let _ = writeln!(
        o,
        "<div class=\"card err\"><b>{}</b>errors</div><div class=\"card warn\"><b>{}</b>warnings</div><div class=\"card ok\"><b>{}</b>requirements covered ({} of {})</div><div class=\"card\"><b>{}</b>requirements all done</div><div class=\"card\"><b>{}</b>tasks with no requirement</div>",
        summary.errors,
        summary.warnings,
        if c.total() == 0 {
            "–".to_string()
        } else {
            format!("{:.0}%", c.percent())
        },
        c.covered(),
        c.total(),
        c.all_done().count(),
        c.unlinked_tasks.len()
    );
    let _ = writeln!(o, "</div></section>");

    let _ = writeln!(o, "<section id=\"coverage\"><h2>Coverage</h2>");
    if c.features.is_empty() {
        let _ = writeln!(o, "<p>No spec requirements found.</p>");
    } else {
        let _ = writeln!(
            o,
            "<table><thead><tr><th>feature</th><th>requirements</th><th>covered</th><th>coverage</th></tr></thead><tbody>"
        );
        for f in &c.features {
            let _ = writeln!(
                o,
                "<tr><td><a href=\"#f-{}\">{}</a></td><td class=\"num\">{}</td><td class=\"num\">{}</td><td><span class=\"bar\"><i style=\"width:{:.0}%\"></i></span>{:.0}%</td></tr>",
                escape(&f.feature),
                escape(&f.feature),
                f.requirements.len(),
                f.covered(),
                f.percent(),
                f.percent()
            );
        }
        let _ = writeln!(o, "</tbody></table>");
    }
    for f in &c.features {
        let _ = writeln!(
            o,
            "<h3 id=\"f-{}\">{} ({:.0}%)</h3>",
            escape(&f.feature),
            escape(&f.feature),
            f.percent()
        );
        let _ = writeln!(
            o,
            "<table class=\"matrix\"><thead><tr><th>requirement</th><th>section</th><th>task</th><th>status</th></tr></thead><tbody>"
        );
        for r in &f.requirements {
            if r.tasks.is_empty() {
                let _ = writeln!(
                    o,
                    "<tr><td><code>{}</code></td><td>{}</td><td>—</td><td class=\"uncovered\">uncovered</td></tr>",
                    escape(&r.id),
                    escape(&r.heading)
                );
            }
            for t in &r.tasks {
                let _ = writeln!(
                    o,
                    "<tr><td><code>{}</code></td><td>{}</td><td><code>{}</code> {}</td><td{}>{}</td></tr>",
                    escape(&r.id),
                    escape(&r.heading),
                    escape(&t.id),
                    escape(&t.title),
                    if t.done { " class=\"done\"" } else { "" },
                    escape(&t.status)
                );
            }
        }
        let _ = writeln!(o, "</tbody></table>");
    }
    let done: Vec<_> = c.all_done().collect();
    let _ = writeln!(
        o,
        "<h3>Requirements whose tasks are all done ({})</h3>",
        done.len()
    );
    if !done.is_empty() {
        let _ = writeln!(o, "<ul>");
        for r in &done {
            let ids: Vec<String> = r.tasks.iter().map(|t| escape(&t.id)).collect();
            let _ = writeln!(
                o,
                "<li><code>{}</code> ({})</li>",
                escape(&r.qualified),
                ids.join(", ")
            );
        }
        let _ = writeln!(o, "</ul>");
    }
    let _ = writeln!(
        o,
        "<h3>Tasks with no requirement ({})</h3>",
        c.unlinked_tasks.len()
    );
    if !c.unlinked_tasks.is_empty() {
        let _ = writeln!(o, "<ul>");
        for t in c.unlinked_tasks.iter().take(LIST_LIMIT) {
            let _ = writeln!(
                o,
                "<li><code>{}</code> {} ({})</li>",
                escape(&t.id),
                escape(&t.title),
                escape(&t.status)
            );
        }
        if c.unlinked_tasks.len() > LIST_LIMIT {
            let _ = writeln!(o, "<li>… {} more</li>", c.unlinked_tasks.len() - LIST_LIMIT);
        }
        let _ = writeln!(o, "</ul>");
    }
    let _ = writeln!(o, "</section>");

    let _ = writeln!(o, "<section id=\"by-rule\"><h2>Findings by rule</h2>");
    if m.by_rule.is_empty() {
        let _ = writeln!(o, "<p>No findings.</p>");
    }
    for g in &m.by_rule {
        let _ = writeln!(
            o,
            "<details open><summary><b>{}</b> {} ({})</summary><ul class=\"findings\">",
            escape(g.code),
            escape(g.rule),
            g.findings.len()
        );
        for f in g.findings.iter().take(LIST_LIMIT) {
            let sev = severity(f);
            let _ = write!(
                o,
                "<li class=\"{sev}\"><span class=\"sev {sev}\">{sev}</span> <code>{}</code> {}",
                escape(&place(f)),
                escape(&f.message)
            );
            if let Some(h) = &f.help {
                let class = if h.contains('\n') {
                    "help mono"
                } else {
                    "help"
                };
                let _ = write!(o, "<div class=\"{class}\">{}</div>", escape(h));
            }
            let _ = writeln!(o, "</li>");
        }
        if g.findings.len() > LIST_LIMIT {
            let _ = writeln!(
                o,
                "<li>… {} more (<code>--format json</code> has them all)</li>",
                g.findings.len() - LIST_LIMIT
            );
        }
        let _ = writeln!(o, "</ul></details>");
    }
    let _ = writeln!(o, "</section>");

    let _ = writeln!(o, "<section id=\"by-commit\"><h2>Findings by commit</h2>");
    if m.by_commit.is_empty() {
        let _ = writeln!(o, "<p>No commit has findings.</p>");
    } else {
        let _ = writeln!(
            o,
            "<table><thead><tr><th>commit</th><th>date</th><th>author</th><th>subject</th><th>findings</th></tr></thead><tbody>"
        );
        for g in m.by_commit.iter().take(LIST_LIMIT) {
            let codes: Vec<&str> = g.findings.iter().map(|f| f.code).collect();
            let _ = writeln!(
                o,
                "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(short(&g.commit.id)),
                escape(&g.commit.date()),
                escape(&g.commit.author),
                escape(&g.commit.subject),
                escape(&codes.join(", "))
            );
        }
        let _ = writeln!(o, "</tbody></table>");
        if m.by_commit.len() > LIST_LIMIT {
            let _ = writeln!(
                o,
                "<p>… {} more commits</p>",
                m.by_commit.len() - LIST_LIMIT
            );
        }
    }
    let _ = writeln!(o, "</section>");

    let _ = writeln!(o, "<section id=\"timeline\"><h2>Status history</h2>");
    if m.timelines.is_empty() {
        let _ = writeln!(o, "<p>No task changed status in the audited history.</p>");
    }
    for (task, rows) in &m.timelines {
        let _ = writeln!(
            o,
            "<details><summary><code>{}</code> ({} change{})</summary><table><thead><tr><th>date</th><th>commit</th><th>author</th><th>change</th></tr></thead><tbody>",
            escape(task),
            rows.len(),
            if rows.len() == 1 { "" } else { "s" }
        );
        for r in rows {
            let _ = writeln!(
                o,
                "<tr><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
                escape(&r.date),
                escape(short(&r.commit.id)),
                escape(&r.commit.author),
                escape(&r.change)
            );
        }
        let _ = writeln!(o, "</tbody></table></details>");
    }
    if m.more_timelines > 0 {
        let _ = writeln!(
            o,
            "<p>… {} more tasks (<code>flowgate trace TASK-N</code> shows one)</p>",
            m.more_timelines
        );
    }
    let _ = writeln!(o, "</section>\n</body>\n</html>");
    o
}

#[cfg(test)]
mod tests {
    #[test]
    fn escapes_markup() {
        assert_eq!(
            super::escape("<script>alert('x')</script>&\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;"
        );
    }
}
