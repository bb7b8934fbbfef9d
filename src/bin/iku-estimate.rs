//! iku-estimate: estimate one panel model from a CSV and print its coefficient table, or
//! several (`--formula` repeated, fixest's multiple estimation, `--split`) side by side.
//!
//! ```text
//! iku-estimate --data FILE --unit COL --time COL --formula "y ~ x + l(x, 1) | unit" [--formula ...]
//!              [--split COL | --fsplit COL]
//!              [--model pooled|within|within-time|twoways|fd|between|random|fixef]
//!              [--vcov iid|hc0|hc1|hc2|hc3|cluster|cluster-time|cluster-twoway|driscoll-kraay|newey-west|crv2|crv3]
//!              [--cluster "COL" | --cluster "COL1 + COL2"]
//!              [--lags L] [--ssc none|fixest|stata|plm|linearmodels] [--weights COL]
//!              [--lincom "l(x, 0) + l(x, 1)"]... [--wald "a = 0, b = 0"] [--level 0.95]
//!              [--tests] [--drop-singletons] [--fd-across-gaps] [--save-fit FILE]
//!              [--format table|json|csv|md|tex] [--out FILE]
//!              [--boot wcr|wcu [--boot-reps B] [--boot-weights rademacher|webb|mammen|normal]
//!               [--boot-seed N] [--boot-hypothesis 'a + b = 0'] [--boot-cluster unit|time|COL]
//!               [--boot-p symmetric|equal-tailed|upper|lower]]
//!              [--dict 'NAME=LABEL' | --dict FILE.toml]... [--keep PATTERN]... [--drop PATTERN]...
//!              [--order PATTERN]... [--max-columns N]          (multi-model tables)
//! iku-estimate --spec FILE --data FILE [--out-dir DIR] [--dict ...] [--keep ...] [--drop ...]
//!              [--order ...] [--max-columns N]
//! iku-estimate --multiverse FILE --data FILE [--out-dir DIR]
//! iku-estimate --data FILE --unit COL --time COL --model gmm-diff|gmm-sys
//!              --formula "y ~ l(y, 1) + x" --instruments "gmm(y, 2:99) + gmm(x, 2:99) + iv(z)"
//!              [--steps 1|2] [--collapse] [--effect individual|twoways] [--vcov robust|iid]
//!              [--long-run "x"]... [--format table|json] [--out FILE]
//! ```
//! iku-estimate --spec FILE --data PANEL --formula "d_spend_pc ~ l(d_iku, 0:1) | code + year" [...]
//! ```
//! The second form estimates an ad-hoc formula on the spec file's derived variables and
//! sample window, the study's unit, time, vcov, ssc and cluster being the defaults.
//!
//! ```text
//! formula: y ~ log(x) + I(z^2) + l(d(x), 1) + l(log(x), 0:2) + factor(g) + i(year, ref = 2015)
//!              + i(year, x, ref = 2015) + x:z + x*z [- 1] | code + year + region^year
//! ```
//! (see `panelkit::formula` and the README for the grammar and the coefficient names).
//! Defaults: model from the formula's `| effects` (else within; fixed effects other than
//! the unit and time: fixef, alternating projections), vcov cluster (by unit; `--cluster`
//! names other columns),
//! ssc fixest, lags ⌊T^{1/4}⌋ for driscoll-kraay / newey-west, confidence level 0.95,
//! format table. `--lincom` and `--wald` are parsed by `panelkit::inference`
//! (`parse_lincom`, `LinearHypothesis`): terms are matched ignoring spacing, `2*a - b`,
//! several restrictions separated by commas; the Wald test is F(q, t df) when the covariance
//! has t degrees of freedom, χ²(q) under normal inference.
//!
//! `--format json` prints one object: `formula`, `model`, `vcov`, `cluster` (with
//! `--cluster` only), `ssc`, `ssc_formula` (the
//! factor applied, in words), `lags`, `nobs`, `n_units`, `n_times`, `df_resid` (n − k − k_fe),
//! `t_df` (null = normal), `n_clusters`, `r2` (plm's `r.squared`: of the model as estimated,
//! i.e. transformed: within R² under fixed effects, R² of the differences under fd), `r2_overall`
//! (fixest's `r2`: of the full model, fixed effects included, 1 − RSS / Σ w (y − ȳ)²; null for
//! fd and random), `r2_within` (fixest's `wr2`, FE models), `r2_nan_reason` (when R² is not a number), `dropped` (observations by
//! reason: "outside sample", "missing values", "lags/leads", "differences", "non-finite
//! values", "singletons"), `dropped_terms` ([{term, reason}]), `coefficients`
//! ([{term, estimate, std_error, statistic, p_value, conf_low, conf_high}], formula order,
//! `(Intercept)` first), `lincom` (same fields, when asked), `wald` ({stat, df1, df2,
//! p_value, distribution} with `--wald`; df2 null for χ²), `level` (of the intervals, when not
//! 0.95), `tests` ([{name, statistic, df, p_value}] with `--tests`); a coefficient, Wald or
//! test record whose numbers are not all finite (JSON null) adds `nan_reason`, and, for random effects,
//! `variance_components` ({sigma2_idios, sigma2_indiv, theta per unit}); with `--boot`,
//! `bootstrap` ({type, weights, reps, enumerated, hypothesis, cluster, n_clusters, estimate,
//! t_stat, small_sample_factor, p_kind, p_value, p_symmetric, p_equal_tailed, p_upper,
//! p_lower, level, ci: [lo, hi], seed}: the wild cluster bootstrap, default 9,999 Rademacher
//! draws, seed 1, clustered by unit, hypothesis `<first slope> = 0`, one restriction written
//! as for `--wald`). Errors (missing
//! column, everything absorbed or collinear, a single cluster, bad syntax) print a message
//! and exit with status 2.
//!
//! Several models: `--formula` given more than once, fixest's multiple estimation in a
//! formula (`sw()`, `sw0()`, `csw()`, `csw0()` on the right-hand side or in the fixed
//! effects, `c(y1, y2)` or `y1 + y2` outcomes; `panelkit::formula::expand`, pyfixest's
//! order), and `--split COL` / `--fsplit COL` (every model on each value of COL, sorted;
//! fsplit: the full sample first; the samples are the outer loop). The data are read once and
//! every model is estimated with the same options, the formulas' models concatenated in
//! order. They print as one multi-model table (`panelkit::etable`: columns `(1)`, `(2)`, …,
//! coefficients with stars and SEs, N, a `Sample` row under a split, R², fixed effects, SE
//! type, and a note per model with its formula); with `--format json` as
//! `{"models": [...]}`, each element the single-model document below of that model (its
//! `formula` the expanded formula) plus `split` (the value: a number for a numeric column, a
//! string otherwise; null for the full sample or without a split) and, under a split,
//! `split_var`. `--lincom`, `--wald`, `--tests`, `--boot` and `--save-fit` apply to a single
//! model. A formula that expands to one model, without a split, prints the single-model
//! output unchanged.
//! The multi-model table shows, besides the coefficients, the periods of each model's
//! estimation sample (`Periods`; `Years` with `--spec`), `R²` (fixest's, of the full model),
//! `Within R²` (FE models) and `R² (differences)` (fd: plm's, of the differenced regression).
//! The table, md and tex formats label the terms
//! in prose (`l(x, 1)` → "x, lag 1", `d(x)` → "Δ x", `log(x)` → "log x", `x:z` → "x × z",
//! `v::2010` → "v = 2010", `(Intercept)` → "Constant"; with `--spec`, around the spec
//! file's `[labels]`); csv keeps the formula's names and json the raw names. An fd model's
//! coefficients are on the changes of its terms: they are shown as `d(term)` (`l(iku, 1)` →
//! `l(d(iku), 1)`, "Δ iku, lag 1") in rows of their own, and the json's coefficient records of
//! a multi-model table carry that as `display_name` (the single-model json keeps the formula's
//! `term`, whose meaning under `"model": "fd"` is the coefficient on its change, as in plm).
//! As fixest's `etable`: `--dict 'NAME=LABEL'` (a term or a variable; or `--dict FILE.toml`
//! of `NAME = "LABEL"` lines), `--keep PATTERN`, `--drop PATTERN`, `--order PATTERN` (each
//! repeatable; a pattern is a small regular expression matched anywhere in a term's name,
//! displayed name or label: `.`, `[a-z]`, `*`, `+`, `?`, `^`, `$`, `|`, `\` for a literal
//! character, no groups; `%NAME` matches one term exactly; a pattern matching no term is an
//! error) and `--max-columns N` (at most N models per panel in table, md and tex; default 5;
//! csv and json are never split). With `--spec FILE` and no `--formula` they apply to the
//! spec set's `estimates.{md,tex,csv}`.
//!
//! `--multiverse FILE` (see `iku::spec::multiverse`) estimates every combination of the
//! file's choices in parallel and writes `multiverse.{csv,json,md}` and the specification
//! curve and savings figures into `--out-dir`, all or nothing; it prints the summary.
//!
//! GMM models (`panelkit::estimators::gmm`, plm `pgmm` conventions) print instead: `formula`,
//! `instruments`, `model`, `effect`, `vcov`, `nobs` (differenced equations, or level
//! equations for system GMM), `nobs_diff`, `nobs_level`, `n_units`, `n_groups`, `n_times`,
//! `coefficients` (normal inference), `long_run` (when asked) and `gmm`: {`n_instruments`,
//! `steps`, `collapse`, `sargan`, `hansen` ({stat, df, p_value}), `diff_hansen_levels`
//! (system GMM: {excluding, difference}), `ar1`, `ar2` ({z, p_value}), `warnings`}.

use clap::Parser;

/// The formula syntax, printed under `--help`.
const FORMULA_HELP: &str = "\
Formula syntax (fixest's, with fixest's coefficient names):
  y ~ x + z                 columns; - 1 or + 0 drops the intercept
  log(x) exp(x) sqrt(x)     elementwise functions (a non-finite result is missing)
  I(x^2) I(x * z) I(x/2)    arithmetic with + - * / ^, numbers and parentheses
  l(e, k) l(e, a:b) f(e, k) lag, lags a..b, lead of any expression, within units, gap-aware
  d(e) d(e, k)              difference; operators nest: l(d(x), 1), d(log(x)), l(log(x), 0:2)
  factor(v)                 a dummy per level of any column but the first: factor(v)b
  i(v) i(v, ref = r)        level dummies (first level, or r, left out): v::2012
  i(v, x, ref = r)          level dummies times x (event studies): v::2012:x
  x:z  x*z                  product; x*z = x + z + x:z
  | code + year             unit and/or time fixed effects (exact)
  | region  | region^year  | code + region^year
                            fixed effects on any columns and combinations (alternating projections)
Multiple estimation (fixest's; one model per step, in pyfixest's order):
  sw(a, b)  sw0(a, b)       a; b  —  none; a; b      (right-hand side or fixed effects, one
  csw(a, b) csw0(a, b)      a; a + b  —  none; a; a + b   per part; elements are any terms)
  c(y1, y2) ~ ...  y1 + y2 ~ ...   one model per outcome
  --split COL  --fsplit COL every model on each value of COL (fsplit: the full sample first)
  e.g. --formula 'c(y, log(y)) ~ x + csw0(z, I(z^2)) | sw(code, code + year)' (12 models)
Clustering: --cluster region, or two-way --cluster \"region + year\" (default: the unit).";
use iku::spec::SpecFile;
use panelkit::estimators::gmm::{gmm, Effect, GmmOptions, Instruments, Transformation};
use panelkit::estimators::{estimate, EstimateOptions, Fit, Model};
use panelkit::etable::{Anchor, EstimateTable, EtableOptions, Row, Stat};
use panelkit::formula::{split_samples, Formula, SplitSample, SplitValue};
use panelkit::inference::bootstrap::{BootKind, BootOptions, BootResult, BootWeights, PValueKind};
use panelkit::inference::clusters::{ClusterBy, ClusterVars};
use panelkit::inference::render::render_with_tests;
use panelkit::inference::{
    parse_lincom, CoefTable, LinearHypothesis, Ssc, VcovKind, VcovSpec, WaldForm,
};
use panelkit::panel::io::Kind;
use panelkit::panel::Panel;
use panelkit::table::Format;
use panelkit::{Error, Result};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser, Debug)]
#[command(
    name = "iku-estimate",
    version,
    about = "Estimate a panel model (plm / fixest / linearmodels conventions) and print its table",
    after_help = FORMULA_HELP
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
    /// Model formula in fixest syntax, e.g. "y ~ log(x) + l(d(x), 0:2) + i(year, ref = 2015)
    /// | code + region^year" (see below); repeat, or use fixest's multiple estimation
    /// (c(y1, y2) ~ x + csw0(a, b) | sw(code, code + year)), for a multi-model table.
    #[arg(long)]
    formula: Vec<String>,
    /// Estimate every model on each value of this column (fixest's split), in sorted order.
    #[arg(long, value_name = "COL", conflicts_with = "fsplit")]
    split: Option<String>,
    /// As --split, after the full sample first (fixest's fsplit).
    #[arg(long, value_name = "COL")]
    fsplit: Option<String>,
    /// Estimator: pooled, within, within-time, twoways, fd, between, random, fixef, gmm-diff
    /// or gmm-sys; default: implied by the formula's absorbed effects, else within.
    #[arg(long)]
    model: Option<String>,
    /// Covariance estimator: iid, hc0, hc1, hc2, hc3, cluster, cluster-time, cluster-twoway,
    /// driscoll-kraay, newey-west, crv2 or crv3 [default: cluster; with --spec, the study's].
    #[arg(long)]
    vcov: Option<String>,
    /// Cluster on these columns instead of the unit: "region", or "region + year" for
    /// two-way clustering (any column, text or numeric, or a key) [with --spec: the study's
    /// `cluster`].
    #[arg(long)]
    cluster: Option<String>,
    /// Lags for driscoll-kraay and newey-west (default ⌊T^{1/4}⌋).
    #[arg(long)]
    lags: Option<usize>,
    /// Small-sample preset: none, fixest, stata, plm or linearmodels (see the README /
    /// `panelkit::inference::ssc`) [default: fixest; with --spec, the study's].
    #[arg(long)]
    ssc: Option<String>,
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
    /// Output format: table, json, csv, md or tex.
    #[arg(long, default_value = "table")]
    format: String,
    /// Drop units observed once under unit fixed effects (counted as "singletons").
    #[arg(long)]
    drop_singletons: bool,
    /// Also run the specification tests for the fitted model, each naming the models it
    /// compares: within/pooled/random → F, Hausman, robust Hausman, Wooldridge AR, BP, CD;
    /// twoways → F (two-way, time), BP two-way, Wooldridge AR, CD; fd → Wooldridge FD (both
    /// nulls). Weighted and between fits are refused.
    #[arg(long)]
    tests: bool,
    /// Save the fit to FILE (JSON: coefficients, the full covariance matrix, and each
    /// observation's unit, time, response, fitted value and residual), readable back with
    /// `panelkit::savefit::SavedFit::read`. One --formula only.
    #[arg(long, value_name = "FILE")]
    save_fit: Option<PathBuf>,
    /// fd: difference consecutive rows across missing periods (plm's fd); default gap-aware.
    #[arg(long)]
    fd_across_gaps: bool,
    /// Write to this file (atomically) instead of standard output.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Run a whole spec set (TOML, e.g. specs/vive.toml) on --data, writing
    /// estimates.{csv,json,md,tex} into --out-dir; with --formula, estimate that formula
    /// instead, on the spec file's derived variables and sample window.
    #[arg(long)]
    spec: Option<PathBuf>,
    /// Run a multiverse (TOML with a [multiverse] table, e.g. specs/multiverse.toml) on
    /// --data, in parallel, writing multiverse.{csv,json,md} and the specification-curve and
    /// savings figures into --out-dir.
    #[arg(long)]
    multiverse: Option<PathBuf>,
    /// Output directory of --spec and --multiverse.
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
    /// Wild cluster bootstrap: wcr (null imposed) or wcu.
    #[arg(long)]
    boot: Option<String>,
    /// Bootstrap draws (all 2^G sign vectors when 2^G ≤ B with Rademacher weights).
    #[arg(long, default_value_t = 9999)]
    boot_reps: usize,
    /// Bootstrap weights: rademacher, webb, mammen or normal.
    #[arg(long, default_value = "rademacher")]
    boot_weights: String,
    /// Seed of the ChaCha20 generator of the bootstrap draws.
    #[arg(long, default_value_t = 1)]
    boot_seed: u64,
    /// Hypothesis tested, 'TERM = 0' or 'a + b = 0' (default: the first slope = 0).
    #[arg(long)]
    boot_hypothesis: Option<String>,
    /// Bootstrap clusters: unit, time or any column (e.g. region).
    #[arg(long, default_value = "unit")]
    boot_cluster: String,
    /// Bootstrap p-value (and interval): symmetric, equal-tailed, upper or lower.
    #[arg(long, default_value = "symmetric")]
    boot_p: String,
    /// Multi-model tables: a label, 'NAME=LABEL' (a term, e.g. 'l(x, 1)=Lagged x', or a
    /// variable, composed into the terms that use it), or a TOML file of NAME = "LABEL"
    /// lines (repeatable; later entries win; with --spec, over the file's [labels]).
    #[arg(long, value_name = "NAME=LABEL|FILE.toml")]
    dict: Vec<String>,
    /// Multi-model tables: show only the terms matching a pattern (repeatable): a regular
    /// expression matched anywhere in the name, displayed name or label ('^l\(', 'x$',
    /// 'a|b'; '\' makes a character literal), or '%NAME' for one exact term.
    #[arg(long, value_name = "PATTERN")]
    keep: Vec<String>,
    /// Multi-model tables: hide the terms matching a pattern (repeatable; as --keep).
    #[arg(long, value_name = "PATTERN")]
    drop: Vec<String>,
    /// Multi-model tables: put the terms matching each pattern first, in this order
    /// (repeatable; as --keep).
    #[arg(long, value_name = "PATTERN")]
    order: Vec<String>,
    /// Multi-model tables (and --spec): the most model columns per panel in table, md and
    /// tex output [default: 5].
    #[arg(long, value_name = "N")]
    max_columns: Option<usize>,
}

/// The multi-model table's display options from --dict, --keep, --drop, --order and
/// --max-columns, over the study's `[labels]` (with --spec).
fn etable_options(cli: &Cli, study: Option<&SpecFile>) -> Result<EtableOptions> {
    let mut dict = study.map(SpecFile::term_labels).unwrap_or_default();
    for d in &cli.dict {
        match d.split_once('=') {
            Some((name, label)) if !name.trim().is_empty() => {
                dict.insert(name.trim(), label.trim())
            }
            _ if d.ends_with(".toml") => {
                let path = std::path::Path::new(d);
                let text = String::from_utf8(panelkit::io::read(path)?)
                    .map_err(|_| Error::input(path, None, None, "not valid UTF-8 text"))?;
                let table: std::collections::BTreeMap<String, String> = toml::from_str(&text)
                    .map_err(|e| {
                        let line = e.span().map(|s| {
                            text[..s.start.min(text.len())].matches('\n').count() as u64 + 1
                        });
                        Error::input(
                            path,
                            line,
                            None,
                            format!("--dict: expected NAME = \"LABEL\" lines: {}", e.message()),
                        )
                    })?;
                for (name, label) in &table {
                    dict.insert(name, label);
                }
            }
            _ => {
                return Err(Error::Usage(format!(
                    "--dict '{d}': expected NAME=LABEL (e.g. 'l(x, 1)=Lagged x') or a FILE.toml"
                )))
            }
        }
    }
    Ok(EtableOptions {
        dict,
        keep: cli.keep.clone(),
        drop: cli.drop.clone(),
        order: cli.order.clone(),
        max_columns: cli.max_columns,
    })
}

/// Whether any table display option was given.
fn has_etable_flags(cli: &Cli) -> bool {
    !(cli.dict.is_empty()
        && cli.keep.is_empty()
        && cli.drop.is_empty()
        && cli.order.is_empty()
        && cli.max_columns.is_none())
}

/// A wild cluster bootstrap request from the command line.
struct BootRequest {
    hypothesis: Option<String>,
    opts: BootOptions,
    /// A cluster column other than the unit or time (read for the fit's observations).
    column: Option<String>,
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
        opts.level = cli.level;
        let mut column = None;
        opts.cluster = match cli.boot_cluster.as_str() {
            "unit" => ClusterBy::Unit,
            "time" => ClusterBy::Time,
            other => {
                column = Some(other.to_string());
                ClusterBy::Unit
            }
        };
        Ok(Some(BootRequest {
            hypothesis: cli.boot_hypothesis.clone(),
            opts,
            column,
        }))
    }

    /// Runs the bootstrap on `fit` (estimated on `panel`); the default hypothesis is the
    /// first slope = 0.
    fn run(&self, fit: &Fit, panel: &Panel) -> Result<BootResult> {
        let h = match &self.hypothesis {
            Some(text) => LinearHypothesis::parse(text)
                .map_err(|e| Error::Usage(format!("--boot-hypothesis '{text}': {e}")))?,
            None => {
                let first = fit
                    .terms()
                    .iter()
                    .find(|t| t.as_str() != panelkit::estimators::INTERCEPT)
                    .ok_or_else(|| Error::Usage("--boot: the model has no slope to test".into()))?;
                LinearHypothesis::parse(&format!("{first} = 0"))?
            }
        };
        let mut opts = self.opts.clone();
        if let Some(c) = &self.column {
            opts.cluster = ClusterVars::from_panel(panel, fit, c)
                .and_then(|v| v.one_way())
                .map_err(|e| Error::Usage(format!("--boot-cluster '{c}': {e}")))?;
        }
        fit.wild_bootstrap(&h, &opts)
    }
}

/// Adds fields to a rendered JSON object (pretty-printed, two-space indent), last.
fn with_json_fields(text: &str, fields: &[(&str, String)]) -> Result<String> {
    let mut out = text
        .trim_end()
        .strip_suffix('}')
        .ok_or_else(|| Error::Numeric("internal: the JSON table is not an object".into()))?
        .trim_end()
        .to_string();
    for (name, value) in fields {
        out.push_str(&format!(",\n  \"{name}\": {}", value.replace('\n', "\n  ")));
    }
    out.push_str("\n}\n");
    Ok(out)
}

/// A value as pretty JSON.
fn to_json<T: serde::Serialize + ?Sized>(v: &T) -> Result<String> {
    serde_json::to_string_pretty(v).map_err(|e| Error::Numeric(format!("JSON: {e}")))
}

/// Adds the bootstrap to a rendered table: a `bootstrap` field of the JSON object, a line
/// under the table (table, md); csv and tex have no place for it.
fn with_bootstrap(text: String, b: &BootResult, format: Format) -> Result<String> {
    let ci = |v: Option<f64>| v.map_or("unbounded".to_string(), |x| format!("{x:.6}"));
    match format {
        Format::Json => with_json_fields(&text, &[("bootstrap", to_json(b)?)]),
        Format::Text | Format::Md => Ok(format!(
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
    /// The models of the formulas, each expanded (more than one: a multi-model table).
    models: Vec<Formula>,
    /// `--split` / `--fsplit`: the column, and whether the full sample comes first.
    split: Option<(String, bool)>,
    model: Option<Model>,
    vcov: VcovSpec,
    weights: Option<String>,
    /// Cluster columns for clustered covariances (None: the kind's own, by unit).
    cluster: Option<String>,
    /// With --spec: the spec file whose derived variables and sample window apply.
    study: Option<SpecFile>,
    lincoms: Vec<String>,
    wald: Option<LinearHypothesis>,
    level: f64,
    drop_singletons: bool,
    fd_across_gaps: bool,
    tests: bool,
    save_fit: Option<PathBuf>,
    format: Format,
    boot: Option<BootRequest>,
    /// Display options of the multi-model table.
    etable: EtableOptions,
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
        let models: Vec<Formula> = cli
            .formula
            .iter()
            .map(|f| panelkit::formula::expand(f))
            .collect::<Result<Vec<_>>>()?
            .into_iter()
            .flatten()
            .collect();
        let split = match (&cli.split, &cli.fsplit) {
            (Some(v), _) => Some((v.clone(), false)),
            (None, Some(v)) => Some((v.clone(), true)),
            (None, None) => None,
        };
        if (models.len() > 1 || split.is_some())
            && (cli.tests
                || !cli.lincom.is_empty()
                || cli.wald.is_some()
                || cli.boot.is_some()
                || cli.save_fit.is_some())
        {
            return Err(Error::Usage(format!(
                "--lincom, --wald, --tests, --boot and --save-fit apply to a single --formula \
                 estimating a single model; this run estimates {} model(s){}",
                models.len(),
                if split.is_some() {
                    " on each sample of --split / --fsplit"
                } else {
                    " (repeated --formula, stepwise functions or several outcomes)"
                }
            )));
        }
        if models.len() == 1 && split.is_none() && has_etable_flags(cli) {
            return Err(Error::Usage(
                "--dict, --keep, --drop, --order and --max-columns apply to multi-model tables: \
                 repeat --formula, use stepwise functions or several outcomes, split the \
                 sample, or run a --spec set"
                    .into(),
            ));
        }
        if cli.boot.is_some() && matches!(format, Format::Csv | Format::Tex) {
            return Err(Error::Usage(
                "--boot: the bootstrap is printed with --format json, table or md".into(),
            ));
        }
        let study = cli.spec.as_deref().map(SpecFile::load).transpose()?;
        let etable = etable_options(cli, study.as_ref())?;
        let need = |v: &Option<String>, flag: &str, study_value: Option<&String>| {
            v.clone()
                .or_else(|| study_value.cloned())
                .ok_or_else(|| Error::Usage(format!("{flag} is required")))
        };
        let st = study.as_ref().map(|f| &f.study);
        let vcov = cli
            .vcov
            .as_deref()
            .or(st.map(|s| s.vcov.as_str()))
            .unwrap_or("cluster");
        let ssc = cli
            .ssc
            .as_deref()
            .or(st.map(|s| s.ssc.as_str()))
            .unwrap_or("fixest");
        Ok(Job {
            data: cli
                .data
                .clone()
                .ok_or_else(|| Error::Usage("--data FILE is required".into()))?,
            unit: need(&cli.unit, "--unit COL", st.map(|s| &s.unit))?,
            time: need(&cli.time, "--time COL", st.map(|s| &s.time))?,
            models,
            split,
            model: cli.model.as_deref().map(Model::parse).transpose()?,
            vcov: VcovSpec::new(VcovKind::parse(vcov)?)
                .with_ssc(Ssc::parse(ssc)?)
                .with_lags(cli.lags.or(st.and_then(|s| s.lags))),
            cluster: cli.cluster.clone().or(st.and_then(|s| s.cluster.clone())),
            weights: cli.weights.clone(),
            study,
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
            save_fit: cli.save_fit.clone(),
            format,
            boot: BootRequest::from_cli(cli)?,
            etable,
        })
    }

    /// Estimates one formula (on the rows `sample`, if given) and computes its covariance.
    fn fit(
        &self,
        panel: &Panel,
        formula: &Formula,
        sample: &Option<Vec<bool>>,
    ) -> Result<(Fit, CoefTable)> {
        formula.check(panel)?;
        let model = Model::resolve(formula, panel, self.model)?;
        let fit = estimate(panel, formula, &self.options(model, sample))?;
        let table = match &self.cluster {
            Some(c) => {
                let vars = ClusterVars::from_panel(panel, &fit, c)
                    .map_err(|e| Error::Usage(format!("--cluster '{c}': {e}")))?;
                fit.coef_table_clustered(&self.vcov, &vars, self.level)?
            }
            None => fit.coef_table(&self.vcov, self.level)?,
        };
        Ok((fit, table))
    }

    /// The estimation options of the command line for `model` on the rows `sample`.
    fn options(&self, model: Model, sample: &Option<Vec<bool>>) -> EstimateOptions {
        EstimateOptions::new(model)
            .with_weights(self.weights.as_deref())
            .with_drop_singletons(self.drop_singletons)
            .with_fd_across_gaps(self.fd_across_gaps)
            .with_sample(sample.clone())
    }

    /// The panel (with a spec file: the canonical panel with its derived variables) and the
    /// rows allowed (the spec file's sample window).
    fn load(&self) -> Result<(Panel, Option<Vec<bool>>)> {
        match &self.study {
            Some(sf) => {
                let (panel, sample) = sf.study_panel(&iku::canonical::load(&self.data)?)?;
                Ok((panel, Some(sample)))
            }
            None => {
                let needed = self.columns_needed()?;
                let header = panelkit::panel::io::read_header(&self.data)?;
                // Read only the columns the job uses; when one is missing from the file, read
                // them all so the error lists every column there is.
                let panel = if needed.iter().all(|c| header.contains(c)) {
                    panelkit::panel::io::read_csv_with(&self.data, &self.unit, &self.time, |c| {
                        if needed.iter().any(|n| n == c) {
                            Kind::Auto
                        } else {
                            Kind::Skip
                        }
                    })?
                } else {
                    panelkit::panel::io::read_csv(&self.data, &self.unit, &self.time)?
                };
                Ok((panel, None))
            }
        }
    }

    /// Every data column the job reads: the formulas', the weights, the cluster columns.
    fn columns_needed(&self) -> Result<Vec<String>> {
        let mut out: Vec<String> = Vec::new();
        for f in &self.models {
            out.extend(f.data_columns().into_iter().map(str::to_string));
        }
        out.extend(self.weights.iter().cloned());
        out.extend(self.split.iter().map(|(v, _)| v.clone()));
        for c in self
            .cluster
            .iter()
            .chain(self.boot.iter().flat_map(|b| &b.column))
        {
            out.extend(c.split('+').map(|v| v.trim().to_string()));
        }
        Ok(out)
    }

    /// Reads the data, estimates, computes the covariance and renders the table.
    fn execute(&self) -> Result<String> {
        let (panel, sample) = self.load()?;
        if let ([formula], None) = (self.models.as_slice(), &self.split) {
            return self.execute_one(&panel, formula, &sample);
        }
        // The samples (outermost, as fixest and pyfixest order them), then every model.
        let samples = match &self.split {
            Some((var, full)) => split_samples(&panel, var, *full)?,
            None => vec![SplitSample {
                value: None,
                rows: Vec::new(),
            }],
        };
        let mut fits: Vec<(Fit, CoefTable, Option<SplitValue>)> = Vec::new();
        for s in &samples {
            let rows = match (&sample, s.value.is_some()) {
                (_, false) => sample.clone(),
                (None, true) => Some(s.rows.clone()),
                (Some(window), true) => {
                    Some(window.iter().zip(&s.rows).map(|(a, b)| *a && *b).collect())
                }
            };
            for f in &self.models {
                let (fit, table) = self.fit(&panel, f, &rows).map_err(|e| match &s.value {
                    Some(v) => in_split(e, &self.split, v),
                    None => e,
                })?;
                fits.push((fit, table, s.value.clone()));
            }
        }
        if matches!(self.format, Format::Json) {
            return self.models_json(&fits);
        }
        let labels: Vec<String> = (1..=fits.len()).map(|i| format!("({i})")).collect();
        let list: Vec<(&str, &Fit, &CoefTable)> = labels
            .iter()
            .zip(&fits)
            .map(|(l, (fit, table, _))| (l.as_str(), fit, table))
            .collect();
        let mut t = EstimateTable::from_fits(&list, &self.unit, &self.time);
        if self.study.is_some() {
            t.period_label = "Years".into();
        }
        if let Some((var, _)) = &self.split {
            let cells = fits.iter().map(|(_, _, v)| match v {
                Some(v) => format!("{var} = {}", v.label()),
                None => "all".to_string(),
            });
            t.insert_after(Anchor::Stat(Stat::Nobs), [Row::line("Sample", cells)]);
        }
        t.notes.extend(
            labels
                .iter()
                .zip(&fits)
                .map(|(l, (fit, _, _))| format!("{l} {}", fit.formula())),
        );
        t.set_options(&self.etable)?;
        Ok(t.render(self.format))
    }

    /// `{"models": [...]}`: each model's single-model document with its `split` value (and
    /// `split_var` with --split / --fsplit).
    fn models_json(&self, fits: &[(Fit, CoefTable, Option<SplitValue>)]) -> Result<String> {
        let mut docs = Vec::with_capacity(fits.len());
        for (fit, table, value) in fits {
            let doc = render_with_tests(fit, table, &[], Format::Json);
            let mut fields = vec![("split", to_json(value)?)];
            if let Some((var, _)) = &self.split {
                fields.push(("split_var", to_json(var)?));
            }
            let doc = with_json_fields(&doc, &fields)?;
            docs.push(
                doc.trim_end()
                    .lines()
                    .map(|l| format!("    {l}"))
                    .collect::<Vec<_>>()
                    .join("\n"),
            );
        }
        Ok(format!(
            "{{\n  \"models\": [\n{}\n  ]\n}}\n",
            docs.join(",\n")
        ))
    }

    /// One formula: its coefficient table with the linear combinations and tests asked for.
    fn execute_one(
        &self,
        panel: &Panel,
        formula: &Formula,
        sample: &Option<Vec<bool>>,
    ) -> Result<String> {
        let (fit, mut table) = self.fit(panel, formula, sample)?;
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
            panelkit::inference::standard_for(
                &fit,
                panel,
                formula,
                &self.options(fit.model(), sample),
            )?
        } else {
            Vec::new()
        };
        let text = render_with_tests(&fit, &table, &tests, self.format);
        let text = match &self.boot {
            Some(b) => with_bootstrap(text, &b.run(&fit, panel)?, self.format)?,
            None => text,
        };
        // Written last, so a failing step leaves no file behind.
        if let Some(path) = &self.save_fit {
            panelkit::savefit::SavedFit::of(&fit, &table.vcov).write(path)?;
        }
        Ok(text)
    }
}

/// An error of a model estimated on one split sample, naming the sample.
fn in_split(e: Error, split: &Option<(String, bool)>, value: &SplitValue) -> Error {
    let var = split.as_ref().map_or("", |(v, _)| v.as_str());
    let at = format!("on the sample {var} = {}: ", value.label());
    match e {
        Error::Usage(m) => Error::Usage(format!("{at}{m}")),
        Error::Data(m) => Error::Data(format!("{at}{m}")),
        Error::Numeric(m) => Error::Numeric(format!("{at}{m}")),
        other => other,
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
    let study = SpecFile::load(spec)?;
    let table = iku::pipeline::estimate_specs(&file, &panel, spec)?
        .with_options(etable_options(cli, Some(&study))?)?;
    let files = iku::pipeline::estimate_files(&table, &cli.out_dir);
    panelkit::outset::write_set(&cli.out_dir, &files)?;
    panelkit::io::print(&table.to_markdown());
    for (p, _) in &files {
        panelkit::io::eprintln(&format!("wrote {}", p.display()));
    }
    Ok(())
}

/// `--multiverse FILE --data PANEL`: every combination of the file's choices.
fn run_multiverse(cli: &Cli, path: &std::path::Path) -> Result<()> {
    let data = cli
        .data
        .clone()
        .ok_or_else(|| Error::Usage("--multiverse needs --data PANEL".into()))?;
    let panel = iku::canonical::load(&data)?;
    let file = iku::pipeline::PanelFile::describe(&data)?;
    let report = iku::pipeline::estimate_multiverse(&file, &panel, path, None)?;
    let files = report.files(&cli.out_dir)?;
    panelkit::outset::write_set(&cli.out_dir, &files)?;
    panelkit::io::print(&report.summary_markdown(2));
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
    if cli.cluster.is_some() || cli.spec.is_some() {
        return Err(Error::Usage(
            "--cluster and --spec with --formula apply to linear models, not to GMM (GMM \
             clusters by unit)"
                .into(),
        ));
    }
    if cli.boot.is_some() {
        return Err(Error::Usage(
            "--boot: the wild cluster bootstrap applies to linear models (pooled, within, \
             twoways, fd, between, random), not to GMM"
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
    let formula = match panelkit::formula::expand(&formula)?.as_slice() {
        [one] if cli.split.is_none() && cli.fsplit.is_none() => one.clone(),
        _ => {
            return Err(Error::Usage(
                "GMM models take a single model: no stepwise functions, several outcomes or \
                 --split / --fsplit"
                    .into(),
            ))
        }
    };
    let inst = Instruments::parse(&need(
        &cli.instruments,
        "--instruments \"gmm(y, 2:99) + iv(x)\" (GMM models)",
    )?)?;
    let robust = match cli.vcov.as_deref().unwrap_or("cluster") {
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
        panelkit::io::eprintln(&format!("iku-estimate: warning: {w}"));
    }
    panelkit::estimators::gmm::render::render(&fit, &long_run, format)
}

fn run(cli: Cli) -> Result<()> {
    if (cli.split.is_some() || cli.fsplit.is_some()) && cli.formula.is_empty() {
        return Err(Error::Usage(
            "--split and --fsplit apply to --formula (with or without --spec)".into(),
        ));
    }
    if let Some(path) = cli.multiverse.clone() {
        if cli.spec.is_some() {
            return Err(Error::Usage(
                "--multiverse and --spec are separate runs: give one".into(),
            ));
        }
        return run_multiverse(&cli, &path);
    }
    if let Some(spec) = cli.spec.clone().filter(|_| cli.formula.is_empty()) {
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
