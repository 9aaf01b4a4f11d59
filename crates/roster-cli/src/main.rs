//! `roster`: the command-line front of Roster. See `roster --help` and DESIGN.md's CLI
//! contract. Exit status: 0 success, 2 invalid input (syntax, check or data errors, rendered
//! on stderr), 1 anything else (I/O, database).
#![forbid(unsafe_code)]

mod args;
mod bench;
mod commands;
mod error;
mod translate;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = args::Cli::parse();
    let format = cli.error_format;
    match commands::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            e.report(format);
            ExitCode::from(e.exit_code())
        }
    }
}
