//! `iku-data`: validate, simulate, fetch and build the municipal panel.

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "iku-data",
    version,
    about = "Build, validate and simulate the IKU municipal panel"
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Validate a canonical panel file and print its summary.
    Validate {
        /// The panel CSV (canonical format, see data/README.md).
        file: PathBuf,
    },
}

fn run(cli: Cli) -> iku::Result<()> {
    match cli.cmd {
        Cmd::Validate { file } => {
            let panel = iku::panel::canonical::load(&file)?;
            println!("{}: valid canonical panel", file.display());
            print!("{}", panel.summary());
            Ok(())
        }
    }
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("iku-data: error: {e}");
            ExitCode::FAILURE
        }
    }
}
