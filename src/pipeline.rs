//! The whole job behind `make reproduce`: data → estimates → projection → figures → report.
//!
//! Each stage prints one progress line. Every output is rendered in memory first and all of
//! them are written at the end through temporary files, so a failing stage leaves no
//! half-written report.

use crate::canonical;
use crate::projection::{self, Approach, Effect, EffectSource, Projection};
use crate::report::estimates::SpecEstimates;
use crate::report::figures;
use crate::report::markdown::{self, ReportInputs, Target, Truth};
use crate::report::multiverse::MultiverseReport;
use crate::spec::multiverse::MultiverseFile;
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
    /// A multiverse file to run after the spec set (its curve and savings go into REPORT.md).
    pub multiverse: Option<PathBuf>,
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
            multiverse: Some(PathBuf::from("specs/multiverse.toml")),
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

/// The progress clock: one line when a stage begins and one when it ends.
struct Stages {
    progress: bool,
    total: usize,
    start: Instant,
    done: Vec<(String, f64)>,
}

/// What a stage returns: its result and the detail of its progress line.
type Staged<T> = Result<(T, String)>;

impl Stages {
    fn new(progress: bool, total: usize) -> Stages {
        Stages {
            progress,
            total,
            start: Instant::now(),
            done: Vec::new(),
        }
    }

    /// Runs one stage between its two progress lines.
    fn run<T>(&mut self, name: &str, stage: impl FnOnce() -> Staged<T>) -> Result<T> {
        self.begin(name);
        let (out, detail) = stage()?;
        self.end(name, &detail);
        Ok(out)
    }

    fn begin(&mut self, name: &str) {
        if self.progress {
            panelkit::io::eprintln(&format!(
                "[{}/{}] {name} ...",
                self.done.len() + 1,
                self.total
            ));
        }
        self.start = Instant::now();
    }
    fn end(&mut self, name: &str, detail: &str) {
        let secs = self.start.elapsed().as_secs_f64();
        if self.progress {
            panelkit::io::eprintln(&format!(
                "[{}/{}] {name}: {detail} ({secs:.2} s)",
                self.done.len() + 1,
                self.total
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
) -> Result<SpecEstimates> {
    let specs = SpecFile::load(spec_path)?;
    let results = crate::spec::run_spec_set(panel, &specs)?;
    let prov = Provenance {
        data_file: file.path.display().to_string(),
        data_sha256: file.sha256.clone(),
        spec_file: spec_path.display().to_string(),
        spec_sha256: panelkit::io::sha256_file(spec_path)?,
        synthetic: file.synthetic,
    };
    let mut table = specs.table(&results.runs, &prov);
    table.notes = results.notes;
    Ok(table)
}

/// Runs a multiverse file on a loaded panel (projection `year` and top `k`, else the file's)
/// with its provenance (sha256 of data and multiverse file, SYNTHETIC when the panel is).
pub fn estimate_multiverse(
    file: &PanelFile,
    panel: &crate::Panel,
    path: &Path,
    projection: Option<(i64, usize)>,
) -> Result<MultiverseReport> {
    let m = MultiverseFile::load(path)?;
    let (year, k) = projection.unwrap_or((m.multiverse.year, m.multiverse.k));
    let results = crate::multiverse::run(panel, &m, year, k)?;
    Ok(MultiverseReport {
        synthetic: file.synthetic,
        data_file: file.path.display().to_string(),
        data_sha256: file.sha256.clone(),
        multiverse_file: path.display().to_string(),
        multiverse_sha256: panelkit::io::sha256_file(path)?,
        results,
    })
}

/// `estimates.{csv,json,md,tex}` and `estimates_long.csv` in `dir`, rendered but not written.
pub fn estimate_files(table: &SpecEstimates, dir: &Path) -> Files {
    vec![
        (dir.join("estimates.csv"), table.to_csv()),
        (dir.join("estimates_long.csv"), table.to_long_csv()),
        (dir.join("estimates.json"), table.to_json()),
        (dir.join("estimates.md"), table.to_markdown().into_bytes()),
        (dir.join("estimates.tex"), table.to_tex().into_bytes()),
    ]
}

/// The rendered outputs, (path, bytes), in the order they are written.
type Files = Vec<(PathBuf, Vec<u8>)>;

/// The panel and the facts about it that every later stage reports.
struct Loaded {
    panel: crate::Panel,
    file: PanelFile,
    truth: Option<Truth>,
    summary: panelkit::panel::PanelSummary,
}

/// Stage 1: the canonical panel, its hash and SYNTHETIC mark, and (when synthetic) its truth.
fn load(opts: &Options) -> Staged<Loaded> {
    let panel = canonical::load(&opts.panel)?;
    let file = PanelFile::describe(&opts.panel)?;
    let truth = if file.synthetic {
        crate::simulate::truth_of(&opts.panel)?
            .map(|(effect, structure)| Truth { effect, structure })
    } else {
        None
    };
    let summary = panel.summary();
    let detail = format!(
        "{} ({} rows, {} municipalities{})",
        opts.panel.display(),
        summary.n_rows,
        summary.n_units,
        if file.synthetic { ", SYNTHETIC" } else { "" }
    );
    Ok((
        Loaded {
            panel,
            file,
            truth,
            summary,
        },
        detail,
    ))
}

/// Stage 2: the spec set on the panel, and `estimates.{csv,json,md,tex}`.
fn estimate(opts: &Options, data: &Loaded, files: &mut Files) -> Staged<SpecEstimates> {
    let table = estimate_specs(&data.file, &data.panel, &opts.spec)?;
    for n in &table.notes {
        panelkit::io::eprintln(&format!("note: {n}"));
    }
    files.extend(estimate_files(&table, &opts.out_dir));
    let b = &table.best_estimate;
    let detail = format!(
        "{} specs; best estimate {} = {:.3} DKK/inh./pp [{:.3}, {:.3}]",
        table.columns.len(),
        b.spec,
        b.estimate,
        b.conf_low,
        b.conf_high
    );
    Ok((table, detail))
}

/// Stage 3: the savings projection with the published and the best estimated effect, and
/// `projection.{json,csv,md}`.
fn project(
    opts: &Options,
    data: &Loaded,
    table: &SpecEstimates,
    files: &mut Files,
) -> Staged<Projection> {
    let b = &table.best_estimate;
    let effects = [
        Effect::published(),
        Effect::from_coefficient(b.estimate, Some(b.std_error), b.df)
            .with_wcr_interval(b.wcr_conf_low, b.wcr_conf_high),
    ];
    let mut proj = projection::project(&data.panel, opts.year, opts.k, &effects)?;
    proj.synthetic = data.file.synthetic;
    proj.panel_sha256 = Some(data.file.sha256.clone());
    for e in &proj.excluded {
        panelkit::io::eprintln(&format!(
            "note: municipality {} is left out of the {} projection ({})",
            e.code,
            opts.year,
            e.missing.join(", ")
        ));
    }
    files.push((opts.out_dir.join("projection.json"), proj.to_json()?));
    files.push((opts.out_dir.join("projection.csv"), proj.to_csv()?));
    files.push((
        opts.out_dir.join("projection.md"),
        proj.to_markdown().into_bytes(),
    ));
    let detail = format!(
        "{}: national IKU {:.2} %, best practice {:.2} %, extra tendering {:.2} bn DKK",
        opts.year,
        proj.national_iku,
        proj.best_practice_iku,
        proj.extra_tendered_dkk / 1e9
    );
    Ok((proj, detail))
}

/// Stage 4: the five projection figures and the spec coefficient plot (PNG and SVG each);
/// returns the captions of the PNGs with their paths relative to the report.
fn figures(
    opts: &Options,
    data: &Loaded,
    table: &SpecEstimates,
    proj: &Projection,
    files: &mut Files,
) -> Staged<Vec<(String, String)>> {
    let fig_dir = opts.out_dir.join("figures");
    let synthetic = data.file.synthetic;
    let (ref_value, ref_label) = match &data.truth {
        Some(t) => (t.effect, format!("true effect {}", t.effect)),
        None => figures::published_reference(),
    };
    let mut figs = figures::render_all_bytes(proj, &data.panel, &fig_dir, synthetic)?;
    figs.extend(figures::spec_effects(
        table,
        (ref_value, &ref_label),
        &fig_dir,
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
    let detail = format!("{} files in {}", captions.len() * 2, fig_dir.display());
    Ok((captions, detail))
}

/// Stage 4b: the multiverse, `multiverse.{csv,json,md}` and its two figures; returns its
/// REPORT.md section.
fn multiverse(opts: &Options, path: &Path, data: &Loaded, files: &mut Files) -> Staged<String> {
    let report = estimate_multiverse(&data.file, &data.panel, path, Some((opts.year, opts.k)))?;
    files.extend(report.files(&opts.out_dir)?);
    let s = &report.results.summary;
    let detail = format!(
        "{} specs; median effect {:.3}, {:.0} % negative, {:.0} % significant",
        s.n_specs,
        s.median_effect,
        100.0 * s.share_negative,
        100.0 * s.share_significant
    );
    let fig = |stem: &str, caption: &str| format!("![{caption}](figures/{stem}.png)\n\n");
    let truth = match &data.truth {
        Some(t) => format!(
            "On this SYNTHETIC panel the true effect is {} DKK per inhabitant per pp ({}): \
             specifications with another timing estimate something else by construction.\n\n",
            t.effect, t.structure
        ),
        None => String::new(),
    };
    let section = format!(
        "## Multiverse (`reports/multiverse.{{csv,json,md}}`)\n\n{truth}{}{}{}",
        report.summary_markdown(3),
        fig(crate::report::multiverse::CURVE_STEM, "Specification curve"),
        fig(
            crate::report::multiverse::SAVINGS_STEM,
            "Savings across the multiverse"
        ),
    );
    Ok((section, detail))
}

/// The published figures REPORT.md sets beside this run's, from `published.toml`, each with
/// this run's value (`national_change`: this run's national IKU change 2017→2018, when the
/// panel has both years). `calibrated` marks the figures the synthetic panel is calibrated to.
fn report_targets(
    k: usize,
    proj: &Projection,
    best_saving: f64,
    national_change: Option<f64>,
) -> Result<Vec<Target>> {
    let published = crate::sources::published::published();
    let target = |label: String,
                  key: &str,
                  this_run: f64,
                  unit: &str,
                  source: &str,
                  calibrated: bool|
     -> Result<Target> {
        Ok(Target {
            label,
            published: published.value(key)?,
            this_run,
            unit: unit.into(),
            source: source.into(),
            calibrated,
            uses_amounts: matches!(
                key,
                "national_iku_hk6_2020" | "national_iku_change_2017_2018_pp" | "extra_tendered_dkk"
            ),
        })
    };
    let saving = |a: Approach| {
        proj.savings
            .iter()
            .find(|x| x.approach == a && x.effect_source == EffectSource::Published)
            .map(|x| x.total_dkk)
            .unwrap_or(f64::NAN)
    };
    Ok(vec![
        target(
            "national IKU on main account 6".into(),
            "national_iku_hk6_2020",
            proj.national_iku,
            "%",
            "DI (2022)",
            true,
        )?,
        target(
            "change in national IKU, 2017→2018".into(),
            "national_iku_change_2017_2018_pp",
            national_change.unwrap_or(f64::NAN),
            "pp",
            "DI (2022); KL: −1.6 pp",
            true,
        )?,
        target(
            format!("best practice (mean of top {k})"),
            "best_practice_iku_hk6_2020",
            proj.best_practice_iku,
            "%",
            "DI (2022)",
            true,
        )?,
        target(
            "extra tendering at best practice".into(),
            "extra_tendered_dkk",
            proj.extra_tendered_dkk,
            "DKK",
            "DI (2022)",
            true,
        )?,
        target(
            "saving per inhabitant per pp (best estimate)".into(),
            "effect_dkk_per_capita_pp",
            best_saving,
            "DKK/inh./pp",
            "VIVE (2020) via DI (2022)",
            false,
        )?,
        target(
            "total saving at best practice (municipal-absolute, published effect)".into(),
            "savings_dkk",
            saving(Approach::MunicipalAbsolute),
            "DKK",
            "DI (2022)",
            true,
        )?,
        target(
            "total saving, HK's figure (reading not stated) beside municipal-relative, the \
             share-of-spending reading (published effect)"
                .into(),
            "hk_total_saving_dkk",
            saving(Approach::MunicipalRelative),
            "DKK",
            "HK (2021), 12 DKK/inh./pp ≈ 0.2 % of administrative spending",
            false,
        )?,
    ])
}

/// This run's change in national IKU from 2017 to 2018, when the series has both years.
fn national_change_2017_2018(panel: &crate::Panel) -> Result<Option<f64>> {
    let series = projection::national_iku_series(panel)?;
    let at = |y: i64| series.iter().find(|x| x.0 == y).map(|x| x.1);
    Ok(at(2017).zip(at(2018)).map(|(a, b)| b - a))
}

/// Stage 5a: REPORT.md, rendered from everything before it.
fn report(
    opts: &Options,
    command: &str,
    data: &Loaded,
    table: &SpecEstimates,
    proj: &Projection,
    captions: Vec<(String, String)>,
    multiverse: Option<String>,
) -> Result<(PathBuf, Vec<u8>)> {
    let md = markdown::render(&ReportInputs {
        command: command.to_string(),
        version: env!("CARGO_PKG_VERSION").to_string(),
        panel_file: opts.panel.display().to_string(),
        panel_sha256: data.file.sha256.clone(),
        synthetic: data.file.synthetic,
        summary: data.summary.clone(),
        truth: data.truth.clone(),
        table,
        projection: proj,
        targets: report_targets(
            opts.k,
            proj,
            projection::saving_of_coefficient(table.best_estimate.estimate),
            national_change_2017_2018(&data.panel)?,
        )?,
        figures: captions,
        multiverse,
    });
    Ok((opts.out_dir.join("REPORT.md"), md.into_bytes()))
}

/// Stage 5b: every output as one all-or-nothing set (see `panelkit::outset`).
fn write(files: &Files, out_dir: &Path) -> Result<String> {
    if files.is_empty() {
        return Err(Error::Data("nothing to write".into()));
    }
    panelkit::outset::write_set(out_dir, files)?;
    Ok(format!(
        "{} files written under {}",
        files.len(),
        out_dir.display()
    ))
}

/// Runs the pipeline and writes every output under `opts.out_dir`: load → estimate →
/// project → figures → report → write, one progress line pair per stage.
pub fn run(opts: &Options, command: &str) -> Result<Outcome> {
    let mut st = Stages::new(opts.progress, 5 + usize::from(opts.multiverse.is_some()));
    let mut files = Files::new();
    let data = st.run("data", || load(opts))?;
    let table = st.run("estimates", || estimate(opts, &data, &mut files))?;
    let proj = st.run("projection", || project(opts, &data, &table, &mut files))?;
    let captions = st.run("figures", || {
        figures(opts, &data, &table, &proj, &mut files)
    })?;
    let section = match &opts.multiverse {
        Some(path) => Some(st.run("multiverse", || multiverse(opts, path, &data, &mut files))?),
        None => None,
    };
    st.run("report", || {
        files.push(report(
            opts, command, &data, &table, &proj, captions, section,
        )?);
        Ok(((), write(&files, &opts.out_dir)?))
    })?;
    let b = &table.best_estimate;
    Ok(Outcome {
        files: files.into_iter().map(|(p, _)| p).collect(),
        synthetic: data.file.synthetic,
        best_estimate: b.estimate,
        truth_inside_ci: data
            .truth
            .as_ref()
            .map(|t| t.effect >= b.conf_low && t.effect <= b.conf_high),
    })
}
