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
    /// Generate the calibrated SYNTHETIC panel and its manifest (refuses if a target is missed).
    Simulate {
        /// Seed of the ChaCha20 generator (the shipped panel uses 20220301).
        #[arg(long, default_value_t = iku::simulate::DEFAULT_SEED)]
        seed: u64,
        /// Where to write the panel CSV.
        #[arg(long)]
        out: PathBuf,
        /// True effect: DKK per inhabitant (2020 prices) per pp IKU of the previous year.
        #[arg(long, default_value_t = iku::simulate::DEFAULT_EFFECT, allow_negative_numbers = true)]
        effect: f64,
        /// First year of the panel (2007–2017).
        #[arg(long, default_value_t = 2007)]
        first_year: i64,
        /// Last year of the panel (2020–2022).
        #[arg(long, default_value_t = 2020)]
        last_year: i64,
        /// Where to write the manifest [default: <out without .csv>.manifest.toml].
        #[arg(long)]
        manifest: Option<PathBuf>,
        /// Spending persistence φ in [0, 1) (coefficient of last year's spending; 0: static).
        #[arg(long, default_value_t = 0.0)]
        persistence: f64,
    },
    /// Download the official series (statbank, noegletal.dk) into a raw directory, with a manifest.
    Fetch(FetchArgs),
    /// Turn raw official exports into the canonical panel CSV (validated, written atomically).
    Build {
        /// Directory holding the raw exports (see data/reference/README.md for file names).
        #[arg(long, default_value = "data/raw")]
        raw: PathBuf,
        /// Output panel CSV.
        #[arg(long)]
        out: PathBuf,
        /// First year (default: first year of the IKU export).
        #[arg(long)]
        from: Option<i64>,
        /// Last year (default: last year of the IKU export).
        #[arg(long)]
        to: Option<i64>,
    },
}

#[derive(clap::Args)]
struct FetchArgs {
    /// Directory for the downloads and manifest.toml.
    #[arg(long, default_value = "data/raw")]
    out: PathBuf,
    /// Statistics Denmark statbank API base.
    #[arg(long, default_value = "https://api.statbank.dk/v1")]
    base_statbank: String,
    /// noegletal.dk application base.
    #[arg(long, default_value = "https://www.noegletal.dk/noegletal")]
    base_noegletal: String,
    /// First year.
    #[arg(long, default_value_t = 2007)]
    from: i64,
    /// Last year.
    #[arg(long, default_value_t = 2020)]
    to: i64,
    /// noegletal.dk key figure to fetch as NAME=ID (saved as NAME.html), e.g. noegletal_iku_hk6=ID.
    #[arg(long = "noegletal", value_name = "NAME=ID")]
    noegletal: Vec<String>,
    /// noegletal.dk data version (form field qVers), e.g. 24A.
    #[arg(long, default_value = "24A")]
    noegletal_version: String,
    /// Timeout per request, seconds.
    #[arg(long, default_value_t = 120)]
    timeout: u64,
}

fn run(cli: Cli) -> iku::Result<()> {
    match cli.cmd {
        Cmd::Validate { file } => {
            let panel = iku::canonical::load(&file)?;
            panelkit::io::println(&format!("{}: valid canonical panel", file.display()));
            if iku::simulate::is_synthetic(&file) {
                panelkit::io::println(
                    "SYNTHETIC: generated data with a known true effect, not official statistics",
                );
            }
            panelkit::io::print(&format!("{}", panel.summary()));
            Ok(())
        }
        Cmd::Simulate {
            seed,
            out,
            effect,
            first_year,
            last_year,
            manifest,
            persistence,
        } => {
            let cfg = iku::simulate::SimConfig {
                seed,
                true_effect: effect,
                years: first_year..=last_year,
                persistence,
            };
            let sim = iku::simulate::simulate(&cfg)?;
            let manifest = manifest.unwrap_or_else(|| iku::simulate::default_manifest_path(&out));
            if manifest == out {
                return Err(iku::Error::Usage(format!(
                    "--manifest {} is the panel file itself; choose another path",
                    manifest.display()
                )));
            }
            let file_name = out
                .file_name()
                .map(|f| f.to_string_lossy().into_owned())
                .ok_or_else(|| {
                    iku::Error::Usage(format!("--out {}: not a file path", out.display()))
                })?;
            let text = sim.manifest(&file_name)?;
            panelkit::io::write_all_atomic(&[
                (&out, sim.csv.clone()),
                (&manifest, text.into_bytes()),
            ])?;
            panelkit::io::println(&format!(
                "SYNTHETIC panel: {} rows, seed {seed}, true effect {effect} DKK per inhabitant per pp (lag 1)",
                sim.panel.nrows()
            ));
            panelkit::io::println(&format!(
                "wrote {} and {}",
                out.display(),
                manifest.display()
            ));
            panelkit::io::print(&sim.report_table());
            Ok(())
        }
        Cmd::Fetch(a) => {
            let mut noegletal = Vec::new();
            for nv in &a.noegletal {
                let (n, v) = nv.split_once('=').ok_or_else(|| {
                    iku::Error::Usage(format!("--noegletal expects NAME=ID, found '{nv}'"))
                })?;
                noegletal.push((n.to_string(), v.to_string()));
            }
            let cfg = iku::sources::fetch::FetchConfig {
                out: a.out,
                base_statbank: a.base_statbank.trim_end_matches('/').to_string(),
                base_noegletal: a.base_noegletal.trim_end_matches('/').to_string(),
                from: a.from,
                to: a.to,
                noegletal,
                noegletal_version: a.noegletal_version,
                timeout: std::time::Duration::from_secs(a.timeout),
            };
            let entries = iku::sources::fetch::fetch(&cfg, |l| eprintln!("{l}"))?;
            panelkit::io::println(&format!(
                "{} files and {} written to {}",
                entries.len(),
                iku::sources::fetch::MANIFEST,
                cfg.out.display()
            ));
            Ok(())
        }
        Cmd::Build { raw, out, from, to } => {
            let report = iku::sources::build::build_to(&raw, &out, from, to)?;
            panelkit::io::println(&format!("{}: canonical panel built", out.display()));
            panelkit::io::println(&format!("{report}"));
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
