//! DI's definitions, in one place: national IKU, best practice (with its one tie rule), the
//! gaps to it, the extra tendering that closing them means, and the three readings that turn
//! an effect into a saving. The projection ([`crate::projection::project`]) and the
//! simulator's calibration ([`crate::simulate`]) both call these functions, so the synthetic
//! panel is calibrated to exactly the quantities the projection reports.
//!
//! # Definitions (year `y`, municipalities `i` with complete data in `y`)
//! - national IKU `N = Σ tendered_i / Σ tenderable_i × 100` (main account 6, %);
//! - best practice `B` = unweighted mean of `iku_i` over the `k` municipalities with the
//!   highest `iku_i`; **tie rule**: equal IKU goes to the lower municipality code (compared as
//!   a number, then as text), so the choice is deterministic and independent of row order;
//! - gap `g_i = max(0, B − iku_i)` in percentage points (municipalities above `B` count zero);
//! - extra tendered volume `X = Σ g_i / 100 × tenderable_i` (DKK, prices of year `y`).
//!
//! # The three readings (effect `e` = saving in DKK per inhabitant per pp, see
//! [`crate::projection::Effect`] for the sign convention)
//! - `national`: `e × (B − N) × Σ population_i` — one average gap for the whole country;
//! - `municipal-absolute`: `Σ e × g_i × population_i` — each municipality's own gap, the
//!   effect in DKK per inhabitant everywhere (DI's 550 mio. DKK);
//! - `municipal-relative` (scale-independent): the effect as a share of administrative
//!   spending per inhabitant, `s = e / (Σ netexp_i / Σ population_i)` per pp, applied to
//!   each municipality's own spending: `Σ s × g_i × netexp_i`.
//!
//! Every reading is linear in `e`; [`Multipliers`] holds the saving per unit of effect
//! (each reading evaluated at `e = 1`), which is how the projection propagates intervals.

use serde::Serialize;

/// A reading of the effect: how a per-pp effect becomes a national saving.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Approach {
    /// `e × (B − N) × Σ population`.
    National,
    /// `Σ e × g_i × population_i`.
    MunicipalAbsolute,
    /// `Σ e / (Σ netexp / Σ population) × g_i × netexp_i`.
    MunicipalRelative,
}

impl Approach {
    /// All readings, in report order.
    pub const ALL: [Approach; 3] = [
        Approach::National,
        Approach::MunicipalAbsolute,
        Approach::MunicipalRelative,
    ];

    /// The label used in every output.
    pub fn as_str(self) -> &'static str {
        match self {
            Approach::National => "national",
            Approach::MunicipalAbsolute => "municipal-absolute",
            Approach::MunicipalRelative => "municipal-relative",
        }
    }
}

/// National IKU from the totals: `Σ tendered / Σ tenderable × 100`, %.
pub fn national_iku(total_tendered: f64, total_tenderable: f64) -> f64 {
    total_tendered / total_tenderable * 100.0
}

/// Municipalities ordered by IKU, highest first, with the one tie rule: equal IKU goes to the
/// lower code (compared as a number, then as text; codes that are not numbers come last).
/// `codes[i]` is the code of `iku[i]`.
pub fn ranking<S: AsRef<str>>(iku: &[f64], codes: &[S]) -> Vec<usize> {
    let keys: Vec<(i64, &str)> = codes
        .iter()
        .map(|c| {
            let c = c.as_ref();
            (c.parse::<i64>().unwrap_or(i64::MAX), c)
        })
        .collect();
    let mut order: Vec<usize> = (0..iku.len()).collect();
    order.sort_by(|&a, &b| {
        iku[b]
            .total_cmp(&iku[a])
            .then_with(|| keys[a].cmp(&keys[b]))
    });
    order
}

/// Best practice over the top `k` of a [`ranking`]: the mean IKU of `order[..k]`, %.
/// `k` must be at least 1 and at most the number of municipalities.
pub fn best_practice_of(iku: &[f64], order: &[usize], k: usize) -> f64 {
    order[..k].iter().map(|&i| iku[i]).sum::<f64>() / k as f64
}

/// Best practice over the top `k` (ranked with the tie rule of [`ranking`]), %.
pub fn best_practice<S: AsRef<str>>(iku: &[f64], codes: &[S], k: usize) -> f64 {
    best_practice_of(iku, &ranking(iku, codes), k)
}

/// Each municipality's gap to best practice, `max(0, B − iku_i)`, pp.
pub fn gaps(iku: &[f64], best_practice: f64) -> Vec<f64> {
    iku.iter().map(|&x| (best_practice - x).max(0.0)).collect()
}

/// The extra tendering of one municipality that rises to best practice:
/// `g_i / 100 × tenderable_i`, DKK.
pub fn extra_tendered(gap: f64, tenderable: f64) -> f64 {
    gap / 100.0 * tenderable
}

/// Extra tendering when every municipality below best practice rises to it:
/// `Σ g_i / 100 × tenderable_i`, DKK.
pub fn extra_tendering(gaps: &[f64], tenderable: &[f64]) -> f64 {
    gaps.iter()
        .zip(tenderable)
        .map(|(&g, &t)| extra_tendered(g, t))
        .sum()
}

/// Net expenditure per inhabitant, `Σ netexp / Σ population`, DKK (the base of the relative
/// reading).
pub fn netexp_per_capita(total_netexp: f64, total_population: f64) -> f64 {
    total_netexp / total_population
}

/// The national reading: `e × (B − N) × Σ population`, DKK.
pub fn national_saving(e: f64, best_practice: f64, national_iku: f64, population: &[f64]) -> f64 {
    e * ((best_practice - national_iku) * population.iter().sum::<f64>())
}

/// The municipal-absolute saving of one municipality: `e × g_i × population_i`, DKK.
pub fn municipal_absolute_saving(e: f64, gap: f64, population: f64) -> f64 {
    e * gap * population
}

/// The municipal-absolute reading: `Σ e × g_i × population_i`, DKK.
pub fn municipal_absolute(e: f64, gaps: &[f64], population: &[f64]) -> f64 {
    gaps.iter()
        .zip(population)
        .map(|(&g, &p)| municipal_absolute_saving(e, g, p))
        .sum()
}

/// The municipal-relative saving of one municipality: `e / netexp_pc × g_i × netexp_i`, DKK
/// (`netexp_pc` from [`netexp_per_capita`]).
pub fn municipal_relative_saving(e: f64, netexp_pc: f64, gap: f64, netexp: f64) -> f64 {
    e / netexp_pc * gap * netexp
}

/// The municipal-relative reading: `e / netexp_pc × Σ g_i × netexp_i`, DKK.
pub fn municipal_relative(e: f64, netexp_pc: f64, gaps: &[f64], netexp: &[f64]) -> f64 {
    e * (gaps.iter().zip(netexp).map(|(g, n)| g * n).sum::<f64>() / netexp_pc)
}

/// The saving per unit of effect under each reading (DKK per DKK/inh./pp): every reading is
/// linear in the effect, so `saving = e × multiplier`, and so is each bound of its interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Multipliers {
    pub national: f64,
    pub municipal_absolute: f64,
    pub municipal_relative: f64,
}

impl Multipliers {
    /// The three readings at `e = 1` for these gaps.
    pub fn new(
        gaps: &[f64],
        best_practice: f64,
        national_iku: f64,
        population: &[f64],
        netexp: &[f64],
        netexp_pc: f64,
    ) -> Multipliers {
        Multipliers {
            national: national_saving(1.0, best_practice, national_iku, population),
            municipal_absolute: municipal_absolute(1.0, gaps, population),
            municipal_relative: municipal_relative(1.0, netexp_pc, gaps, netexp),
        }
    }

    /// The multiplier of one reading.
    pub fn of(&self, approach: Approach) -> f64 {
        match approach {
            Approach::National => self.national,
            Approach::MunicipalAbsolute => self.municipal_absolute,
            Approach::MunicipalRelative => self.municipal_relative,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ties_go_to_the_lower_code_as_a_number() {
        // 99 < 101 numerically although "101" < "99" as text.
        let iku = [5.0, 7.0, 7.0, 7.0, 1.0];
        let codes = ["1", "101", "99", "x", "2"];
        assert_eq!(ranking(&iku, &codes), vec![2, 1, 3, 0, 4]);
        assert_eq!(best_practice(&iku, &codes, 2), 7.0);
    }

    #[test]
    fn best_practice_gaps_and_readings_follow_the_definitions() {
        // 12 municipalities: IKU 1..=12; top-10 are 3..=12, mean 7.5.
        let iku: Vec<f64> = (1..=12).map(f64::from).collect();
        let codes: Vec<String> = (101..113).map(|c: u32| c.to_string()).collect();
        let bp = best_practice(&iku, &codes, 10);
        assert_eq!(bp, 7.5);
        let g = gaps(&iku, bp);
        // Gaps below 7.5: 6.5, 5.5, ..., 0.5 for IKU 1..=7 → sum 24.5.
        assert_eq!(g.iter().sum::<f64>(), 24.5);
        let pop = vec![1.0; 12];
        assert!((municipal_absolute(12.5, &g, &pop) - 12.5 * 24.5).abs() < 1e-9);
        assert!((extra_tendering(&g, &[100.0; 12]) - 24.5).abs() < 1e-9);
        let m = Multipliers::new(&g, bp, 5.0, &pop, &[2.0; 12], 2.0);
        assert_eq!(m.national, 2.5 * 12.0);
        assert_eq!(m.of(Approach::MunicipalAbsolute), 24.5);
        assert_eq!(m.municipal_relative, 24.5);
        assert_eq!(national_iku(1.0, 4.0), 25.0);
    }
}
