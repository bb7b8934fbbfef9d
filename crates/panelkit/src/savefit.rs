//! A fit saved to a file and read back: coefficients, the full covariance matrix, and each
//! observation's ids, response, fitted value and residual, so an estimate can be reused
//! (tested, combined, plotted) without refitting or rereading the data.
//!
//! ```
//! use panelkit::estimators::{estimate, EstimateOptions, Model};
//! use panelkit::inference::{Ssc, VcovKind, VcovSpec};
//! use panelkit::savefit::SavedFit;
//! # let csv = "id,t,y,x\n1,1,1.0,0.5\n1,2,2.5,1.5\n2,1,0.5,0.2\n2,2,2.0,1.1\n3,1,1.5,0.9\n3,2,3.5,2.4\n";
//! # let panel = panelkit::panel::io::read_csv_bytes(std::path::Path::new("p.csv"), csv.as_bytes(), "id", "t", |_| panelkit::panel::io::Kind::Auto).unwrap();
//! let f = panelkit::Formula::parse("y ~ x").unwrap();
//! let fit = estimate(&panel, &f, &EstimateOptions::new(Model::Pooled)).unwrap();
//! let v = fit.vcov(&VcovSpec::new(VcovKind::Hc1).with_ssc(Ssc::none())).unwrap();
//! let saved = SavedFit::of(&fit, &v);
//! let back = SavedFit::from_json(&saved.to_json().unwrap(), "fit.json").unwrap();
//! assert_eq!(back, saved);
//! ```

use crate::error::{Error, Result};
use crate::estimators::Fit;
use crate::inference::Vcov;
use std::path::Path;

/// The format version written in every saved fit; a reader refuses other versions.
pub const FORMAT: &str = "panelkit-fit/1";

/// One observation of a saved fit.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SavedRow {
    /// The unit's label.
    pub unit: String,
    /// The time (year or rank).
    pub time: i64,
    /// The response on the scale the model was estimated (demeaned for within models,
    /// differenced for fd, quasi-demeaned for random effects).
    pub response: f64,
    /// Fitted value on that scale: response − residual.
    pub fitted: f64,
    /// The residual.
    pub residual: f64,
}

/// A fit as saved: what it is, its coefficients and covariance, and its observations.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SavedFit {
    /// [`FORMAT`].
    pub format: String,
    /// The formula as given.
    pub formula: String,
    /// The estimator (`within`, `fd`, ...).
    pub model: String,
    /// Coefficient names, in order.
    pub terms: Vec<String>,
    /// Coefficients, in the order of `terms`.
    pub coefficients: Vec<f64>,
    /// The covariance kind (`cluster`, `hc1`, ...).
    pub vcov: String,
    /// The small-sample preset of the covariance.
    pub ssc: String,
    /// Degrees of freedom of t tests (None: normal).
    pub t_df: Option<f64>,
    /// Number of clusters, for clustered covariances.
    pub n_clusters: Option<usize>,
    /// The full covariance matrix, row by row, in the order of `terms`.
    pub vcov_matrix: Vec<Vec<f64>>,
    /// Observations used.
    pub nobs: usize,
    /// Residual degrees of freedom.
    pub df_resid: usize,
    /// Residual sum of squares (weighted) of the estimated model.
    pub rss: f64,
    /// Whether the fit was weighted.
    pub weighted: bool,
    /// One entry per observation, in the fit's order.
    pub rows: Vec<SavedRow>,
}

impl SavedFit {
    /// The saved form of `fit` with covariance `v`.
    pub fn of(fit: &Fit, v: &Vcov) -> SavedFit {
        let ids = fit.ids();
        let labels = ids.unit_labels();
        let rows = (0..fit.n())
            .map(|i| SavedRow {
                unit: labels[ids.unit()[i]].clone(),
                time: ids.time()[i],
                response: fit.y()[i],
                fitted: fit.y()[i] - fit.resid()[i],
                residual: fit.resid()[i],
            })
            .collect();
        SavedFit {
            format: FORMAT.to_string(),
            formula: fit.formula().to_string(),
            model: fit.model().name().to_string(),
            terms: fit.terms().to_vec(),
            coefficients: fit.coefficients().to_vec(),
            vcov: v.spec.kind().name().to_string(),
            ssc: v.spec.ssc().name().to_string(),
            t_df: v.df,
            n_clusters: v.n_clusters,
            vcov_matrix: v.matrix.rows().into_iter().map(|r| r.to_vec()).collect(),
            nobs: fit.n(),
            df_resid: fit.df_resid(),
            rss: fit.rss(),
            weighted: fit.sqrt_w().is_some(),
            rows,
        }
    }

    /// The JSON text (numbers as the shortest text that reads back to the same double).
    pub fn to_json(&self) -> Result<String> {
        let mut s = serde_json::to_string_pretty(self)
            .map_err(|e| Error::Data(format!("cannot render the saved fit: {e}")))?;
        s.push('\n');
        Ok(s)
    }

    /// Writes the fit to `path` atomically.
    pub fn write(&self, path: &Path) -> Result<()> {
        crate::io::write_atomic(path, self.to_json()?.as_bytes())
    }

    /// Reads a fit saved by [`SavedFit::write`]; `origin` names the source in errors.
    pub fn from_json(text: &str, origin: impl AsRef<Path>) -> Result<SavedFit> {
        let origin = origin.as_ref();
        let fit: SavedFit = serde_json::from_str(text).map_err(|e| {
            Error::input(
                origin,
                Some(e.line() as u64),
                None,
                format!("not a saved fit: {e}"),
            )
        })?;
        if fit.format != FORMAT {
            return Err(Error::input(
                origin,
                None,
                None,
                format!("saved fit format '{}', expected '{FORMAT}'", fit.format),
            ));
        }
        let k = fit.terms.len();
        if fit.coefficients.len() != k
            || fit.vcov_matrix.len() != k
            || fit.vcov_matrix.iter().any(|r| r.len() != k)
            || fit.rows.len() != fit.nobs
        {
            return Err(Error::input(
                origin,
                None,
                None,
                format!(
                    "saved fit is inconsistent: {k} terms, {} coefficients, a {}-row covariance, \
                     {} rows for {} observations",
                    fit.coefficients.len(),
                    fit.vcov_matrix.len(),
                    fit.rows.len(),
                    fit.nobs
                ),
            ));
        }
        Ok(fit)
    }

    /// Reads a saved fit from `path`.
    pub fn read(path: &Path) -> Result<SavedFit> {
        let bytes = crate::io::read(path)?;
        let text = std::str::from_utf8(&bytes)
            .map_err(|_| Error::input(path, None, None, "not valid UTF-8 text"))?;
        SavedFit::from_json(text, path)
    }

    /// The standard error of `term` (the root of its covariance diagonal).
    pub fn std_error(&self, term: &str) -> Option<f64> {
        let j = self.terms.iter().position(|t| t == term)?;
        Some(self.vcov_matrix[j][j].sqrt())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::estimators::{estimate, EstimateOptions, Model};
    use crate::inference::{Ssc, VcovKind, VcovSpec};

    #[test]
    fn a_saved_fit_reads_back_equal_and_matches_the_fit() {
        let p =
            crate::panel::io::read_csv(&crate::testdata::reference("grunfeld.csv"), "firm", "year")
                .unwrap();
        let f = crate::Formula::parse("inv ~ value + capital").unwrap();
        let fit = estimate(&p, &f, &EstimateOptions::new(Model::Within)).unwrap();
        let v = fit
            .vcov(&VcovSpec::new(VcovKind::Cluster).with_ssc(Ssc::fixest()))
            .unwrap();
        let saved = SavedFit::of(&fit, &v);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("fit.json");
        saved.write(&path).unwrap();
        let back = SavedFit::read(&path).unwrap();
        assert!(
            back == saved,
            "the fit read back differs from the fit written"
        );
        assert_eq!(back.rows.len(), 200);
        assert_eq!(back.rows[0].unit, "1");
        assert_eq!(back.rows[0].time, 1935);
        let se = v.matrix[[0, 0]].sqrt();
        assert_eq!(back.std_error("value"), Some(se));
        let e: f64 = back.rows.iter().map(|r| r.residual * r.residual).sum();
        assert!((e - fit.rss()).abs() < 1e-9 * fit.rss());
        // A truncated or foreign file is refused with the file's name.
        let text = std::fs::read_to_string(&path).unwrap();
        let err = SavedFit::from_json(&text[..text.len() / 2], "x.json").unwrap_err();
        assert!(err.to_string().starts_with("x.json"), "{err}");
        let foreign = text.replace(FORMAT, "other/9");
        let err = SavedFit::from_json(&foreign, "x.json").unwrap_err();
        assert!(
            err.to_string().contains("expected 'panelkit-fit/1'"),
            "{err}"
        );
    }
}
