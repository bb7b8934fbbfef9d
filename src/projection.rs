//! DI's savings projection: national IKU, best practice, each municipality's gap to it, the
//! extra tendering that closing the gaps means, and the savings under every reading of the
//! effect, side by side, with intervals propagated from the effect's standard error.
//!
//! The definitions (national IKU, best practice and its tie rule, gaps, extra tendering, the
//! three readings) live in [`definitions`], shared with the simulator's calibration; DI's
//! published figures come from `data/reference/published.toml` ([`di_2022`]).
//!
//! # Sign convention (the one place it is written down)
//! - An **effect on spending** — a regression coefficient, the simulator's true effect β, the
//!   estimates table, the coefficient plots — is in DKK per inhabitant per year for +1 pp
//!   IKU, **negative = spending falls**.
//! - An [`Effect`] in the projection and every **saving** is the opposite sign, **positive =
//!   spending falls**: DI's published 12.5 is `saving_dkk_per_capita_pp = 12.5`, and a
//!   coefficient of −12.3 on spending is a saving of 12.3.
//! - Only [`saving_of_coefficient`] / [`coefficient_of_saving`] convert between the two;
//!   [`Effect::from_coefficient`], [`Effect::coefficient`] and
//!   [`Saving::effect_as_coefficient`] use them. `published.toml` stores the published
//!   magnitude with a `direction`; nothing else flips a sign.
//!
//! # Intervals
//! Every saving is linear in `e`, so a 95 % interval for `e` (`e ± q × SE`, `q` the 97.5 %
//! quantile of Student's t with the effect's degrees of freedom, or of the normal when none
//! are given, from [`panelkit::inference::p_and_quantile`]) maps to the interval of the
//! saving by the same multiplier.
//!
//! The outputs (`Projection::to_json`, `to_csv`, `to_markdown`) are rendered in
//! [`crate::report::projection`].

pub mod definitions;

pub use definitions::Approach;

use crate::canonical::{IKU, NAME, NETEXP, POPULATION, TENDERABLE, TENDERED};
use crate::Panel;
use definitions::Multipliers;
use panelkit::error::{Error, Result};
use serde::Serialize;
use std::path::Path;

/// The values of k shown in the sensitivity table.
pub const SENSITIVITY_K: [usize; 4] = [5, 10, 15, 20];

/// DI (2022)'s published figures for the 2020 projection, for side-by-side comparison.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PublishedFigures {
    pub year: i64,
    pub national_iku: f64,
    pub best_practice_iku: f64,
    pub best_practice_k: usize,
    pub extra_tendered_dkk: f64,
    pub savings_dkk: f64,
    pub effect_dkk_per_capita_pp: f64,
}

/// DI (2022)'s figures, read from `data/reference/published.toml` (the one place they live).
pub fn di_2022() -> PublishedFigures {
    let p = crate::sources::published::published();
    // The shipped file is compiled in and tested to hold every key used here.
    let v = |k: &str| p.value(k).unwrap_or(f64::NAN);
    PublishedFigures {
        year: 2020,
        national_iku: v("national_iku_hk6_2020"),
        best_practice_iku: v("best_practice_iku_hk6_2020"),
        best_practice_k: v("best_practice_k") as usize,
        extra_tendered_dkk: v("extra_tendered_dkk"),
        savings_dkk: v("savings_dkk"),
        effect_dkk_per_capita_pp: v("effect_dkk_per_capita_pp"),
    }
}

/// VIVE's best estimate as cited by DI: DKK saved per inhabitant per year per +1 pp IKU.
pub fn published_saving_dkk_per_capita_pp() -> f64 {
    di_2022().effect_dkk_per_capita_pp
}

/// A saving per inhabitant per pp from an effect on spending (see the sign convention in the
/// module documentation): `−coefficient`.
pub fn saving_of_coefficient(coefficient: f64) -> f64 {
    -coefficient
}

/// An effect on spending from a saving per inhabitant per pp: `−saving`.
pub fn coefficient_of_saving(saving: f64) -> f64 {
    -saving
}

/// The confidence level of every interval in the projection.
pub const LEVEL: f64 = 0.95;

/// The two-sided critical value at [`LEVEL`]: Student's t with `df`, or the normal.
fn critical_value(df: Option<f64>) -> f64 {
    panelkit::inference::p_and_quantile(0.0, df, LEVEL).1
}

/// Where an effect comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EffectSource {
    /// VIVE (2020) as cited by DI (2022): 12.5 DKK.
    Published,
    /// Re-estimated by this toolkit.
    Estimated,
}

impl EffectSource {
    /// The label used in every output (`published`, `estimated`).
    pub fn as_str(self) -> &'static str {
        match self {
            EffectSource::Published => "published",
            EffectSource::Estimated => "estimated",
        }
    }
}

/// An effect of +1 pp IKU, as a saving in DKK per inhabitant per year (positive = saving).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Effect {
    pub source: EffectSource,
    /// Saving per inhabitant per year for +1 pp IKU, DKK (the negative of the coefficient on spending).
    pub saving_dkk_per_capita_pp: f64,
    /// Standard error of the effect, DKK per inhabitant per pp.
    pub std_error: Option<f64>,
    /// Degrees of freedom for the t quantile; `None` means the normal quantile.
    pub df: Option<f64>,
    /// The wild cluster restricted bootstrap interval of the saving (low, high), DKK per
    /// inhabitant per pp; used instead of the t interval when present.
    pub wcr_ci: Option<(f64, f64)>,
}

impl Effect {
    /// DI's published effect (12.5 DKK saved per inhabitant per pp), without a standard error.
    pub fn published() -> Effect {
        Effect {
            source: EffectSource::Published,
            saving_dkk_per_capita_pp: published_saving_dkk_per_capita_pp(),
            std_error: None,
            df: None,
            wcr_ci: None,
        }
    }

    /// A re-estimated effect from the coefficient on IKU in a spending regression (DKK per
    /// inhabitant per pp; negative = spending falls = saving), via [`saving_of_coefficient`].
    pub fn from_coefficient(coefficient: f64, std_error: Option<f64>, df: Option<f64>) -> Effect {
        Effect {
            source: EffectSource::Estimated,
            saving_dkk_per_capita_pp: saving_of_coefficient(coefficient),
            std_error,
            df,
            wcr_ci: None,
        }
    }

    /// The same effect with the WCR interval of its coefficient, `(conf_low, conf_high)` on
    /// spending (the bounds swap with the sign); an unbounded side leaves the t interval.
    pub fn with_wcr_interval(mut self, low: Option<f64>, high: Option<f64>) -> Effect {
        if let (Some(l), Some(h)) = (low, high) {
            let (a, b) = (saving_of_coefficient(l), saving_of_coefficient(h));
            self.wcr_ci = Some((a.min(b), a.max(b)));
        }
        self
    }

    /// The effect as a coefficient on spending (negative = saving), via
    /// [`coefficient_of_saving`].
    pub fn coefficient(&self) -> f64 {
        coefficient_of_saving(self.saving_dkk_per_capita_pp)
    }

    /// Reads `best_estimate {estimate, std_error, df}` from an estimates JSON file
    /// (`estimate` is the coefficient on IKU, DKK per inhabitant per pp, negative = saving).
    pub fn from_estimates_json(path: &Path) -> Result<Effect> {
        let bytes = panelkit::io::read(path)?;
        let v: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| {
            Error::input(
                path,
                Some(e.line() as u64),
                None,
                format!("not valid JSON: {e}"),
            )
        })?;
        let best = v.get("best_estimate").ok_or_else(|| {
            Error::input(
                path,
                None,
                Some("best_estimate"),
                "expected a top-level object 'best_estimate' {spec, term, estimate, std_error, df, ...}",
            )
        })?;
        let num = |field: &str, required: bool| -> Result<Option<f64>> {
            match best.get(field) {
                Some(serde_json::Value::Number(n)) => Ok(n.as_f64()),
                None | Some(serde_json::Value::Null) if !required => Ok(None),
                _ => Err(Error::input(
                    path,
                    None,
                    Some(&format!("best_estimate.{field}")),
                    if required {
                        "expected a number"
                    } else {
                        "expected a number or null"
                    },
                )),
            }
        };
        let estimate = num("estimate", true)?.unwrap_or(f64::NAN);
        let effect =
            Effect::from_coefficient(estimate, num("std_error", false)?, num("df", false)?)
                .with_wcr_interval(num("wcr_conf_low", false)?, num("wcr_conf_high", false)?);
        effect
            .validate()
            .map_err(|m| Error::input(path, None, Some("best_estimate"), m))?;
        Ok(effect)
    }

    fn validate(&self) -> std::result::Result<(), String> {
        if !self.saving_dkk_per_capita_pp.is_finite() {
            // Say it as the user gave it: an estimate is a coefficient on spending, the
            // published effect a saving (see the sign convention above).
            let given = match self.source {
                EffectSource::Estimated => self.coefficient(),
                EffectSource::Published => self.saving_dkk_per_capita_pp,
            };
            return Err(format!(
                "the {} effect must be a finite number, got {given}",
                self.source.as_str()
            ));
        }
        if let Some(se) = self.std_error {
            if !(se.is_finite() && se >= 0.0) {
                return Err(format!(
                    "the {} effect's standard error must be finite and non-negative, got {se}",
                    self.source.as_str()
                ));
            }
        }
        if let Some(df) = self.df {
            if !(df.is_finite() && df > 0.0) {
                return Err(format!(
                    "the {} effect's degrees of freedom must be positive, got {df}",
                    self.source.as_str()
                ));
            }
        }
        Ok(())
    }
}

/// One saving: a reading × an effect, with its 95 % interval.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Saving {
    pub approach: Approach,
    pub effect_source: EffectSource,
    /// Saving per inhabitant per pp, DKK (positive = saving).
    pub effect_dkk_per_capita_pp: f64,
    /// Standard error used for the interval (the effect's own, or borrowed: see `ci_basis`).
    pub effect_std_error: Option<f64>,
    pub effect_df: Option<f64>,
    pub effect_ci_low: Option<f64>,
    pub effect_ci_high: Option<f64>,
    /// Total saving per year, DKK.
    pub total_dkk: f64,
    pub ci_low_dkk: Option<f64>,
    pub ci_high_dkk: Option<f64>,
    /// How the interval was obtained.
    pub ci_basis: String,
}

impl Saving {
    /// The effect of this saving as an effect on spending with its interval, `(estimate,
    /// conf_low, conf_high)` (negative = saving; the bounds swap with the sign).
    pub fn effect_as_coefficient(&self) -> (f64, Option<f64>, Option<f64>) {
        (
            coefficient_of_saving(self.effect_dkk_per_capita_pp),
            self.effect_ci_high.map(coefficient_of_saving),
            self.effect_ci_low.map(coefficient_of_saving),
        )
    }
}

/// One row of the sensitivity table: k × effect level, all three readings.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SensitivityRow {
    pub k: usize,
    pub best_practice_iku: f64,
    pub extra_tendered_dkk: f64,
    pub effect_source: EffectSource,
    /// `point`, `ci_low` or `ci_high` (bounds of the effect's 95 % interval).
    pub effect_level: &'static str,
    pub effect_dkk_per_capita_pp: f64,
    pub national_dkk: f64,
    pub municipal_absolute_dkk: f64,
    pub municipal_relative_dkk: f64,
}

/// One municipality in the projection year.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MunicipalityRow {
    pub code: String,
    pub name: String,
    /// IKU on main account 6, %.
    pub iku: f64,
    /// 1 = highest IKU (ties by lower code).
    pub rank: usize,
    pub in_best_practice: bool,
    /// `max(0, B − iku)`, pp.
    pub gap_pp: f64,
    pub population: f64,
    pub tenderable_dkk: f64,
    pub tendered_dkk: f64,
    pub netexp_dkk: f64,
    /// `gap_pp / 100 × tenderable_dkk`.
    pub extra_tendered_dkk: f64,
    /// Municipal-absolute saving with the headline effect, DKK.
    pub savings_dkk: f64,
    /// Municipal-relative saving with the headline effect, DKK.
    pub savings_relative_dkk: f64,
}

/// A municipality left out of the projection year, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Excluded {
    pub code: String,
    /// Columns missing (or not usable) for it in the projection year, or that it has no row.
    pub missing: Vec<String>,
}

/// The projection for one year: best practice, gaps, savings under every reading.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Projection {
    /// True when the panel is synthetic (set by the caller; every output then says so).
    pub synthetic: bool,
    /// sha256 of the panel file, when the caller knows it.
    pub panel_sha256: Option<String>,
    pub year: i64,
    pub n_municipalities: usize,
    pub excluded: Vec<Excluded>,
    /// Municipalities whose tenderable and tendered amounts were missing and approximated by
    /// net operating expenditure on main account 6 (tendered = IKU × that); empty when the
    /// panel has the amounts.
    pub tenderable_approximated: Vec<String>,
    pub total_population: f64,
    pub total_tenderable_dkk: f64,
    pub total_tendered_dkk: f64,
    pub total_netexp_dkk: f64,
    /// `Σ netexp / Σ population`, DKK per inhabitant (the base of the relative reading).
    pub netexp_per_capita_dkk: f64,
    /// `Σ tendered / Σ tenderable × 100`, %.
    pub national_iku: f64,
    pub best_practice_iku: f64,
    pub best_practice_k: usize,
    pub best_practice_units: Vec<String>,
    /// `B − N`, pp.
    pub national_gap_pp: f64,
    /// Population-weighted mean of the municipal gaps, pp.
    pub mean_gap_pp_population_weighted: f64,
    pub extra_tendered_dkk: f64,
    /// The effect used for the per-municipality savings columns.
    pub headline_effect_source: EffectSource,
    pub headline_effect_dkk_per_capita_pp: f64,
    pub savings: Vec<Saving>,
    pub sensitivity: Vec<SensitivityRow>,
    pub municipalities: Vec<MunicipalityRow>,
    /// DI (2022)'s published figures, for comparison.
    pub published: PublishedFigures,
}

/// The year's complete observations, in code order.
struct YearData {
    codes: Vec<String>,
    names: Vec<String>,
    iku: Vec<f64>,
    pop: Vec<f64>,
    tenderable: Vec<f64>,
    tendered: Vec<f64>,
    netexp: Vec<f64>,
    excluded: Vec<Excluded>,
    /// Codes whose tenderable and tendered amounts were approximated from spending.
    approximated: Vec<String>,
}

/// One municipality's complete values in the year.
struct Row {
    iku: f64,
    pop: f64,
    tenderable: f64,
    tendered: f64,
    netexp: f64,
    /// Tenderable and tendered approximated from net expenditure.
    approximated: bool,
}

/// The columns the projection reads, one value per panel row.
struct Columns<'a> {
    iku: &'a [f64],
    pop: &'a [f64],
    tenderable: &'a [f64],
    tendered: &'a [f64],
    netexp: &'a [f64],
}

impl<'a> Columns<'a> {
    fn of(panel: &'a Panel) -> Result<Columns<'a>> {
        Ok(Columns {
            iku: panel.require_num(IKU)?,
            pop: panel.require_num(POPULATION)?,
            tenderable: panel.require_num(TENDERABLE)?,
            tendered: panel.require_num(TENDERED)?,
            netexp: panel.require_num(NETEXP)?,
        })
    }

    /// Row `r` when complete, else the columns missing (or not usable).
    ///
    /// Sources that publish IKU only (noegletal.dk gives the percentage) leave the DKK amounts
    /// missing: tenderable tasks are then approximated by net operating expenditure on main
    /// account 6 (the order of magnitude DI's 2.7 bn implies), and tendered = IKU ×
    /// tenderable. Flagged in every output.
    fn row(&self, r: usize) -> std::result::Result<Row, Vec<String>> {
        let (iku, pop, netexp) = (self.iku[r], self.pop[r], self.netexp[r]);
        let a = tender_amounts(iku, self.tenderable[r], self.tendered[r], netexp);
        let (tenderable, tendered, approximated) = (a.tenderable, a.tendered, a.approximated);
        let checks = [
            (IKU, iku.is_finite()),
            (POPULATION, pop.is_finite() && pop > 0.0),
            (TENDERABLE, tenderable.is_finite()),
            (TENDERED, tendered.is_finite()),
            (NETEXP, netexp.is_finite()),
        ];
        let missing: Vec<String> = checks
            .iter()
            .filter(|(_, ok)| !ok)
            .map(|(c, _)| c.to_string())
            .collect();
        if !missing.is_empty() {
            return Err(missing);
        }
        Ok(Row {
            iku,
            pop,
            tenderable,
            tendered,
            netexp,
            approximated,
        })
    }
}

/// Tenderable and tendered tasks of one municipality-year (DKK), and whether they were
/// approximated.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TenderAmounts {
    pub tenderable: f64,
    pub tendered: f64,
    /// Both were missing and are approximated from net operating expenditure.
    pub approximated: bool,
}

/// The amounts as observed, or — when both are missing and IKU and positive net operating
/// expenditure on main account 6 are observed — approximated by that expenditure
/// (tendered = IKU/100 × it). The one rule the projection, the national series and the
/// figures share.
pub fn tender_amounts(iku: f64, tenderable: f64, tendered: f64, netexp: f64) -> TenderAmounts {
    let approximated = !tenderable.is_finite()
        && !tendered.is_finite()
        && iku.is_finite()
        && netexp.is_finite()
        && netexp > 0.0;
    if approximated {
        TenderAmounts {
            tenderable: netexp,
            tendered: iku / 100.0 * netexp,
            approximated,
        }
    } else {
        TenderAmounts {
            tenderable,
            tendered,
            approximated,
        }
    }
}

/// [`tender_amounts`] of every panel row (NaN where neither observed nor approximable).
pub fn tender_rows(panel: &Panel) -> Result<Vec<TenderAmounts>> {
    let iku = panel.require_num(IKU)?;
    let tenderable = panel.require_num(TENDERABLE)?;
    let tendered = panel.require_num(TENDERED)?;
    let netexp = panel.require_num(NETEXP)?;
    Ok((0..panel.nrows())
        .map(|r| tender_amounts(iku[r], tenderable[r], tendered[r], netexp[r]))
        .collect())
}

/// The municipality's name: the panel's, else the reference list's, else its code.
fn name_of(names: Option<&[String]>, r: usize, code: &str) -> String {
    names
        .map(|n| n[r].clone())
        .filter(|n| !n.is_empty())
        .or_else(|| {
            code.parse::<u32>()
                .ok()
                .and_then(crate::sources::reference::municipality)
                .map(|m| m.name)
        })
        .unwrap_or_else(|| code.to_string())
}

/// Refuses a year the panel does not have, naming the years it has.
fn check_year(panel: &Panel, year: i64) -> Result<()> {
    let times = panel.distinct_times();
    if times.binary_search(&year).is_err() {
        let span = match (times.first(), times.last()) {
            (Some(a), Some(b)) => format!("{a}–{b}"),
            _ => "none".to_string(),
        };
        return Err(Error::Usage(format!(
            "the panel has no rows for year {year} (years present: {span}); choose another --year"
        )));
    }
    Ok(())
}

impl YearData {
    /// Refuses a year without complete municipalities or with totals the definitions cannot use.
    fn check(&self, year: i64) -> Result<()> {
        if self.codes.is_empty() {
            return Err(Error::Data(format!(
                "no municipality has complete data ({IKU}, {POPULATION}, {TENDERABLE}, {TENDERED}, {NETEXP}) in {year}"
            )));
        }
        let tot_tenderable: f64 = self.tenderable.iter().sum();
        if tot_tenderable <= 0.0 {
            return Err(Error::Data(format!(
                "total {TENDERABLE} is zero in {year}: national IKU is undefined"
            )));
        }
        let tot_netexp: f64 = self.netexp.iter().sum();
        if tot_netexp <= 0.0 {
            return Err(Error::Data(format!(
                "total {NETEXP} is not positive in {year}: the relative reading is undefined"
            )));
        }
        Ok(())
    }

    fn push(&mut self, code: &str, name: String, row: Row) {
        self.codes.push(code.to_string());
        self.names.push(name);
        self.iku.push(row.iku);
        self.pop.push(row.pop);
        if row.approximated {
            self.approximated.push(code.to_string());
        }
        self.tenderable.push(row.tenderable);
        self.tendered.push(row.tendered);
        self.netexp.push(row.netexp);
    }
}

/// The year's complete municipalities (code order) and the ones left out.
fn year_data(panel: &Panel, year: i64) -> Result<YearData> {
    let cols = Columns::of(panel)?;
    let names = panel.text(NAME);
    check_year(panel, year)?;
    let mut d = YearData {
        codes: vec![],
        names: vec![],
        iku: vec![],
        pop: vec![],
        tenderable: vec![],
        tendered: vec![],
        netexp: vec![],
        excluded: vec![],
        approximated: vec![],
    };
    for (u, code) in panel.unit_labels().iter().enumerate() {
        let Some(r) = panel.row_of(u, year) else {
            d.excluded.push(Excluded {
                code: code.clone(),
                missing: vec![format!("no {year} row")],
            });
            continue;
        };
        match cols.row(r) {
            Ok(row) => d.push(code, name_of(names, r, code), row),
            Err(missing) => d.excluded.push(Excluded {
                code: code.clone(),
                missing,
            }),
        }
    }
    d.check(year)?;
    Ok(d)
}

/// The year's totals over the municipalities with complete data.
struct Totals {
    population: f64,
    tenderable: f64,
    tendered: f64,
    netexp: f64,
    /// `Σ netexp / Σ population`, DKK per inhabitant.
    netexp_per_capita: f64,
    /// `Σ tendered / Σ tenderable × 100`, %.
    national_iku: f64,
}

impl Totals {
    fn of(d: &YearData) -> Totals {
        let population: f64 = d.pop.iter().sum();
        let tenderable: f64 = d.tenderable.iter().sum();
        let tendered: f64 = d.tendered.iter().sum();
        let netexp: f64 = d.netexp.iter().sum();
        Totals {
            population,
            tenderable,
            tendered,
            netexp,
            netexp_per_capita: definitions::netexp_per_capita(netexp, population),
            national_iku: definitions::national_iku(tendered, tenderable),
        }
    }
}

/// Best practice, gaps and the multipliers that turn an effect into savings, for one k.
struct Base {
    best_practice: f64,
    top: Vec<usize>,
    gaps: Vec<f64>,
    extra_tendered: f64,
    /// Savings per DKK of effect, by reading (the savings are linear in the effect).
    multiplier: Multipliers,
}

/// Best practice over the top `k` of `order` (a [`definitions::ranking`]) and what follows.
fn base(d: &YearData, order: &[usize], t: &Totals, k: usize) -> Base {
    let best_practice = definitions::best_practice_of(&d.iku, order, k);
    let gaps = definitions::gaps(&d.iku, best_practice);
    Base {
        best_practice,
        top: order[..k].to_vec(),
        extra_tendered: definitions::extra_tendering(&gaps, &d.tenderable),
        multiplier: Multipliers::new(
            &gaps,
            best_practice,
            t.national_iku,
            &d.pop,
            &d.netexp,
            t.netexp_per_capita,
        ),
        gaps,
    }
}

/// An effect with the standard error and df its interval uses, and a description of that basis.
struct Resolved {
    effect: Effect,
    se: Option<f64>,
    df: Option<f64>,
    basis: String,
    ci: Option<(f64, f64)>,
}

fn resolve(effect: &Effect, borrowed: Option<&Effect>) -> Resolved {
    let (se, df, basis) = match (effect.std_error, borrowed) {
        (Some(se), _) => (
            Some(se),
            effect.df,
            format!("own standard error (SE = {se}, {})", dist_label(effect.df)),
        ),
        (None, Some(b)) => (
            b.std_error,
            b.df,
            format!(
                "standard error of the re-estimated effect (SE = {}, {}) around the {} point; the {} effect's own standard error is not available",
                b.std_error.unwrap_or(f64::NAN),
                dist_label(b.df),
                effect.source.as_str(),
                effect.source.as_str()
            ),
        ),
        (None, None) => (None, None, "none: no standard error available".to_string()),
    };
    let mut ci = se.map(|se| {
        let q = critical_value(df);
        let e = effect.saving_dkk_per_capita_pp;
        (e - q * se, e + q * se)
    });
    let mut basis = basis;
    if let Some((lo, hi)) = effect.wcr_ci {
        ci = Some((lo, hi));
        basis = "wild cluster restricted bootstrap (WCR) interval of the re-estimated effect, by test inversion".to_string();
    }
    Resolved {
        effect: *effect,
        se,
        df,
        basis,
        ci,
    }
}

/// Every effect resolved; one without a standard error borrows the first estimated effect's.
fn resolve_all(effects: &[Effect]) -> Vec<Resolved> {
    let borrowed = effects
        .iter()
        .find(|e| e.source == EffectSource::Estimated && e.std_error.is_some());
    effects.iter().map(|e| resolve(e, borrowed)).collect()
}

fn dist_label(df: Option<f64>) -> String {
    match df {
        Some(df) => format!("t with df = {df}"),
        None => "normal".to_string(),
    }
}

/// Refuses an empty or invalid list of effects.
fn check_effects(effects: &[Effect]) -> Result<()> {
    if effects.is_empty() {
        return Err(Error::Usage(
            "at least one effect is needed to project savings".into(),
        ));
    }
    for e in effects {
        e.validate().map_err(Error::Usage)?;
    }
    Ok(())
}

/// Refuses a k outside `1..=n` (`n` municipalities with complete data in `year`).
fn check_k(k: usize, n: usize, year: i64) -> Result<()> {
    if k == 0 || k > n {
        return Err(Error::Usage(format!(
            "best practice over the top k = {k} needs 1 ≤ k ≤ {n} (municipalities with complete data in {year})"
        )));
    }
    Ok(())
}

/// The savings table: every reading × every effect, with intervals.
fn savings(main: &Base, resolved: &[Resolved]) -> Vec<Saving> {
    let mut savings = Vec::new();
    for approach in Approach::ALL {
        for r in resolved {
            let m = main.multiplier.of(approach);
            let (lo, hi) = match r.ci {
                Some((l, h)) => {
                    let (x, y) = (m * l, m * h);
                    (Some(x.min(y)), Some(x.max(y)))
                }
                None => (None, None),
            };
            savings.push(Saving {
                approach,
                effect_source: r.effect.source,
                effect_dkk_per_capita_pp: r.effect.saving_dkk_per_capita_pp,
                effect_std_error: r.se,
                effect_df: r.df,
                effect_ci_low: r.ci.map(|c| c.0),
                effect_ci_high: r.ci.map(|c| c.1),
                total_dkk: m * r.effect.saving_dkk_per_capita_pp,
                ci_low_dkk: lo,
                ci_high_dkk: hi,
                ci_basis: r.basis.clone(),
            });
        }
    }
    savings
}

/// The sensitivity table: every k of [`SENSITIVITY_K`] that fits × every effect level.
fn sensitivity(
    d: &YearData,
    order: &[usize],
    t: &Totals,
    resolved: &[Resolved],
) -> Vec<SensitivityRow> {
    let mut rows = Vec::new();
    for &kk in SENSITIVITY_K.iter().filter(|&&kk| kk <= d.codes.len()) {
        let b = base(d, order, t, kk);
        for r in resolved {
            let mut levels = vec![("point", r.effect.saving_dkk_per_capita_pp)];
            if let Some((l, h)) = r.ci {
                levels.push(("ci_low", l));
                levels.push(("ci_high", h));
            }
            for (level, e) in levels {
                rows.push(SensitivityRow {
                    k: kk,
                    best_practice_iku: b.best_practice,
                    extra_tendered_dkk: b.extra_tendered,
                    effect_source: r.effect.source,
                    effect_level: level,
                    effect_dkk_per_capita_pp: e,
                    national_dkk: e * b.multiplier.national,
                    municipal_absolute_dkk: e * b.multiplier.municipal_absolute,
                    municipal_relative_dkk: e * b.multiplier.municipal_relative,
                });
            }
        }
    }
    rows
}

/// One row per municipality (code order) with the headline effect `e`.
fn municipality_rows(
    d: &YearData,
    order: &[usize],
    main: &Base,
    t: &Totals,
    e: f64,
) -> Vec<MunicipalityRow> {
    let k = main.top.len();
    let mut rank = vec![0usize; d.codes.len()];
    for (pos, &i) in order.iter().enumerate() {
        rank[i] = pos + 1;
    }
    (0..d.codes.len())
        .map(|i| {
            let g = main.gaps[i];
            MunicipalityRow {
                code: d.codes[i].clone(),
                name: d.names[i].clone(),
                iku: d.iku[i],
                rank: rank[i],
                in_best_practice: rank[i] <= k,
                gap_pp: g,
                population: d.pop[i],
                tenderable_dkk: d.tenderable[i],
                tendered_dkk: d.tendered[i],
                netexp_dkk: d.netexp[i],
                extra_tendered_dkk: definitions::extra_tendered(g, d.tenderable[i]),
                savings_dkk: definitions::municipal_absolute_saving(e, g, d.pop[i]),
                savings_relative_dkk: definitions::municipal_relative_saving(
                    e,
                    t.netexp_per_capita,
                    g,
                    d.netexp[i],
                ),
            }
        })
        .collect()
}

/// Projects savings for `year` on a canonical panel with best practice over the top `k`.
///
/// `effects` are savings per inhabitant per pp (see [`Effect`]); the first published effect
/// (else the first effect) is the headline used in the per-municipality columns. An effect
/// without a standard error borrows the first estimated effect's SE and df for its interval
/// (labelled in `ci_basis`); with none available its interval is left empty.
pub fn project(panel: &Panel, year: i64, k: usize, effects: &[Effect]) -> Result<Projection> {
    check_effects(effects)?;
    let d = year_data(panel, year)?;
    check_k(k, d.codes.len(), year)?;
    let t = Totals::of(&d);
    let order = definitions::ranking(&d.iku, &d.codes);
    let main = base(&d, &order, &t, k);
    let resolved = resolve_all(effects);
    let headline = effects
        .iter()
        .find(|e| e.source == EffectSource::Published)
        .unwrap_or(&effects[0]);
    let e = headline.saving_dkk_per_capita_pp;
    Ok(Projection {
        synthetic: false,
        panel_sha256: None,
        year,
        n_municipalities: d.codes.len(),
        excluded: d.excluded.clone(),
        tenderable_approximated: d.approximated.clone(),
        total_population: t.population,
        total_tenderable_dkk: t.tenderable,
        total_tendered_dkk: t.tendered,
        total_netexp_dkk: t.netexp,
        netexp_per_capita_dkk: t.netexp_per_capita,
        national_iku: t.national_iku,
        best_practice_iku: main.best_practice,
        best_practice_k: k,
        best_practice_units: main.top.iter().map(|&i| d.codes[i].clone()).collect(),
        national_gap_pp: main.best_practice - t.national_iku,
        mean_gap_pp_population_weighted: main.multiplier.municipal_absolute / t.population,
        extra_tendered_dkk: main.extra_tendered,
        headline_effect_source: headline.source,
        headline_effect_dkk_per_capita_pp: e,
        savings: savings(&main, &resolved),
        sensitivity: sensitivity(&d, &order, &t, &resolved),
        municipalities: municipality_rows(&d, &order, &main, &t, e),
        published: di_2022(),
    })
}

/// The saving per unit of effect under each reading, for `year` and best practice over the
/// top `k`: every reading is linear in the effect, so a set of effects (a multiverse) is
/// projected by multiplying.
pub fn multipliers(panel: &Panel, year: i64, k: usize) -> Result<definitions::Multipliers> {
    let d = year_data(panel, year)?;
    check_k(k, d.codes.len(), year)?;
    let t = Totals::of(&d);
    let order = definitions::ranking(&d.iku, &d.codes);
    Ok(base(&d, &order, &t, k).multiplier)
}

/// National IKU on main account 6 per year: `Σ tendered / Σ tenderable × 100` over the
/// municipalities with both observed or approximated ([`tender_amounts`]; years without any
/// are left out).
pub fn national_iku_series(panel: &Panel) -> Result<Vec<(i64, f64)>> {
    let rows = tender_rows(panel)?;
    let mut out: Vec<(i64, f64, f64)> = Vec::new();
    for &t in panel.distinct_times() {
        out.push((t, 0.0, 0.0));
    }
    for (r, a) in rows.iter().enumerate() {
        if a.tenderable.is_finite() && a.tendered.is_finite() {
            let i = out
                .binary_search_by_key(&panel.times()[r], |x| x.0)
                .expect("every row's time is a distinct time");
            out[i].1 += a.tendered;
            out[i].2 += a.tenderable;
        }
    }
    Ok(out
        .into_iter()
        .filter(|x| x.2 > 0.0)
        .map(|(t, a, b)| (t, definitions::national_iku(a, b)))
        .collect())
}
