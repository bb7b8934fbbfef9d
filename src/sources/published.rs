//! The study's published figures (`data/reference/published.toml`), typed and compiled in,
//! so every later stage can report its numbers next to the targets it reproduces.

use panelkit::error::{Error, Result};
use serde::Deserialize;
use std::collections::BTreeMap;

const PUBLISHED_TOML: &str = include_str!("../../data/reference/published.toml");

/// One published figure: its value with unit, the year it refers to and where it comes from.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Figure {
    /// The published value, in `unit`.
    pub value: f64,
    /// Unit as published (e.g. `%`, `pp`, `DKK`).
    pub unit: String,
    /// The year the figure refers to, where it has one.
    #[serde(default)]
    pub year: Option<i64>,
    /// Which way spending moves when IKU rises (`saving`), for effect figures.
    #[serde(default)]
    pub direction: Option<String>,
    /// What the figure measures.
    pub description: String,
    /// Publication, page or section.
    pub source: String,
}

/// All published figures, keyed by a stable snake-case name.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Published {
    pub figures: BTreeMap<String, Figure>,
}

impl Published {
    /// The figure with this key, if published.
    pub fn get(&self, key: &str) -> Option<&Figure> {
        self.figures.get(key)
    }

    /// The value of the figure with this key; an error naming the known keys otherwise.
    pub fn value(&self, key: &str) -> Result<f64> {
        self.get(key).map(|f| f.value).ok_or_else(|| {
            Error::Usage(format!(
                "no published figure '{key}'; known: {}",
                self.figures.keys().cloned().collect::<Vec<_>>().join(", ")
            ))
        })
    }

    /// Keys in sorted order.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.figures.keys().map(String::as_str)
    }
}

/// Parses published-figure TOML; `origin` names the text in errors.
pub fn parse(origin: &str, text: &str) -> Result<Published> {
    toml::from_str(text).map_err(|e| {
        let line = e
            .span()
            .map(|s| text[..s.start].matches('\n').count() as u64 + 1);
        Error::input(origin, line, None, e.message().to_string())
    })
}

/// The published figures shipped with iku.
pub fn published() -> Published {
    parse("data/reference/published.toml", PUBLISHED_TOML)
        .expect("shipped published.toml is valid (checked by tests)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headline_values_are_the_published_ones() {
        let p = published();
        assert_eq!(p.value("national_iku_hk6_2020").unwrap(), 21.5);
        assert_eq!(p.value("best_practice_iku_hk6_2020").unwrap(), 27.5);
        assert_eq!(p.value("best_practice_k").unwrap(), 10.0);
        assert_eq!(p.value("extra_tendered_dkk").unwrap(), 2.7e9);
        assert_eq!(p.value("effect_dkk_per_capita_pp").unwrap(), 12.5);
        assert_eq!(p.value("savings_dkk").unwrap(), 550e6);
        assert_eq!(p.value("national_iku_change_2017_2018_pp").unwrap(), -1.7);
        assert_eq!(
            p.value("kl_national_iku_change_2017_2018_pp").unwrap(),
            -1.6
        );
        assert_eq!(p.value("hk_effect_dkk_per_capita_pp").unwrap(), 12.0);
        assert_eq!(
            p.value("hk_effect_share_of_admin_spending_pct").unwrap(),
            0.2
        );
        assert_eq!(p.value("hk_total_saving_dkk").unwrap(), 700e6);
        assert_eq!(p.value("road_coef_pooled").unwrap(), -0.37);
        assert_eq!(p.value("road_coef_fe").unwrap(), -0.25);
        assert_eq!(p.value("road_n_obs").unwrap(), 524.0);
        let f = p.get("effect_dkk_per_capita_pp").unwrap();
        assert_eq!(f.direction.as_deref(), Some("saving"));
        assert!(f.source.contains("VIVE 2020"));
        assert_eq!(p.get("national_iku_hk6_2020").unwrap().year, Some(2020));
    }

    #[test]
    fn national_all_accounts_series_is_complete() {
        let p = published();
        let series: Vec<(i64, f64)> = p
            .figures
            .iter()
            .filter(|(k, _)| k.starts_with("national_iku_all_"))
            .map(|(_, f)| (f.year.unwrap(), f.value))
            .collect();
        assert_eq!(
            series,
            vec![
                (2009, 25.0),
                (2015, 26.5),
                (2016, 26.9),
                (2017, 27.1),
                (2018, 26.9),
                (2019, 26.5),
                (2020, 26.3),
                (2022, 27.5)
            ]
        );
    }

    #[test]
    fn population_entry_matches_the_reference_data() {
        let total: f64 = crate::sources::reference::population()
            .iter()
            .filter(|((_, y), _)| *y == 2020)
            .map(|(_, v)| v)
            .sum();
        assert_eq!(published().value("population_2020").unwrap(), total);
    }

    #[test]
    fn unknown_key_and_bad_toml_are_clear_errors() {
        let e = published().value("nope").unwrap_err().to_string();
        assert!(e.contains("no published figure 'nope'") && e.contains("savings_dkk"));
        let e = parse("x.toml", "[figures.a]\nvalue = \"high\"\n")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("x.toml:2"), "{e}");
    }
}
