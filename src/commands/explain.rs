//! `flowgate explain CODE`: a rule's documentation.

use super::{CommandError, Context, Outcome};
use crate::cli::ExplainArgs;
use crate::rules;

/// The formats `flowgate explain` writes: a rule's documentation as text.
pub const FORMATS: &[crate::cli::Format] = &[crate::cli::Format::Human];

/// Prints one rule's documentation, or the list of rules.
pub fn run(_ctx: &Context, args: &ExplainArgs) -> Result<Outcome, CommandError> {
    if args.list {
        print!("{}", list());
        return Ok(Outcome::Clean);
    }
    let key = args.code.as_deref().unwrap_or_default();
    match rules::lookup(key) {
        Some(rule) => {
            // A catalogue ID can be enforced by several rules (VALID-001: the log's lines,
            // and its presence at a pull request): each is printed.
            let more = rules::CATALOGUE
                .iter()
                .filter(|c| c.id.eq_ignore_ascii_case(key.trim()) && c.rule.code != rule.code)
                .map(|c| format!("\n{}", render(c.rule)));
            print!("{}{}", render(rule), more.collect::<String>());
            Ok(Outcome::Clean)
        }
        None => {
            let hint = crate::text::nearest(key, rules::all_keys())
                .map(|k| format!(" Did you mean `{k}`?"))
                .unwrap_or_default();
            Err(CommandError::Usage(format!(
                "no rule `{key}`.{hint} `flowgate explain --list` lists every rule."
            )))
        }
    }
}

/// The documentation of one rule, as printed.
pub fn render(rule: &rules::Rule) -> String {
    format!(
        "# {} {}\n\nFamily: {}. Default severity: {}.\n\n{}\n\n{}",
        rule.code,
        rule.name,
        rule.family.name(),
        rule.default_severity.as_str(),
        rule.summary,
        rule.doc.trim_start()
    )
}

/// One line per rule.
pub fn list() -> String {
    rules::ALL
        .iter()
        .map(|r| {
            format!(
                "{}  {:<30} {:<8} {}\n",
                r.code,
                r.name,
                r.default_severity.as_str(),
                r.summary
            )
        })
        .collect()
}
