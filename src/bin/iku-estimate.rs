//! iku-estimate: estimate one panel model from a CSV and print its coefficient table.
//!
//! ```text
//! iku-estimate --data FILE --unit COL --time COL --formula "y ~ x + l(x, 1) | unit"
//!              [--model pooled|within|twoways|fd|between|random]
//!              [--vcov iid|hc0|hc1|hc2|hc3|cluster|cluster-time|cluster-twoway|driscoll-kraay|newey-west|crv2|crv3]
//!              [--lags L] [--ssc none|fixest|stata|plm|linearmodels] [--weights COL]
//!              [--lincom "l(x, 0) + l(x, 1)"]... [--tests] [--drop-singletons] [--fd-across-gaps]
//!              [--format table|json|csv|md|tex] [--out FILE]
//!              [--boot wcr|wcu [--boot-reps B] [--boot-weights rademacher|webb|mammen|normal]
//!               [--boot-seed N] [--boot-hypothesis 'a + b = 0'] [--boot-cluster unit|time]
//!               [--boot-p symmetric|equal-tailed|upper|lower]]
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
//! `variance_components` ({sigma2_idios, sigma2_indiv, theta per unit}); with `--boot`,
//! `bootstrap` ({type, weights, reps, enumerated, hypothesis, cluster, n_clusters, estimate,
//! t_stat, small_sample_factor, p_kind, p_value, p_symmetric, p_equal_tailed, p_upper,
//! p_lower, level, ci: [lo, hi], seed}: the wild cluster bootstrap, default 9,999 Rademacher
//! draws, seed 1, clustered by unit, hypothesis `<first slope> = 0`). Errors (missing
//! column, everything absorbed or collinear, a single cluster, bad syntax) print a message
//! and exit with status 2.

use clap::Parser;
use panelkit::estimators::{estimate, EstimateOptions, Model};
use panelkit::formula::Formula;
use panelkit::inference::bootstrap::{
    BootKind, BootOptions, BootResult, BootWeights, LinearHypothesis, PValueKind,
};
use panelkit::inference::clusters::ClusterBy;
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
    /// Wild cluster bootstrap: wcr (null imposed) or wcu.
    #[arg(long)]
    boot: Option<String>,
    /// Bootstrap draws (all 2^G sign vectors when 2^G ≤ B with Rademacher weights).
    #[arg(long, default_value_t = 9999)]
    boot_reps: usize,
    /// Bootstrap weights.
    #[arg(long, default_value = "rademacher")]
    boot_weights: String,
    /// Seed of the ChaCha20 generator of the bootstrap draws.
    #[arg(long, default_value_t = 1)]
    boot_seed: u64,
    /// Hypothesis tested, 'TERM = 0' or 'a + b = 0' (default: the first slope = 0).
    #[arg(long)]
    boot_hypothesis: Option<String>,
    /// Bootstrap clusters: unit or time.
    #[arg(long, default_value = "unit")]
    boot_cluster: String,
    /// Bootstrap p-value (and interval): symmetric, equal-tailed, upper or lower.
    #[arg(long, default_value = "symmetric")]
    boot_p: String,
}

/// A wild cluster bootstrap request from the command line.
struct BootRequest {
    hypothesis: Option<String>,
    opts: BootOptions,
}

impl BootRequest {
    fn from_cli(cli: &Cli) -> Result<Option<BootRequest>> {
        let Some(kind) = &cli.boot else {
            return Ok(None);
        };
        let mut opts = BootOptions::new(cli.boot_seed);
        opts.kind = BootKind::parse(kind)?;
        opts.reps = cli.boot_reps;
        opts.weights = BootWeights::parse(&cli.boot_weights)?;
        opts.p_kind = PValueKind::parse(&cli.boot_p)?;
        opts.cluster = match cli.boot_cluster.as_str() {
            "unit" => ClusterBy::Unit,
            "time" => ClusterBy::Time,
            other => {
                return Err(Error::Usage(format!(
                    "--boot-cluster '{other}': expected unit or time"
                )))
            }
        };
        Ok(Some(BootRequest {
            hypothesis: cli.boot_hypothesis.clone(),
            opts,
        }))
    }

    /// Runs the bootstrap on `fit`; the default hypothesis is the first slope = 0.
    fn run(&self, fit: &panelkit::estimators::Fit) -> Result<BootResult> {
        let h = match &self.hypothesis {
            Some(text) => LinearHypothesis::parse(text)?,
            None => {
                let first = fit
                    .terms
                    .iter()
                    .find(|t| t.as_str() != panelkit::estimators::INTERCEPT)
                    .ok_or_else(|| Error::Usage("--boot: the model has no slope to test".into()))?;
                LinearHypothesis::parse(&format!("{first} = 0"))?
            }
        };
        fit.wild_bootstrap(&h, &self.opts)
    }
}

/// Adds the bootstrap to a rendered table: a `bootstrap` field of the JSON object, a line
/// under the table (table, md); csv and tex have no place for it.
fn with_bootstrap(text: String, b: &BootResult, format: Format) -> Result<String> {
    let ci = |v: Option<f64>| v.map_or("unbounded".to_string(), |x| format!("{x:.6}"));
    match format {
        Format::Json => {
            let body = text.trim_end().strip_suffix('}').ok_or_else(|| {
                Error::Numeric("internal: the JSON table is not an object".into())
            })?;
            let field = serde_json::to_string_pretty(b)
                .map_err(|e| Error::Numeric(format!("bootstrap JSON: {e}")))?;
            let field = field.replace('\n', "\n  ");
            Ok(format!("{},\n  \"bootstrap\": {field}\n}}\n", body.trim_end()))
        }
        Format::Table | Format::Md => Ok(format!(
            "{text}\nWild cluster bootstrap ({}, {} weights, {} draws{}, seed {}, {} clusters by {}): H0 {}: t = {:.4}, p ({}) = {:.4}, {}% CI [{}, {}]\n",
            b.kind.name().to_uppercase(),
            b.weights.name(),
            b.reps,
            if b.enumerated { ", full enumeration" } else { "" },
            b.seed,
            b.n_clusters,
            b.cluster,
            b.hypothesis,
            b.t_stat,
            b.p_kind.name(),
            b.p_value,
            b.level * 100.0,
            ci(b.ci[0]),
            ci(b.ci[1]),
        )),
        Format::Csv | Format::Tex => Err(Error::Usage(
            "--boot: the bootstrap is printed with --format json, table or md".into(),
        )),
    }
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
    boot: Option<BootRequest>,
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
            boot: BootRequest::from_cli(cli)?,
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
            panelkit::inference::spectests::standard_for(&fit, &panel, &formula)?
        } else {
            Vec::new()
        };
        let text = render_with_tests(&fit, &table, &tests, self.format);
        match &self.boot {
            Some(b) => with_bootstrap(text, &b.run(&fit)?, self.format),
            None => Ok(text),
        }
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

fn run(cli: Cli) -> Result<()> {
    if let Some(spec) = cli.spec.clone() {
        return run_spec(&cli, &spec);
    }
    let job = Job::from_cli(&cli)?;
    let text = job.execute()?;
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
