//! `iku-project`: DI's savings projection (best practice, gaps, savings under every reading)
//! written to `OUT_DIR/projection.{json,csv,md}`, and optionally the figures.

use clap::Parser;
use iku::projection::{project, Effect};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "iku-project",
    version,
    about = "Project the savings of raising every municipality's IKU to best practice"
)]
struct Cli {
    /// The canonical panel CSV (a sibling manifest.toml with `synthetic = true` marks every output SYNTHETIC).
    #[arg(long)]
    data: PathBuf,
    /// Projection year.
    #[arg(long, default_value_t = 2020)]
    year: i64,
    /// Best practice = mean IKU of the top k municipalities.
    #[arg(long, default_value_t = 10)]
    k: usize,
    /// Re-estimated coefficient on IKU in the spending regression, DKK per inhabitant per pp
    /// (negative = spending falls = saving; −12.3 means a saving of 12.3).
    #[arg(long, allow_hyphen_values = true, conflicts_with = "estimates")]
    effect_estimate: Option<f64>,
    /// Standard error of --effect-estimate.
    #[arg(long, requires = "effect_estimate")]
    effect_se: Option<f64>,
    /// Degrees of freedom for the t quantile of --effect-estimate (normal when omitted).
    #[arg(long, requires = "effect_se")]
    effect_df: Option<f64>,
    /// Estimates JSON with `best_estimate {estimate, std_error, df}` (estimate as for --effect-estimate).
    #[arg(long)]
    estimates: Option<PathBuf>,
    /// Output directory.
    #[arg(long, default_value = "reports")]
    out_dir: PathBuf,
    /// Also render the figures (PNG and SVG) into OUT_DIR/figures.
    #[arg(long)]
    figures: bool,
}

fn run(cli: Cli) -> iku::Result<()> {
    let panel = iku::canonical::load(&cli.data)?;
    let synthetic = iku::simulate::is_synthetic(&cli.data);
    let mut effects = vec![Effect::published()];
    if let Some(x) = cli.effect_estimate {
        effects.push(Effect::from_coefficient(x, cli.effect_se, cli.effect_df));
    } else if let Some(path) = &cli.estimates {
        effects.push(Effect::from_estimates_json(path)?);
    }
    let mut projection = project(&panel, cli.year, cli.k, &effects)?;
    projection.synthetic = synthetic;
    projection.panel_sha256 = Some(panelkit::io::sha256_file(&cli.data)?);
    let json = cli.out_dir.join("projection.json");
    let csv = cli.out_dir.join("projection.csv");
    let md = cli.out_dir.join("projection.md");
    let mut files: Vec<(PathBuf, Vec<u8>)> = vec![
        (json, projection.to_json()?),
        (csv, projection.to_csv()?),
        (md, projection.to_markdown().into_bytes()),
    ];
    if cli.figures {
        files.extend(iku::report::figures::render_all_bytes(
            &projection,
            &panel,
            &cli.out_dir.join("figures"),
            synthetic,
        )?);
    }
    panelkit::outset::write_set(&cli.out_dir, &files)?;
    for (p, _) in &files {
        panelkit::io::println(&format!("wrote {}", p.display()));
    }
    Ok(())
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            panelkit::io::eprintln(&format!("iku-project: error: {e}"));
            ExitCode::FAILURE
        }
    }
}
