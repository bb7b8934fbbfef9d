//! The multiverse: every reasonable combination of a study's choices, each estimated as a
//! spec of the ordinary spec machinery ([`SpecFile`]).
//!
//! A multiverse file names a base spec file (its `[study]` and `[variables]`), the treatment
//! variable, and the options of each dimension:
//!
//! | dimension | an option sets |
//! |---|---|
//! | `outcome` | `variable`: the dependent variable in levels (e.g. spending per capita, real or nominal, or its log) |
//! | `timing` | `lags`: the lags of the treatment whose sum is the effect (`[1]`, `[0, 1, 2]`) |
//! | `model` | `difference` (first-difference outcome and treatment), `fe` (absorbed, after `\|`), `model` (estimator) |
//! | `controls` | `variables` added to the right-hand side |
//! | `weights` | `column` of analytic weights (none when absent) |
//! | `sample` | `from`, `to`: the years of the dependent variable |
//! | `exclude` | `units` left out (labels of the unit column) |
//! | `cluster` | `vcov`: the covariance (`cluster`, `cluster-time`, `cluster-twoway`, …) |
//!
//! A dimension left out has one option that changes nothing. `[[multiverse.rule]]` entries
//! exclude incoherent combinations: `exclude = { model = "pooled", cluster = ["time"] }`
//! drops every combination whose choices match all the listed dimensions. Combinations are
//! enumerated in a fixed order (the first dimension varies slowest), so the same file gives
//! the same specs, names and output.
//!
//! Differenced models use `d_<variable>` (gap-aware first difference), derived automatically
//! unless the spec file already defines it as that difference.

use super::{BootstrapSpec, Op, Spec, SpecFile, Variable};
use panelkit::error::{Error, Result};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The dimensions, in enumeration order (the first varies slowest).
pub const DIMENSIONS: [&str; 8] = [
    "outcome", "timing", "model", "controls", "weights", "sample", "exclude", "cluster",
];

/// The multiverse file: its `[multiverse]` table and extra `[variables]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    multiverse: Multiverse,
    #[serde(default)]
    variables: BTreeMap<String, Variable>,
}

/// The `[multiverse]` table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Multiverse {
    /// Spec file with the `[study]` and `[variables]` (relative to the multiverse file).
    pub base: PathBuf,
    /// The treatment in levels (e.g. `iku`); differenced models use `d_<treatment>`.
    pub treatment: String,
    /// Draws of the joint wild cluster bootstrap (effect = 0 imposed, shared draws) behind the
    /// curve's joint test and Romano–Wolf p-values; 0 skips both.
    #[serde(default = "default_reps")]
    pub reps: usize,
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// The best estimate's choice in each dimension (a dimension left out: its first option).
    #[serde(default)]
    pub best: BTreeMap<String, String>,
    /// Projection year and best-practice k for the savings of every spec.
    #[serde(default = "default_year")]
    pub year: i64,
    #[serde(default = "default_k")]
    pub k: usize,
    #[serde(default)]
    pub outcome: Vec<OutcomeOpt>,
    #[serde(default)]
    pub timing: Vec<TimingOpt>,
    #[serde(default)]
    pub model: Vec<ModelOpt>,
    #[serde(default)]
    pub controls: Vec<ControlsOpt>,
    #[serde(default)]
    pub weights: Vec<WeightsOpt>,
    #[serde(default)]
    pub sample: Vec<SampleOpt>,
    #[serde(default)]
    pub exclude: Vec<ExcludeOpt>,
    #[serde(default)]
    pub cluster: Vec<ClusterOpt>,
    #[serde(default)]
    pub rule: Vec<Rule>,
}

fn default_reps() -> usize {
    999
}
fn default_seed() -> u64 {
    1
}
fn default_year() -> i64 {
    2020
}
fn default_k() -> usize {
    10
}

/// Outcome: the dependent variable in levels.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutcomeOpt {
    pub name: String,
    pub variable: String,
}

/// IKU timing: the treatment's lags whose sum is the effect.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimingOpt {
    pub name: String,
    pub lags: Vec<i64>,
}

/// Fixed effects and estimator.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelOpt {
    pub name: String,
    /// First-difference the outcome and the treatment (`d_<variable>`).
    #[serde(default)]
    pub difference: bool,
    /// Absorbed fixed effects, written after `|` (e.g. `year`, `code + year`).
    #[serde(default)]
    pub fe: Option<String>,
    /// Estimator (`pooled`, `within`, `twoways`, `fd`, `random`, …); else implied.
    #[serde(default)]
    pub model: Option<String>,
}

/// Control variables.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ControlsOpt {
    pub name: String,
    #[serde(default)]
    pub variables: Vec<String>,
}

/// Analytic weights.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WeightsOpt {
    pub name: String,
    #[serde(default)]
    pub column: Option<String>,
}

/// Sample window (years of the dependent variable).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SampleOpt {
    pub name: String,
    pub from: i64,
    pub to: i64,
}

/// Units left out.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExcludeOpt {
    pub name: String,
    #[serde(default)]
    pub units: Vec<String>,
}

/// Covariance (clustering).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterOpt {
    pub name: String,
    pub vcov: String,
}

/// One option name or several.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    fn contains(&self, s: &str) -> bool {
        match self {
            OneOrMany::One(x) => x == s,
            OneOrMany::Many(v) => v.iter().any(|x| x == s),
        }
    }
    fn names(&self) -> Vec<&str> {
        match self {
            OneOrMany::One(x) => vec![x.as_str()],
            OneOrMany::Many(v) => v.iter().map(String::as_str).collect(),
        }
    }
}

/// A rule: combinations matching every listed dimension are left out.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub exclude: BTreeMap<String, OneOrMany>,
    /// Why (shown in the outputs).
    #[serde(default)]
    pub why: Option<String>,
}

/// A loaded multiverse: the file, its base spec file, and the option names per dimension.
#[derive(Debug, Clone)]
pub struct MultiverseFile {
    pub multiverse: Multiverse,
    /// The base spec file with the multiverse's extra variables merged in.
    pub base: SpecFile,
    /// Where the multiverse was read from.
    pub origin: PathBuf,
    /// Option names per dimension, in [`DIMENSIONS`] order.
    pub options: Vec<Vec<String>>,
}

/// One combination: the option index in each dimension.
pub type Choice = [usize; 8];

/// The expanded multiverse: the specs to run and what the rules left out.
#[derive(Debug, Clone)]
pub struct Expansion {
    /// Every kept combination, in enumeration order, with its spec.
    pub specs: Vec<(Choice, Spec)>,
    /// Size of the full cross product.
    pub n_combinations: usize,
    /// Combinations left out by each rule (in rule order; a combination counts for its first
    /// matching rule).
    pub excluded_by_rule: Vec<usize>,
    /// Index in `specs` of the best estimate.
    pub best: usize,
}

impl MultiverseFile {
    /// Reads a multiverse file and its base spec file; errors name the file and line.
    pub fn load(path: &Path) -> Result<MultiverseFile> {
        let text = String::from_utf8(panelkit::io::read(path)?)
            .map_err(|_| Error::input(path, None, None, "not valid UTF-8 text"))?;
        Self::parse(path, &text)
    }

    /// Parses multiverse text; `origin` names the file in errors and anchors `base`.
    pub fn parse(origin: &Path, text: &str) -> Result<MultiverseFile> {
        let raw: RawFile = toml::from_str(text).map_err(|e| {
            let line = e
                .span()
                .map(|s| text[..s.start.min(text.len())].matches('\n').count() as u64 + 1);
            Error::input(origin, line, None, e.message().to_string())
        })?;
        let err = |m: String| Error::input(origin, None, None, m);
        let dir = origin.parent().unwrap_or(Path::new("."));
        let base_path = dir.join(&raw.multiverse.base);
        let mut base = SpecFile::load(&base_path)?;
        for (name, v) in raw.variables {
            if base.variables.contains_key(&name) {
                return Err(err(format!(
                    "variable '{name}' is defined in the base spec file {} too",
                    base_path.display()
                )));
            }
            base.variables.insert(name, v);
        }
        let m = raw.multiverse;
        let options = dimension_names(&m);
        for (d, names) in DIMENSIONS.iter().zip(&options) {
            let mut seen = std::collections::BTreeSet::new();
            for n in names {
                if !seen.insert(n) {
                    return Err(err(format!("{d}: option '{n}' is named twice")));
                }
            }
        }
        let known = |d: &str, n: &str| -> Result<()> {
            let i = DIMENSIONS.iter().position(|x| *x == d).ok_or_else(|| {
                err(format!(
                    "'{d}' is not a dimension (dimensions: {})",
                    DIMENSIONS.join(", ")
                ))
            })?;
            if options[i].iter().any(|x| x == n) {
                Ok(())
            } else {
                Err(err(format!(
                    "{d} has no option '{n}' (options: {})",
                    options[i].join(", ")
                )))
            }
        };
        for (i, r) in m.rule.iter().enumerate() {
            if r.exclude.is_empty() {
                return Err(err(format!("rule {} excludes nothing", i + 1)));
            }
            for (d, names) in &r.exclude {
                for n in names.names() {
                    known(d, n).map_err(|e| err(format!("rule {}: {e}", i + 1)))?;
                }
            }
        }
        for (d, n) in &m.best {
            known(d, n).map_err(|e| err(format!("best: {e}")))?;
        }
        if m.outcome.is_empty() {
            return Err(err(
                "[[multiverse.outcome]]: at least one outcome is needed".into(),
            ));
        }
        for t in &m.timing {
            if t.lags.is_empty() || t.lags.iter().any(|k| *k < 0) {
                return Err(err(format!(
                    "timing '{}': lags must be a non-empty list of lags ≥ 0",
                    t.name
                )));
            }
        }
        for s in &m.sample {
            if s.from > s.to || s.from < base.study.from || s.to > base.study.to {
                return Err(err(format!(
                    "sample '{}': {}–{} must be a window within the study's {}–{}",
                    s.name, s.from, s.to, base.study.from, base.study.to
                )));
            }
        }
        for c in &m.cluster {
            panelkit::inference::VcovKind::parse(&c.vcov)
                .map_err(|e| err(format!("cluster '{}': {e}", c.name)))?;
        }
        if m.k == 0 {
            return Err(err("k must be at least 1".into()));
        }
        let mut file = MultiverseFile {
            multiverse: m,
            base,
            origin: origin.to_path_buf(),
            options,
        };
        file.add_differences()?;
        Ok(file)
    }

    /// Adds `d_<v>` for the outcome and treatment variables of differenced models.
    fn add_differences(&mut self) -> Result<()> {
        if !self.multiverse.model.iter().any(|m| m.difference) {
            return Ok(());
        }
        let mut levels: Vec<String> = self
            .multiverse
            .outcome
            .iter()
            .map(|o| o.variable.clone())
            .collect();
        levels.push(self.multiverse.treatment.clone());
        for v in levels {
            let name = format!("d_{v}");
            match self.base.variables.get(&name) {
                Some(x) if x.op == Op::Diff && x.of == v && x.k.unwrap_or(1) == 1 => {}
                Some(_) => {
                    return Err(Error::input(
                        &self.origin,
                        None,
                        None,
                        format!(
                            "differenced models need '{name}' = the first difference of '{v}', \
                             but the spec file defines '{name}' otherwise"
                        ),
                    ))
                }
                None => {
                    self.base.variables.insert(
                        name,
                        Variable {
                            op: Op::Diff,
                            of: v,
                            k: Some(1),
                            population: None,
                            index: None,
                            base_year: None,
                            label: None,
                            break_year: None,
                        },
                    );
                }
            }
        }
        Ok(())
    }

    /// The option chosen in dimension `d` of a combination.
    pub fn choice_name(&self, c: &Choice, d: usize) -> &str {
        &self.options[d][c[d]]
    }

    /// The cross product less the combinations the rules exclude, each as a spec.
    pub fn expand(&self) -> Result<Expansion> {
        let sizes: Vec<usize> = self.options.iter().map(Vec::len).collect();
        let n_combinations: usize = sizes.iter().product();
        let best_choice: Choice = std::array::from_fn(|d| {
            self.multiverse
                .best
                .get(DIMENSIONS[d])
                .and_then(|n| self.options[d].iter().position(|x| x == n))
                .unwrap_or(0)
        });
        let mut excluded_by_rule = vec![0usize; self.multiverse.rule.len()];
        let mut kept: Vec<Choice> = Vec::new();
        for flat in 0..n_combinations {
            let mut c: Choice = [0; 8];
            let mut rest = flat;
            for d in (0..8).rev() {
                c[d] = rest % sizes[d];
                rest /= sizes[d];
            }
            match self.rule_of(&c) {
                Some(r) => excluded_by_rule[r] += 1,
                None => kept.push(c),
            }
        }
        if kept.is_empty() {
            return Err(Error::input(
                &self.origin,
                None,
                None,
                "the rules exclude every combination",
            ));
        }
        let best = kept.iter().position(|c| *c == best_choice).ok_or_else(|| {
            Error::input(
                &self.origin,
                None,
                None,
                format!("the best estimate ({}) is excluded by a rule", {
                    let names: Vec<String> = (0..8)
                        .map(|d| {
                            format!("{} = {}", DIMENSIONS[d], self.choice_name(&best_choice, d))
                        })
                        .collect();
                    names.join(", ")
                }),
            )
        })?;
        let width = kept.len().to_string().len().max(3);
        let specs = kept
            .into_iter()
            .enumerate()
            .map(|(i, c)| {
                let spec = self.spec_of(&c, format!("m{:0width$}", i + 1));
                (c, spec)
            })
            .collect();
        Ok(Expansion {
            specs,
            n_combinations,
            excluded_by_rule,
            best,
        })
    }

    /// The first rule that excludes `c`.
    fn rule_of(&self, c: &Choice) -> Option<usize> {
        self.multiverse.rule.iter().position(|r| {
            r.exclude.iter().all(|(d, names)| {
                DIMENSIONS
                    .iter()
                    .position(|x| x == d)
                    .is_some_and(|i| names.contains(self.choice_name(c, i)))
            })
        })
    }

    /// The spec of one combination.
    fn spec_of(&self, c: &Choice, name: String) -> Spec {
        let m = &self.multiverse;
        let model = m.model.get(c[2]);
        let diff = model.is_some_and(|x| x.difference);
        let var = |v: &str| {
            if diff {
                format!("d_{v}")
            } else {
                v.to_string()
            }
        };
        let y = var(&m.outcome[c[0]].variable);
        let x = var(&m.treatment);
        let lags = m.timing.get(c[1]).map_or(vec![1], |t| t.lags.clone());
        let effect: Vec<String> = lags.iter().map(|k| format!("l({x}, {k})")).collect();
        let controls = m
            .controls
            .get(c[3])
            .map_or(Vec::new(), |o| o.variables.clone());
        let mut rhs = effect.clone();
        rhs.extend(controls.iter().cloned());
        let mut formula = format!("{y} ~ {}", rhs.join(" + "));
        if let Some(fe) = model.and_then(|x| x.fe.as_deref()) {
            formula.push_str(&format!(" | {fe}"));
        }
        let years = m.sample.get(c[5]).map(|s| (s.from..=s.to).collect());
        let label: Vec<&str> = (0..8).map(|d| self.choice_name(c, d)).collect();
        Spec {
            name,
            label: label.join(" · "),
            formula,
            model: model.and_then(|x| x.model.clone()),
            effect,
            controls,
            weights: m.weights.get(c[4]).and_then(|w| w.column.clone()),
            years,
            exclude: m.exclude.get(c[6]).map_or(Vec::new(), |e| e.units.clone()),
            vcov: m.cluster.get(c[7]).map(|o| o.vcov.clone()),
            cluster: None,
            ssc: None,
            lags: None,
            bootstrap: (m.reps > 0).then(|| BootstrapSpec {
                kind: "wcr".into(),
                reps: m.reps,
                weights: "rademacher".into(),
                seed: m.seed,
                by_label: true,
            }),
            instruments: None,
            steps: None,
            collapse: false,
            time_effects: None,
            long_run: false,
        }
    }

    /// The spec file that runs an expansion: the base study and variables, one spec per
    /// combination, the best estimate named.
    pub fn spec_file(&self, e: &Expansion) -> SpecFile {
        let mut f = self.base.clone();
        f.specs = e.specs.iter().map(|(_, s)| s.clone()).collect();
        f.study.best_estimate = f.specs[e.best].name.clone();
        f.study.bootstrap = None;
        f.origin = self.origin.clone();
        f
    }
}

/// The option names of every dimension (one unnamed option, "-", where left out).
fn dimension_names(m: &Multiverse) -> Vec<Vec<String>> {
    fn names<T>(v: &[T], f: impl Fn(&T) -> &String) -> Vec<String> {
        if v.is_empty() {
            vec!["-".into()]
        } else {
            v.iter().map(|x| f(x).clone()).collect()
        }
    }
    vec![
        names(&m.outcome, |o| &o.name),
        names(&m.timing, |o| &o.name),
        names(&m.model, |o| &o.name),
        names(&m.controls, |o| &o.name),
        names(&m.weights, |o| &o.name),
        names(&m.sample, |o| &o.name),
        names(&m.exclude, |o| &o.name),
        names(&m.cluster, |o| &o.name),
    ]
}
