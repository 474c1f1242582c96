use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = flowgate::cli::Cli::parse();
    flowgate::commands::run(cli)
}
