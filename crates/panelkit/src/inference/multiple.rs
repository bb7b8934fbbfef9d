//! Multiple testing across a set of specifications: Romano–Wolf and Westfall–Young stepdown
//! adjusted p-values from wild cluster bootstraps sharing their draws (pyfixest `rwolf` /
//! `wyoung`, Stata `rwolf2`), Holm's stepdown as the assumption-free baseline, and the joint
//! test of a specification curve (Simonsohn, Simmons & Nelson 2020) from the same draws.
//!
//! The bootstraps must share their draws: the same clusters, weights, seed and number of draws
//! (so draw b is the same weight vector in every specification); this is checked through the
//! cluster labels (in order), the seed and the number of draws.

use super::bootstrap::WildBootstrap;
use crate::error::{Error, Result};
use statrs::distribution::{ContinuousCDF, StudentsT};

fn check(boots: &[&WildBootstrap]) -> Result<usize> {
    let first = boots
        .first()
        .ok_or_else(|| Error::Usage("multiple testing: no specifications given".into()))?;
    let (b, seed) = (first.reps(), first.seed());
    if boots
        .iter()
        .any(|x| x.reps() != b || x.seed() != seed || x.draw_labels() != first.draw_labels())
    {
        return Err(Error::Usage(
            "multiple testing: the bootstraps must share clusters, seed and number of draws".into(),
        ));
    }
    Ok(b)
}

/// Positions sorted by `key`, descending, ties in input order.
fn order_desc(key: &[f64]) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..key.len()).collect();
    idx.sort_by(|&a, &b| key[b].total_cmp(&key[a]));
    idx
}

/// Running maximum along the stepdown order, mapped back to input order.
fn monotone(order: &[usize], pinit: &[f64]) -> Vec<f64> {
    let mut out = vec![0.0; order.len()];
    let mut run = 0.0f64;
    for (s, &j) in order.iter().enumerate() {
        run = run.max(pinit[s]);
        out[j] = run;
    }
    out
}

/// Romano–Wolf stepdown p-values: for the s-th largest |t|, the share (with +1 in numerator
/// and denominator, as pyfixest) of draws whose largest |t*| over the hypotheses not yet
/// rejected is at least |t|, made monotone.
pub fn romano_wolf(boots: &[&WildBootstrap]) -> Result<Vec<f64>> {
    let b = check(boots)?;
    let t: Vec<f64> = boots.iter().map(|x| x.t_observed().abs()).collect();
    let ts: Vec<Vec<f64>> = boots.iter().map(|x| x.t_star()).collect();
    let order = order_desc(&t);
    // For each draw, the maximum |t*| over hypotheses s, s+1, … along the stepdown order is a
    // running maximum from the end: O(S·B) rather than O(S²·B).
    let mut hits = vec![0usize; order.len()];
    (0..b).for_each(|d| {
        let mut run = f64::NEG_INFINITY;
        for (s, &j) in order.iter().enumerate().rev() {
            run = run.max(ts[j][d].abs());
            hits[s] += usize::from(run >= t[j]);
        }
    });
    let pinit: Vec<f64> = hits
        .iter()
        .map(|h| ((h + 1) as f64 / (b + 1) as f64).min(1.0))
        .collect();
    Ok(monotone(&order, &pinit))
}

/// Westfall–Young free stepdown (min-p) adjusted p-values, the p-values from t(G − 1) as
/// pyfixest: for the s-th smallest p, the share of draws whose smallest p* over hypotheses
/// s, s+1, … is at most p, made monotone.
pub fn westfall_young(boots: &[&WildBootstrap]) -> Result<Vec<f64>> {
    let b = check(boots)?;
    let p_of = |t: f64, df: f64| -> Result<f64> {
        let d = StudentsT::new(0.0, 1.0, df)
            .map_err(|e| Error::Numeric(format!("Westfall–Young: t({df}): {e}")))?;
        Ok(2.0 * (1.0 - d.cdf(t.abs())))
    };
    let mut p = Vec::with_capacity(boots.len());
    let mut ps = Vec::with_capacity(boots.len());
    for x in boots {
        let df = x.n_clusters() as f64 - 1.0;
        p.push(p_of(x.t_observed(), df)?);
        ps.push(
            x.t_star()
                .iter()
                .map(|t| p_of(*t, df))
                .collect::<Result<Vec<f64>>>()?,
        );
    }
    let neg: Vec<f64> = p.iter().map(|v| -v).collect();
    let order = order_desc(&neg); // ascending p
    let pinit: Vec<f64> = (0..order.len())
        .map(|s| {
            let rest = &order[s..];
            let hits = (0..b)
                .filter(|&d| {
                    rest.iter().map(|&j| ps[j][d]).fold(f64::INFINITY, f64::min) <= p[order[s]]
                })
                .count();
            hits as f64 / b as f64
        })
        .collect();
    Ok(monotone(&order, &pinit))
}

/// The joint test of a specification curve "under the null" (Simonsohn, Simmons & Nelson
/// 2020): the curve's median effect and its share of significant specifications, each set
/// against their distribution when every specification's effect is zero. Both are two-sided:
/// the direction is read from the data, not stated in advance, so a draw counts when its
/// statistic is as extreme in either direction (one-sided counts in the observed direction
/// rejected 10 % and 8 % of the time at 5 % in the study's Monte Carlo under a zero effect).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CurveTest {
    /// Draws B.
    pub reps: usize,
    /// Sign of the observed median: −1 (negative effects) or +1.
    pub direction: f64,
    /// Observed median effect across specifications.
    pub median: f64,
    /// Share of draws (with +1 as [`romano_wolf`]) whose median is at least as far from zero
    /// as the observed one, in either direction.
    pub p_median: f64,
    /// Observed share of specifications significant at `alpha` (two-sided, bootstrap CRV1 t
    /// against t(G − 1)) in the direction where more are: max(share negative, share positive).
    pub share_significant: f64,
    /// Share of draws with at least as large a share significant in their own more frequent
    /// direction.
    pub p_share: f64,
    /// Significance level of each specification's test.
    pub alpha: f64,
}

/// The curve test from restricted (WCR, effect = 0 imposed) wild cluster bootstraps that share
/// their draws: draw b re-estimates every specification on the same cluster weights, so the
/// dependence between specifications is kept, as in the authors' bootstrap of the whole curve.
pub fn curve_test(boots: &[&WildBootstrap], alpha: f64) -> Result<CurveTest> {
    let b = check(boots)?;
    if !(alpha > 0.0 && alpha < 1.0) {
        return Err(Error::Usage(format!(
            "curve test: alpha {alpha} is not in (0, 1)"
        )));
    }
    let crit: Vec<f64> = boots
        .iter()
        .map(|x| {
            crate::inference::p_and_quantile(0.0, Some(x.n_clusters() as f64 - 1.0), 1.0 - alpha).1
        })
        .collect();
    let obs: Vec<f64> = boots.iter().map(|x| x.estimate()).collect();
    let median = median_of(&obs);
    let direction = if median < 0.0 { -1.0 } else { 1.0 };
    // The share significant in whichever direction has more: free of the direction's choice.
    let share = |t: &mut dyn Iterator<Item = f64>| -> f64 {
        let (mut neg, mut pos) = (0usize, 0usize);
        for (t, c) in t.zip(&crit) {
            neg += usize::from(-t > *c);
            pos += usize::from(t > *c);
        }
        neg.max(pos) as f64 / boots.len() as f64
    };
    let share_significant = share(&mut boots.iter().map(|x| x.t_observed()));
    let est: Vec<Vec<f64>> = boots.iter().map(|x| x.estimate_star()).collect();
    let ts: Vec<Vec<f64>> = boots.iter().map(|x| x.t_star()).collect();
    let (mut hit_med, mut hit_share) = (0usize, 0usize);
    let mut col = vec![0.0; boots.len()];
    for d in 0..b {
        for (c, e) in col.iter_mut().zip(&est) {
            *c = e[d];
        }
        hit_med += usize::from(median_of(&col).abs() >= median.abs());
        hit_share += usize::from(share(&mut ts.iter().map(|t| t[d])) >= share_significant);
    }
    let p = |h: usize| ((h + 1) as f64 / (b + 1) as f64).min(1.0);
    Ok(CurveTest {
        reps: b,
        direction,
        median,
        p_median: p(hit_med),
        share_significant,
        p_share: p(hit_share),
        alpha,
    })
}

/// The median of finite values (mean of the middle two for an even count; NaN when none).
pub fn median_of(x: &[f64]) -> f64 {
    let mut v: Vec<f64> = x.iter().copied().filter(|a| a.is_finite()).collect();
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        0.5 * (v[n / 2 - 1] + v[n / 2])
    }
}

/// Holm's stepdown adjustment of p-values (no resampling; valid under any dependence).
pub fn holm(p: &[f64]) -> Vec<f64> {
    let neg: Vec<f64> = p.iter().map(|v| -v).collect();
    let order = order_desc(&neg);
    let m = p.len() as f64;
    let pinit: Vec<f64> = order
        .iter()
        .enumerate()
        .map(|(s, &j)| ((m - s as f64) * p[j]).min(1.0))
        .collect();
    monotone(&order, &pinit)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inference::bootstrap::BootOptions;
    use crate::inference::LinearHypothesis;

    /// Bootstraps that do not share their draws (other seed, other clusters) are refused.
    #[test]
    fn bootstraps_must_share_their_draws() {
        let file = crate::testdata::reference("grunfeld.csv");
        let p = crate::panel::io::read_csv(&file, "firm", "year").unwrap();
        let fit = crate::estimators::fit_formula(&p, "inv ~ value + capital", None, None).unwrap();
        let h = LinearHypothesis::parse("value").unwrap();
        let mut o = BootOptions::new(1);
        o.reps = 99;
        let a = WildBootstrap::new(&fit, &h, &o).unwrap();
        o.seed = 2;
        let b = WildBootstrap::new(&fit, &h, &o).unwrap();
        o.seed = 1;
        o.cluster = crate::inference::clusters::ClusterBy::Time;
        let c = WildBootstrap::new(&fit, &h, &o).unwrap();
        assert_eq!(romano_wolf(&[&a, &a]).unwrap().len(), 2);
        for other in [&b, &c] {
            let e = romano_wolf(&[&a, other]).unwrap_err().to_string();
            assert!(e.contains("must share"), "{e}");
            assert!(westfall_young(&[&a, other]).is_err());
        }
        assert!(romano_wolf(&[]).is_err());
    }

    /// Draws over a universe of labels: the fit's own labels in order give the same draws;
    /// a fit on a subset of clusters shares the draws of the clusters it keeps, so the
    /// multiple-testing and curve functions accept the pair.
    #[test]
    fn draws_by_label_are_shared_across_subsets() {
        let file = crate::testdata::reference("grunfeld.csv");
        let p = crate::panel::io::read_csv(&file, "firm", "year").unwrap();
        let fit = crate::estimators::fit_formula(&p, "inv ~ value + capital", None, None).unwrap();
        let h = LinearHypothesis::parse("value").unwrap();
        let mut o = BootOptions::new(3);
        o.reps = 199;
        let plain = WildBootstrap::new(&fit, &h, &o).unwrap();
        o.universe = Some(plain.cluster_labels().to_vec());
        let by_label = WildBootstrap::new(&fit, &h, &o).unwrap();
        assert_eq!(plain.t_star(), by_label.t_star());
        let keep: Vec<bool> = p.unit_ids().iter().map(|&u| u != 0).collect();
        let sub = p.filter_rows(&keep);
        let fit2 =
            crate::estimators::fit_formula(&sub, "inv ~ value + capital", None, None).unwrap();
        let part = WildBootstrap::new(&fit2, &h, &o).unwrap();
        assert_eq!(part.n_clusters() + 1, by_label.n_clusters());
        assert!(romano_wolf(&[&by_label, &part]).is_ok());
        // Plain draws over the same labels in the same order are the same draws; a subset
        // drawn over its own clusters is not.
        assert!(romano_wolf(&[&plain, &part]).is_ok());
        let mut own = o.clone();
        own.universe = None;
        let part_own = WildBootstrap::new(&fit2, &h, &own).unwrap();
        assert!(romano_wolf(&[&plain, &part_own]).is_err());
        let c = curve_test(&[&by_label, &part], 0.05).unwrap();
        assert_eq!(c.reps, 199);
        assert!(c.p_median > 0.0 && c.p_median <= 1.0 && c.p_share > 0.0 && c.p_share <= 1.0);
        assert_eq!(c.median, 0.5 * (by_label.estimate() + part.estimate()));
        // A cluster outside the universe is an error, not a silent zero weight.
        o.universe = Some(vec!["nobody".into()]);
        assert!(WildBootstrap::new(&fit, &h, &o).is_err());
    }

    #[test]
    fn median_of_finite_values() {
        assert_eq!(median_of(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median_of(&[4.0, 1.0, f64::NAN, 2.0, 3.0]), 2.5);
        assert!(median_of(&[f64::NAN]).is_nan());
    }

    /// Holm on (0.01, 0.04, 0.03, 0.005): sorted 0.005·4, 0.01·3, 0.03·2, 0.04·1, made monotone.
    #[test]
    fn holm_stepdown() {
        let adj = holm(&[0.01, 0.04, 0.03, 0.005]);
        let want = [0.03, 0.06, 0.06, 0.02];
        for (a, b) in adj.iter().zip(want) {
            assert!((a - b).abs() < 1e-15, "{a} vs {b}");
        }
    }
}
