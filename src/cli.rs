//! Command-line interface: one declaration per option, its docs next to it.

use std::path::PathBuf;

use clap::parser::ValueSource;
use clap::{Args, CommandFactory as _, FromArgMatches as _, Parser, Subcommand, ValueEnum};

/// flowgate: every code change maps to a task, every task to spec sections, and task
/// statuses move only along legal transitions.
#[derive(Debug, Parser)]
#[command(name = "flowgate", version, about, max_term_width = 100)]
pub struct Cli {
    /// Options every command takes.
    #[command(flatten)]
    pub global: GlobalArgs,
    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

impl Cli {
    /// Parses the process's arguments (exiting with clap's message on a usage error) and
    /// applies the defaults that depend on where flowgate runs: in GitHub Actions
    /// (`GITHUB_ACTIONS=true`) `flowgate ci` writes `--format github` unless `--format` was
    /// given.
    pub fn parse_args() -> Cli {
        // git starts a hook on every commit: its arguments are parsed without building
        // clap's command tree, which is a large part of a hook's start.
        if let Some(cli) = Cli::parse_hook_args(std::env::args_os().skip(1)) {
            return cli;
        }
        let matches = Cli::command().get_matches();
        let mut cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
        let explicit = matches.value_source("format") == Some(ValueSource::CommandLine);
        if !explicit && matches!(cli.command, Command::Ci(_)) && in_github_actions() {
            cli.global.format = Format::Github;
        }
        cli
    }
}

impl Cli {
    /// The arguments (after the program name) of a hook as git and the installed hook
    /// scripts pass them: `[OPTIONS] hook pre-commit`, `[OPTIONS] hook commit-msg FILE`,
    /// `[OPTIONS] hook prepare-commit-msg FILE [SOURCE [SHA]]`, where OPTIONS are the
    /// global options, each given once, written as separate words (`-C DIR`, `--color
    /// never`, `-q`), anywhere after the program name. `None` for anything else or
    /// anything unusual (`--color=never`, `-qv`, a repeated option, a value that is empty
    /// or starts with `-`, `--`, help, an argument that is not UTF-8): clap parses those,
    /// with its own messages. What this returns is what clap would.
    fn parse_hook_args(args: impl IntoIterator<Item = std::ffi::OsString>) -> Option<Cli> {
        let mut args = args.into_iter();
        let mut dir = None;
        let mut config = None;
        let mut format = None;
        let mut color = None;
        let mut quiet = None;
        let mut verbose = None;
        let mut words: Vec<String> = Vec::new();
        /// Sets an option given once; `None` when it was given before.
        fn once<T>(slot: &mut Option<T>, value: T) -> Option<()> {
            slot.is_none().then(|| *slot = Some(value))
        }
        while let Some(arg) = args.next() {
            let arg = arg.into_string().ok()?;
            if !arg.starts_with('-') {
                if arg.is_empty() {
                    return None;
                }
                words.push(arg);
                continue;
            }
            let mut value = || {
                args.next()?
                    .into_string()
                    .ok()
                    .filter(|v| !v.is_empty() && !v.starts_with('-'))
            };
            match arg.as_str() {
                "-C" => once(&mut dir, PathBuf::from(value()?))?,
                "--config" => once(&mut config, PathBuf::from(value()?))?,
                "--format" => once(
                    &mut format,
                    <Format as ValueEnum>::from_str(&value()?, false).ok()?,
                )?,
                "--color" => once(
                    &mut color,
                    <ColorChoice as ValueEnum>::from_str(&value()?, false).ok()?,
                )?,
                "-q" | "--quiet" => once(&mut quiet, true)?,
                "-v" | "--verbose" => once(&mut verbose, true)?,
                _ => return None,
            }
        }
        let mut words = words.into_iter();
        if words.next()? != "hook" {
            return None;
        }
        let hook = match words.next()?.as_str() {
            "pre-commit" => HookCommand::PreCommit,
            "commit-msg" => HookCommand::CommitMsg {
                file: words.next()?.into(),
            },
            "prepare-commit-msg" => HookCommand::PrepareCommitMsg {
                file: words.next()?.into(),
                source: words.next(),
                sha: words.next(),
            },
            _ => return None,
        };
        if words.next().is_some() {
            return None;
        }
        Some(Cli {
            global: GlobalArgs {
                dir,
                config,
                format: format.unwrap_or(Format::Human),
                color: color.unwrap_or(ColorChoice::Auto),
                quiet: quiet.unwrap_or(false),
                verbose: verbose.unwrap_or(false),
            },
            command: Command::Hook(hook),
        })
    }
}

/// Whether flowgate runs in a GitHub Actions job (`GITHUB_ACTIONS=true`, as the runner sets
/// it).
pub fn in_github_actions() -> bool {
    std::env::var_os("GITHUB_ACTIONS").is_some_and(|v| v == "true")
}

/// Options every command takes.
#[derive(Debug, Args, Clone)]
pub struct GlobalArgs {
    /// Run as if flowgate was started in DIR.
    #[arg(short = 'C', global = true, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Read the configuration from FILE instead of `.flowgate.yml` at the repository root.
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Output format.
    #[arg(long, global = true, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// When to use colors in human output.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Print only findings (no summary line).
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// Print what is being read and how long it took.
    #[arg(short, long, global = true)]
    pub verbose: bool,
}

pub use crate::report::Format;

/// When to use colors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Colors when writing to a terminal.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Validate the tree: task files and spec links (working tree, or the index).
    Check(CheckArgs),
    /// Entry points of the installed git hooks.
    #[command(subcommand)]
    Hook(HookCommand),
    /// Write flowgate's git hooks (existing hooks are chained or backed up, never lost).
    Install(InstallArgs),
    /// Remove flowgate's git hooks and restore what was there before.
    Uninstall,
    /// Print a rule's documentation, with a failing and a passing example.
    Explain(ExplainArgs),
    /// Write a commented `.flowgate.yml` for the detected layout.
    Init(InitArgs),
    /// Build a sample spec-driven repo in a temp dir and show the gate at work.
    Demo(DemoArgs),
    /// Audit the whole tree and history: findings, coverage, suspect links, a report.
    Audit(AuditArgs),
    /// Show a task, spec section or requirement and everything linked to it.
    Trace(TraceArgs),
    /// Record today's findings so that only new ones fail.
    Baseline(BaselineArgs),
    /// Check every commit of a pull request (or push), its title, and the tree at its head.
    Ci(CiArgs),
    /// Print a shell completion script (e.g. `flowgate completions bash > ~/.local/share/bash-completion/completions/flowgate`).
    Completions(CompletionsArgs),
    /// Print the man page, in roff (`flowgate man > ~/.local/share/man/man1/flowgate.1`).
    Man(ManArgs),
    /// Print a JSON Schema: of `.flowgate.yml` (for editors), or of the JSON output.
    Schema(SchemaArgs),
}

/// `flowgate schema`.
#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// Which schema.
    #[arg(value_enum)]
    pub which: SchemaKind,
}

/// The schemas `flowgate schema` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SchemaKind {
    /// `.flowgate.yml` (also committed as `schema/flowgate.schema.json`).
    Config,
    /// The documents of `--format json` (also `schema/flowgate-output.schema.json`).
    Output,
}

/// `flowgate man`.
#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write flowgate.1 and one page per subcommand (flowgate-check.1, ...) into DIR
    /// instead of printing flowgate.1.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

/// `flowgate completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// `flowgate audit`.
#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Audit only the history after REV (a commit, tag or branch; default: `audit.since`
    /// in the configuration, else the whole history).
    #[arg(long, value_name = "REV")]
    pub since: Option<String>,
    /// Write the report to FILE instead of stdout (e.g. `--format html --output report.html`).
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// `flowgate trace`.
#[derive(Debug, Args)]
pub struct TraceArgs {
    /// `TASK-12`, `001-user-auth/FR-003` or `specs/001-user-auth/spec.md#user-story-1`.
    pub id: String,
}

/// `flowgate baseline`.
#[derive(Debug, Args)]
pub struct BaselineArgs {
    /// Record only the history after REV (default: `audit.since`, else the whole history).
    #[arg(long, value_name = "REV")]
    pub since: Option<String>,
}

/// `flowgate check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Check the index (what is staged) instead of the working tree.
    #[arg(long)]
    pub staged: bool,
    /// Report only findings in these files or folders (repo-relative or relative to the
    /// current directory).
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
}

/// `flowgate hook ...`.
#[derive(Debug, Subcommand)]
pub enum HookCommand {
    /// The pre-commit hook: checks the staged tree and staged status changes.
    PreCommit,
    /// The commit-msg hook: checks the message's task reference.
    CommitMsg {
        /// The file holding the commit message.
        file: PathBuf,
    },
    /// The prepare-commit-msg hook: adds `Refs: TASK-N` from the branch name when missing.
    PrepareCommitMsg {
        /// The file holding the commit message.
        file: PathBuf,
        /// Where the message comes from (`message`, `template`, `merge`, `squash`, `commit`).
        source: Option<String>,
        /// The commit id, for `commit` sources.
        sha: Option<String>,
    },
}

/// `flowgate install`.
#[derive(Debug, Args)]
pub struct InstallArgs {
    /// Replace existing hooks (they are backed up, never lost) instead of refusing; also
    /// install when a hook manager (husky, lefthook) owns the hooks.
    #[arg(long)]
    pub force: bool,
    /// Install only these hooks (default: all three).
    #[arg(long = "hook", value_name = "NAME")]
    pub hooks: Vec<String>,
}

/// `flowgate explain`.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// A rule code (`FG104`) or name (`duplicate-task-id`).
    #[arg(required_unless_present = "list")]
    pub code: Option<String>,
    /// List every rule.
    #[arg(long)]
    pub list: bool,
}

/// `flowgate init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// Overwrite an existing `.flowgate.yml`.
    #[arg(long)]
    pub force: bool,
}

/// `flowgate demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Build the sample repo in DIR (kept) instead of a temporary directory.
    // Its own id: the global `-C` option's id is `dir` too, and clap would fill both.
    #[arg(long = "dir", id = "demo_dir", value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

/// `flowgate ci`.
#[derive(Debug, Args)]
pub struct CiArgs {
    /// The base of the range (default: from `GITHUB_EVENT_PATH`). The commits checked are
    /// those between the merge-base of base and head, and head.
    #[arg(long, value_name = "REV")]
    pub base: Option<String>,
    /// The head of the range (default: from `GITHUB_EVENT_PATH`, else `HEAD`).
    #[arg(long, value_name = "REV")]
    pub head: Option<String>,
    /// Also write the findings as SARIF 2.1.0 to FILE (for code scanning).
    #[arg(long, value_name = "FILE")]
    pub sarif: Option<PathBuf>,
    /// Create or update one sticky comment on the pull request (needs `GITHUB_TOKEN` with
    /// `pull-requests: write`).
    #[arg(long, overrides_with = "no_comment")]
    pub comment: bool,
    /// Do not comment on the pull request (the default).
    #[arg(long, overrides_with = "comment")]
    pub no_comment: bool,
    /// The lowest severity that fails the check (exit code 1).
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    pub fail_on: FailOn,
}

/// The lowest severity that fails `flowgate ci`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// Only errors fail.
    Error,
    /// Errors and warnings fail.
    Warning,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What clap makes of `args` (after the program name), as text; `None` on its error.
    fn by_clap(args: &[&str]) -> Option<String> {
        let argv = std::iter::once("flowgate").chain(args.iter().copied());
        Cli::try_parse_from(argv).ok().map(|cli| format!("{cli:?}"))
    }

    fn by_fast_path(args: &[&str]) -> Option<String> {
        Cli::parse_hook_args(args.iter().map(std::ffi::OsString::from))
            .map(|cli| format!("{cli:?}"))
    }

    #[test]
    fn hook_arguments_parse_as_clap_parses_them() {
        let cases: &[&[&str]] = &[
            &["hook", "pre-commit"],
            &["hook", "commit-msg", ".git/COMMIT_EDITMSG"],
            &["hook", "commit-msg", "help"],
            &["hook", "commit-msg", "hook"],
            &["hook", "prepare-commit-msg", ".git/COMMIT_EDITMSG"],
            &["hook", "prepare-commit-msg", "msg", "message"],
            &["hook", "prepare-commit-msg", "msg", "commit", "HEAD"],
            &[
                "-C",
                "/tmp/repo",
                "--color",
                "never",
                "hook",
                "commit-msg",
                "m",
            ],
            &["-C", "hook", "hook", "commit-msg", "m"],
            &[
                "--config",
                "c.yml",
                "--format",
                "json",
                "-q",
                "-v",
                "hook",
                "pre-commit",
            ],
            &[
                "--quiet",
                "--verbose",
                "--color",
                "always",
                "hook",
                "pre-commit",
            ],
            &[
                "hook",
                "-q",
                "commit-msg",
                "--format",
                "human",
                "m",
                "-C",
                "d",
            ],
            &[
                "hook",
                "commit-msg",
                "m",
                "--color",
                "auto",
                "--config",
                "x",
            ],
            &["--format", "github", "hook", "commit-msg", "m"],
            &["--format", "sarif", "hook", "pre-commit"],
        ];
        for args in cases {
            let fast = by_fast_path(args);
            assert!(fast.is_some(), "{args:?}: not taken by the fast path");
            assert_eq!(fast, by_clap(args), "{args:?}");
        }
    }

    #[test]
    fn anything_unusual_is_left_to_clap() {
        let cases: &[&[&str]] = &[
            &[],
            &["hook"],
            &["hook", "commit-msg"],
            &["hook", "pre-commit", "extra"],
            &["hook", "commit-msg", "m", "extra"],
            &["hook", "prepare-commit-msg", "m", "commit", "HEAD", "extra"],
            &["hook", "post-commit"],
            &["hook", "help"],
            &["hook", "--help"],
            &["hook", "commit-msg", "-h"],
            &["--version"],
            &["help", "hook"],
            &["check"],
            &["commit-msg", "hook", "m"],
            &["--color=never", "hook", "pre-commit"],
            &["-Cdir", "hook", "pre-commit"],
            &["-qv", "hook", "pre-commit"],
            &["-q", "-q", "hook", "pre-commit"],
            &[
                "--color",
                "never",
                "--color",
                "always",
                "hook",
                "pre-commit",
            ],
            &["--color", "sometimes", "hook", "pre-commit"],
            &["--format", "xml", "hook", "pre-commit"],
            &["-C", "", "hook", "pre-commit"],
            &["-C", "-q", "hook", "pre-commit"],
            &["-C"],
            &["hook", "commit-msg", ""],
            &["hook", "commit-msg", "-"],
            &["hook", "commit-msg", "--", "m"],
            &["--unknown", "hook", "pre-commit"],
        ];
        for args in cases {
            assert_eq!(by_fast_path(args), None, "{args:?}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_name_that_is_not_utf8_is_left_to_clap() {
        use std::os::unix::ffi::OsStringExt as _;
        let args = ["hook", "commit-msg"]
            .map(std::ffi::OsString::from)
            .into_iter()
            .chain([std::ffi::OsString::from_vec(b"m\xff".to_vec())]);
        assert!(Cli::parse_hook_args(args).is_none());
    }
}
