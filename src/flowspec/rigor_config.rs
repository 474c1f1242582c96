//! `.flowspec/rigor-config.yml`: how strictly each rigor rule is enforced.
//!
//! The file has one section flowgate reads, `enforcement`, with a `global` mode, a mode
//! per phase (`phases: {setup: strict, ...}`, or the older `setup_phase: strict` keys)
//! and a mode per rule (`rules: {EXEC-005: warn}`). Every other top-level key belongs to
//! flowspec. A mode is `strict`, `warn` or `off`.
//!
//! A rule's mode is the first of: its own entry, its phase's, `global`, and the
//! catalogue's default (strict for blocking rules, warn for advisory ones). A file that
//! cannot be read never turns rules off: its problems are reported and the rest of the
//! file (or the defaults) still apply.

use std::collections::BTreeMap;

use serde_norway::Value;

/// Where flowspec keeps the file.
pub const PATH: &str = ".flowspec/rigor-config.yml";

/// How strictly a rule is enforced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// A violation fails the gate.
    Strict,
    /// A violation is reported as a warning.
    Warn,
    /// The rule is not checked.
    Off,
}

impl Mode {
    fn parse(text: &str) -> Option<Mode> {
        match text.trim().to_ascii_lowercase().as_str() {
            "strict" => Some(Mode::Strict),
            "warn" | "warning" => Some(Mode::Warn),
            "off" => Some(Mode::Off),
            _ => None,
        }
    }
}

/// The phases of the catalogue, as written in the file.
pub const PHASES: &[&str] = &["setup", "execution", "freeze", "validation", "pr"];

/// A problem in the file: where and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// 1-based line, when known.
    pub line: Option<u32>,
    /// 1-based column, when known.
    pub column: Option<u32>,
    /// What is wrong.
    pub message: String,
    /// What to write instead.
    pub help: String,
}

/// The enforcement settings read from the file (or the defaults when there is none).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RigorConfig {
    /// The file read, when there is one.
    pub path: Option<String>,
    /// `enforcement.global`.
    pub global: Option<Mode>,
    /// `enforcement.phases.<phase>` (lowercase phase names).
    pub phases: BTreeMap<String, Mode>,
    /// `enforcement.rules.<ID>` (uppercase catalogue IDs).
    pub rules: BTreeMap<String, Mode>,
    /// What could not be read; each becomes a finding on the file.
    pub problems: Vec<Problem>,
}

impl RigorConfig {
    /// The mode of the catalogue rule `id` of `phase`, blocking or advisory.
    pub fn mode(&self, id: &str, phase: &str, blocking: bool) -> Mode {
        self.rules
            .get(&id.to_ascii_uppercase())
            .or_else(|| self.phases.get(phase))
            .or(self.global.as_ref())
            .copied()
            .unwrap_or(if blocking { Mode::Strict } else { Mode::Warn })
    }

    /// Parses the file's text. `known_rule` says whether a catalogue ID exists (for
    /// pointing at misspelled rule keys).
    pub fn parse(path: &str, text: &str, known_rule: &dyn Fn(&str) -> bool) -> RigorConfig {
        let mut config = RigorConfig {
            path: Some(path.to_string()),
            ..RigorConfig::default()
        };
        let value: Value = match serde_norway::from_str(text) {
            Ok(v) => v,
            Err(e) => {
                let loc = e.location();
                let message = e.to_string();
                let message = message
                    .find(" at line ")
                    .and_then(|i| message.get(..i))
                    .unwrap_or(&message)
                    .to_string();
                config.problems.push(Problem {
                    line: loc.as_ref().map(|l| l.line() as u32),
                    column: loc.as_ref().map(|l| l.column() as u32),
                    message: format!("{path} is not valid YAML: {message}"),
                    help: "fix the YAML; until then every rigor rule runs in its default mode"
                        .into(),
                });
                return config;
            }
        };
        let enforcement = match &value {
            Value::Null => return config,
            Value::Mapping(m) => match m.get("enforcement") {
                None | Some(Value::Null) => return config,
                Some(Value::Mapping(e)) => e,
                Some(_) => {
                    config.problem(text, "enforcement:", "`enforcement` must be a mapping",
                        "write `enforcement:` followed by indented `global:`, `phases:` and `rules:` keys");
                    return config;
                }
            },
            _ => {
                config.problem(
                    text,
                    "",
                    &format!("{path} must be a mapping with an `enforcement` key"),
                    "start the file with `enforcement:` and indent `global: strict` below it",
                );
                return config;
            }
        };
        for (key, value) in enforcement {
            let Some(key) = key.as_str() else {
                config.problem(
                    text,
                    "",
                    "a key under `enforcement` is not text",
                    "use `global`, `phases` or `rules` as keys",
                );
                continue;
            };
            match key {
                "global" => config.global = config.mode_of(text, key, value),
                "phases" => config.read_phases(text, value),
                "rules" => config.read_rules(text, value, known_rule),
                other => match other.strip_suffix("_phase").filter(|p| PHASES.contains(p)) {
                    Some(phase) => {
                        if let Some(m) = config.mode_of(text, key, value) {
                            config.phases.entry(phase.to_string()).or_insert(m);
                        }
                    }
                    None => {
                        let hint = crate::text::nearest(other, ["global", "phases", "rules"])
                            .map(|k| format!("did you mean `{k}`? "))
                            .unwrap_or_default();
                        config.problem(
                            text,
                            &format!("{other}:"),
                            &format!("unknown key `{other}` under `enforcement`"),
                            &format!("{hint}the keys are `global`, `phases` and `rules`"),
                        );
                    }
                },
            }
        }
        config
    }

    fn read_phases(&mut self, text: &str, value: &Value) {
        let Value::Mapping(m) = value else {
            if !value.is_null() {
                self.problem(
                    text,
                    "phases:",
                    "`phases` must be a mapping of phase to mode",
                    "write e.g. `phases: {setup: strict, freeze: warn}`",
                );
            }
            return;
        };
        for (k, v) in m {
            let Some(phase) = k.as_str() else { continue };
            let lower = phase.trim().to_ascii_lowercase();
            if !PHASES.contains(&lower.as_str()) {
                let hint = crate::text::nearest(&lower, PHASES.iter().copied())
                    .map(|k| format!("did you mean `{k}`? "))
                    .unwrap_or_default();
                self.problem(
                    text,
                    &format!("{phase}:"),
                    &format!("unknown phase `{phase}` in `enforcement.phases`"),
                    &format!("{hint}the phases are {}", PHASES.join(", ")),
                );
                continue;
            }
            if let Some(m) = self.mode_of(text, phase, v) {
                self.phases.insert(lower, m);
            }
        }
    }

    fn read_rules(&mut self, text: &str, value: &Value, known_rule: &dyn Fn(&str) -> bool) {
        let Value::Mapping(m) = value else {
            if !value.is_null() {
                self.problem(
                    text,
                    "rules:",
                    "`rules` must be a mapping of rule ID to mode",
                    "write e.g. `rules: {EXEC-005: warn}`",
                );
            }
            return;
        };
        for (k, v) in m {
            let Some(id) = k.as_str() else { continue };
            if !known_rule(id) {
                self.problem(
                    text,
                    &format!("{id}:"),
                    &format!("`{id}` in `enforcement.rules` is not a rigor rule ID"),
                    "use an ID of the rigor catalogue such as SETUP-001 or EXEC-002 (`flowgate explain --list` shows the ones flowgate checks)",
                );
                continue;
            }
            if let Some(m) = self.mode_of(text, id, v) {
                self.rules.insert(id.trim().to_ascii_uppercase(), m);
            }
        }
    }

    fn mode_of(&mut self, text: &str, key: &str, value: &Value) -> Option<Mode> {
        let mode = match value {
            Value::String(s) => Mode::parse(s),
            // YAML 1.1 reads a bare `off` as false in some tools; accept both.
            Value::Bool(false) => Some(Mode::Off),
            _ => None,
        };
        if mode.is_none() {
            let shown = match value {
                Value::String(s) => format!("\"{s}\""),
                Value::Null => "nothing".to_string(),
                _ => "a value that is not text".to_string(),
            };
            self.problem(
                text,
                &format!("{key}:"),
                &format!("`{key}` is {shown}, not a rigor mode"),
                &format!("write `{key}: strict`, `{key}: warn` or `{key}: off`"),
            );
        }
        mode
    }

    fn problem(&mut self, text: &str, needle: &str, message: &str, help: &str) {
        let (line, column) = locate(text, needle);
        self.problems.push(Problem {
            line,
            column,
            message: message.to_string(),
            help: help.to_string(),
        });
    }
}

/// The line and column of the first line whose text (after indentation) starts with
/// `needle`; the first line when `needle` is empty.
fn locate(text: &str, needle: &str) -> (Option<u32>, Option<u32>) {
    if needle.is_empty() {
        return (Some(1), Some(1));
    }
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        let unquoted = trimmed.trim_start_matches(['"', '\'']);
        if trimmed.starts_with(needle) || unquoted.starts_with(needle.trim_end_matches(':')) {
            let column = line.chars().count() - trimmed.chars().count() + 1;
            return (Some(i as u32 + 1), Some(column as u32));
        }
    }
    (None, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known(id: &str) -> bool {
        ["EXEC-005", "SETUP-001", "EXEC-002"].contains(&id.to_ascii_uppercase().as_str())
    }

    #[test]
    fn precedence_is_rule_then_phase_then_global_then_default() {
        let c = RigorConfig::parse(
            PATH,
            "enforcement:\n  global: warn\n  phases:\n    setup: strict\n  rules:\n    EXEC-005: off\nlogging:\n  format: jsonl\n",
            &known,
        );
        assert!(c.problems.is_empty(), "{:?}", c.problems);
        assert_eq!(c.mode("EXEC-005", "execution", false), Mode::Off);
        assert_eq!(c.mode("SETUP-001", "setup", true), Mode::Strict);
        assert_eq!(c.mode("EXEC-002", "execution", true), Mode::Warn);
        let none = RigorConfig::default();
        assert_eq!(none.mode("EXEC-002", "execution", true), Mode::Strict);
        assert_eq!(none.mode("EXEC-005", "execution", false), Mode::Warn);
    }

    #[test]
    fn older_phase_keys_are_read() {
        let c = RigorConfig::parse(PATH, "enforcement:\n  freeze_phase: warn\n", &known);
        assert!(c.problems.is_empty());
        assert_eq!(c.mode("FREEZE-001", "freeze", true), Mode::Warn);
    }

    #[test]
    fn bad_values_are_pointed_problems_and_never_turn_rules_off() {
        let c = RigorConfig::parse(
            PATH,
            "enforcement:\n  global: lenient\n  phases:\n    setpu: off\n  rules:\n    EXEC-999: off\n  strictness: high\n",
            &known,
        );
        let got: Vec<_> = c
            .problems
            .iter()
            .map(|p| (p.line, p.message.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (Some(2), "`global` is \"lenient\", not a rigor mode"),
                (Some(4), "unknown phase `setpu` in `enforcement.phases`"),
                (
                    Some(6),
                    "`EXEC-999` in `enforcement.rules` is not a rigor rule ID"
                ),
                (Some(7), "unknown key `strictness` under `enforcement`"),
            ]
        );
        assert_eq!(
            c.problems[1].help,
            "did you mean `setup`? the phases are setup, execution, freeze, validation, pr"
        );
        assert_eq!(c.mode("SETUP-001", "setup", true), Mode::Strict);
    }

    #[test]
    fn broken_yaml_keeps_the_defaults() {
        let c = RigorConfig::parse(PATH, "enforcement:\n  global: [strict\n", &known);
        assert_eq!(c.problems.len(), 1);
        assert!(c.problems[0].line.is_some());
        assert!(c.problems[0]
            .message
            .starts_with(".flowspec/rigor-config.yml is not valid YAML"));
        assert_eq!(c.mode("EXEC-002", "execution", true), Mode::Strict);
    }
}
