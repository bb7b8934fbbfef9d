//! Estimation in three named stages on a prepared [`Sample`]:
//! **transform** (the model's panel transformation of the response and the design, in
//! √w-scaled space) → **solve** (least squares by QR, collinear and absorbed regressors
//! dropped with their reason) → **assemble** (residuals, R², degrees of freedom, the [`Fit`]).

use super::fit::{DroppedTerm, Fit, RandomComponents};
use super::ids::PanelIds;
use super::model::{Model, INTERCEPT};
use super::options::EstimateOptions;
use super::random::swamy_arora;
use super::sample::{prepare, Sample};
use super::solve::{least_squares, Ls};
use super::transform::{
    alternating_projections, demean, demean_in_place, group_means, norm_w, scale_by,
    scale_in_place, twoway,
};
use crate::error::{Error, Result};
use crate::formula::Formula;
use crate::panel::Panel;
use ndarray::Array2;

/// Parses `formula`, resolves the model (explicit, or implied by `| effects`, else within)
/// and estimates, optionally weighted by the column `weights`.
pub fn fit_formula(
    panel: &Panel,
    formula: &str,
    model: Option<Model>,
    weights: Option<&str>,
) -> Result<Fit> {
    let f = Formula::parse(formula)?;
    f.check(panel)?;
    let model = Model::resolve(&f, panel, model)?;
    estimate(
        panel,
        &f,
        &EstimateOptions::new(model).with_weights(weights),
    )
}

/// Estimates `formula` on `panel` with the options' model, weights and sample choices.
pub fn estimate(panel: &Panel, formula: &Formula, opts: &EstimateOptions) -> Result<Fit> {
    let s = prepare(panel, formula, opts)?;
    estimate_sample(s, formula, opts)
}

/// Estimates several models on one estimation sample, prepared once for `opts` (whose model
/// decides differencing and singleton dropping): every fit has the same rows, as a
/// comparison of estimators (Hausman) needs.
pub fn estimate_models(
    panel: &Panel,
    formula: &Formula,
    opts: &EstimateOptions,
    models: &[Model],
) -> Result<Vec<Fit>> {
    let s = prepare(panel, formula, opts)?;
    models
        .iter()
        .map(|&m| estimate_sample(s.clone(), formula, &opts.clone().with_model(m)))
        .collect()
}

/// Estimates on a prepared sample: transform → solve → assemble.
pub(crate) fn estimate_sample(s: Sample, formula: &Formula, opts: &EstimateOptions) -> Result<Fit> {
    let model = opts.model;
    if opts.drop_singletons && model == Model::Fixef {
        return Err(Error::Usage(
            "dropping singletons applies to unit fixed effects (within, twoways), not to the \
             fixef model"
                .into(),
        ));
    }
    if opts.weights.is_some() && !model.supports_weights() {
        return Err(Error::Usage(format!(
            "weights are not supported for the {} model",
            model.name()
        )));
    }
    check_magnitudes(&s, formula)?;
    let mut s = s;
    let mut design = Design::new(&mut s, formula.intercept && model.has_intercept(), model);
    let t = transform(&s, &mut design, model)?;
    // The sample's response is read again only for the overall R²: free it before the
    // factorisation.
    let tss_overall = centred_ss(&s.y, s.w.as_deref());
    s.y = Vec::new();
    let solved = solve(&t, &design, model, formula)?;
    assemble(s, formula, model, &design, t, solved, tss_overall)
}

/// Largest magnitude a nonzero variable may have, and the smallest its largest entry may have:
/// beyond them squares and sums of squares overflow or underflow in double precision, and
/// least squares would report infinite or zero estimates and standard errors as a success.
const MAGNITUDE_BOUNDS: (f64, f64) = (1e-150, 1e150);

/// Refuses a response or regressor whose values are too large or too small for sums of
/// squares in double precision, naming it and saying what to do (an all-zero column is fine).
fn check_magnitudes(s: &Sample, formula: &Formula) -> Result<()> {
    let named = std::iter::once((&formula.response.name, &s.y)).chain(s.names.iter().zip(&s.cols));
    for (name, col) in named {
        let largest = col.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        let (lo, hi) = MAGNITUDE_BOUNDS;
        if largest > 0.0 && !(lo..=hi).contains(&largest) {
            return Err(Error::Data(format!(
                "variable '{name}': its largest magnitude {largest:e} is outside {lo:e} … {hi:e}, \
                 where sums of squares overflow or underflow in double precision; rescale it \
                 (e.g. express it in other units)"
            )));
        }
    }
    Ok(())
}

/// A column whose constant offset exceeds this multiple of its spread is centred before a
/// transformation that removes constants (fixed effects), so that the rounding noise of the
/// transformation scales with its spread, not its offset (`x + 1e12` keeps its variation).
const CENTRE_RATIO: f64 = 1e4;

/// The untransformed design: regressor columns (intercept first when present), their names
/// and their weighted norms (the reference for collinearity). Under fixed effects the
/// reference is the norm about the column's mean, since the transformation removes constants:
/// a column is "without variation" relative to its spread, whatever its offset.
struct Design {
    names: Vec<String>,
    raw: Vec<Vec<f64>>,
    refn: Vec<f64>,
}

impl Design {
    /// Takes the sample's regressor columns (moved, not copied).
    fn new(s: &mut Sample, intercept: bool, model: Model) -> Design {
        let mut names: Vec<String> = Vec::new();
        let mut raw: Vec<Vec<f64>> = Vec::new();
        if intercept {
            names.push(INTERCEPT.to_string());
            raw.push(vec![1.0; s.y.len()]);
        }
        names.extend(s.names.iter().cloned());
        raw.extend(std::mem::take(&mut s.cols));
        let w = s.w.as_deref();
        let refn = if model.absorbs_effects() {
            let sum_w = (0..s.y.len()).fold(0.0, |a, i| a + w.map_or(1.0, |w| w[i]));
            let ones = sum_w.sqrt();
            raw.iter_mut()
                .map(|c| {
                    let (m, spread) = centred_norm(c, w);
                    if m.abs() * ones > CENTRE_RATIO * spread {
                        c.iter_mut().for_each(|v| *v -= m);
                    }
                    spread
                })
                .collect()
        } else {
            raw.iter().map(|c| norm_w(c, w)).collect()
        };
        Design { names, raw, refn }
    }
}

/// The weighted mean of `x` (weights default to 1; 0 when the weights sum to 0), summed in
/// row order as [`group_means`] does.
fn weighted_mean(x: &[f64], w: Option<&[f64]>) -> f64 {
    let (mut s, mut sw) = (0.0, 0.0);
    for (i, v) in x.iter().enumerate() {
        let wi = w.map_or(1.0, |w| w[i]);
        s += wi * v;
        sw += wi;
    }
    if sw > 0.0 {
        s / sw
    } else {
        0.0
    }
}

/// The transformed regression: response and design after the model's transformation.
struct Transformed {
    /// √w-scaled transformed response.
    ys: Vec<f64>,
    /// √w-scaled transformed columns of the design (every column, kept or not).
    xs: Vec<Vec<f64>>,
    /// Transformed response, not √w-scaled; `None` when it equals `ys` (unweighted).
    y: Option<Vec<f64>>,
    /// Reference norms of the columns (the design's, or the unit means' for between).
    refn: Vec<f64>,
    /// Ids of the transformed observations when they are not the sample's (between: one per
    /// unit).
    ids: Option<PanelIds>,
    sqrt_w: Option<Vec<f64>>,
    /// Absorbed fixed-effect parameters.
    k_fe: usize,
    random: Option<RandomComponents>,
}

/// Transform stage: the model's panel transformation (the design's raw columns are consumed:
/// transformed in place where the model allows).
fn transform(s: &Sample, d: &mut Design, model: Model) -> Result<Transformed> {
    let sqrt_w: Option<Vec<f64>> = s.w.as_ref().map(|w| w.iter().map(|v| v.sqrt()).collect());
    let refn = d.refn.clone();
    let plain = |ys, xs, y, k_fe| Transformed {
        ys,
        xs,
        y,
        refn: refn.clone(),
        ids: None,
        sqrt_w: sqrt_w.clone(),
        k_fe,
        random: None,
    };
    let ids = &s.ids;
    Ok(match model {
        Model::Pooled | Model::Fd => {
            let sw = sqrt_w.as_deref();
            let mut xs = std::mem::take(&mut d.raw);
            xs.iter_mut().for_each(|c| scale_in_place(c, sw));
            let (ys, y) = scaled_pair(s.y.clone(), sw);
            plain(ys, xs, y, 0)
        }
        Model::Within => {
            let (ys, xs, y) = demeaned(s, d, &ids.unit, ids.n_units(), sqrt_w.as_deref());
            plain(ys, xs, y, ids.n_units())
        }
        Model::WithinTime => {
            let (ys, xs, y) = demeaned(s, d, &ids.time_idx, ids.n_times, sqrt_w.as_deref());
            plain(ys, xs, y, ids.n_times)
        }
        Model::Twoways => {
            let (ys, xs, y, k_fe) = twoways(s, d, sqrt_w.as_deref());
            plain(ys, xs, y, k_fe)
        }
        Model::Between => between(s, d),
        Model::Random => quasi_demeaned(s, d)?,
        Model::Fixef => {
            let (ys, xs, y, k_fe) = projected(s, d, sqrt_w.as_deref())?;
            plain(ys, xs, y, k_fe)
        }
    })
}

/// A transformed regression with absorbed effects: (scaled y, scaled columns, y, absorbed
/// parameters).
type Absorbed = (Vec<f64>, Vec<Vec<f64>>, Option<Vec<f64>>, usize);

/// The transformed response as (√w-scaled, unscaled when it differs): one vector when
/// unweighted.
fn scaled_pair(yt: Vec<f64>, sw: Option<&[f64]>) -> (Vec<f64>, Option<Vec<f64>>) {
    match sw {
        Some(_) => (scale_by(&yt, sw), Some(yt)),
        None => (yt, None),
    }
}

/// Any number of fixed effects, absorbed by alternating projections: (scaled y, scaled
/// columns, y, absorbed parameters). The absorbed count is fixest's: Σ levels − (number of
/// fixed effects − 1), one reference per additional fixed effect.
fn projected(s: &Sample, d: &Design, sw: Option<&[f64]>) -> Result<Absorbed> {
    if s.fe.is_empty() {
        return Err(Error::Usage(
            "the fixef model needs fixed effects after '|'".into(),
        ));
    }
    let groups: Vec<(&[usize], usize)> = s.fe.iter().map(|g| (&g.ids[..], g.levels)).collect();
    let w = s.w.as_deref();
    let run = |c: &[f64]| {
        alternating_projections(c, &groups, w).ok_or_else(|| {
            Error::Numeric(format!(
                "absorbing the fixed effects {} did not converge in {} sweeps",
                s.fe.iter()
                    .map(|g| g.name.as_str())
                    .collect::<Vec<_>>()
                    .join(" + "),
                super::transform::FIXEF_MAX_ITER
            ))
        })
    };
    let yt = run(&s.y)?;
    let xs = d
        .raw
        .iter()
        .map(|c| run(c).map(|v| scale_by(&v, sw)))
        .collect::<Result<Vec<_>>>()?;
    let k_fe = s.fe.iter().map(|g| g.levels).sum::<usize>() + 1 - s.fe.len();
    let (ys, y) = scaled_pair(yt, sw);
    Ok((ys, xs, y, k_fe))
}

/// Within transformation by one grouping: (scaled y, scaled columns, y).
fn demeaned(
    s: &Sample,
    d: &mut Design,
    g: &[usize],
    ng: usize,
    sw: Option<&[f64]>,
) -> (Vec<f64>, Vec<Vec<f64>>, Option<Vec<f64>>) {
    let w = s.w.as_deref();
    let yt = demean(&s.y, g, ng, w);
    let mut xs = std::mem::take(&mut d.raw);
    for c in xs.iter_mut() {
        demean_in_place(c, g, ng, w);
        scale_in_place(c, sw);
    }
    let (ys, y) = scaled_pair(yt, sw);
    (ys, xs, y)
}

/// Exact two-way within transformation, partialling out the larger grouping by demeaning:
/// (scaled y, scaled columns, y, absorbed parameters).
fn twoways(s: &Sample, d: &Design, sw: Option<&[f64]>) -> Absorbed {
    let ids = &s.ids;
    let (nu, nt) = (ids.n_units(), ids.n_times);
    let mut all = vec![s.y.clone()];
    all.extend(d.raw.iter().cloned());
    let (prim, sec) = if nu >= nt {
        ((&ids.unit[..], nu), (&ids.time_idx[..], nt))
    } else {
        ((&ids.time_idx[..], nt), (&ids.unit[..], nu))
    };
    let (mut out, kept) = twoway(&all, prim, sec, s.w.as_deref());
    let ys = out.remove(0);
    let yt = sw.map(|sw| ys.iter().zip(sw).map(|(a, b)| a / b).collect());
    (ys, out, yt, prim.1 + kept)
}

/// Between: OLS on unit means, one observation per unit (unweighted).
fn between(s: &Sample, d: &Design) -> Transformed {
    let ids = &s.ids;
    let nu = ids.n_units();
    let yb = group_means(&s.y, &ids.unit, nu, None);
    let xs: Vec<Vec<f64>> = d
        .raw
        .iter()
        .map(|c| group_means(c, &ids.unit, nu, None))
        .collect();
    Transformed {
        ys: yb,
        refn: xs.iter().map(|c| norm_w(c, None)).collect(),
        xs,
        y: None,
        ids: Some(ids.unit_means()),
        sqrt_w: None,
        k_fe: 0,
        random: None,
    }
}

/// Random effects: quasi-demeaning by θ_i from the Swamy–Arora components.
fn quasi_demeaned(s: &Sample, d: &Design) -> Result<Transformed> {
    let ids = &s.ids;
    let nu = ids.n_units();
    let comp = swamy_arora(s, &d.raw, &d.refn)?;
    let theta_row: Vec<f64> = ids.unit.iter().map(|&u| comp.theta[u]).collect();
    let qd = |c: &Vec<f64>| -> Vec<f64> {
        let m = group_means(c, &ids.unit, nu, None);
        c.iter()
            .zip(&ids.unit)
            .zip(&theta_row)
            .map(|((v, u), th)| v - th * m[*u])
            .collect()
    };
    let yt = qd(&s.y);
    Ok(Transformed {
        ys: yt,
        xs: d.raw.iter().map(qd).collect(),
        y: None,
        refn: d.refn.clone(),
        ids: None,
        sqrt_w: None,
        k_fe: 0,
        random: Some(comp),
    })
}

/// The solved regression: the QR of the kept columns and the coefficients.
struct Solved {
    ls: Ls,
    dropped_terms: Vec<DroppedTerm>,
}

/// Solve stage: least squares on the transformed columns; a dropped column is reported as
/// absorbed by the transformation when nothing of it is left, as collinear otherwise.
fn solve(t: &Transformed, d: &Design, model: Model, formula: &Formula) -> Result<Solved> {
    let ls = least_squares(&t.xs, &t.refn, &t.ys);
    let dropped_terms: Vec<DroppedTerm> = ls
        .qr
        .dropped
        .iter()
        .map(|&j| {
            let tn = norm_w(&t.xs[j], None);
            let reason = if tn <= 1e-10 * t.refn[j].max(f64::MIN_POSITIVE) {
                model.no_variation_reason()
            } else {
                "collinear with earlier regressors"
            };
            DroppedTerm {
                term: d.names[j].clone(),
                reason: reason.to_string(),
            }
        })
        .collect();
    if ls.qr.rank() == 0 {
        return Err(Error::Data(format!(
            "every regressor of '{}' was dropped ({}); nothing to estimate",
            formula.text,
            dropped_terms
                .iter()
                .map(|d| format!("{}: {}", d.term, d.reason))
                .collect::<Vec<_>>()
                .join("; ")
        )));
    }
    Ok(Solved { ls, dropped_terms })
}

/// Assemble stage: the kept design, residuals, RSS and R², and the degrees-of-freedom check.
fn assemble(
    s: Sample,
    formula: &Formula,
    model: Model,
    d: &Design,
    mut t: Transformed,
    solved: Solved,
    tss_overall: f64,
) -> Result<Fit> {
    let Solved { ls, dropped_terms } = solved;
    let kept = &ls.qr.kept;
    let (n, k) = (t.ys.len(), kept.len());
    let x = kept_design(std::mem::take(&mut t.xs), kept, n);
    let resid_s = scaled_residuals(&x, &ls.beta, &t.ys);
    let rss: f64 = resid_s.iter().map(|v| v * v).sum();
    let resid: Vec<f64> = match &t.sqrt_w {
        Some(swv) => resid_s.iter().zip(swv).map(|(u, s)| u / s).collect(),
        None => resid_s,
    };
    let tss_within: f64 = t.ys.iter().map(|v| v * v).sum();
    let y = t.y.take().unwrap_or_else(|| std::mem::take(&mut t.ys));
    let r2 = r2_plm(&y, &resid);
    let (r2_overall, r2_within) = r2_fixest(model, tss_overall, tss_within, rss, r2);
    let r_inv = ls.qr.r_inv();
    let Sample {
        ids, dropped, fe, ..
    } = s;
    // The fixef model's groupings are the sample's; the others' are built on first use.
    let absorbed = std::sync::OnceLock::new();
    if model == Model::Fixef {
        let _ = absorbed.set(fe);
    }
    let fit = Fit {
        model,
        formula: formula.text.clone(),
        response: formula.response.name.clone(),
        terms: kept.iter().map(|&j| d.names[j].clone()).collect(),
        coefficients: ls.beta.clone(),
        x,
        resid,
        y,
        sqrt_w: t.sqrt_w,
        xtx_inv: r_inv.dot(&r_inv.t()),
        q: ls.qr.thin_q(),
        r_inv,
        ids: t.ids.unwrap_or(ids),
        n,
        k,
        k_fe: t.k_fe,
        rss,
        r2,
        r2_overall,
        r2_within,
        dropped_obs: dropped,
        dropped_terms,
        random: t.random,
        fe: absorbed,
    };
    if fit.df_resid() == 0 {
        return Err(Error::Data(format!(
            "'{}' ({}) leaves no residual degrees of freedom: n = {}, k = {}, absorbed = {}",
            formula.text,
            model.name(),
            fit.n,
            fit.k,
            fit.k_fe
        )));
    }
    Ok(fit)
}

/// The kept columns of the transformed design as an n × k matrix; each column is freed once
/// copied, so the design is never held twice.
fn kept_design(xs: Vec<Vec<f64>>, kept: &[usize], n: usize) -> Array2<f64> {
    let mut x = Array2::<f64>::zeros((n, kept.len()));
    for (j, col) in xs.into_iter().enumerate() {
        if let Ok(c) = kept.binary_search(&j) {
            x.column_mut(c)
                .iter_mut()
                .zip(&col)
                .for_each(|(a, b)| *a = *b);
        }
    }
    x
}

/// Residuals of the √w-scaled regression, y − Xβ.
fn scaled_residuals(x: &Array2<f64>, beta: &[f64], ys: &[f64]) -> Vec<f64> {
    let k = beta.len();
    ys.iter()
        .enumerate()
        .map(|(i, y)| y - (0..k).map(|c| x[[i, c]] * beta[c]).sum::<f64>())
        .collect()
}

/// R² as plm reports it: the squared correlation of the transformed response and its fitted
/// values (= 1 − RSS/TSS for unweighted OLS with an intercept or on demeaned data).
fn r2_plm(y: &[f64], resid: &[f64]) -> f64 {
    let fitted: Vec<f64> = y.iter().zip(resid).map(|(a, b)| a - b).collect();
    let nf = y.len() as f64;
    let (my, mf) = (y.iter().sum::<f64>() / nf, fitted.iter().sum::<f64>() / nf);
    let (mut syf, mut syy, mut sff) = (0.0, 0.0, 0.0);
    for (a, b) in y.iter().zip(&fitted) {
        syf += (a - my) * (b - mf);
        syy += (a - my).powi(2);
        sff += (b - mf).powi(2);
    }
    syf * syf / (syy * sff)
}

/// fixest's R² (pyfixest `_r2`, `_r2_within`): the full model's, fixed effects included,
/// 1 − RSS / Σ w (y − ȳ_w)² on the untransformed response (pooled and fixed-effects models;
/// between: the regression on unit means, plm's), and the within R² 1 − RSS / Σ w ỹ² on the
/// demeaned response (fixed-effects models). First differences and random effects have no
/// such R² (their `r2` is plm's, of the transformed model).
fn r2_fixest(
    model: Model,
    tss_overall: f64,
    tss_within: f64,
    rss: f64,
    r2: f64,
) -> (Option<f64>, Option<f64>) {
    let overall = match model {
        Model::Fd | Model::Random => None,
        Model::Between => Some(r2),
        _ => Some(1.0 - rss / tss_overall),
    };
    let within = model.absorbs_effects().then(|| 1.0 - rss / tss_within);
    (overall, within)
}

/// Σ w (y − ȳ_w)², the total sum of squares of the untransformed response about its
/// weighted mean (the denominator of fixest's `r2`).
fn centred_ss(y: &[f64], w: Option<&[f64]>) -> f64 {
    centred_norm(y, w).1.powi(2)
}

/// The weighted mean of `x` and the weighted norm of `x` about it, √(Σ w (x − x̄_w)²),
/// without a centred copy.
fn centred_norm(x: &[f64], w: Option<&[f64]>) -> (f64, f64) {
    let m = weighted_mean(x, w);
    let ss = (0..x.len()).fold(0.0, |a, i| {
        a + w.map_or(1.0, |w| w[i]) * (x[i] - m) * (x[i] - m)
    });
    (m, ss.sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::linalg::Qr;
    use crate::panel::{Column, ColumnData};

    fn panel(units: &[&str], years: &[i64], cols: Vec<(&str, Vec<f64>)>) -> Panel {
        Panel::from_columns(
            "unit",
            "year",
            units.iter().map(|s| s.to_string()).collect(),
            years.to_vec(),
            cols.into_iter()
                .map(|(n, v)| Column {
                    name: n.into(),
                    data: ColumnData::Num(v),
                })
                .collect(),
        )
        .unwrap()
    }

    /// A small unbalanced panel on which y = 2 + unit effect + 0.5 x1 − 1.5 x2 exactly.
    struct ExactData {
        units: [&'static str; 10],
        years: [i64; 10],
        x1: Vec<f64>,
        x2: Vec<f64>,
        fe: [f64; 10],
        y: Vec<f64>,
    }

    fn exact_data() -> ExactData {
        let x1 = vec![1.0, 4.0, 2.0, 3.0, 7.0, 1.0, 5.0, 2.0, 8.0, 3.0];
        let x2 = vec![0.5, 1.0, 3.0, 2.0, 0.0, 1.5, 1.0, 4.0, 2.5, 0.0];
        let fe = [1.0, 1.0, 1.0, -2.0, -2.0, -2.0, 0.5, 0.5, 0.5, 0.5];
        let y = (0..10)
            .map(|i| 2.0 + fe[i] + 0.5 * x1[i] - 1.5 * x2[i])
            .collect();
        ExactData {
            units: ["a", "a", "a", "b", "b", "b", "c", "c", "c", "c"],
            years: [1, 2, 3, 1, 2, 3, 1, 2, 3, 4],
            x1,
            x2,
            fe,
            y,
        }
    }

    /// y = 2 + unit effect + 0.5 x1 − 1.5 x2 exactly: every estimator must recover the slopes.
    #[test]
    fn recovers_exact_slopes() {
        let ExactData {
            units,
            years,
            x1,
            x2,
            y,
            ..
        } = exact_data();
        let p = panel(&units, &years, vec![("y", y), ("x1", x1), ("x2", x2)]);
        let f = Formula::parse("y ~ x1 + x2").unwrap();
        for m in [Model::Within, Model::Twoways, Model::Fd] {
            let fit = estimate(&p, &f, &EstimateOptions::new(m)).unwrap();
            assert!((fit.coef("x1").unwrap() - 0.5).abs() < 1e-12, "{m:?}");
            assert!((fit.coef("x2").unwrap() + 1.5).abs() < 1e-12, "{m:?}");
        }
        let fit = estimate(&p, &f, &EstimateOptions::new(Model::Fd)).unwrap();
        assert_eq!(fit.terms, ["(Intercept)", "x1", "x2"]);
        assert!(fit.coef(INTERCEPT).unwrap().abs() < 1e-12);
        assert_eq!(fit.n, 7);
        assert_eq!(fit.dropped_obs.get("differences"), Some(&3));
    }

    /// `x + 1e12` has the within-variation of x (1e12 + a small integer is exact in binary):
    /// it is kept with x's slope under every fixed-effects model, weighted or not, while a
    /// column constant within units with the same offset is still dropped as absorbed.
    #[test]
    fn large_offset_column_keeps_its_within_variation() {
        let ExactData {
            units,
            years,
            x1,
            x2,
            fe,
            y,
        } = exact_data();
        let big: Vec<f64> = x1.iter().map(|v| v + 1e12).collect();
        let const_big: Vec<f64> = fe.iter().map(|v| v + 1e12).collect();
        let w: Vec<f64> = (0..10).map(|i| 1.0 + (i % 3) as f64).collect();
        let p = panel(
            &units,
            &years,
            vec![
                ("y", y),
                ("big", big),
                ("x2", x2),
                ("cbig", const_big),
                ("w", w),
            ],
        );
        let f = Formula::parse("y ~ big + x2 + cbig").unwrap();
        for m in [Model::Within, Model::Twoways] {
            for wt in [None, Some("w")] {
                let fit = estimate(&p, &f, &EstimateOptions::new(m).with_weights(wt)).unwrap();
                assert_eq!(fit.terms, ["big", "x2"], "{m:?} {wt:?}");
                assert!(
                    (fit.coef("big").unwrap() - 0.5).abs() < 1e-9,
                    "{m:?} {wt:?}"
                );
                assert!((fit.coef("x2").unwrap() + 1.5).abs() < 1e-9, "{m:?} {wt:?}");
                assert_eq!(fit.dropped_terms[0].term, "cbig");
                assert!(fit.dropped_terms[0].reason.contains("no variation"));
            }
        }
    }

    #[test]
    fn drops_collinear_and_constant_terms_and_counts_rows() {
        let units = [
            "a", "a", "a", "a", "a", "b", "b", "b", "b", "b", "c", "c", "c", "c", "c",
        ];
        let years = [1, 2, 4, 5, 6, 1, 2, 3, 4, 5, 1, 2, 3, 4, 5];
        let x = vec![
            1.0,
            3.0,
            2.0,
            5.0,
            4.0,
            8.0,
            2.0,
            9.0,
            6.0,
            1.0,
            7.0,
            3.0,
            5.0,
            2.0,
            f64::NAN,
        ];
        let x2: Vec<f64> = x.iter().map(|v| 3.0 * v).collect();
        let z = vec![
            1.0, 1.0, 1.0, 1.0, 1.0, 2.0, 2.0, 2.0, 2.0, 2.0, 7.0, 7.0, 7.0, 7.0, 7.0,
        ];
        let y = vec![
            1.0, 2.0, 0.5, 3.0, 1.0, 2.0, 4.0, 2.5, 1.0, 3.5, 0.0, 2.0, 1.5, 4.0, 2.0,
        ];
        let p = panel(
            &units,
            &years,
            vec![("y", y), ("x", x), ("x2", x2), ("z", z)],
        );
        let f = Formula::parse("y ~ x + x2 + z + l(x, 1)").unwrap();
        let fit = estimate(&p, &f, &EstimateOptions::new(Model::Within)).unwrap();
        assert_eq!(fit.terms, ["x", "l(x, 1)"]);
        let dt: Vec<(&str, &str)> = fit
            .dropped_terms
            .iter()
            .map(|d| (d.term.as_str(), d.reason.as_str()))
            .collect();
        assert_eq!(dt[0], ("x2", "collinear with earlier regressors"));
        assert_eq!(dt[1].0, "z");
        assert!(dt[1].1.contains("no variation within units"));
        // Row (c,5) has x missing; (a,1),(b,1),(c,1) have no lag; (a,4) lags across the gap.
        assert_eq!(fit.dropped_obs.get("missing values"), Some(&1));
        assert_eq!(fit.dropped_obs.get("lags/leads"), Some(&4));
        assert_eq!(fit.n, 10);
        assert_eq!(fit.k_fe, 3);
        assert_eq!(fit.df_resid(), 5);
        let only_z = Formula::parse("y ~ z").unwrap();
        let e = estimate(&p, &only_z, &EstimateOptions::new(Model::Within)).unwrap_err();
        assert!(e.to_string().contains("every regressor"));
    }

    #[test]
    fn singletons_are_counted_when_dropped_and_change_nothing_else() {
        let units = ["a", "a", "a", "b", "b", "b", "c"];
        let years = [1, 2, 3, 1, 2, 3, 1];
        let x = vec![1.0, 4.0, 2.0, 3.0, 7.0, 1.0, 5.0];
        let y = vec![2.0, 1.0, 4.0, 3.0, 0.5, 2.0, 9.0];
        let p = panel(&units, &years, vec![("y", y), ("x", x)]);
        let f = Formula::parse("y ~ x").unwrap();
        let keep = estimate(&p, &f, &EstimateOptions::new(Model::Within)).unwrap();
        let o = EstimateOptions::new(Model::Within).with_drop_singletons(true);
        let drop = estimate(&p, &f, &o).unwrap();
        assert_eq!(drop.dropped_obs.get("singletons"), Some(&1));
        assert_eq!((keep.n, drop.n), (7, 6));
        assert_eq!(keep.df_resid(), drop.df_resid());
        assert!((keep.coefficients[0] - drop.coefficients[0]).abs() < 1e-14);
    }

    #[test]
    fn fd_is_gap_aware_unless_asked_to_difference_across_gaps() {
        let units = ["a", "a", "a", "b", "b", "b", "b"];
        let years = [1, 2, 4, 1, 2, 3, 4];
        let x = vec![1.0, 4.0, 2.0, 3.0, 7.0, 1.0, 5.0];
        let y = vec![2.0, 1.0, 4.0, 3.0, 0.5, 2.0, 9.0];
        let p = panel(&units, &years, vec![("y", y), ("x", x)]);
        let f = Formula::parse("y ~ x").unwrap();
        let gap = estimate(&p, &f, &EstimateOptions::new(Model::Fd)).unwrap();
        assert_eq!(gap.n, 4);
        assert_eq!(gap.dropped_obs.get("differences"), Some(&3));
        let o = EstimateOptions::new(Model::Fd).with_fd_across_gaps(true);
        let rows = estimate(&p, &f, &o).unwrap();
        assert_eq!(rows.n, 5);
        // The (a, 2) → (a, 4) difference: Δy = 3, Δx = −2 enters the across-gaps sample.
        assert!(rows.y.contains(&3.0));
        assert!(!gap.y.contains(&3.0));
    }

    /// Slopes of dummy-variable least squares (unit and time dummies, √w-scaled).
    fn lsdv(s: &Sample) -> Vec<f64> {
        let w = s.w.clone().unwrap_or(vec![1.0; s.y.len()]);
        let sw: Vec<f64> = w.iter().map(|v| v.sqrt()).collect();
        let sc = |c: &[f64]| -> Vec<f64> { c.iter().zip(&sw).map(|(a, b)| a * b).collect() };
        let mut cols: Vec<Vec<f64>> = s.cols.iter().map(|c| sc(c)).collect();
        for u in 0..s.ids.n_units() {
            let d: Vec<f64> = s.ids.unit.iter().map(|&g| f64::from(g == u)).collect();
            cols.push(sc(&d));
        }
        for t in 1..s.ids.n_times {
            let d: Vec<f64> = s.ids.time_idx.iter().map(|&g| f64::from(g == t)).collect();
            cols.push(sc(&d));
        }
        let refn: Vec<f64> = cols.iter().map(|c| norm_w(c, None)).collect();
        let qr = Qr::new(&cols, &refn);
        qr.solve(&sc(&s.y))[..s.cols.len()].to_vec()
    }

    #[test]
    fn twoways_equals_dummy_regression_on_unbalanced_weighted_panels() {
        let p = crate::panel::io::read_csv(
            &crate::testdata::reference("grunfeld_unbal.csv"),
            "firm",
            "year",
        )
        .unwrap();
        let f = Formula::parse("inv ~ value + capital").unwrap();
        let o = EstimateOptions::new(Model::Twoways).with_weights(Some("w"));
        let fit = estimate(&p, &f, &o).unwrap();
        let want = lsdv(&prepare(&p, &f, &o).unwrap());
        for (a, b) in fit.coefficients.iter().zip(&want) {
            assert!((a - b).abs() <= 1e-10 * b.abs(), "{a} vs {b}");
        }
        assert_eq!(fit.k_fe, 10 + 19);
        // Fewer units than periods: the unit dummies are the ones partialled out.
        let units: Vec<&str> = (0..20).map(|i| ["a", "b", "c"][i % 3]).collect();
        let years: Vec<i64> = (0..20).map(|i| 2000 + (i / 3) as i64).collect();
        let x: Vec<f64> = (0..20).map(|i| ((i * 7) % 11) as f64).collect();
        let z: Vec<f64> = (0..20).map(|i| ((i * 5) % 7) as f64 * 0.5).collect();
        let y: Vec<f64> = (0..20)
            .map(|i| x[i] - 2.0 * z[i] + ((i * 3) % 5) as f64)
            .collect();
        let q = panel(&units, &years, vec![("y", y), ("x", x), ("z", z)]);
        let g = Formula::parse("y ~ x + z").unwrap();
        let o = EstimateOptions::new(Model::Twoways);
        let fit = estimate(&q, &g, &o).unwrap();
        let want = lsdv(&prepare(&q, &g, &o).unwrap());
        for (a, b) in fit.coefficients.iter().zip(&want) {
            assert!((a - b).abs() <= 1e-10 * b.abs(), "{a} vs {b}");
        }
        assert_eq!(fit.k_fe, 3 + 6);
    }

    #[test]
    fn models_on_one_sample_equal_separate_fits_on_the_same_rows() {
        let p = crate::panel::io::read_csv(
            &crate::testdata::reference("grunfeld_unbal.csv"),
            "firm",
            "year",
        )
        .unwrap();
        let f = Formula::parse("inv ~ value + capital").unwrap();
        let o = EstimateOptions::new(Model::Random);
        let both = estimate_models(&p, &f, &o, &[Model::Random, Model::Within]).unwrap();
        let re = estimate(&p, &f, &o).unwrap();
        let fe = estimate(&p, &f, &o.clone().with_model(Model::Within)).unwrap();
        assert_eq!(both[0].coefficients(), re.coefficients());
        assert_eq!(both[1].coefficients(), fe.coefficients());
        assert_eq!(both[0].ids(), both[1].ids());
    }
}
