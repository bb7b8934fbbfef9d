//! Multiple testing across a set of specifications: Romano–Wolf and Westfall–Young stepdown
//! adjusted p-values from wild cluster bootstraps sharing their draws (pyfixest `rwolf` /
//! `wyoung`, Stata `rwolf2`), and Holm's stepdown as the assumption-free baseline.
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
        .any(|x| x.reps() != b || x.seed() != seed || x.cluster_labels() != first.cluster_labels())
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
    let pinit: Vec<f64> = (0..order.len())
        .map(|s| {
            let rest = &order[s..];
            let hits = (0..b)
                .filter(|&d| {
                    rest.iter()
                        .map(|&j| ts[j][d].abs())
                        .fold(f64::NEG_INFINITY, f64::max)
                        >= t[order[s]]
                })
                .count();
            ((hits + 1) as f64 / (b + 1) as f64).min(1.0)
        })
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
