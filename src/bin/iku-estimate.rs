//! iku-estimate: estimate one panel model from a CSV and print its coefficient table.
//!
//! ```text
//! iku-estimate --data FILE --unit COL --time COL --formula "y ~ x + l(x, 1) | unit"
//!              [--model pooled|within|twoways|fd|between|random]
//!              [--vcov iid|hc0|hc1|hc2|hc3|cluster|cluster-time|cluster-twoway|driscoll-kraay|newey-west]
//!              [--lags L] [--ssc none|fixest|stata|plm|linearmodels] [--weights COL]
//!              [--lincom "l(x, 0) + l(x, 1)"]... [--tests] [--drop-singletons] [--fd-across-gaps]
//!              [--format table|json|csv|md|tex] [--out FILE]
//! iku-estimate --data FILE --unit COL --time COL --model gmm-diff|gmm-sys
//!              --formula "y ~ l(y, 1) + x" --instruments "gmm(y, 2:99) + gmm(x, 2:99) + iv(z)"
//!              [--steps 1|2] [--collapse] [--effect individual|twoways] [--vcov robust|iid]
//!              [--long-run "x"]... [--format table|json] [--out FILE]
//! ```
//! Defaults: model from the formula's `| effects` (else within), vcov cluster (by unit),
//! ssc fixest, lags ⌊T^{1/4}⌋ for driscoll-kraay / newey-west, format table.
//!
//! `--format json` prints one object: `formula`, `model`, `vcov`, `ssc`, `ssc_formula` (the
//! factor applied, in words), `lags`, `nobs`, `n_units`, `n_times`, `df_resid` (n − k − k_fe),
//! `t_df` (null = normal), `n_clusters`, `r2` (plm's: of the transformed model), `r2_within`
//! (FE models), `dropped` (observations by reason: "missing values", "lags/leads",
//! "differences", "singletons"), `dropped_terms` ([{term, reason}]), `coefficients`
//! ([{term, estimate, std_error, statistic, p_value, conf_low, conf_high}], formula order,
//! `(Intercept)` first), `lincom` (same fields, when asked), `tests` ([{name, statistic, df, p_value}] with
//! `--tests`) and, for random effects,
//! `variance_components` ({sigma2_idios, sigma2_indiv, theta per unit}). Errors (missing
//! column, everything absorbed or collinear, a single cluster, bad syntax) print a message
//! and exit with status 2.
//!
//! GMM models (`panelkit::estimators::gmm`, plm `pgmm` conventions) print instead: `formula`,
//! `instruments`, `model`, `effect`, `vcov`, `nobs` (differenced equations, or level
//! equations for system GMM), `nobs_diff`, `nobs_level`, `n_units`, `n_groups`, `n_times`,
//! `coefficients` (normal inference), `long_run` (when asked) and `gmm`: {`n_instruments`,
//! `steps`, `collapse`, `sargan`, `hansen` ({stat, df, p_value}), `diff_hansen_levels`
//! (system GMM: {excluding, difference}), `ar1`, `ar2` ({z, p_value}), `warnings`}.

use clap::Parser;
use panelkit::estimators::gmm::{gmm, Effect, GmmOptions, Instruments, Transformation};
use panelkit::estimators::{estimate, EstimateOptions, Model};
use panelkit::formula::Formula;
use panelkit::inference::render::{render_with_tests, Format};
use panelkit::inference::{Ssc, VcovKind, VcovSpec};
use panelkit::{Error, Result};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser, Debug)]
#[command(
    name = "iku-estimate",
    about = "Estimate a panel model (plm / fixest / linearmodels conventions) and print its table"
)]
struct Cli {
    /// Panel CSV (header line; unit and time columns may be text or integers).
    #[arg(long)]
    data: Option<PathBuf>,
    /// Unit (cross-section) key column.
    #[arg(long)]
    unit: Option<String>,
    /// Time key column.
    #[arg(long)]
    time: Option<String>,
    /// Model formula, e.g. "y ~ x + l(x, 1) | unit + year".
    #[arg(long)]
    formula: Option<String>,
    /// Estimator; default: implied by the formula's absorbed effects, else within.
    #[arg(long)]
    model: Option<String>,
    /// Covariance estimator.
    #[arg(long, default_value = "cluster")]
    vcov: String,
    /// Lags for driscoll-kraay and newey-west (default ⌊T^{1/4}⌋).
    #[arg(long)]
    lags: Option<usize>,
    /// Small-sample preset (see the README / `panelkit::inference::ssc`).
    #[arg(long, default_value = "fixest")]
    ssc: String,
    /// Analytic weights column (e.g. population).
    #[arg(long)]
    weights: Option<String>,
    /// A linear combination of coefficients, "a + b" or "0.5*a + 2*b" (repeatable).
    #[arg(long)]
    lincom: Vec<String>,
    /// Output format.
    #[arg(long, default_value = "table")]
    format: String,
    /// Drop units observed once under unit fixed effects (counted as "singletons").
    #[arg(long)]
    drop_singletons: bool,
    /// Also run the specification tests (F, Hausman, robust Hausman, Wooldridge AR, BP, CD).
    #[arg(long)]
    tests: bool,
    /// fd: difference consecutive rows across missing periods (plm's fd); default gap-aware.
    #[arg(long)]
    fd_across_gaps: bool,
    /// Write to this file (atomically) instead of standard output.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Run a whole spec set (TOML, e.g. specs/vive.toml) on --data, writing
    /// estimates.{csv,json,md,tex} into --out-dir.
    #[arg(long)]
    spec: Option<PathBuf>,
    /// Output directory of --spec.
    #[arg(long, default_value = "reports")]
    out_dir: PathBuf,
    /// GMM (--model gmm-diff|gmm-sys): instruments, e.g. "gmm(y, 2:99) + gmm(x, 2:99) + iv(z)".
    #[arg(long)]
    instruments: Option<String>,
    /// GMM: 1 (one-step, robust SEs) or 2 (two-step, Windmeijer SEs).
    #[arg(long, default_value_t = 1)]
    steps: u8,
    /// GMM: collapse the GMM-style instruments (one column per lag).
    #[arg(long)]
    collapse: bool,
    /// GMM: individual effects only, or also period dummies (twoways, plm's default).
    #[arg(long, default_value = "twoways")]
    effect: String,
    /// GMM: long-run effect Σβ/(1 − Σρ) of "l(x, 0) + l(x, 1)" (repeatable).
    #[arg(long)]
    long_run: Vec<String>,
}

/// One estimation request, independent of where it came from (flags or a spec file).
struct Job {
    data: PathBuf,
    unit: String,
    time: String,
    formula: String,
    model: Option<Model>,
    vcov: VcovSpec,
    weights: Option<String>,
    lincoms: Vec<String>,
    drop_singletons: bool,
    fd_across_gaps: bool,
    tests: bool,
    format: Format,
}

/// Splits "a + 0.5*b" at top-level '+' signs into (term, weight) pairs.
fn parse_lincom(s: &str) -> Result<Vec<(String, f64)>> {
    let mut parts = Vec::new();
    let mut depth = 0i32;
    let mut cur = String::new();
    for c in s.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            _ => {}
        }
        if c == '+' && depth == 0 {
            parts.push(std::mem::take(&mut cur));
        } else {
            cur.push(c);
        }
    }
    parts.push(cur);
    parts
        .iter()
        .map(|p| {
            let p = p.trim();
            if p.is_empty() {
                return Err(Error::Usage(format!("--lincom '{s}': empty term")));
            }
            match p.split_once('*') {
                Some((w, t)) if !w.contains('(') => {
                    let w: f64 = w.trim().parse().map_err(|_| {
                        Error::Usage(format!("--lincom '{s}': '{w}' is not a number"))
                    })?;
                    Ok((t.trim().to_string(), w))
                }
                _ => Ok((p.to_string(), 1.0)),
            }
        })
        .collect()
}

impl Job {
    fn from_cli(cli: &Cli) -> Result<Job> {
        let formula = cli.formula.clone().ok_or_else(|| {
            Error::Usage("--formula is required, e.g. --formula \"y ~ x + l(x, 1)\"".into())
        })?;
        let need = |v: &Option<String>, flag: &str| {
            v.clone()
                .ok_or_else(|| Error::Usage(format!("{flag} is required")))
        };
        Ok(Job {
            data: cli
                .data
                .clone()
                .ok_or_else(|| Error::Usage("--data FILE is required".into()))?,
            unit: need(&cli.unit, "--unit COL")?,
            time: need(&cli.time, "--time COL")?,
            formula,
            model: cli.model.as_deref().map(Model::parse).transpose()?,
            vcov: VcovSpec {
                kind: VcovKind::parse(&cli.vcov)?,
                ssc: Ssc::parse(&cli.ssc)?,
                lags: cli.lags,
            },
            weights: cli.weights.clone(),
            lincoms: cli.lincom.clone(),
            drop_singletons: cli.drop_singletons,
            fd_across_gaps: cli.fd_across_gaps,
            tests: cli.tests,
            format: Format::parse(&cli.format)?,
        })
    }

    /// Reads the data, estimates, computes the covariance and renders the table.
    fn execute(&self) -> Result<String> {
        let panel = panelkit::panel::io::read_csv(&self.data, &self.unit, &self.time)?;
        let formula = Formula::parse(&self.formula)?;
        formula.check(&panel)?;
        let model = Model::resolve(&formula, &panel, self.model)?;
        let mut opts = EstimateOptions::new(model);
        opts.weights = self.weights.clone();
        opts.drop_singletons = self.drop_singletons;
        opts.fd_across_gaps = self.fd_across_gaps;
        let fit = estimate(&panel, &formula, &opts)?;
        let mut table = fit.coef_table(&self.vcov)?;
        for l in &self.lincoms {
            let terms = parse_lincom(l)?;
            let refs: Vec<(&str, f64)> = terms.iter().map(|(t, w)| (t.as_str(), *w)).collect();
            table.add_lincom(&fit, &refs)?;
        }
        let tests = if self.tests {
            panelkit::inference::spectests::standard(&panel, &formula)?
        } else {
            Vec::new()
        };
        Ok(render_with_tests(&fit, &table, &tests, self.format))
    }
}

/// `--spec FILE --data PANEL`: the whole set, one column per spec.
fn run_spec(cli: &Cli, spec: &std::path::Path) -> Result<()> {
    let data = cli
        .data
        .clone()
        .ok_or_else(|| Error::Usage("--spec needs --data PANEL".into()))?;
    let panel = iku::canonical::load(&data)?;
    let file = iku::pipeline::PanelFile::describe(&data)?;
    let table = iku::pipeline::estimate_specs(&file, &panel, spec)?;
    let files = iku::pipeline::estimate_files(&table, &cli.out_dir);
    let refs: Vec<(&std::path::Path, Vec<u8>)> = files
        .iter()
        .map(|(p, b)| (p.as_path(), b.clone()))
        .collect();
    panelkit::io::write_all_atomic(&refs)?;
    print!("{}", table.to_markdown());
    for (p, _) in &files {
        eprintln!("wrote {}", p.display());
    }
    Ok(())
}

/// `--model gmm-diff|gmm-sys`: dynamic-panel GMM with its diagnostics.
fn run_gmm(cli: &Cli, transformation: Transformation) -> Result<String> {
    let need = |v: &Option<String>, flag: &str| {
        v.clone()
            .ok_or_else(|| Error::Usage(format!("{flag} is required")))
    };
    if cli.weights.is_some() || !cli.lincom.is_empty() || cli.tests {
        return Err(Error::Usage(
            "--weights, --lincom and --tests are not available for GMM models (use --long-run)"
                .into(),
        ));
    }
    let data = cli
        .data
        .clone()
        .ok_or_else(|| Error::Usage("--data FILE is required".into()))?;
    let formula = Formula::parse(&need(&cli.formula, "--formula \"y ~ l(y, 1) + x\"")?)?;
    let inst = Instruments::parse(&need(
        &cli.instruments,
        "--instruments \"gmm(y, 2:99) + iv(x)\" (GMM models)",
    )?)?;
    let robust = match cli.vcov.as_str() {
        "robust" | "cluster" | "windmeijer" => true,
        "iid" | "nonrobust" => false,
        v => {
            return Err(Error::Usage(format!(
                "--vcov {v} is not available for GMM: use robust (default) or iid (two-step only)"
            )))
        }
    };
    let opts = GmmOptions {
        transformation,
        steps: cli.steps,
        collapse: cli.collapse,
        effect: Effect::parse(&cli.effect)?,
        robust,
        sample: None,
    };
    let format = Format::parse(&cli.format)?;
    let panel = panelkit::panel::io::read_csv(
        &data,
        &need(&cli.unit, "--unit COL")?,
        &need(&cli.time, "--time COL")?,
    )?;
    let fit = gmm(&panel, &formula, &inst, &opts)?;
    let mut long_run = Vec::new();
    for l in &cli.long_run {
        let terms = parse_lincom(l)?;
        if terms.iter().any(|(_, w)| *w != 1.0) {
            return Err(Error::Usage(format!(
                "--long-run '{l}': give a sum of terms without weights"
            )));
        }
        let refs: Vec<&str> = terms.iter().map(|(t, _)| t.as_str()).collect();
        long_run.push(fit.long_run(&refs, 0.95)?);
    }
    for w in &fit.warnings {
        eprintln!("iku-estimate: warning: {w}");
    }
    panelkit::estimators::gmm::render::render(&fit, &long_run, format)
}

fn run(cli: Cli) -> Result<()> {
    if let Some(spec) = cli.spec.clone() {
        return run_spec(&cli, &spec);
    }
    let gmm_model = cli.model.as_deref().and_then(Transformation::parse);
    let text = match gmm_model {
        Some(t) => run_gmm(&cli, t)?,
        None => {
            if cli.instruments.is_some() || !cli.long_run.is_empty() {
                return Err(Error::Usage(
                    "--instruments and --long-run need --model gmm-diff or gmm-sys".into(),
                ));
            }
            Job::from_cli(&cli)?.execute()?
        }
    };
    match &cli.out {
        Some(p) => panelkit::io::write_atomic(p, text.as_bytes()),
        None => {
            print!("{text}");
            Ok(())
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("iku-estimate: {e}");
            ExitCode::from(2)
        }
    }
}
