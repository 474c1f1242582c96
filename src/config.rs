//! flowgate's own configuration, `.flowgate.yml`: every key optional, validated strictly.
//!
//! An unknown key or a wrong type is an error that points at the line and suggests the
//! nearest valid key. One section per concern, as cargo-deny does it.

use std::collections::BTreeMap;
use std::fmt;

use schemars::JsonSchema;
use serde::Deserialize;

use crate::finding::Severity;
use crate::source::{Content, Source};
use crate::text::nearest;

/// The file name looked for at the repository root.
pub const FILE_NAME: &str = ".flowgate.yml";

/// The whole configuration.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Where the backlog is.
    pub backlog: BacklogSection,
    /// Which files are specs and which IDs they define.
    pub specs: SpecsSection,
    /// What a task's links must look like.
    pub links: LinksSection,
    /// What commits must reference.
    pub commits: CommitsSection,
    /// Status transitions, initial statuses and guards.
    pub workflow: WorkflowSection,
    /// Per-rule severity, by code (`FG201`) or name (`missing-spec-link`).
    pub rules: BTreeMap<String, Severity>,
    /// Baseline file (findings recorded by `flowgate baseline`).
    pub baseline: Option<String>,
    /// Pull-request settings.
    pub ci: CiSection,
    /// `flowgate audit` settings.
    pub audit: AuditSection,
    /// flowspec rigor-rule settings that flowspec's own files do not carry.
    pub flowspec: FlowspecSection,
    /// The file this configuration was read from and its text (for pointed errors).
    #[serde(skip)]
    pub origin: Option<(String, String)>,
}

/// `backlog:` section.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct BacklogSection {
    /// Backlog root, overriding Backlog.md's discovery.
    pub dir: Option<String>,
}

/// `specs:` section.
#[derive(Debug, Clone, Deserialize, PartialEq, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct SpecsSection {
    /// Globs of spec files.
    pub globs: Vec<String>,
    /// Extra requirement ID patterns (regular expressions), beyond the built-in FR-/SC-/NFR-/US/SPEC-.
    pub id_patterns: Vec<String>,
}

impl Default for SpecsSection {
    fn default() -> Self {
        SpecsSection {
            globs: DEFAULT_SPEC_GLOBS.iter().map(|s| s.to_string()).collect(),
            id_patterns: Vec::new(),
        }
    }
}

/// The default spec globs (spec-kit and flowspec layouts).
pub const DEFAULT_SPEC_GLOBS: &[&str] = &[
    "specs/*/spec.md",
    "specs/*/plan.md",
    "specs/*/tasks.md",
    "docs/prd/*.md",
    "docs/specs/*.md",
];

/// How precise a task's spec links must be.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, JsonSchema, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LinkRequirement {
    /// Links must name a section (a heading or an ID); whole-file links are reported.
    #[default]
    Section,
    /// A link to a whole file is enough.
    File,
    /// Tasks need no spec link.
    None,
}

/// `links:` section.
#[derive(Debug, Clone, Deserialize, PartialEq, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct LinksSection {
    /// `section` (default), `file` or `none`.
    pub require: LinkRequirement,
    /// Tasks with any of these labels need no spec link.
    pub exempt_labels: Vec<String>,
}

impl Default for LinksSection {
    fn default() -> Self {
        LinksSection {
            require: LinkRequirement::Section,
            exempt_labels: Vec::new(),
        }
    }
}

/// `commits:` section.
#[derive(Debug, Clone, Deserialize, PartialEq, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct CommitsSection {
    /// Regular expression for a task reference; default: the task prefix as a whole word,
    /// `-`, and the number (`\bTASK-\d+(\.\d+)*\b`, case-insensitive).
    pub reference_pattern: Option<String>,
    /// Paths that count as code (globs); default everything.
    pub code_paths: Vec<String>,
    /// Paths that never count as code (globs), added to the built-in non-code paths.
    pub non_code_paths: Vec<String>,
    /// Statuses a referenced task must be in (default `In Progress`).
    pub active_statuses: Vec<String>,
    /// Authors (name or email, globs allowed) whose commits need no task; default
    /// `*[bot]` (GitHub App bots such as `dependabot[bot]`, `github-actions[bot]`).
    pub exempt_authors: Vec<String>,
    /// Take the task reference from the branch name when the message has none.
    pub branch_fallback: bool,
    /// Let `prepare-commit-msg` add `Refs: TASK-N` from the branch name.
    pub add_refs_trailer: bool,
    /// Require a task for a release's version bump too. By default (false) a commit whose
    /// every code-side change only reassigns the version in a package manifest or lock file
    /// (`package.json`, `package-lock.json`, `Cargo.toml`, `Cargo.lock`, `pyproject.toml`,
    /// `uv.lock`) or `__version__` in `__init__.py`, `_version.py` or `version.py` needs no
    /// task.
    pub version_bumps_need_task: bool,
}

impl Default for CommitsSection {
    fn default() -> Self {
        CommitsSection {
            reference_pattern: None,
            code_paths: vec!["**".into()],
            non_code_paths: Vec::new(),
            active_statuses: vec!["In Progress".into()],
            exempt_authors: vec!["*[bot]".into()],
            branch_fallback: true,
            add_refs_trailer: true,
            version_bumps_need_task: false,
        }
    }
}

/// The built-in non-code paths (the backlog folder is added at run time), matched
/// case-insensitively: `Docs/` and `DOCS/` are `docs/`.
pub const BUILTIN_NON_CODE: &[&str] = &[
    "specs/**",
    "docs/**",
    "**/*.md",
    ".specify/**",
    ".flowspec/**",
    // Prose at the root: licence, notices, authors, change logs.
    "LICENSE*",
    "LICENCE*",
    "COPYING*",
    "NOTICE*",
    "AUTHORS*",
    "CONTRIBUTORS*",
    "CHANGELOG*",
    "CHANGES*",
    "HISTORY*",
    "*.rst",
    "*.adoc",
    // Images and other binary assets of documentation, wherever its folder is.
    "**/{doc,docs,documentation}/**/*.{png,jpg,jpeg,gif,svg,webp,avif,bmp,ico,tif,tiff,pdf,mp4,webm,mov,drawio,excalidraw}",
];

/// `workflow:` section.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct WorkflowSection {
    /// Allowed moves: status → statuses it may move to. Replaces the default workflow.
    pub transitions: Option<BTreeMap<String, Vec<String>>>,
    /// Statuses a new task may start in (default: any but the last).
    pub initial: Option<Vec<String>>,
    /// Guards per target status (default: the last status needs
    /// `acceptance-criteria-checked` and `definition-of-done-checked`).
    pub guards: Option<BTreeMap<String, Vec<String>>>,
}

/// Which part of a pull request must carry the task reference.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, JsonSchema, Eq)]
#[serde(rename_all = "lowercase")]
pub enum PrCheck {
    /// Every commit (default).
    #[default]
    Commits,
    /// The PR title/body (squash-merge repos).
    Title,
    /// Both.
    Both,
}

/// `ci:` section.
#[derive(Debug, Clone, Deserialize, PartialEq, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct CiSection {
    /// Read the configuration from the base commit (default true).
    pub config_from_base: bool,
    /// What must reference a task.
    pub check: PrCheck,
}

impl Default for CiSection {
    fn default() -> Self {
        CiSection {
            config_from_base: true,
            check: PrCheck::Commits,
        }
    }
}

/// `audit:` section.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct AuditSection {
    /// Where the history audit starts: a revision (tag, branch or SHA) whose own history
    /// is left out, e.g. the commit that adopted flowgate. `--since` overrides it.
    pub since: Option<String>,
    /// Statuses of open tasks whose spec links are checked for suspect changes too: a
    /// linked section that changed after the commit that added the link is FG207. Empty
    /// (the default): only finished tasks are checked.
    pub suspect_open: Vec<String>,
}

/// `flowspec:` section.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct FlowspecSection {
    /// The branch-name pattern of rigor rule EXEC-002 (a regular expression; an iteration
    /// suffix `-vN` is allowed on top). Default: `host/task-N/slug` in lowercase.
    pub branch_pattern: Option<String>,
}

/// A configuration error: where, what, and a suggestion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The file it comes from.
    pub file: String,
    /// 1-based line and column, when known.
    pub line: Option<u32>,
    /// 1-based column, when known.
    pub column: Option<u32>,
    /// What is wrong.
    pub message: String,
    /// The nearest valid key or value, or how to fix it.
    pub help: Option<String>,
    /// The file's text, for rendering.
    pub source_text: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let (Some(l), Some(c)) = (self.line, self.column) {
            write!(f, ":{l}:{c}")?;
        }
        write!(f, ": {}", self.message)?;
        if let Some(h) = &self.help {
            write!(f, "\n  help: {h}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

impl Config {
    /// Parses `.flowgate.yml` text strictly.
    pub fn parse(file: &str, text: &str) -> Result<Config, ConfigError> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let has_content = text
            .lines()
            .any(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#') && l.trim() != "---");
        if !has_content {
            return Ok(Config {
                origin: Some((file.to_string(), text.to_string())),
                ..Config::default()
            });
        }
        let config: Config = serde_norway::from_str(text).map_err(|e| {
            let loc = e.location();
            let message = e.to_string();
            // serde's message ends with " at line L column C"; the location is shown apart.
            let message = match message.find(" at line ") {
                Some(i) => message[..i].to_string(),
                None => message,
            };
            ConfigError {
                file: file.to_string(),
                line: loc.as_ref().map(|l| l.line() as u32),
                column: loc.as_ref().map(|l| l.column() as u32),
                help: suggest_for(&message),
                message,
                source_text: text.to_string(),
            }
        })?;
        let mut config = config;
        config.validate(file, text)?;
        config.origin = Some((file.to_string(), text.to_string()));
        Ok(config)
    }

    /// Reads `.flowgate.yml` (or `path`) from a source; the default config when absent.
    pub fn load(source: &dyn Source, path: Option<&str>) -> Result<Config, ConfigError> {
        let file = path.unwrap_or(FILE_NAME);
        let err = |message: String| ConfigError {
            file: file.to_string(),
            line: None,
            column: None,
            message,
            help: None,
            source_text: String::new(),
        };
        match source.read(file, crate::source::MAX_FILE_SIZE) {
            Ok(Content::Bytes(bytes)) => {
                let text = crate::text::decode(&bytes).map_err(|e| err(e.to_string()))?;
                Config::parse(file, text)
            }
            Ok(Content::Missing) if path.is_none() => Ok(Config::default()),
            Ok(Content::Missing) => Err(err("the configuration file does not exist".into())),
            Ok(Content::TooLarge(n)) => Err(err(format!("the file is too large ({n} bytes)"))),
            Ok(Content::Symlink | Content::NotAFile) => {
                Err(err("the configuration is not a regular file".into()))
            }
            Err(e) => Err(err(e.to_string())),
        }
    }

    /// Checks what serde cannot: rule keys, severities, regexes, globs.
    fn validate(&self, file: &str, text: &str) -> Result<(), ConfigError> {
        let at = |needle: &str, message: String, help: Option<String>| {
            let (line, column) = locate(text, needle);
            ConfigError {
                file: file.to_string(),
                line,
                column,
                message,
                help,
                source_text: text.to_string(),
            }
        };
        if let Some(dir) = &self.backlog.dir {
            if let Some(why) = crate::backlog::discover::leaves_repository(dir) {
                return Err(at(
                    dir,
                    format!("`backlog.dir: {dir}` {why}; flowgate never reads files outside the repository"),
                    Some("name a folder inside the repository, relative to its root, e.g. `dir: backlog`".into()),
                ));
            }
        }
        for key in self.rules.keys() {
            if crate::codes::lookup(key).is_none() {
                let help = nearest(key, crate::codes::all_keys())
                    .map(|k| {
                        format!("did you mean `{k}`? (`flowgate explain --list` lists every rule)")
                    })
                    .or_else(|| Some("`flowgate explain --list` lists every rule".into()));
                return Err(at(key, format!("unknown rule `{key}`"), help));
            }
        }
        // A reference pattern is checked exactly as it is compiled when used.
        let reference = self
            .commits
            .reference_pattern
            .iter()
            .map(|p| (p, crate::message::compile_pattern(p).err()));
        let ids = self
            .specs
            .id_patterns
            .iter()
            .chain(self.flowspec.branch_pattern.iter())
            .map(|p| {
                let compiled = regex::RegexBuilder::new(p).size_limit(1 << 20).build();
                (p, compiled.err())
            });
        for (pattern, error) in reference.chain(ids) {
            if let Some(e) = error {
                let first = e.to_string().lines().last().unwrap_or_default().to_string();
                return Err(at(
                    pattern,
                    format!("invalid regular expression `{pattern}`: {first}"),
                    Some(
                        "fix the pattern; it is a Rust `regex` (no look-around, no backreferences)"
                            .into(),
                    ),
                ));
            }
        }
        if let Err(e) = crate::spec::markdown::IdPatterns::check(&self.specs.id_patterns) {
            let first = e.to_string().lines().last().unwrap_or_default().to_string();
            let needle = self
                .specs
                .id_patterns
                .first()
                .map_or("id_patterns", String::as_str);
            return Err(at(
                needle,
                format!("the `specs.id_patterns` do not compile together: {first}"),
                Some("each pattern is tried as one alternative of a single regex: name no capture group `id`, and keep the patterns short".into()),
            ));
        }
        let globs = self
            .specs
            .globs
            .iter()
            .chain(&self.commits.code_paths)
            .chain(&self.commits.non_code_paths);
        for glob in globs {
            if let Err(e) = globset::Glob::new(glob) {
                return Err(at(
                    glob,
                    format!("invalid glob `{glob}`: {}", e.kind()),
                    None,
                ));
            }
        }
        Ok(())
    }
}

/// The 1-based line and column of the first occurrence of `needle` in `text`.
fn locate(text: &str, needle: &str) -> (Option<u32>, Option<u32>) {
    text.find(needle).map_or((None, None), |i| {
        let line = text[..i].matches('\n').count() as u32 + 1;
        let column = text[..i]
            .rsplit('\n')
            .next()
            .map_or(0, |l| l.chars().count()) as u32
            + 1;
        (Some(line), Some(column))
    })
}

/// For serde's "unknown field `x`, expected one of `a`, `b`": the nearest of the expected.
fn suggest_for(message: &str) -> Option<String> {
    let unknown = message
        .strip_prefix("unknown field `")
        .or_else(|| message.split("unknown field `").nth(1))?;
    let (key, rest) = unknown.split_once('`')?;
    let expected: Vec<&str> = rest.split('`').skip(1).step_by(2).collect();
    match nearest(key, expected.iter().copied()) {
        Some(k) => Some(format!("did you mean `{k}`?")),
        None if !expected.is_empty() => Some(format!(
            "valid keys here: {}",
            expected
                .iter()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )),
        None => None,
    }
}

impl Config {
    /// A configuration error located at the first occurrence of `needle` in the file this
    /// configuration came from.
    pub fn error_at(&self, needle: &str, message: String, help: Option<String>) -> ConfigError {
        let (file, text) = self
            .origin
            .clone()
            .unwrap_or_else(|| (FILE_NAME.to_string(), String::new()));
        let (line, column) = locate(&text, needle);
        ConfigError {
            file,
            line,
            column,
            message,
            help,
            source_text: text,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_file_is_default() {
        for text in ["", "# only a comment\n", "---\n"] {
            let config = Config::parse(FILE_NAME, text).unwrap();
            assert_eq!(
                Config {
                    origin: None,
                    ..config
                },
                Config::default()
            );
        }
    }

    #[test]
    fn unknown_key_points_at_line_and_suggests() {
        let err = Config::parse(FILE_NAME, "links:\n  requre: file\n").unwrap_err();
        assert_eq!(err.line, Some(2));
        assert!(
            err.message.contains("unknown field `requre`"),
            "{}",
            err.message
        );
        assert_eq!(err.help.as_deref(), Some("did you mean `require`?"));
    }

    #[test]
    fn wrong_type_is_an_error() {
        let err = Config::parse(FILE_NAME, "commits:\n  active_statuses: 3\n").unwrap_err();
        assert_eq!(err.line, Some(2));
        assert!(err.message.contains("invalid type"), "{}", err.message);
    }

    #[test]
    fn unknown_rule_and_bad_regex_are_errors() {
        let err = Config::parse(FILE_NAME, "rules:\n  duplicate-task-idd: off\n").unwrap_err();
        assert_eq!(err.line, Some(2));
        assert_eq!(
            err.help.as_deref(),
            Some("did you mean `duplicate-task-id`? (`flowgate explain --list` lists every rule)")
        );
        let err =
            Config::parse(FILE_NAME, "commits:\n  reference_pattern: 'TASK-(\\d+'\n").unwrap_err();
        assert!(
            err.message.starts_with("invalid regular expression"),
            "{}",
            err.message
        );
    }

    #[test]
    fn severities_parse() {
        let c = Config::parse(
            FILE_NAME,
            "rules:\n  FG201: warning\n  whole-file-link: off\n",
        )
        .unwrap();
        assert_eq!(c.rules.get("FG201"), Some(&Severity::Warning));
    }
}
