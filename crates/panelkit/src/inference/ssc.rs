//! Small-sample corrections: the knobs of [`Ssc`], its five presets, and the factor and t
//! degrees of freedom they give for a covariance recipe. The formulas are documented once,
//! on [`Ssc`].

use super::kind::{ClusterBy, Leverage, Recipe};
use crate::error::{Error, Result};

/// Small-sample corrections as knobs, in the manner of fixest's `ssc()`, with the five
/// presets as constructors: [`Ssc::none`], [`Ssc::fixest`], [`Ssc::stata`], [`Ssc::plm`],
/// [`Ssc::linearmodels`] ([`Ssc::parse`] reads their names).
///
/// A covariance is the plain sandwich B M B (iid: σ² B) times a factor; the knobs decide
/// the factor and the t degrees of freedom. Start from a preset and change fields:
///
/// ```
/// use panelkit::inference::{FixefK, Ssc};
/// let mut ssc = Ssc::fixest();
/// ssc.fixef_k = FixefK::Full; // count nested fixed effects too (Stata's areg/regress)
/// assert_eq!(ssc.name(), "custom");
/// assert_eq!(Ssc::parse("fixest").unwrap(), Ssc::fixest());
/// ```
///
/// # The formulas
///
/// Notation: n observations used; k estimated coefficients (incl. the intercept);
/// k_fe absorbed fixed-effect parameters (within: N units; twoways: N + T − 1 on a connected
/// panel); K = k + k_fe′ with k_fe′ counted as [`Ssc::fixef_k`] says; G the number of
/// clusters (G_min the smaller of the two for two-way clustering); T the number of periods.
/// "plain" is the uncorrected sandwich B M B; iid is σ² B with σ² = RSS/(n − k − k_fe).
///
/// By kind, with the knobs that act on it:
/// - **iid**: σ² = RSS/(n − k − k_fe) (every knob but `kfe_scale`, which makes it RSS/n
///   before its own scaling);
/// - **hc0**: plain; **hc1**: n/(n − K) (`hc1_adj`; with `fd_levels` on an fd fit
///   n/(n + N − K), N + n the undifferenced rows);
/// - **hc2, hc3**: plain, or — with `adj_scope` [`AdjScope::All`] — treated as clusters
///   of one observation: `adj` and `cluster_adj` with G = n give n/(n − K);
/// - **cluster, cluster-time, cluster-twoway**: `cluster_adj` G/(G − 1) · `adj`
///   (n − 1)/(n − K); under [`FixefK::Nested`] K′ = K − Σ_{FE nested in the cluster}
///   (levels − 1) (a fixed effect nested in the cluster counts once). Two-way clustering
///   (V_unit + V_time − V_unit∩time) takes G_min under [`ClusterDf::Min`], and each term its
///   own G/(G − 1) under [`ClusterDf::Conventional`];
/// - **driscoll-kraay, newey-west**: plain, or — with [`AdjScope::All`] — treated as
///   clusters of periods: `cluster_adj` T/(T − 1) · `adj` (n − 1)/(n − K);
/// - then `kfe_scale` multiplies every covariance by n/(n − k_fe″), k_fe″ = k_fe except 0
///   when entity effects alone are nested in entity clusters.
///
/// t degrees of freedom ([`Ssc::t_df`]): [`TDf::Min`] G − 1 for clustered kinds (G_min − 1
/// two-way), T − 1 for HAC kinds under [`AdjScope::All`], n − k − k_fe otherwise;
/// [`TDf::Conventional`] n − k − k_fe throughout; [`TDf::Normal`] the normal distribution.
///
/// # The presets
///
/// **none** — the plain estimators (plm / sandwich `type = "HC0"`):
/// iid σ² = RSS/(n − K); hc0, hc2, hc3, cluster, cluster-time, cluster-twoway (V_unit +
/// V_time − V_unit∩time), driscoll-kraay (plm `vcovSCC(type="HC0")`), newey-west (plm
/// `vcovNW(type="HC0")`): factor 1; hc1: n/(n − K). t df = n − K.
///
/// **fixest** — fixest's defaults `ssc(adj = TRUE, fixef.K = "nested", cluster.adj = TRUE,
/// cluster.df = "min", t.df = "min")`, as pyfixest `ssc()`:
/// iid σ² = RSS/(n − K), t df n − K; hc1 (fixest "hetero") n/(n − K) — that is
/// (n − 1)/(n − K) · n/(n − 1), t df n − K; hc0 plain;
/// cluster / cluster-time: G/(G − 1) · (n − 1)/(n − K′), t df G − 1, where
/// K′ = K − Σ_{FE nested in the cluster} (levels − 1) (a nested fixed effect counts once);
/// cluster-twoway: G_min/(G_min − 1) · (n − 1)/(n − K′) applied to V_unit + V_time −
/// V_unit∩time, t df G_min − 1; hc2, hc3: n/(n − K); driscoll-kraay and newey-west:
/// T/(T − 1) · (n − 1)/(n − K), t df T − 1.
///
/// **stata** — `regress, vce(robust)` / `vce(cluster)` with the fixed effects as dummies
/// (as statsmodels with `use_t`): iid as none; hc1 n/(n − K) (hc0, hc2, hc3 plain);
/// cluster / cluster-time: G/(G − 1) · (n − 1)/(n − K), t df G − 1 (plm `type = "sss"` for
/// models without absorbed effects); cluster-twoway the same factor with G_min, t df
/// G_min − 1; driscoll-kraay, newey-west plain, t df n − K. For `xtreg, fe vce(cluster id)`
/// and `reghdfe`, which do not count fixed effects nested in the cluster variable, use
/// `fixest` for clustered errors: the factor is the same G/(G − 1) · (n − 1)/(n − K′).
///
/// **plm** — plm's defaults per covariance: `vcov()` iid σ² = RSS/(n − K); `vcovHC()`
/// defaults (arellano, HC0, cluster by group) plain; hc1 n/(n − k) where plm's k counts the
/// coefficients of the transformed model only (absorbed effects excluded,
/// [`FixefK::None`]) — for fd plm divides by the undifferenced row count, n/(n + N − k), a
/// factor below 1 (`fd_levels`); hc0, hc2, hc3, cluster-time, `vcovDC`, `vcovSCC`, `vcovNW`
/// plain. t df = n − K throughout (as `lmtest::coeftest` on a plm fit).
///
/// **linearmodels** — `fit(debiased=False)` (linearmodels 7.1's `fit` defaults to
/// `debiased=True`, which is n/(n − K) with t(n − K) inference, i.e. the `none` hc1 factor
/// for the sandwiches and `none` iid; this preset reproduces the undebiased option, whose
/// factors are not otherwise available): every covariance is the plain one times
/// n/(n − k_fe) (absorbed effects are counted, slopes are not; `kfe_scale`): iid σ² =
/// RSS/(n − k_fe); hc0 (`robust`; hc1 is the same, `hc1_adj` off), clustered
/// (`group_debias=False`) and `kernel` (Driscoll–Kraay, Bartlett) × n/(n − k_fe) — except
/// entity effects alone with clustering by entity (nested), where the factor is 1. Without
/// absorbed effects (pooled, fd, between, random) k_fe = 0, so iid σ² = RSS/n and the
/// sandwiches are plain. Inference on the normal distribution (no t df).
///
/// The factor applied, in words, is printed under every table ([`super::Vcov::note`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Ssc {
    /// fixest `adj`: (n − 1)/(n − K) on clustered kinds (and, with [`AdjScope::All`], on
    /// hc2, hc3 and the HAC kinds).
    pub adj: bool,
    /// fixest `fixef.K`: which absorbed parameters count in K.
    pub fixef_k: FixefK,
    /// fixest `cluster.adj`: G/(G − 1) on clustered kinds (G = n for hc2/hc3 and G = T for
    /// HAC kinds under [`AdjScope::All`]).
    pub cluster_adj: bool,
    /// fixest `cluster.df`: the G of two-way clustering.
    pub cluster_df: ClusterDf,
    /// fixest `t.df`: the distribution of t statistics.
    pub t_df: TDf,
    /// Which kinds `adj` and `cluster_adj` reach besides the clustered ones.
    pub adj_scope: AdjScope,
    /// HC1's own n/(n − K) (off in linearmodels, whose `robust` is HC0).
    pub hc1_adj: bool,
    /// plm's fd HC1: n/(n + N − K), counting the N + n undifferenced rows.
    pub fd_levels: bool,
    /// linearmodels' `debiased=False`: slopes are not counted; every covariance is scaled by
    /// n/(n − k_fe) (iid from σ² = RSS/n), k_fe = 0 when entity effects alone are nested in
    /// entity clusters.
    pub kfe_scale: bool,
}

/// fixest's `fixef.K`: how absorbed fixed-effect parameters count in K = k + k_fe′.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FixefK {
    /// Not at all (K = k; plm's count).
    None,
    /// All of them (K = k + k_fe; Stata's `regress` with dummies).
    Full,
    /// All but those nested in the cluster variable, which count once (fixest, reghdfe).
    Nested,
}

/// fixest's `cluster.df`: the G/(G − 1) of two-way clustering.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClusterDf {
    /// G_min/(G_min − 1) on the whole two-way covariance.
    Min,
    /// Each term of V_unit + V_time − V_unit∩time with its own G/(G − 1).
    Conventional,
}

/// fixest's `t.df`: the t distribution's degrees of freedom.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TDf {
    /// G − 1 for clustered kinds (T − 1 for HAC kinds under [`AdjScope::All`]), n − K
    /// otherwise.
    Min,
    /// n − k − k_fe for every kind.
    Conventional,
    /// The normal distribution.
    Normal,
}

/// Which kinds `adj` and `cluster_adj` reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AdjScope {
    /// Clustered kinds only (Stata's `vce(cluster)`).
    Clustered,
    /// Also hc2 and hc3 (clusters of one observation, G = n) and the HAC kinds (clusters of
    /// periods, G = T), as fixest does.
    All,
}

impl Ssc {
    /// The plain estimators; hc1 is n/(n − K); t(n − K).
    pub const fn none() -> Ssc {
        Ssc {
            adj: false,
            fixef_k: FixefK::Full,
            cluster_adj: false,
            cluster_df: ClusterDf::Min,
            t_df: TDf::Conventional,
            adj_scope: AdjScope::Clustered,
            hc1_adj: true,
            fd_levels: false,
            kfe_scale: false,
        }
    }

    /// fixest's defaults: `ssc(adj = TRUE, fixef.K = "nested", cluster.adj = TRUE,
    /// cluster.df = "min", t.df = "min")`.
    pub const fn fixest() -> Ssc {
        Ssc {
            adj: true,
            fixef_k: FixefK::Nested,
            cluster_adj: true,
            cluster_df: ClusterDf::Min,
            t_df: TDf::Min,
            adj_scope: AdjScope::All,
            hc1_adj: true,
            fd_levels: false,
            kfe_scale: false,
        }
    }

    /// Stata's `regress` / `areg` with `vce(robust)` / `vce(cluster)`.
    pub const fn stata() -> Ssc {
        Ssc {
            adj: true,
            fixef_k: FixefK::Full,
            cluster_adj: true,
            cluster_df: ClusterDf::Min,
            t_df: TDf::Min,
            adj_scope: AdjScope::Clustered,
            hc1_adj: true,
            fd_levels: false,
            kfe_scale: false,
        }
    }

    /// plm's defaults per covariance function.
    pub const fn plm() -> Ssc {
        Ssc {
            adj: false,
            fixef_k: FixefK::None,
            cluster_adj: false,
            cluster_df: ClusterDf::Min,
            t_df: TDf::Conventional,
            adj_scope: AdjScope::Clustered,
            hc1_adj: true,
            fd_levels: true,
            kfe_scale: false,
        }
    }

    /// linearmodels' `fit(debiased=False)`.
    pub const fn linearmodels() -> Ssc {
        Ssc {
            adj: false,
            fixef_k: FixefK::Full,
            cluster_adj: false,
            cluster_df: ClusterDf::Min,
            t_df: TDf::Normal,
            adj_scope: AdjScope::Clustered,
            hc1_adj: false,
            fd_levels: false,
            kfe_scale: true,
        }
    }

    /// The five presets, with their names.
    pub const PRESETS: [(&'static str, Ssc); 5] = [
        ("none", Ssc::none()),
        ("fixest", Ssc::fixest()),
        ("stata", Ssc::stata()),
        ("plm", Ssc::plm()),
        ("linearmodels", Ssc::linearmodels()),
    ];

    /// The preset's name (command line, JSON, under tables), or "custom" when the knobs
    /// match no preset.
    pub fn name(&self) -> &'static str {
        Ssc::PRESETS
            .iter()
            .find(|(_, p)| p == self)
            .map_or("custom", |(n, _)| n)
    }

    /// Parses a preset name.
    pub fn parse(s: &str) -> Result<Ssc> {
        Ssc::PRESETS
            .iter()
            .find(|(n, _)| *n == s)
            .map(|(_, p)| *p)
            .ok_or_else(|| {
                Error::Usage(format!(
                    "unknown ssc preset '{s}': expected none, fixest, stata, plm or linearmodels"
                ))
            })
    }
}

impl Default for Ssc {
    /// fixest's defaults.
    fn default() -> Ssc {
        Ssc::fixest()
    }
}

/// What the corrections count.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Counts {
    /// Observations.
    pub(crate) n: usize,
    /// Estimated coefficients.
    pub(crate) k: usize,
    /// Absorbed fixed-effect parameters.
    pub(crate) k_fe: usize,
    pub(crate) n_units: usize,
    pub(crate) n_times: usize,
    /// Residual sum of squares (iid σ²).
    pub(crate) rss: f64,
    pub(crate) absorbs_unit: bool,
    pub(crate) absorbs_time: bool,
    /// Whether the fit is on first differences (plm's fd HC1).
    pub(crate) differenced: bool,
    /// Clustering on columns: Σ (levels − 1) over the fixed effects nested in a cluster
    /// variable, which [`FixefK::Nested`] leaves out of K (`None`: the kind's own clusters).
    pub(crate) nested_fe: Option<usize>,
}

/// The factor, t degrees of freedom and the formula in words for one recipe.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Factors {
    /// The multiplicative factor (iid: σ²).
    pub(crate) factor: f64,
    /// Student-t degrees of freedom; `None` for the normal.
    pub(crate) df: Option<f64>,
    /// The formula applied, in words.
    pub(crate) note: String,
    /// Two-way clustering under [`ClusterDf::Conventional`]: the factors of V_unit, V_time
    /// and V_unit∩time (the rest of the correction is in `factor`).
    pub(crate) twoway_weights: Option<[f64; 3]>,
}

/// Absorbed parameters counted under `fixef_k` for `recipe`: under Nested a fixed effect
/// nested in the cluster variable counts once (its levels − 1 are not counted).
fn k_fe_counted(ssc: &Ssc, c: &Counts, recipe: Recipe) -> usize {
    match ssc.fixef_k {
        FixefK::None => 0,
        FixefK::Full => c.k_fe,
        FixefK::Nested if matches!(recipe, Recipe::Cluster(_)) && c.nested_fe.is_some() => {
            c.k_fe.saturating_sub(c.nested_fe.unwrap_or(0))
        }
        FixefK::Nested => {
            let (by_unit, by_time) = match recipe {
                Recipe::Cluster(ClusterBy::Unit) => (true, false),
                Recipe::Cluster(ClusterBy::Time) => (false, true),
                Recipe::Cluster(ClusterBy::UnitAndTime) => (true, true),
                _ => (false, false),
            };
            let mut kfe = c.k_fe;
            if c.absorbs_unit && by_unit {
                kfe = kfe.saturating_sub(c.n_units.saturating_sub(1));
            }
            if c.absorbs_time && by_time {
                kfe = kfe.saturating_sub(c.n_times.saturating_sub(1));
            }
            kfe
        }
    }
}

/// The t degrees of freedom a recipe takes under [`TDf::Min`].
#[derive(Debug, Clone, Copy, PartialEq)]
enum MinDf {
    /// n − k − k_fe.
    Residual,
    /// G − 1 (clustered kinds).
    Clusters(f64),
    /// T − 1 (HAC kinds treated as clusters of periods).
    Periods(f64),
}

/// A correction in the making: the factor, its formula in words, the t df rule.
struct Part {
    factor: f64,
    words: Vec<String>,
    min_df: MinDf,
    twoway_weights: Option<[f64; 3]>,
}

impl Part {
    fn plain() -> Part {
        Part {
            factor: 1.0,
            words: Vec::new(),
            min_df: MinDf::Residual,
            twoway_weights: None,
        }
    }

    fn with(factor: f64, words: impl Into<String>) -> Part {
        Part {
            factor,
            words: vec![words.into()],
            ..Part::plain()
        }
    }

    /// Appends a definition (", G = 10") to the last formula.
    fn define(&mut self, definition: String) {
        if let Some(last) = self.words.last_mut() {
            last.push_str(&definition);
        }
    }
}

/// n, the residual df and K as the knobs count it for a recipe, with K's symbol.
struct Dof {
    n: f64,
    df_resid: f64,
    kk: f64,
    k_sym: &'static str,
    nested: bool,
}

impl Dof {
    fn new(ssc: &Ssc, recipe: Recipe, c: &Counts) -> Dof {
        let nested = ssc.fixef_k == FixefK::Nested && matches!(recipe, Recipe::Cluster(_));
        Dof {
            n: c.n as f64,
            df_resid: c.n as f64 - (c.k + c.k_fe) as f64,
            kk: (c.k + k_fe_counted(ssc, c, recipe)) as f64,
            k_sym: match ssc.fixef_k {
                FixefK::None => "k",
                _ if nested => "K′",
                _ => "K",
            },
            nested,
        }
    }
}

/// `cluster_adj` G/(G − 1) and `adj` (n − 1)/(n − K) for G groups.
fn group_adjustment(ssc: &Ssc, g: f64, d: &Dof, g_sym: &str) -> Part {
    let mut p = Part::plain();
    if ssc.cluster_adj {
        p.factor = g / (g - 1.0);
        p.words.push(format!("{g_sym}/({g_sym} − 1)"));
    }
    if ssc.adj {
        p.factor = p.factor * (d.n - 1.0) / (d.n - d.kk);
        p.words.push(format!("(n − 1)/(n − {})", d.k_sym));
    }
    p
}

/// iid: σ² = RSS/(n − k − k_fe), or RSS/n before `kfe_scale`.
fn iid(ssc: &Ssc, c: &Counts, d: &Dof) -> Part {
    if ssc.kfe_scale {
        Part {
            factor: c.rss / d.n,
            ..Part::plain()
        }
    } else {
        Part::with(c.rss / d.df_resid, "σ² = RSS/(n − K)")
    }
}

/// hc0–hc3: hc1's own n/(n − K) (plm's fd variant), hc2/hc3 as clusters of one observation.
fn hetero(ssc: &Ssc, leverage: Leverage, hc1: bool, c: &Counts, d: &Dof) -> Part {
    let (n, kk, k) = (d.n, d.kk, d.k_sym);
    if hc1 && ssc.hc1_adj {
        return if ssc.fd_levels && c.differenced {
            Part::with(
                n / ((n + c.n_units as f64) - kk),
                format!("n/(n + N − {k}) (plm HC1 on fd: n + N undifferenced rows)"),
            )
        } else if ssc.fixef_k == FixefK::None {
            Part::with(
                n / (n - kk),
                "n/(n − k), k without absorbed effects (plm HC1)",
            )
        } else {
            Part::with(n / (n - kk), format!("n/(n − {k})"))
        };
    }
    if leverage == Leverage::None || ssc.adj_scope != AdjScope::All {
        return Part::plain();
    }
    // Clusters of one observation: G/(G − 1) · (n − 1)/(n − K) with G = n is n/(n − K).
    match (ssc.adj, ssc.cluster_adj) {
        (true, true) => Part::with(
            n / (n - kk),
            format!("n/(n − {k}) (fixest adj · cluster.adj with G = n)"),
        ),
        (true, false) => Part::with(
            (n - 1.0) / (n - kk),
            format!("(n − 1)/(n − {k}) (adj with G = n)"),
        ),
        (false, true) => Part::with(n / (n - 1.0), "n/(n − 1) (cluster.adj with G = n)"),
        (false, false) => Part::plain(),
    }
}

/// Clustered kinds; `clusters` holds [G] or [G_unit, G_time, G_both].
fn clustered(ssc: &Ssc, by: ClusterBy, clusters: &[usize], d: &Dof) -> Part {
    let g = clusters.iter().take(2).copied().min().unwrap_or(0) as f64;
    let conventional = ssc.cluster_df == ClusterDf::Conventional && by == ClusterBy::UnitAndTime;
    let mut p = if conventional {
        let gadj = |i: usize| {
            let gi = clusters.get(i).copied().unwrap_or(0) as f64;
            if ssc.cluster_adj {
                gi / (gi - 1.0)
            } else {
                1.0
            }
        };
        let only_adj = Ssc {
            cluster_adj: false,
            ..*ssc
        };
        let mut p = group_adjustment(&only_adj, g, d, "G");
        if ssc.cluster_adj {
            let gs: Vec<String> = clusters.iter().map(|v| v.to_string()).collect();
            p.words.insert(
                0,
                format!(
                    "G/(G − 1) on each of V_unit, V_time, V_unit∩time (G = {})",
                    gs.join(", ")
                ),
            );
        }
        p.twoway_weights = Some([gadj(0), gadj(1), gadj(2)]);
        p
    } else {
        let mut p = group_adjustment(ssc, g, d, "G");
        if ssc.cluster_adj {
            p.define(format!(", G = {g}"));
        }
        p
    };
    if ssc.adj && d.nested {
        p.define(format!(
            ", K′ = {} (FE nested in the cluster counted once)",
            d.kk
        ));
    }
    p.min_df = MinDf::Clusters(g);
    p
}

/// HAC kinds: plain, or clusters of periods under [`AdjScope::All`].
fn hac(ssc: &Ssc, c: &Counts, d: &Dof) -> Part {
    if ssc.adj_scope != AdjScope::All {
        return Part::plain();
    }
    let t = c.n_times as f64;
    let mut p = group_adjustment(ssc, t, d, "T");
    if ssc.cluster_adj {
        p.define(format!(", T = {t}"));
    }
    p.min_df = MinDf::Periods(t);
    p
}

/// linearmodels' n/(n − k_fe″), k_fe″ = 0 when entity effects alone are nested in entity
/// clusters.
fn kfe_scale(p: &mut Part, recipe: Recipe, c: &Counts, n: f64) {
    let nested_in_entity =
        c.absorbs_unit && !c.absorbs_time && recipe == Recipe::Cluster(ClusterBy::Unit);
    let kfe = if nested_in_entity { 0.0 } else { c.k_fe as f64 };
    p.factor *= n / (n - kfe);
    p.words.push(if recipe == Recipe::Iid {
        format!("σ² = RSS/(n − k_fe), k_fe = {kfe}")
    } else {
        format!("n/(n − k_fe), k_fe = {kfe} (absorbed effects; 0 when entity effects are nested in entity clusters)")
    });
}

/// The t degrees of freedom and their words.
fn t_df(ssc: &Ssc, min_df: MinDf, d: &Dof) -> (Option<f64>, &'static str) {
    match (ssc.t_df, min_df) {
        (TDf::Normal, _) => (None, "normal inference"),
        (TDf::Min, MinDf::Clusters(g)) => (Some(g - 1.0), "t df = G − 1"),
        (TDf::Min, MinDf::Periods(t)) => (Some(t - 1.0), "t df = T − 1"),
        _ => (Some(d.df_resid), "t df = n − K"),
    }
}

/// Computes the factor and t df of `recipe` under `ssc`; `clusters` holds [G] or
/// [G_unit, G_time, G_both] (HAC kinds: [T]).
pub(crate) fn factors(
    ssc: &Ssc,
    recipe: Recipe,
    c: &Counts,
    clusters: Option<&[usize]>,
) -> Factors {
    let d = Dof::new(ssc, recipe, c);
    let mut p = match recipe {
        Recipe::Iid => iid(ssc, c, &d),
        Recipe::Hetero { leverage, hc1 } => hetero(ssc, leverage, hc1, c, &d),
        Recipe::Cluster(by) => clustered(ssc, by, clusters.unwrap_or(&[]), &d),
        Recipe::Hac(_) => hac(ssc, c, &d),
        Recipe::Jackknife(_) => unreachable!("CRV2/CRV3 take their factors in jackknife.rs"),
    };
    if ssc.kfe_scale {
        kfe_scale(&mut p, recipe, c, d.n);
    }
    let (df, df_words) = t_df(ssc, p.min_df, &d);
    let mut note = if p.words.is_empty() {
        "plain (factor 1)".to_string()
    } else {
        p.words.join(" · ")
    };
    note.push_str("; ");
    note.push_str(df_words);
    if ssc.kfe_scale {
        note.push_str(" (linearmodels debiased=False)");
    }
    Factors {
        factor: p.factor,
        df,
        note,
        twoway_weights: p.twoway_weights,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inference::kind::{Hac, VcovKind};

    /// Grunfeld within: n = 200, k = 2, k_fe = N = 10 units, T = 20.
    fn within() -> Counts {
        Counts {
            n: 200,
            k: 2,
            k_fe: 10,
            n_units: 10,
            n_times: 20,
            rss: 523_478.0,
            absorbs_unit: true,
            absorbs_time: false,
            differenced: false,
            nested_fe: None,
        }
    }

    fn of(ssc: Ssc, kind: VcovKind, clusters: Option<&[usize]>) -> Factors {
        factors(&ssc, kind.recipe().1, &within(), clusters)
    }

    #[test]
    fn presets_by_name_and_custom_knobs() {
        for (name, p) in Ssc::PRESETS {
            assert_eq!(Ssc::parse(name).unwrap(), p);
            assert_eq!(p.name(), name);
        }
        assert!(Ssc::parse("sas").is_err());
        let mut s = Ssc::fixest();
        s.t_df = TDf::Normal;
        assert_eq!(s.name(), "custom");
        assert_eq!(Ssc::default(), Ssc::fixest());
    }

    #[test]
    fn preset_factors_and_notes_for_within() {
        let (n, kk) = (200.0, 12.0);
        let g = Some(&[10usize][..]);
        let f = of(Ssc::fixest(), VcovKind::Cluster, g);
        // The unit FE is nested in the unit clusters: K′ = 12 − 9 = 3.
        assert_eq!(f.factor, 10.0 / 9.0 * (n - 1.0) / (n - 3.0));
        assert_eq!(f.df, Some(9.0));
        assert_eq!(f.note, "G/(G − 1) · (n − 1)/(n − K′), G = 10, K′ = 3 (FE nested in the cluster counted once); t df = G − 1");
        let f = of(Ssc::stata(), VcovKind::Cluster, g);
        assert_eq!(f.factor, 10.0 / 9.0 * (n - 1.0) / (n - kk));
        assert_eq!(f.note, "G/(G − 1) · (n − 1)/(n − K), G = 10; t df = G − 1");
        let f = of(Ssc::none(), VcovKind::Cluster, g);
        assert_eq!((f.factor, f.df), (1.0, Some(n - kk)));
        assert_eq!(f.note, "plain (factor 1); t df = n − K");
        let f = of(Ssc::plm(), VcovKind::Hc1, None);
        assert_eq!(f.factor, n / (n - 2.0));
        assert_eq!(
            f.note,
            "n/(n − k), k without absorbed effects (plm HC1); t df = n − K"
        );
        let f = of(Ssc::fixest(), VcovKind::Hc3, None);
        assert_eq!(f.factor, n / (n - kk));
        assert_eq!(
            f.note,
            "n/(n − K) (fixest adj · cluster.adj with G = n); t df = n − K"
        );
        let f = of(Ssc::stata(), VcovKind::Hc3, None);
        assert_eq!(f.factor, 1.0);
        let f = of(Ssc::fixest(), VcovKind::DriscollKraay, Some(&[20]));
        assert_eq!(f.factor, 20.0 / 19.0 * (n - 1.0) / (n - kk));
        assert_eq!(
            (f.df, f.note.as_str()),
            (
                Some(19.0),
                "T/(T − 1) · (n − 1)/(n − K), T = 20; t df = T − 1"
            )
        );
        let f = of(Ssc::stata(), VcovKind::NeweyWest, Some(&[20]));
        assert_eq!((f.factor, f.df), (1.0, Some(n - kk)));
        let f = of(Ssc::none(), VcovKind::Iid, None);
        assert_eq!(
            (f.factor, f.note.as_str()),
            (523_478.0 / (n - kk), "σ² = RSS/(n − K); t df = n − K")
        );
    }

    #[test]
    fn linearmodels_scales_by_absorbed_effects_and_plm_fd_counts_levels() {
        let n = 200.0;
        let f = of(Ssc::linearmodels(), VcovKind::Iid, None);
        assert_eq!(f.factor, 523_478.0 / n * (n / (n - 10.0)));
        assert_eq!(f.df, None);
        assert_eq!(
            f.note,
            "σ² = RSS/(n − k_fe), k_fe = 10; normal inference (linearmodels debiased=False)"
        );
        // Entity effects nested in entity clusters: factor 1; by period: n/(n − k_fe).
        assert_eq!(
            of(Ssc::linearmodels(), VcovKind::Cluster, Some(&[10])).factor,
            1.0
        );
        assert_eq!(
            of(Ssc::linearmodels(), VcovKind::ClusterTime, Some(&[20])).factor,
            n / (n - 10.0)
        );
        // hc1 is hc0 there.
        assert_eq!(
            of(Ssc::linearmodels(), VcovKind::Hc1, None).factor,
            n / (n - 10.0)
        );
        let fd = Counts {
            n: 190,
            k: 3,
            k_fe: 0,
            absorbs_unit: false,
            differenced: true,
            ..within()
        };
        let f = factors(&Ssc::plm(), VcovKind::Hc1.recipe().1, &fd, None);
        assert_eq!(f.factor, 190.0 / (200.0 - 3.0));
        assert_eq!(
            f.note,
            "n/(n + N − k) (plm HC1 on fd: n + N undifferenced rows); t df = n − K"
        );
        assert_eq!(
            factors(&Ssc::none(), VcovKind::Hc1.recipe().1, &fd, None).factor,
            190.0 / 187.0
        );
    }

    #[test]
    fn knobs_compose() {
        let n = 200.0;
        let mut s = Ssc::stata();
        s.fixef_k = FixefK::Nested;
        s.t_df = TDf::Conventional;
        let f = of(s, VcovKind::Cluster, Some(&[10]));
        assert_eq!(f.factor, 10.0 / 9.0 * (n - 1.0) / (n - 3.0));
        assert_eq!(f.df, Some(188.0));
        s.cluster_adj = false;
        let f = of(s, VcovKind::Cluster, Some(&[10]));
        assert_eq!(f.factor, (n - 1.0) / (n - 3.0));
        assert!(f.note.starts_with("(n − 1)/(n − K′), K′ = 3"), "{}", f.note);
        // HAC under the clustered scope: plain, whatever adj says.
        assert_eq!(
            factors(&s, Recipe::Hac(Hac::NeweyWest), &within(), Some(&[20])).factor,
            1.0
        );
        // Conventional two-way: per-dimension G/(G − 1), the rest in the factor.
        let mut c = Ssc::fixest();
        c.cluster_df = ClusterDf::Conventional;
        let f = of(c, VcovKind::ClusterTwoway, Some(&[10, 20, 200]));
        assert_eq!(
            f.twoway_weights,
            Some([10.0 / 9.0, 20.0 / 19.0, 200.0 / 199.0])
        );
        assert_eq!(f.factor, (n - 1.0) / (n - 3.0));
        assert_eq!(f.df, Some(9.0));
        assert_eq!(
            of(c, VcovKind::Cluster, Some(&[10])),
            of(Ssc::fixest(), VcovKind::Cluster, Some(&[10]))
        );
    }
}
