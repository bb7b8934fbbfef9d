//! iku-estimate: estimate one panel model from a CSV and print its coefficient table, or
//! several (`--formula` repeated) side by side.
//!
//! ```text
//! iku-estimate --data FILE --unit COL --time COL --formula "y ~ x + l(x, 1) | unit" [--formula ...]
//!              [--model pooled|within|twoways|fd|between|random]
//!              [--vcov iid|hc0|hc1|hc2|hc3|cluster|cluster-time|cluster-twoway|driscoll-kraay|newey-west]
//!              [--lags L] [--ssc none|fixest|stata|plm|linearmodels] [--weights COL]
//!              [--lincom "l(x, 0) + l(x, 1)"]... [--wald "a = 0, b = 0"] [--level 0.95]
//!              [--tests] [--drop-singletons] [--fd-across-gaps]
//!              [--format table|json|csv|md|tex] [--out FILE]
//! iku-estimate --data FILE --unit COL --time COL --model gmm-diff|gmm-sys
//!              --formula "y ~ l(y, 1) + x" --instruments "gmm(y, 2:99) + gmm(x, 2:99) + iv(z)"
//!              [--steps 1|2] [--collapse] [--effect individual|twoways] [--vcov robust|iid]
//!              [--long-run "x"]... [--format table|json] [--out FILE]
//! ```
//! Defaults: model from the formula's `| effects` (else within), vcov cluster (by unit),
//! ssc fixest, lags ⌊T^{1/4}⌋ for driscoll-kraay / newey-west, confidence level 0.95,
//! format table. `--lincom` and `--wald` are parsed by `panelkit::inference`
//! (`parse_lincom`, `LinearHypothesis`): terms are matched ignoring spacing, `2*a - b`,
//! several restrictions separated by commas; the Wald test is F(q, t df) when the covariance
//! has t degrees of freedom, χ²(q) under normal inference.
//!
//! `--format json` prints one object: `formula`, `model`, `vcov`, `ssc`, `ssc_formula` (the
//! factor applied, in words), `lags`, `nobs`, `n_units`, `n_times`, `df_resid` (n − k − k_fe),
//! `t_df` (null = normal), `n_clusters`, `r2` (plm's: of the transformed model), `r2_within`
//! (FE models), `dropped` (observations by reason: "missing values", "lags/leads",
//! "differences", "singletons"), `dropped_terms` ([{term, reason}]), `coefficients`
//! ([{term, estimate, std_error, statistic, p_value, conf_low, conf_high}], formula order,
//! `(Intercept)` first), `lincom` (same fields, when asked), `wald` ({stat, df1, df2,
//! p_value, distribution} with `--wald`; df2 null for χ²), `level` (of the intervals, when not
//! 0.95), `tests` ([{name, statistic, df, p_value}] with `--tests`) and, for random effects,
//! `variance_components` ({sigma2_idios, sigma2_indiv, theta per unit}). Errors (missing
//! column, everything absorbed or collinear, a single cluster, bad syntax) print a message
//! and exit with status 2.
//!
//! With `--formula` given more than once, every model is estimated with the same options and
//! printed as one multi-model table (`panelkit::etable`: a column per model, coefficients
//! with stars and SEs, N, R², fixed effects, SE type); `--lincom` and `--tests` then do not
//! apply.
//!
//! GMM models (`panelkit::estimators::gmm`, plm `pgmm` conventions) print instead: `formula`,
//! `instruments`, `model`, `effect`, `vcov`, `nobs` (differenced equations, or level
//! equations for system GMM), `nobs_diff`, `nobs_level`, `n_units`, `n_groups`, `n_times`,
//! `coefficients` (normal inference), `long_run` (when asked) and `gmm`: {`n_instruments`,
//! `steps`, `collapse`, `sargan`, `hansen` ({stat, df, p_value}), `diff_hansen_levels`
//! (system GMM: {excluding, difference}), `ar1`, `ar2` ({z, p_value}), `warnings`}.

use clap::Parser;
use panelkit::estimators::gmm::{gmm, Effect, GmmOptions, Instruments, Transformation};
use panelkit::estimators::{estimate, EstimateOptions, Fit, Model};
use panelkit::etable::EstimateTable;
use panelkit::formula::Formula;
use panelkit::inference::render::render_with_tests;
use panelkit::inference::{
    parse_lincom, CoefTable, LinearHypothesis, Ssc, VcovKind, VcovSpec, WaldForm,
};
use panelkit::panel::Panel;
use panelkit::table::Format;
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
    /// Model formula, e.g. "y ~ x + l(x, 1) | unit + year"; repeat for a multi-model table.
    #[arg(long)]
    formula: Vec<String>,
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
    /// A linear combination of coefficients, "a + b" or "0.5*a - 2*b" (repeatable).
    #[arg(long)]
    lincom: Vec<String>,
    /// A joint Wald test of linear restrictions, "a = 0, b = 0" or "2*a - b = 1".
    #[arg(long)]
    wald: Option<String>,
    /// Confidence level of the intervals (coefficients and lincoms).
    #[arg(long, default_value_t = 0.95)]
    level: f64,
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
    /// One or more formulas (more than one: a multi-model table).
    formulas: Vec<String>,
    model: Option<Model>,
    vcov: VcovSpec,
    weights: Option<String>,
    lincoms: Vec<String>,
    wald: Option<LinearHypothesis>,
    level: f64,
    drop_singletons: bool,
    fd_across_gaps: bool,
    tests: bool,
    format: Format,
}

impl Job {
    fn from_cli(cli: &Cli) -> Result<Job> {
        let format = Format::parse(&cli.format)?;
        if cli.wald.is_some() && matches!(format, Format::Csv | Format::Tex) {
            return Err(Error::Usage(
                "--wald is reported with --format table, md or json".into(),
            ));
        }
        if cli.formula.is_empty() {
            return Err(Error::Usage(
                "--formula is required, e.g. --formula \"y ~ x + l(x, 1)\"".into(),
            ));
        }
        if cli.formula.len() > 1 && (cli.tests || !cli.lincom.is_empty() || cli.wald.is_some()) {
            return Err(Error::Usage(
                "--lincom, --wald and --tests apply to a single --formula".into(),
            ));
        }
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
            formulas: cli.formula.clone(),
            model: cli.model.as_deref().map(Model::parse).transpose()?,
            vcov: VcovSpec::new(VcovKind::parse(&cli.vcov)?)
                .with_ssc(Ssc::parse(&cli.ssc)?)
                .with_lags(cli.lags),
            weights: cli.weights.clone(),
            lincoms: cli.lincom.clone(),
            wald: cli
                .wald
                .as_deref()
                .map(|h| {
                    LinearHypothesis::parse(h)
                        .map_err(|e| Error::Usage(format!("--wald '{h}': {e}")))
                })
                .transpose()?,
            level: cli.level,
            drop_singletons: cli.drop_singletons,
            fd_across_gaps: cli.fd_across_gaps,
            tests: cli.tests,
            format,
        })
    }

    /// Estimates one formula and computes its covariance.
    fn fit(&self, panel: &Panel, formula: &Formula) -> Result<(Fit, CoefTable)> {
        formula.check(panel)?;
        let model = Model::resolve(formula, panel, self.model)?;
        let opts = EstimateOptions::new(model)
            .with_weights(self.weights.as_deref())
            .with_drop_singletons(self.drop_singletons)
            .with_fd_across_gaps(self.fd_across_gaps);
        let fit = estimate(panel, formula, &opts)?;
        let table = fit.coef_table(&self.vcov, self.level)?;
        Ok((fit, table))
    }

    /// Reads the data, estimates, computes the covariance and renders the table.
    fn execute(&self) -> Result<String> {
        let panel = panelkit::panel::io::read_csv(&self.data, &self.unit, &self.time)?;
        let formulas: Vec<Formula> = self
            .formulas
            .iter()
            .map(|f| Formula::parse(f))
            .collect::<Result<_>>()?;
        if let [formula] = formulas.as_slice() {
            return self.execute_one(&panel, formula);
        }
        let fits: Vec<(Fit, CoefTable)> = formulas
            .iter()
            .map(|f| self.fit(&panel, f))
            .collect::<Result<_>>()?;
        let labels: Vec<String> = (1..=fits.len()).map(|i| format!("({i})")).collect();
        let list: Vec<(&str, &Fit, &CoefTable)> = labels
            .iter()
            .zip(&fits)
            .map(|(l, (fit, table))| (l.as_str(), fit, table))
            .collect();
        Ok(EstimateTable::from_fits(&list, &self.unit, &self.time).render(self.format))
    }

    /// One formula: its coefficient table with the linear combinations and tests asked for.
    fn execute_one(&self, panel: &Panel, formula: &Formula) -> Result<String> {
        let (fit, mut table) = self.fit(panel, formula)?;
        for l in &self.lincoms {
            let terms =
                parse_lincom(l).map_err(|e| Error::Usage(format!("--lincom '{l}': {e}")))?;
            let refs: Vec<(&str, f64)> = terms.iter().map(|(t, w)| (t.as_str(), *w)).collect();
            table.add_lincom(&fit, &refs)?;
        }
        if let Some(h) = &self.wald {
            let form = WaldForm::matching(&table.vcov);
            table.set_wald(fit.wald(h, &table.vcov, form)?);
        }
        let tests = if self.tests {
            panelkit::inference::standard_tests(panel, formula)?
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
    panelkit::outset::write_set(&cli.out_dir, &files)?;
    panelkit::io::print(&table.to_markdown());
    for (p, _) in &files {
        panelkit::io::eprintln(&format!("wrote {}", p.display()));
    }
    Ok(())
}

/// `--model gmm-diff|gmm-sys`: dynamic-panel GMM with its diagnostics.
fn run_gmm(cli: &Cli, transformation: Transformation) -> Result<String> {
    let need = |v: &Option<String>, flag: &str| {
        v.clone()
            .ok_or_else(|| Error::Usage(format!("{flag} is required")))
    };
    if cli.weights.is_some() || !cli.lincom.is_empty() || cli.tests || cli.wald.is_some() {
        return Err(Error::Usage(
            "--weights, --lincom, --wald and --tests are not available for GMM models (use --long-run)"
                .into(),
        ));
    }
    let formula = match cli.formula.as_slice() {
        [f] => f.clone(),
        [] => {
            return Err(Error::Usage(
                "--formula \"y ~ l(y, 1) + x\" is required".into(),
            ))
        }
        _ => return Err(Error::Usage("GMM models take a single --formula".into())),
    };
    let data = cli
        .data
        .clone()
        .ok_or_else(|| Error::Usage("--data FILE is required".into()))?;
    let formula = Formula::parse(&formula)?;
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
            panelkit::io::print(&text);
            Ok(())
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            panelkit::io::eprintln(&format!("iku-estimate: {e}"));
            ExitCode::from(2)
        }
    }
}
