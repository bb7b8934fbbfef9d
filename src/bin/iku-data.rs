//! `iku-data`: validate, simulate, fetch and build the municipal panel.

use clap::{Parser, Subcommand};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

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
    Simulate(SimulateArgs),
    /// Monte Carlo in process: for every true effect and seed, simulate a panel and estimate
    /// the whole spec set on it; one CSV row per replication and spec (refused seeds kept).
    Montecarlo(MontecarloArgs),
    /// Monte Carlo of the specification curve's joint test: for every true effect and seed,
    /// simulate a panel and run a multiverse on it; one CSV row per replication (refused seeds
    /// kept) with the curve's median, shares and the joint test's p-values.
    CurveMontecarlo(CurveMontecarloArgs),
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
struct SimulateArgs {
    /// Seed of the ChaCha20 generator (the shipped panel uses 20220301); at most 2^63 − 1,
    /// since the manifest records it as a TOML integer.
    #[arg(long, default_value_t = iku::simulate::DEFAULT_SEED,
          value_parser = clap::value_parser!(u64).range(..=i64::MAX as u64))]
    seed: u64,
    /// Where to write the panel CSV.
    #[arg(long)]
    out: PathBuf,
    /// True effect: DKK per inhabitant (2020 prices) per pp IKU of the previous year.
    #[arg(long, default_value_t = iku::simulate::default_effect(), allow_negative_numbers = true)]
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
}

/// The replications of a Monte Carlo: seeds, true effects, panel years and worker threads.
#[derive(clap::Args)]
struct DesignArgs {
    /// Seeds tried for every true effect, both ends included: A..B (e.g. 1..200) or A.
    #[arg(long)]
    seeds: String,
    /// True effect(s), DKK per inhabitant per pp: repeat the flag or separate by commas
    /// (--effect=-12.5,0). Replications run effect by effect, seeds ascending.
    #[arg(
        long,
        required = true,
        value_delimiter = ',',
        allow_negative_numbers = true
    )]
    effect: Vec<f64>,
    /// Replications run in parallel (worker threads); the output does not depend on it.
    #[arg(long, default_value_t = 1)]
    jobs: usize,
    /// First year of every panel (2007–2017).
    #[arg(long, default_value_t = 2007)]
    first_year: i64,
    /// Last year of every panel (2020–2022).
    #[arg(long, default_value_t = 2020)]
    last_year: i64,
}

impl DesignArgs {
    fn design(&self) -> iku::Result<iku::montecarlo::Design> {
        Ok(iku::montecarlo::Design {
            seeds: iku::montecarlo::parse_seeds(&self.seeds)?,
            effects: self.effect.clone(),
            years: self.first_year..=self.last_year,
        })
    }
}

#[derive(clap::Args)]
struct MontecarloArgs {
    #[command(flatten)]
    design: DesignArgs,
    /// The spec set estimated on every panel.
    #[arg(long, default_value = "specs/vive.toml")]
    spec: PathBuf,
    /// Replace the spec set's study-wide small-sample preset (e.g. stata).
    #[arg(long)]
    ssc: Option<String>,
    /// Where to write the CSV (seed, effect, status, reason, spec, label, estimate,
    /// std_error, df, p_value, conf_low, conf_high).
    #[arg(long)]
    out: PathBuf,
}

#[derive(clap::Args)]
struct CurveMontecarloArgs {
    #[command(flatten)]
    design: DesignArgs,
    /// The multiverse run on every panel (its reps and seed set the joint bootstrap).
    #[arg(long)]
    multiverse: PathBuf,
    /// Replace the multiverse's bootstrap draws (reps) behind the joint test.
    #[arg(long)]
    reps: Option<usize>,
    /// Where to write the CSV (seed, effect, status, reason, n_specs, median_effect,
    /// share_negative, share_significant, share_significant_negative, direction, reps,
    /// p_median, p_share).
    #[arg(long)]
    out: PathBuf,
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

fn validate(file: PathBuf) -> iku::Result<()> {
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

fn simulate(a: SimulateArgs) -> iku::Result<()> {
    let cfg = iku::simulate::SimConfig {
        seed: a.seed,
        true_effect: a.effect,
        years: a.first_year..=a.last_year,
        persistence: a.persistence,
    };
    let sim = iku::simulate::simulate(&cfg)?;
    let out = a.out;
    let manifest = a
        .manifest
        .unwrap_or_else(|| iku::simulate::default_manifest_path(&out));
    if manifest == out {
        return Err(iku::Error::Usage(format!(
            "--manifest {} is the panel file itself; choose another path",
            manifest.display()
        )));
    }
    let file_name = out
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .ok_or_else(|| iku::Error::Usage(format!("--out {}: not a file path", out.display())))?;
    let text = sim.manifest(&file_name)?;
    panelkit::io::write_all_atomic(&[(&out, sim.csv.clone()), (&manifest, text.into_bytes())])?;
    panelkit::io::println(&format!(
        "SYNTHETIC panel: {} rows, seed {}, true effect {} DKK per inhabitant per pp (lag 1)",
        sim.panel.nrows(),
        a.seed,
        a.effect
    ));
    panelkit::io::println(&format!(
        "wrote {} and {}",
        out.display(),
        manifest.display()
    ));
    panelkit::io::print(&sim.report_table());
    Ok(())
}

/// Prints `<name>: done/total replications (refused), seconds` to stderr: one line
/// rewritten in place on a terminal, else a line at every 5 % and at the end.
fn progress_printer(
    name: &'static str,
    start: Instant,
) -> impl Fn(iku::montecarlo::Progress) + Sync {
    let tty = std::io::stderr().is_terminal();
    move |p: iku::montecarlo::Progress| {
        let step = (p.total / 20).max(1);
        if !(tty || p.done.is_multiple_of(step) || p.done == p.total) {
            return;
        }
        let line = format!(
            "{name}: {}/{} replications ({} refused), {:.1} s",
            p.done,
            p.total,
            p.refused,
            start.elapsed().as_secs_f64()
        );
        if tty {
            panelkit::io::eprint(&format!(
                "\r{line}{}",
                if p.done == p.total { "\n" } else { "" }
            ));
        } else {
            panelkit::io::eprintln(&line);
        }
    }
}

fn montecarlo(a: MontecarloArgs) -> iku::Result<()> {
    let start = Instant::now();
    let mut spec = iku::spec::SpecFile::load(&a.spec)?;
    if let Some(ssc) = a.ssc {
        panelkit::inference::Ssc::parse(&ssc)?;
        spec.study.ssc = ssc;
    }
    let design = a.design.design()?;
    let reps = iku::montecarlo::run(
        &design,
        &spec,
        a.design.jobs,
        &progress_printer("montecarlo", start),
    )?;
    finish(&a.out, &reps, iku::montecarlo::to_csv(&reps)?, start)
}

fn curve_montecarlo(a: CurveMontecarloArgs) -> iku::Result<()> {
    let start = Instant::now();
    let design = a.design.design()?;
    let mut m = iku::spec::multiverse::MultiverseFile::load(&a.multiverse)?;
    if let Some(reps) = a.reps {
        m.multiverse.reps = reps;
    }
    let reps = iku::montecarlo::curve::run(
        &design,
        &m,
        a.design.jobs,
        &progress_printer("curve-montecarlo", start),
    )?;
    finish(&a.out, &reps, iku::montecarlo::curve::to_csv(&reps)?, start)
}

/// Writes a Monte Carlo's CSV atomically and says how many replications (refused) it holds.
fn finish<T>(
    out: &std::path::Path,
    reps: &[iku::montecarlo::Replication<T>],
    csv: Vec<u8>,
    start: Instant,
) -> iku::Result<()> {
    panelkit::io::write_atomic(out, &csv)?;
    let refused = reps
        .iter()
        .filter(|r| matches!(r.outcome, iku::montecarlo::Outcome::Refused(_)))
        .count();
    panelkit::io::println(&format!(
        "{} replications ({refused} refused) in {:.1} s; wrote {}",
        reps.len(),
        start.elapsed().as_secs_f64(),
        out.display()
    ));
    Ok(())
}

fn fetch(a: FetchArgs) -> iku::Result<()> {
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
    let entries = iku::sources::fetch::fetch(&cfg, panelkit::io::eprintln)?;
    panelkit::io::println(&format!(
        "{} files and {} written to {}",
        entries.len(),
        iku::sources::fetch::MANIFEST,
        cfg.out.display()
    ));
    Ok(())
}

fn run(cli: Cli) -> iku::Result<()> {
    match cli.cmd {
        Cmd::Validate { file } => validate(file),
        Cmd::Simulate(a) => simulate(a),
        Cmd::Montecarlo(a) => montecarlo(a),
        Cmd::CurveMontecarlo(a) => curve_montecarlo(a),
        Cmd::Fetch(a) => fetch(a),
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
            panelkit::io::eprintln(&format!("iku-data: error: {e}"));
            ExitCode::FAILURE
        }
    }
}
