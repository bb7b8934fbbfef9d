//! `iku-reproduce`: the whole pipeline behind `make reproduce`.

use clap::Parser;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "iku-reproduce",
    version,
    about = "Run data → estimates → projection → figures → reports/REPORT.md"
)]
struct Cli {
    /// Canonical panel CSV (default: the shipped SYNTHETIC panel).
    #[arg(long, default_value = "data/synthetic/panel.csv")]
    data: PathBuf,
    /// Specification set.
    #[arg(long, default_value = "specs/vive.toml")]
    spec: PathBuf,
    /// Multiverse file run after the spec set ("none" to skip it).
    #[arg(long, default_value = "specs/multiverse.toml")]
    multiverse: PathBuf,
    /// Output directory.
    #[arg(long, default_value = "reports")]
    out_dir: PathBuf,
    /// Projection year.
    #[arg(long, default_value_t = 2020)]
    year: i64,
    /// Best practice = mean IKU of the top-k municipalities.
    #[arg(long, default_value_t = 10)]
    k: usize,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let command: Vec<String> = std::env::args().collect();
    let opts = iku::pipeline::Options {
        panel: cli.data,
        spec: cli.spec,
        out_dir: cli.out_dir,
        multiverse: (cli.multiverse.as_os_str() != "none").then_some(cli.multiverse),
        year: cli.year,
        k: cli.k,
        progress: true,
    };
    match iku::pipeline::run(&opts, &command.join(" ")) {
        Ok(out) => {
            if let Some(inside) = out.truth_inside_ci {
                panelkit::io::eprintln(&format!(
                    "true effect {} the best estimate's 95 % CI",
                    if inside { "inside" } else { "OUTSIDE" }
                ));
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            panelkit::io::eprintln(&format!("iku-reproduce: error: {e}"));
            ExitCode::FAILURE
        }
    }
}
