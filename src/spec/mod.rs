//! Specification files (TOML): a set of models described as data, every choice editable.
//!
//! A spec file has a `[study]` table (sample, defaults, which spec is the best estimate),
//! `[variables]` derived from the panel (per capita in fixed prices, gap-aware differences,
//! growth rates, logs) and one `[[spec]]` per model; a spec may leave units out
//! (`exclude`). [`multiverse`] expands a multiverse file into specs. Unknown keys are errors, so a typo never
//! silently changes a model.

pub mod gmm;
pub mod multiverse;
pub mod run;
mod set;

pub use set::{run_spec_set, SpecEffect, SpecResults};

use panelkit::error::{Error, Result};
use panelkit::panel::Panel;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The whole spec file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpecFile {
    pub study: Study,
    #[serde(default)]
    pub variables: BTreeMap<String, Variable>,
    #[serde(rename = "spec")]
    pub specs: Vec<Spec>,
    /// `[labels]`: short table labels of variables or whole terms (`d_iku = "Δ IKU (pp)"`,
    /// `"l(d_iku, 1)" = "..."`); the display tables compose the formula's operators around a
    /// variable's label (`l(d_iku, 1)` → "Δ IKU (pp), lag 1"; see
    /// `panelkit::table::TermLabels`). CSV and JSON keep the raw names.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// Where the set was read from (named in every error); set by [`SpecFile::load`] and
    /// [`SpecFile::parse`].
    #[serde(skip)]
    pub origin: PathBuf,
}

/// Sample, defaults and the best estimate shared by every spec.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Study {
    pub title: String,
    /// Name of the spec whose effect feeds the projection.
    pub best_estimate: String,
    /// First year of the dependent variable in the sample.
    pub from: i64,
    /// Last year of the dependent variable in the sample.
    pub to: i64,
    #[serde(default = "default_unit")]
    pub unit: String,
    #[serde(default = "default_time")]
    pub time: String,
    #[serde(default = "default_vcov")]
    pub vcov: String,
    #[serde(default = "default_ssc")]
    pub ssc: String,
    /// Lag length for Driscoll–Kraay / Newey–West.
    #[serde(default)]
    pub lags: Option<usize>,
    /// Cluster on these columns instead of the unit (`"region"`, `"region + year"`) for
    /// clustered covariances and the bootstrap (a spec may override).
    #[serde(default)]
    pub cluster: Option<String>,
    /// Wild cluster bootstrap of every spec's effect (a spec may override).
    #[serde(default)]
    pub bootstrap: Option<BootstrapSpec>,
}

/// `bootstrap = { type = "wcr", reps = 9999, weights = "webb", seed = 1 }`: a wild cluster
/// bootstrap (clustered by unit) of the effect = 0, its p-value and interval beside the
/// analytic ones.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BootstrapSpec {
    /// `wcr` (null imposed) or `wcu`.
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default = "default_boot_reps")]
    pub reps: usize,
    /// `rademacher`, `webb`, `mammen` or `normal`.
    #[serde(default = "default_boot_weights")]
    pub weights: String,
    #[serde(default = "default_boot_seed")]
    pub seed: u64,
    /// Draw each cluster's weight by its label over all units of the panel, so specs on
    /// different samples (e.g. with units excluded) share their draws.
    #[serde(default)]
    pub by_label: bool,
}

fn default_boot_reps() -> usize {
    9999
}
fn default_boot_weights() -> String {
    "rademacher".into()
}
fn default_boot_seed() -> u64 {
    1
}

impl BootstrapSpec {
    /// The library's options (clustered by unit, symmetric p-value, 95 % interval).
    pub fn options(&self) -> Result<panelkit::inference::bootstrap::BootOptions> {
        use panelkit::inference::bootstrap::{BootKind, BootOptions, BootWeights};
        let mut o = BootOptions::new(self.seed);
        o.kind = BootKind::parse(&self.kind)?;
        o.weights = BootWeights::parse(&self.weights)?;
        if self.reps == 0 {
            return Err(Error::Usage("bootstrap reps must be at least 1".into()));
        }
        o.reps = self.reps;
        Ok(o)
    }
}

fn default_unit() -> String {
    "code".into()
}
fn default_time() -> String {
    "year".into()
}
fn default_vcov() -> String {
    "cluster".into()
}
fn default_ssc() -> String {
    "stata".into()
}

/// How a derived variable is computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    Copy,
    /// `of` / `population`, in current prices.
    PerCapita,
    PerCapitaFixed,
    Diff,
    Growth,
    /// Natural logarithm of `of` (missing where `of` ≤ 0).
    Log,
}

/// A variable derived from panel columns (or from other derived variables).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Variable {
    pub op: Op,
    pub of: String,
    #[serde(default)]
    pub k: Option<i64>,
    #[serde(default)]
    pub population: Option<String>,
    #[serde(default)]
    pub index: Option<String>,
    #[serde(default)]
    pub base_year: Option<i64>,
    /// `diff` and `growth`: the first year of a new definition of `of` (IKU's 2016 revision):
    /// a change spanning it (t − k < break_year ≤ t) is missing, as across a gap, so no
    /// change mixes the two definitions.
    #[serde(default)]
    pub break_year: Option<i64>,
    #[serde(default)]
    pub label: Option<String>,
}

/// One model of the set.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    pub name: String,
    pub label: String,
    pub formula: String,
    /// Estimator; when absent, implied by the formula's absorbed fixed effects.
    #[serde(default)]
    pub model: Option<String>,
    /// Terms whose sum is the IKU effect (DKK per inhabitant per pp).
    pub effect: Vec<String>,
    #[serde(default)]
    pub controls: Vec<String>,
    #[serde(default)]
    pub weights: Option<String>,
    /// Restrict the sample to these years of the dependent variable.
    #[serde(default)]
    pub years: Option<Vec<i64>>,
    /// Units (labels of the unit column) left out of the sample.
    #[serde(default)]
    pub exclude: Vec<String>,
    #[serde(default)]
    pub vcov: Option<String>,
    #[serde(default)]
    pub ssc: Option<String>,
    #[serde(default)]
    pub lags: Option<usize>,
    /// Cluster columns (overrides the study's `cluster`).
    #[serde(default)]
    pub cluster: Option<String>,
    /// Wild cluster bootstrap of this spec's effect (overrides the study's).
    #[serde(default)]
    pub bootstrap: Option<BootstrapSpec>,
    /// GMM models (`gmm-diff`, `gmm-sys`): instruments, e.g. "gmm(y, 2:99) + iv(x, 1)".
    #[serde(default)]
    pub instruments: Option<String>,
    /// GMM: 1 or 2 steps (default 2: Windmeijer-corrected two-step).
    #[serde(default)]
    pub steps: Option<u8>,
    /// GMM: collapse the GMM-style instruments.
    #[serde(default)]
    pub collapse: bool,
    /// GMM: "twoways" (period dummies, default) or "individual".
    #[serde(default)]
    pub time_effects: Option<String>,
    /// GMM: report the effect as the long-run effect Σβ/(1 − Σρ) of the effect terms.
    #[serde(default)]
    pub long_run: bool,
}

impl Spec {
    /// The effect as a linear combination: weight 1 on each of its terms.
    pub fn effect_weights(&self) -> Vec<(&str, f64)> {
        self.effect.iter().map(|t| (t.as_str(), 1.0)).collect()
    }
}

impl SpecFile {
    /// Reads and checks a spec file; errors name the file and, for TOML errors, the line.
    pub fn load(path: &Path) -> Result<SpecFile> {
        let text = String::from_utf8(panelkit::io::read(path)?)
            .map_err(|_| Error::input(path, None, None, "not valid UTF-8 text"))?;
        Self::parse(path, &text)
    }

    /// Parses spec text; `origin` names the file in errors.
    pub fn parse(origin: &Path, text: &str) -> Result<SpecFile> {
        let mut file: SpecFile = toml::from_str(text).map_err(|e| {
            let line = e
                .span()
                .map(|s| text[..s.start.min(text.len())].matches('\n').count() as u64 + 1);
            Error::input(origin, line, None, e.message().to_string())
        })?;
        file.check(origin)?;
        file.origin = origin.to_path_buf();
        Ok(file)
    }

    fn check(&self, origin: &Path) -> Result<()> {
        let err = |m: String| Error::input(origin, None, None, m);
        if self.specs.is_empty() {
            return Err(err("no [[spec]] entries".into()));
        }
        let mut names = std::collections::BTreeSet::new();
        for s in &self.specs {
            if !names.insert(s.name.as_str()) {
                return Err(err(format!("spec name '{}' is used twice", s.name)));
            }
            if s.effect.is_empty() {
                return Err(err(format!("spec '{}' lists no effect terms", s.name)));
            }
            if let Some(b) = &s.bootstrap {
                b.options()
                    .map_err(|e| err(format!("spec '{}': bootstrap: {e}", s.name)))?;
                if gmm::transformation(s).is_some() {
                    return Err(err(format!(
                        "spec '{}': bootstrap applies to linear models; GMM specs are not bootstrapped",
                        s.name
                    )));
                }
            }
            gmm::check(s).map_err(err)?;
        }
        if !names.contains(self.study.best_estimate.as_str()) {
            return Err(err(format!(
                "best_estimate = '{}' names no spec (specs: {})",
                self.study.best_estimate,
                names.into_iter().collect::<Vec<_>>().join(", ")
            )));
        }
        if let Some(b) = &self.study.bootstrap {
            b.options()
                .map_err(|e| err(format!("[study] bootstrap: {e}")))?;
        }
        if self.study.from > self.study.to {
            return Err(err(format!(
                "sample from = {} is after to = {}",
                self.study.from, self.study.to
            )));
        }
        for (name, v) in &self.variables {
            let need = |field: &str, present: bool| {
                if present {
                    Ok(())
                } else {
                    Err(err(format!(
                        "variable '{name}' (op {:?}) needs the field '{field}'",
                        v.op
                    )))
                }
            };
            match v.op {
                Op::PerCapita => need("population", v.population.is_some())?,
                Op::PerCapitaFixed => {
                    need("population", v.population.is_some())?;
                    need("index", v.index.is_some())?;
                    need("base_year", v.base_year.is_some())?;
                }
                Op::Diff | Op::Growth => {
                    if v.k.is_some_and(|k| k < 1) {
                        return Err(err(format!("variable '{name}': k must be at least 1")));
                    }
                }
                Op::Copy | Op::Log => {}
            }
        }
        Ok(())
    }

    /// The spec chosen as the best estimate.
    pub fn best(&self) -> &Spec {
        self.specs
            .iter()
            .find(|s| s.name == self.study.best_estimate)
            .unwrap_or(&self.specs[0])
    }

    /// The `[labels]` as the display tables' dictionary.
    pub fn term_labels(&self) -> panelkit::table::TermLabels {
        let mut l = panelkit::table::TermLabels::new();
        for (name, label) in &self.labels {
            l.insert(name, label);
        }
        l
    }

    /// The label of a variable, for tables.
    pub fn label_of<'a>(&'a self, name: &'a str) -> &'a str {
        self.variables
            .get(name)
            .and_then(|v| v.label.as_deref())
            .unwrap_or(name)
    }

    /// The rows in the study's sample window (`from`..=`to`), and in `years` when given,
    /// one flag per panel row.
    pub fn sample_rows(&self, panel: &Panel, years: Option<&[i64]>) -> Vec<bool> {
        panel
            .times()
            .iter()
            .map(|t| {
                *t >= self.study.from
                    && *t <= self.study.to
                    && years.is_none_or(|ys| ys.contains(t))
            })
            .collect()
    }

    /// The panel with the derived variables added and the study's sample window: what an
    /// ad-hoc formula on the study's variables is estimated on (`iku-estimate --spec FILE
    /// --formula ...`).
    pub fn study_panel(&self, panel: &Panel) -> Result<(Panel, Vec<bool>)> {
        let mut panel = panel.clone();
        self.derive(&self.origin, &mut panel)?;
        let sample = self.sample_rows(&panel, None);
        Ok((panel, sample))
    }

    /// Adds every derived variable to the panel (dependencies first); errors name the
    /// missing column and the spec file. Returns a note per municipality a variable could not
    /// be computed for (its rows are missing), in derivation order.
    pub fn derive(&self, origin: &Path, panel: &mut Panel) -> Result<Vec<String>> {
        let mut notes = Vec::new();
        for name in self.variables.keys() {
            let is_key = name == panel.unit_name() || name == panel.time_name();
            if is_key || panel.column_names().contains(&name.as_str()) {
                return Err(Error::input(
                    origin,
                    variable_line(origin, name),
                    Some(name),
                    format!(
                        "derived variable '{name}' would overwrite the panel's column '{name}': \
                         give the derived variable a new name"
                    ),
                ));
            }
        }
        let mut pending: Vec<(&String, &Variable)> = self.variables.iter().collect();
        while !pending.is_empty() {
            let before = pending.len();
            let mut still = Vec::new();
            for (name, v) in pending {
                let inputs = [Some(&v.of), v.population.as_ref(), v.index.as_ref()];
                let waits = inputs.iter().flatten().any(|c| {
                    panel.num(c).is_none() && self.variables.contains_key(*c) && *c != name
                });
                if waits {
                    still.push((name, v));
                    continue;
                }
                let values = self.compute(origin, name, v, panel, &mut notes)?;
                panel.set_num(name, values)?;
            }
            if still.len() == before {
                let names: Vec<&str> = still.iter().map(|(n, _)| n.as_str()).collect();
                return Err(Error::input(
                    origin,
                    None,
                    None,
                    format!(
                        "variables depend on each other in a cycle: {}",
                        names.join(", ")
                    ),
                ));
            }
            pending = still;
        }
        Ok(notes)
    }

    /// The values of derived variable `name`; units it cannot be computed for are noted.
    fn compute(
        &self,
        origin: &Path,
        name: &str,
        v: &Variable,
        panel: &Panel,
        notes: &mut Vec<String>,
    ) -> Result<Vec<f64>> {
        let col = |c: &str| {
            panel.num(c).ok_or_else(|| {
                if panel.text(c).is_some() {
                    return Error::input(
                        origin,
                        variable_line(origin, name),
                        Some(c),
                        format!("variable '{name}' uses column '{c}', which holds text: a numeric column is needed"),
                    );
                }
                Error::input(
                    origin,
                    None,
                    Some(c),
                    format!(
                        "variable '{name}' uses column '{c}', which the panel does not have (columns: {})",
                        panel.column_names().join(", ")
                    ),
                )
            })
        };
        let x = col(&v.of)?;
        let k = v.k.unwrap_or(1);
        if v.break_year.is_some() && !matches!(v.op, Op::Diff | Op::Growth) {
            return Err(Error::input(
                origin,
                variable_line(origin, name),
                Some(name),
                format!(
                    "variable '{name}': break_year applies to the diff and growth operations only"
                ),
            ));
        }
        let positive_ln = |x: &[f64]| -> Vec<f64> {
            x.iter()
                .map(|a| if *a > 0.0 { a.ln() } else { f64::NAN })
                .collect()
        };
        let values = match v.op {
            Op::Copy => x.to_vec(),
            Op::Log => positive_ln(x),
            Op::PerCapita => per_head(x, col(v.population.as_deref().unwrap_or_default())?),
            Op::Diff => panel.diff(x, k),
            Op::Growth => panel
                .diff(&positive_ln(x), k)
                .into_iter()
                .map(|d| 100.0 * d)
                .collect(),
            Op::PerCapitaFixed => {
                let pop_name = v.population.as_deref().unwrap_or_default();
                let idx_name = v.index.as_deref().unwrap_or_default();
                let pop = col(pop_name)?;
                col(idx_name)?;
                let base_year = v.base_year.unwrap_or(0);
                let fixed = panel.fixed_prices(&v.of, idx_name, base_year)?;
                notes.extend(fixed.units_without_base.iter().map(|u| {
                    format!(
                        "municipality {u} has no {idx_name} for {base_year}, so its {name} \
                         ({base_year} prices) is missing and it is left out of every spec using {name}"
                    )
                }));
                per_head(&fixed.values, pop)
            }
        };
        Ok(match v.break_year {
            Some(b) => values
                .into_iter()
                .zip(panel.times())
                .map(|(d, &t)| if t - k < b && b <= t { f64::NAN } else { d })
                .collect(),
            None => values,
        })
    }
}

/// `x / population`, missing where the population is not positive.
fn per_head(x: &[f64], pop: &[f64]) -> Vec<f64> {
    x.iter()
        .zip(pop)
        .map(|(a, p)| if *p > 0.0 { a / p } else { f64::NAN })
        .collect()
}

/// The 1-based line of `name = ...` in the spec file's `[variables]` table, for error messages.
fn variable_line(origin: &Path, name: &str) -> Option<u64> {
    let text = std::fs::read_to_string(origin).ok()?;
    let mut in_vars = false;
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        if t.starts_with('[') {
            in_vars = t == "[variables]";
        } else if in_vars {
            if let Some((k, _)) = t.split_once('=') {
                if k.trim().trim_matches('"') == name {
                    return Some(i as u64 + 1);
                }
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A panel from CSV bytes, keyed by code and year.
    fn panel(csv: &[u8]) -> Panel {
        panelkit::panel::io::read_csv_bytes(Path::new("p.csv"), csv, "code", "year", |_| {
            panelkit::panel::io::Kind::Auto
        })
        .unwrap()
    }

    /// The message `derive` refuses the spec `text` with on the panel `csv`.
    fn derive_error(text: &str, csv: &[u8]) -> String {
        let f = SpecFile::parse(Path::new("s.toml"), text).unwrap();
        f.derive(Path::new("s.toml"), &mut panel(csv))
            .unwrap_err()
            .to_string()
    }

    /// A one-spec file (spec "a", `model = "pooled"`), shared with the GMM spec tests.
    pub(crate) const MINIMAL: &str = r#"
[study]
title = "t"
best_estimate = "a"
from = 2007
to = 2018

[variables]
dx = { op = "diff", of = "x" }
ddx = { op = "diff", of = "dx", k = 1 }

[[spec]]
name = "a"
label = "A"
formula = "y ~ dx"
model = "pooled"
effect = ["dx"]
"#;

    #[test]
    fn parses_and_derives_in_dependency_order() {
        let f = SpecFile::parse(Path::new("s.toml"), MINIMAL).unwrap();
        assert_eq!(f.best().name, "a");
        let mut p = panel(b"code,year,x,y\n101,2007,1,0\n101,2008,4,0\n101,2009,9,0\n");
        f.derive(Path::new("s.toml"), &mut p).unwrap();
        let ddx = p.num("ddx").unwrap();
        assert!(ddx[0].is_nan() && ddx[1].is_nan());
        assert_eq!(ddx[2], 2.0);
    }

    #[test]
    fn break_year_leaves_only_the_changes_across_the_break_missing() {
        let text = MINIMAL.replace(
            "ddx = { op = \"diff\", of = \"dx\", k = 1 }",
            "bx = { op = \"diff\", of = \"x\", break_year = 2009 }\n\
             b2 = { op = \"growth\", of = \"x\", k = 2, break_year = 2009 }",
        );
        let f = SpecFile::parse(Path::new("s.toml"), &text).unwrap();
        let mut p = panel(b"code,year,x,y\n101,2007,1,0\n101,2008,4,0\n101,2009,9,0\n101,2010,16,0\n101,2011,25,0\n");
        f.derive(Path::new("s.toml"), &mut p).unwrap();
        let (dx, bx) = (p.num("dx").unwrap(), p.num("bx").unwrap());
        // 2008→2009 spans the break; every other change is the plain difference.
        assert!(bx[0].is_nan() && bx[2].is_nan());
        for r in [1, 3, 4] {
            assert_eq!(bx[r], dx[r]);
        }
        // Two-year changes: 2007→2009 and 2008→2010 span it; 2009→2011 does not.
        let b2 = p.num("b2").unwrap();
        assert!(b2[..4].iter().all(|v| v.is_nan()));
        assert!((b2[4] - 100.0 * (25f64.ln() - 9f64.ln())).abs() < 1e-12);
    }

    #[test]
    fn break_year_on_a_level_is_an_error_naming_the_variable() {
        let text = MINIMAL.replace(
            "ddx = { op = \"diff\", of = \"dx\", k = 1 }",
            "cx = { op = \"copy\", of = \"x\", break_year = 2016 }",
        );
        let e = derive_error(&text, b"code,year,x,y\n101,2007,1,0\n");
        assert!(
            e.contains("'cx'") && e.contains("break_year applies to the diff and growth"),
            "{e}"
        );
    }

    #[test]
    fn unknown_key_is_an_error_with_its_line() {
        let text = MINIMAL.replace("model = \"pooled\"", "model = \"pooled\"\nmodle = \"x\"");
        let e = SpecFile::parse(Path::new("s.toml"), &text)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("s.toml:") && e.contains("unknown field `modle`"),
            "{e}"
        );
    }

    #[test]
    fn best_estimate_must_name_a_spec() {
        let text = MINIMAL.replace("best_estimate = \"a\"", "best_estimate = \"zz\"");
        let e = SpecFile::parse(Path::new("s.toml"), &text)
            .unwrap_err()
            .to_string();
        assert!(e.contains("best_estimate = 'zz' names no spec"), "{e}");
    }

    #[test]
    fn missing_column_is_named() {
        let e = derive_error(MINIMAL, b"code,year,z\n101,2007,1\n");
        assert!(
            e.contains("uses column 'x', which the panel does not have"),
            "{e}"
        );
    }

    #[test]
    fn shipped_vive_spec_parses() {
        let path = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/specs/vive.toml"));
        let f = SpecFile::load(path).unwrap();
        assert_eq!(f.best().name, "fd_year");
        assert!(f.specs.len() >= 7);
    }
}

#[cfg(test)]
mod bootstrap_tests {
    use super::*;

    const BASE: &str = "[study]\ntitle = \"t\"\nbest_estimate = \"a\"\nfrom = 2007\nto = 2018\nSTUDY\n\n[[spec]]\nname = \"a\"\nlabel = \"A\"\nformula = \"y ~ x\"\neffect = [\"x\"]\nSPEC\n";

    fn parse(study: &str, spec: &str) -> Result<SpecFile> {
        let text = BASE.replace("STUDY", study).replace("SPEC", spec);
        SpecFile::parse(Path::new("s.toml"), &text)
    }

    #[test]
    fn bootstrap_per_study_or_spec_with_defaults() {
        let f = parse(
            "bootstrap = { type = \"wcr\", reps = 999, weights = \"webb\", seed = 3 }",
            "",
        )
        .unwrap();
        let o = f.study.bootstrap.as_ref().unwrap().options().unwrap();
        assert_eq!((o.reps, o.seed, o.weights.name()), (999, 3, "webb"));
        let f = parse("", "bootstrap = { type = \"wcu\" }").unwrap();
        let o = f.specs[0].bootstrap.as_ref().unwrap().options().unwrap();
        assert_eq!((o.kind.name(), o.reps, o.seed), ("wcu", 9999, 1));
        assert_eq!(o.weights.name(), "rademacher");
    }

    #[test]
    fn bad_bootstrap_settings_are_errors_naming_the_file() {
        for (study, spec, msg) in [
            ("bootstrap = { type = \"wild\" }", "", "expected wcr or wcu"),
            (
                "",
                "bootstrap = { type = \"wcr\", weights = \"x\" }",
                "spec 'a': bootstrap",
            ),
            ("", "bootstrap = { type = \"wcr\", reps = 0 }", "at least 1"),
            (
                "bootstrap = { type = \"wcr\", draws = 9 }",
                "",
                "unknown field `draws`",
            ),
        ] {
            let e = parse(study, spec).unwrap_err().to_string();
            assert!(e.contains("s.toml") && e.contains(msg), "{e}");
        }
    }
}
