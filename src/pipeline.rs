//! The whole job behind `make reproduce`: data → estimates → projection → figures → report.
//!
//! Each stage prints one progress line. Every output is rendered in memory first and all of
//! them are written at the end through temporary files, so a failing stage leaves no
//! half-written report.

use crate::canonical;
use crate::projection::{self, Effect};
use crate::report::figures;
use crate::report::markdown::{self, ReportInputs, Target, Truth};
use crate::spec::run::Provenance;
use crate::spec::SpecFile;
use panelkit::error::{Error, Result};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// What to run.
#[derive(Debug, Clone)]
pub struct Options {
    pub panel: PathBuf,
    pub spec: PathBuf,
    pub out_dir: PathBuf,
    pub year: i64,
    pub k: usize,
    /// Print progress lines to stderr.
    pub progress: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            panel: PathBuf::from("data/synthetic/panel.csv"),
            spec: PathBuf::from("specs/vive.toml"),
            out_dir: PathBuf::from("reports"),
            year: 2020,
            k: 10,
            progress: true,
        }
    }
}

/// What the run wrote.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub files: Vec<PathBuf>,
    pub synthetic: bool,
    pub best_estimate: f64,
    pub truth_inside_ci: Option<bool>,
}

struct Stages {
    progress: bool,
    start: Instant,
    done: Vec<(String, f64)>,
}

impl Stages {
    fn begin(&mut self, name: &str) {
        if self.progress {
            panelkit::io::eprintln(&format!("[{}/5] {name} ...", self.done.len() + 1));
        }
        self.start = Instant::now();
    }
    fn end(&mut self, name: &str, detail: &str) {
        let secs = self.start.elapsed().as_secs_f64();
        if self.progress {
            panelkit::io::eprintln(&format!(
                "[{}/5] {name}: {detail} ({secs:.2} s)",
                self.done.len() + 1
            ));
        }
        self.done.push((name.to_string(), secs));
    }
}

/// The caption of a figure file stem.
fn caption(stem: &str, year: i64) -> String {
    match stem {
        "fig1_iku_by_municipality" => format!("IKU on main account 6 by municipality, {year}"),
        "fig2_national_iku" => "National IKU on main account 6 over time".into(),
        "fig3_tendered_bn_dkk" => "Tendered tasks, actual and extra at best practice".into(),
        "fig4_effects" => "Published and re-estimated effect".into(),
        "fig5_savings_by_municipality" => {
            format!("Savings at best practice by municipality, {year}")
        }
        "fig6_spec_effects" => "IKU effect by specification".into(),
        other => other.to_string(),
    }
}

fn rel(base: &Path, p: &Path) -> String {
    p.strip_prefix(base)
        .unwrap_or(p)
        .to_string_lossy()
        .replace('\\', "/")
}

/// The facts about a panel file every stage reports: the file, its sha256, and whether it
/// is SYNTHETIC. Computed once per run.
#[derive(Debug, Clone)]
pub struct PanelFile {
    pub path: PathBuf,
    pub sha256: String,
    pub synthetic: bool,
}

impl PanelFile {
    /// Hashes the file and looks for its synthetic manifest or column.
    pub fn describe(path: &Path) -> Result<PanelFile> {
        Ok(PanelFile {
            path: path.to_path_buf(),
            sha256: panelkit::io::sha256_file(path)?,
            synthetic: crate::simulate::is_synthetic(path),
        })
    }
}

/// Runs a spec set on a loaded panel and assembles the estimate table with its provenance
/// (sha256 of data and spec, SYNTHETIC when the panel is).
pub fn estimate_specs(
    file: &PanelFile,
    panel: &crate::Panel,
    spec_path: &Path,
) -> Result<crate::report::estimates::EstimateTable> {
    let specs = SpecFile::load(spec_path)?;
    let runs = specs.run(spec_path, panel)?;
    let prov = Provenance {
        data_file: file.path.display().to_string(),
        data_sha256: file.sha256.clone(),
        spec_file: spec_path.display().to_string(),
        spec_sha256: panelkit::io::sha256_file(spec_path)?,
        synthetic: file.synthetic,
    };
    Ok(specs.table(&runs, &prov))
}

/// `estimates.{csv,json,md,tex}` in `dir`, rendered but not written.
pub fn estimate_files(
    table: &crate::report::estimates::EstimateTable,
    dir: &Path,
) -> Vec<(PathBuf, Vec<u8>)> {
    vec![
        (dir.join("estimates.csv"), table.to_csv()),
        (dir.join("estimates.json"), table.to_json()),
        (dir.join("estimates.md"), table.to_markdown().into_bytes()),
        (dir.join("estimates.tex"), table.to_tex().into_bytes()),
    ]
}

/// Runs the pipeline and writes every output under `opts.out_dir`.
pub fn run(opts: &Options, command: &str) -> Result<Outcome> {
    let mut st = Stages {
        progress: opts.progress,
        start: Instant::now(),
        done: Vec::new(),
    };
    let mut files: Vec<(PathBuf, Vec<u8>)> = Vec::new();

    st.begin("data");
    let panel = canonical::load(&opts.panel)?;
    let file = PanelFile::describe(&opts.panel)?;
    let panel_sha = file.sha256.clone();
    let synthetic = file.synthetic;
    let truth = if synthetic {
        crate::simulate::truth_of(&opts.panel)?
            .map(|(effect, structure)| Truth { effect, structure })
    } else {
        None
    };
    let summary = panel.summary();
    st.end(
        "data",
        &format!(
            "{} ({} rows, {} municipalities{})",
            opts.panel.display(),
            summary.n_rows,
            summary.n_units,
            if synthetic { ", SYNTHETIC" } else { "" }
        ),
    );

    st.begin("estimates");
    let table = estimate_specs(&file, &panel, &opts.spec)?;
    files.extend(estimate_files(&table, &opts.out_dir));
    let b = &table.best_estimate;
    st.end(
        "estimates",
        &format!(
            "{} specs; best estimate {} = {:.3} DKK/inh./pp [{:.3}, {:.3}]",
            table.columns.len(),
            b.spec,
            b.estimate,
            b.conf_low,
            b.conf_high
        ),
    );

    st.begin("projection");
    let effects = [
        Effect::published(),
        Effect::from_coefficient(b.estimate, Some(b.std_error), b.df),
    ];
    let mut proj = projection::project(&panel, opts.year, opts.k, &effects)?;
    proj.synthetic = synthetic;
    proj.panel_sha256 = Some(panel_sha.clone());
    files.push((opts.out_dir.join("projection.json"), proj.to_json()?));
    files.push((opts.out_dir.join("projection.csv"), proj.to_csv()?));
    files.push((
        opts.out_dir.join("projection.md"),
        proj.to_markdown().into_bytes(),
    ));
    st.end(
        "projection",
        &format!(
            "{}: national IKU {:.2} %, best practice {:.2} %, extra tendering {:.2} bn DKK",
            opts.year,
            proj.national_iku,
            proj.best_practice_iku,
            proj.extra_tendered_dkk / 1e9
        ),
    );

    st.begin("figures");
    let fig_dir = opts.out_dir.join("figures");
    let coef: Vec<(String, f64, f64, f64)> = table
        .columns
        .iter()
        .map(|c| {
            (
                c.label.clone(),
                c.effect.estimate,
                c.effect.conf_low,
                c.effect.conf_high,
            )
        })
        .collect();
    let (ref_value, ref_label) = match &truth {
        Some(t) => (t.effect, format!("true effect {}", t.effect)),
        None => (
            -projection::published_saving_dkk_per_capita_pp(),
            "published −12.5".to_string(),
        ),
    };
    let mut figs = figures::render_all_bytes(&proj, &panel, &fig_dir, synthetic)?;
    figs.extend(figures::coefficient_plot(
        &coef,
        Some((ref_value, &ref_label)),
        "IKU effect on spending by specification (95 % CI)",
        figures::EFFECT_X_DESC,
        &fig_dir,
        "fig6_spec_effects",
        synthetic,
    )?);
    let mut captions = Vec::new();
    for (path, bytes) in figs {
        if path.extension().is_some_and(|e| e == "png") {
            let stem = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            captions.push((caption(&stem, opts.year), rel(&opts.out_dir, &path)));
        }
        files.push((path, bytes));
    }
    st.end(
        "figures",
        &format!("{} files in {}", captions.len() * 2, fig_dir.display()),
    );

    st.begin("report");
    let published = crate::sources::published::published();
    let targets = vec![
        Target {
            label: "national IKU on main account 6".into(),
            published: published.value("national_iku_hk6_2020")?,
            unit: "%".into(),
            source: "DI (2022)".into(),
        },
        Target {
            label: format!("best practice (mean of top {})", opts.k),
            published: published.value("best_practice_iku_hk6_2020")?,
            unit: "%".into(),
            source: "DI (2022)".into(),
        },
        Target {
            label: "extra tendering at best practice".into(),
            published: published.value("extra_tendered_dkk")?,
            unit: "DKK".into(),
            source: "DI (2022)".into(),
        },
        Target {
            label: "saving per inhabitant per pp (best estimate)".into(),
            published: published.value("effect_dkk_per_capita_pp")?,
            unit: "DKK/inh./pp".into(),
            source: "VIVE (2020) via DI (2022)".into(),
        },
        Target {
            label: "total saving at best practice".into(),
            published: published.value("savings_dkk")?,
            unit: "DKK".into(),
            source: "DI (2022)".into(),
        },
    ];
    let inside = truth
        .as_ref()
        .map(|t| t.effect >= b.conf_low && t.effect <= b.conf_high);
    let md = markdown::render(&ReportInputs {
        command: command.to_string(),
        version: env!("CARGO_PKG_VERSION").to_string(),
        panel_file: opts.panel.display().to_string(),
        panel_sha256: panel_sha,
        synthetic,
        summary,
        truth: truth.clone(),
        table: &table,
        projection: &proj,
        targets,
        figures: captions,
    });
    files.push((opts.out_dir.join("REPORT.md"), md.into_bytes()));
    panelkit::outset::write_set(&opts.out_dir, &files)?;
    st.end(
        "report",
        &format!(
            "{} files written under {}",
            files.len(),
            opts.out_dir.display()
        ),
    );
    if files.is_empty() {
        return Err(Error::Data("nothing to write".into()));
    }
    Ok(Outcome {
        files: files.into_iter().map(|(p, _)| p).collect(),
        synthetic,
        best_estimate: b.estimate,
        truth_inside_ci: inside,
    })
}
