//! One file per subcommand. `main` parses flags and calls [`run`]; each command returns
//! an [`Outcome`] or a [`CommandError`], and this module turns them into exit codes.

pub mod audit;
pub mod baseline;
pub mod check;
pub mod ci;
pub mod completions;
pub mod demo;
pub mod explain;
mod heap;
pub mod hook;
pub mod hook_managers;
pub mod init;
pub mod install;
pub mod man;
pub mod schema;
pub mod trace;

use std::path::PathBuf;
use std::process::ExitCode;

use crate::cli::{Cli, ColorChoice, Command, Format, GlobalArgs};
use crate::config::Config;
pub use crate::engine::{Error as CommandError, Outcome};

/// Settings derived from the global options.
#[derive(Debug, Clone)]
pub struct Context {
    /// The global options as given.
    pub global: GlobalArgs,
    /// The directory to work in (`-C`, else the current directory).
    pub dir: PathBuf,
    /// Whether human output uses colors.
    pub color: bool,
}

impl Context {
    /// Builds the context from the global options.
    pub fn new(global: GlobalArgs) -> Result<Context, CommandError> {
        let cwd = std::env::current_dir().map_err(|e| {
            CommandError::Repository(format!("cannot read the current directory: {e}"))
        })?;
        let dir = match &global.dir {
            Some(d) if d.is_absolute() => d.clone(),
            Some(d) => cwd.join(d),
            None => cwd,
        };
        // A directory that is not there must not read as an empty tree that passes.
        if let Err(e) = std::fs::read_dir(&dir) {
            return Err(CommandError::Repository(format!(
                "cannot work in {}: {e}",
                dir.display()
            )));
        }
        let color = use_color(global.color, &std::io::stdout());
        Ok(Context { global, dir, color })
    }

    /// Reads the configuration: `--config FILE`, else `.flowgate.yml` of `source`.
    pub fn config(&self, source: &dyn crate::source::Source) -> Result<Config, CommandError> {
        crate::engine::load_config(&self.dir, self.global.config.as_deref(), source)
    }

    /// Hides the baselined findings (see [`crate::engine::apply_baseline`]); `-q` keeps
    /// the note on stale entries quiet.
    pub fn baseline(
        &self,
        config: &Config,
        root: &std::path::Path,
        findings: Vec<crate::finding::Finding>,
        stale: crate::engine::Stale,
    ) -> Result<Vec<crate::finding::Finding>, CommandError> {
        crate::engine::apply_baseline(config, root, findings, stale, self.global.quiet)
    }
}

/// Whether to color what goes to `stream`: `--color always|never` as given; `auto` follows
/// the usual conventions (anstream's): `NO_COLOR` set and non-empty turns colors off,
/// `CLICOLOR_FORCE` set and non-empty turns them on, `CLICOLOR=0` off; otherwise colors when
/// `stream` is a terminal whose `TERM` is not `dumb`, or any terminal when `CI` is set.
pub fn use_color<S: anstream::stream::RawStream>(choice: ColorChoice, stream: &S) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => !matches!(
            anstream::AutoStream::choice(stream),
            anstream::ColorChoice::Never
        ),
    }
}

/// The output formats `command` offers, as its module declares them (`FORMATS`).
pub fn formats(command: &Command) -> &'static [Format] {
    match command {
        Command::Check(_) => check::FORMATS,
        Command::Explain(_) => explain::FORMATS,
        Command::Init(_) => init::FORMATS,
        Command::Demo(_) => demo::FORMATS,
        Command::Ci(_) => ci::FORMATS,
        Command::Hook(_) => hook::FORMATS,
        Command::Install(_) | Command::Uninstall => install::FORMATS,
        Command::Audit(_) => audit::FORMATS,
        Command::Trace(_) => trace::FORMATS,
        Command::Baseline(_) => baseline::FORMATS,
        Command::Completions(_) => completions::FORMATS,
        Command::Man(_) => man::FORMATS,
        Command::Schema(_) => schema::FORMATS,
    }
}

/// Refuses a format the command does not offer, naming those it does, before the command
/// reads or writes anything.
pub fn require_format(format: Format, offered: &[Format]) -> Result<(), CommandError> {
    if offered.contains(&format) {
        Ok(())
    } else {
        Err(unsupported(format, offered))
    }
}

/// The usage error for a format the command does not offer: it names those it does.
pub fn unsupported(format: Format, offered: &[Format]) -> CommandError {
    let names: Vec<String> = offered.iter().map(|f| format_name(*f)).collect();
    let list = match names.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => names.join(""),
    };
    CommandError::Usage(format!(
        "this command does not offer --format {}; use {list}",
        format_name(format)
    ))
}

/// A format as it is written on the command line (`github`).
pub fn format_name(format: Format) -> String {
    format.name()
}

/// Renders `report` in the chosen `--format` through [`crate::report::render`]; a format
/// it cannot write is refused naming `offered`.
pub fn render(
    ctx: &Context,
    offered: &[Format],
    report: &crate::report::Report<'_>,
) -> Result<String, CommandError> {
    crate::report::render(ctx.global.format, report).map_err(|f| unsupported(f, offered))
}

/// Runs the parsed command line and returns the process exit code.
pub fn run(cli: Cli) -> ExitCode {
    let offered = require_format(cli.global.format, formats(&cli.command));
    // In GitHub Actions a fatal error is a workflow command whatever the output format, so
    // that it shows on the run page and not only in the log; `--format github` asks for it
    // where the command offers that format.
    let github =
        (cli.global.format == Format::Github && offered.is_ok()) || crate::cli::in_github_actions();
    if github {
        // Even a bug's message (which may quote repository text) is one escaped command.
        std::panic::set_hook(Box::new(|info| {
            let message = info
                .payload()
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| info.payload().downcast_ref::<String>().cloned())
                .unwrap_or_default();
            let place = info
                .location()
                .map(|l| format!(" at {}:{}", l.file(), l.line()))
                .unwrap_or_default();
            eprintln!(
                "{}",
                crate::report::github::internal_error(&format!("{message}{place}"))
            );
        }));
    }
    let result = offered
        .and_then(|()| Context::new(cli.global))
        .and_then(|ctx| match cli.command {
            Command::Check(args) => check::run(&ctx, &args),
            Command::Explain(args) => explain::run(&ctx, &args),
            Command::Init(args) => init::run(&ctx, &args),
            Command::Demo(args) => demo::run(&ctx, &args),
            Command::Ci(args) => ci::run(&ctx, &args),
            Command::Hook(cmd) => hook::run(&ctx, &cmd),
            Command::Install(args) => install::install(&ctx, &args),
            Command::Uninstall => install::uninstall(&ctx),
            Command::Audit(args) => audit::run(&ctx, &args),
            Command::Trace(args) => trace::run(&ctx, &args),
            Command::Baseline(args) => baseline::run(&ctx, &args),
            Command::Completions(args) => completions::run(&args),
            Command::Man(args) => man::run(&args),
            Command::Schema(args) => schema::run(&args),
        });
    match result {
        Ok(Outcome::Clean) => ExitCode::SUCCESS,
        Ok(Outcome::Failed) => ExitCode::from(1),
        Err(e) => {
            report_error(&e, github);
            ExitCode::from(2)
        }
    }
}

/// Prints a command error on stderr; configuration errors point into the file. With
/// `--format github`, or in GitHub Actions, the error is one workflow command whose text is
/// escaped, so nothing a repository wrote into it (a status name quoted in a help) can
/// start a command of its own.
fn report_error(e: &CommandError, github: bool) {
    if github {
        use crate::report::github;
        let command = match e {
            CommandError::Config(c) => github::config_error_command(c),
            CommandError::Usage(m) => github::error_command("flowgate usage error", m),
            CommandError::Repository(m) => github::error_command("flowgate repository error", m),
        };
        eprintln!("{command}");
        return;
    }
    match e {
        CommandError::Config(c) => eprintln!("{}", crate::report::human::render_config_error(c)),
        other => eprintln!("flowgate: {other}"),
    }
}
