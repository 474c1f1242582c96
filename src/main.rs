use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = flowgate::cli::Cli::parse_args();
    flowgate::commands::run(cli)
}
