//! Wild cluster bootstrap (restricted WCR and unrestricted WCU) for one linear hypothesis
//! R β = r, on the fit's transformed (fixed-effect-projected, √w-scaled) design, as boottest
//! and fwildclusterboot do for absorbed effects.
//!
//! The fast algorithm of Roodman, MacKinnon, Nielsen & Webb (2019): one pass over the data
//! gives per-cluster cross products ([`ClusterSums`]); every bootstrap draw then costs O(G·k).
//! With a = B R (B = (X'X)⁻¹), s_g = X_g'ũ_g and w_g = X_g'X_g a, a draw v gives
//! numerator a'Σ_g s_g v_g and cluster scores S_h = (a's_h) v_h − w_h'B Σ_g s_g v_g, so
//! t* = a'Σ s_g v_g / √(c Σ_h S_h²), c = G/(G − 1)·(n − 1)/(n − K). Under WCR the restricted
//! residuals are affine in r (ũ(r) = û + X a d, d = (Rβ̂ − r)/R'BR), so every draw's statistic
//! is a ratio of an affine and the root of a quadratic in d: the confidence interval is found
//! by inverting the test over r without touching the data again.
//!
//! p-values count ties as exceeding (the draw v = 1 reproduces the sample, so its statistic
//! is computed by the same arithmetic as the observed one and ties exactly): two-sided
//! symmetric P(|t*| ≥ |t|), equal-tailed 2·min(P(t* ≥ t), P(t* ≤ t)), one-sided P(t* ≥ t)
//! (H₁: Rβ > r) or P(t* ≤ t). With Rademacher
//! weights and 2^G ≤ B every sign vector is used once (full enumeration, no randomness).
//! Draws come from ChaCha20 seeded with the given seed; the normal weights use the polar
//! method with a logarithm computed by arithmetic only, so draws are identical on every
//! platform.

use super::clusters::{ClusterBy, ClusterSums};
use super::hypothesis::LinearHypothesis;
use crate::error::{Error, Result};
use crate::estimators::Fit;
use ndarray::Array1;
use rand::{Rng, RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;

/// Whether the null hypothesis is imposed on the bootstrap data-generating process.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BootKind {
    /// Restricted (null imposed): the recommended wild cluster restricted bootstrap.
    Wcr,
    /// Unrestricted: residuals of the unrestricted fit.
    Wcu,
}

impl BootKind {
    /// The command-line / JSON name.
    pub fn name(self) -> &'static str {
        match self {
            BootKind::Wcr => "wcr",
            BootKind::Wcu => "wcu",
        }
    }

    /// Parses `wcr` or `wcu`.
    pub fn parse(s: &str) -> Result<BootKind> {
        match s {
            "wcr" => Ok(BootKind::Wcr),
            "wcu" => Ok(BootKind::Wcu),
            _ => Err(Error::Usage(format!(
                "unknown bootstrap type '{s}': expected wcr or wcu"
            ))),
        }
    }
}

/// The distribution of the cluster weights v_g.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BootWeights {
    /// ±1 with probability ½ each.
    Rademacher,
    /// Six points ±√(1/2), ±1, ±√(3/2), probability ⅙ each (Webb 2023), for few clusters.
    Webb,
    /// Two points −(√5 − 1)/2 and (√5 + 1)/2 (Mammen 1993): mean 0, variance 1, skewness 1.
    Mammen,
    /// Standard normal.
    Normal,
}

impl BootWeights {
    /// The command-line / JSON name.
    pub fn name(self) -> &'static str {
        match self {
            BootWeights::Rademacher => "rademacher",
            BootWeights::Webb => "webb",
            BootWeights::Mammen => "mammen",
            BootWeights::Normal => "normal",
        }
    }

    /// Parses a weight distribution name.
    pub fn parse(s: &str) -> Result<BootWeights> {
        match s {
            "rademacher" => Ok(BootWeights::Rademacher),
            "webb" => Ok(BootWeights::Webb),
            "mammen" => Ok(BootWeights::Mammen),
            "normal" => Ok(BootWeights::Normal),
            _ => Err(Error::Usage(format!(
                "unknown bootstrap weights '{s}': expected rademacher, webb, mammen or normal"
            ))),
        }
    }
}

/// Which bootstrap p-value (and the matching confidence interval).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PValueKind {
    /// P(|t*| ≥ |t|).
    Symmetric,
    /// 2·min(P(t* ≥ t), P(t* ≤ t)).
    EqualTailed,
    /// P(t* ≥ t): H₁ Rβ > r.
    Upper,
    /// P(t* ≤ t): H₁ Rβ < r.
    Lower,
}

impl PValueKind {
    /// The command-line / JSON name.
    pub fn name(self) -> &'static str {
        match self {
            PValueKind::Symmetric => "symmetric",
            PValueKind::EqualTailed => "equal-tailed",
            PValueKind::Upper => "upper",
            PValueKind::Lower => "lower",
        }
    }

    /// Parses a p-value kind.
    pub fn parse(s: &str) -> Result<PValueKind> {
        match s {
            "symmetric" => Ok(PValueKind::Symmetric),
            "equal-tailed" => Ok(PValueKind::EqualTailed),
            "upper" => Ok(PValueKind::Upper),
            "lower" => Ok(PValueKind::Lower),
            _ => Err(Error::Usage(format!(
                "unknown p-value kind '{s}': expected symmetric, equal-tailed, upper or lower"
            ))),
        }
    }
}

/// The one restriction Σ_j c_j β_j = r a bootstrap tests: its vector over the fit's
/// coefficients, its right-hand side and its text in a normal form (`a - 2*b = 0`).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Tested {
    pub(crate) text: String,
    pub(crate) rhs: f64,
}

impl Tested {
    /// Checks that `hypothesis` is one restriction that restricts something on `fit`.
    pub(crate) fn new(fit: &Fit, hypothesis: &LinearHypothesis) -> Result<(Tested, Array1<f64>)> {
        let [res] = hypothesis.restrictions() else {
            return Err(Error::Usage(format!(
                "bootstrap: hypothesis '{}' has {} restrictions; the wild cluster bootstrap tests one",
                hypothesis.text(),
                hypothesis.restrictions().len()
            )));
        };
        let (r_mat, _) = hypothesis.matrices(fit)?;
        let r = r_mat.row(0).to_owned();
        let text = normal_text(&res.terms, res.rhs);
        if r.iter().all(|v| *v == 0.0) {
            return Err(Error::Usage(format!(
                "hypothesis '{text}' restricts nothing"
            )));
        }
        Ok((Tested { text, rhs: res.rhs }, r))
    }
}

/// A restriction as text, e.g. `a + b = 0`.
fn normal_text(terms: &[(String, f64)], rhs: f64) -> String {
    let mut s = String::new();
    for (i, (t, c)) in terms.iter().enumerate() {
        let (sep, c) = match (i, *c < 0.0) {
            (0, true) => ("-", -c),
            (0, false) => ("", *c),
            (_, true) => (" - ", -c),
            (_, false) => (" + ", *c),
        };
        s.push_str(sep);
        if c != 1.0 {
            s.push_str(&format!("{c}*"));
        }
        s.push_str(t);
    }
    format!("{s} = {rhs}")
}

/// How to bootstrap.
#[derive(Debug, Clone, PartialEq)]
pub struct BootOptions {
    /// Restricted (WCR) or unrestricted (WCU) bootstrap.
    pub kind: BootKind,
    /// The distribution of the cluster weights.
    pub weights: BootWeights,
    /// Draws B (replaced by 2^G under full enumeration).
    pub reps: usize,
    /// Seed of the ChaCha20 generator of the weights.
    pub seed: u64,
    /// What the bootstrap clusters on.
    pub cluster: ClusterBy,
    /// Confidence level of the interval.
    pub level: f64,
    /// The p-value reported (and inverted for the interval).
    pub p_kind: PValueKind,
    /// Draw weights over these cluster labels and give each cluster the weight of its label,
    /// so bootstraps on different subsets of clusters share their draws (a joint bootstrap
    /// across specifications); `None`: over the fit's own clusters, in cluster order.
    pub universe: Option<Vec<String>>,
}

impl BootOptions {
    /// WCR, Rademacher, 9,999 draws, clustered by unit, symmetric p-value, 95 % interval.
    pub fn new(seed: u64) -> BootOptions {
        BootOptions {
            kind: BootKind::Wcr,
            weights: BootWeights::Rademacher,
            reps: 9999,
            seed,
            cluster: ClusterBy::Unit,
            level: 0.95,
            p_kind: PValueKind::Symmetric,
            universe: None,
        }
    }
}

/// The outcome of a wild cluster bootstrap test (the JSON `bootstrap` object).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[allow(missing_docs)] // a JSON document: the fields are its keys
pub struct BootResult {
    #[serde(rename = "type")]
    pub kind: BootKind,
    pub weights: BootWeights,
    /// Draws used (2^G under full enumeration).
    pub reps: usize,
    pub enumerated: bool,
    pub hypothesis: String,
    pub cluster: String,
    pub n_clusters: usize,
    /// Rβ̂.
    pub estimate: f64,
    /// (Rβ̂ − r)/se with the CRV1 factor c = G/(G − 1)·(n − 1)/(n − K).
    pub t_stat: f64,
    /// The factor c (K counts absorbed effects, as the dummy-variable design).
    pub small_sample_factor: f64,
    pub p_kind: PValueKind,
    /// The p-value of kind `p_kind`.
    pub p_value: f64,
    pub p_symmetric: f64,
    pub p_equal_tailed: f64,
    pub p_upper: f64,
    pub p_lower: f64,
    pub level: f64,
    /// Confidence interval by test inversion (null when a side is unbounded).
    pub ci: [Option<f64>; 2],
    pub seed: u64,
}

/// One draw's statistic as a function of d = (Rβ̂ − r)/R'BR:
/// t(d) = (n0 + d·n1) / √(c·(a + 2d·b + d²·q)).
#[derive(Debug, Clone, Copy, Default)]
struct DrawStat {
    n0: f64,
    n1: f64,
    a: f64,
    b: f64,
    q: f64,
}

impl DrawStat {
    fn t(&self, d: f64, c: f64) -> f64 {
        (self.n0 + d * self.n1) / (c * (self.a + d * (2.0 * self.b + d * self.q))).sqrt()
    }
}

/// A prepared wild cluster bootstrap: the per-draw statistics, from which p-values and the
/// interval for any r follow in O(B).
#[derive(Debug, Clone)]
pub struct WildBootstrap {
    opts: BootOptions,
    hypothesis: Tested,
    n_clusters: usize,
    /// Cluster labels in cluster order (draw b gives cluster j the weight v_bj).
    cluster_labels: Vec<String>,
    enumerated: bool,
    /// Rβ̂ and R'BR.
    estimate: f64,
    rbr: f64,
    factor: f64,
    observed: DrawStat,
    draws: Vec<DrawStat>,
}

/// Portable natural logarithm of a positive finite x (arithmetic only, ~1 ulp): x = m·2^e,
/// ln x = e·ln 2 + 2·atanh((m − 1)/(m + 1)) by its series.
fn ln_portable(x: f64) -> f64 {
    const LN2: f64 = std::f64::consts::LN_2;
    let bits = x.to_bits();
    let mut e = ((bits >> 52) & 0x7ff) as i64 - 1023;
    let mut m = f64::from_bits((bits & 0x000f_ffff_ffff_ffff) | 0x3ff0_0000_0000_0000);
    if m > std::f64::consts::SQRT_2 {
        m /= 2.0;
        e += 1;
    }
    let s = (m - 1.0) / (m + 1.0);
    let s2 = s * s;
    let mut term = s;
    let mut sum = 0.0f64;
    let mut k = 1.0;
    while term.abs() > 1e-20 * sum.abs().max(f64::MIN_POSITIVE) {
        sum += term / k;
        term *= s2;
        k += 2.0;
        if k > 99.0 {
            break;
        }
    }
    e as f64 * LN2 + 2.0 * sum
}

/// Fills `v` (length G) with one draw of the weights.
fn draw(rng: &mut ChaCha20Rng, w: BootWeights, v: &mut [f64]) {
    match w {
        BootWeights::Rademacher => {
            for chunk in v.chunks_mut(64) {
                let bits = rng.next_u64();
                for (j, x) in chunk.iter_mut().enumerate() {
                    // Bit 1 → +1, bit 0 → −1, without a branch on a random bit.
                    *x = 2.0 * ((bits >> j) & 1) as f64 - 1.0;
                }
            }
        }
        BootWeights::Webb => {
            let pts = [
                -(1.5f64.sqrt()),
                -1.0,
                -(0.5f64.sqrt()),
                0.5f64.sqrt(),
                1.0,
                1.5f64.sqrt(),
            ];
            for x in v.iter_mut() {
                *x = pts[rng.random_range(0..6usize)];
            }
        }
        BootWeights::Mammen => {
            let s5 = 5f64.sqrt();
            let p_low = (s5 + 1.0) / (2.0 * s5);
            for x in v.iter_mut() {
                *x = if rng.random::<f64>() < p_low {
                    -(s5 - 1.0) / 2.0
                } else {
                    (s5 + 1.0) / 2.0
                };
            }
        }
        BootWeights::Normal => {
            let mut i = 0;
            while i < v.len() {
                let a = 2.0 * rng.random::<f64>() - 1.0;
                let b = 2.0 * rng.random::<f64>() - 1.0;
                let s = a * a + b * b;
                if s >= 1.0 || s == 0.0 {
                    continue;
                }
                let f = (-2.0 * ln_portable(s) / s).sqrt();
                v[i] = a * f;
                if i + 1 < v.len() {
                    v[i + 1] = b * f;
                }
                i += 2;
            }
        }
    }
}

/// Per-cluster pieces of the fast algorithm, stored coefficient-major (for coefficient p,
/// the G values s_gp contiguous) so every per-draw loop runs over contiguous clusters.
struct Pieces {
    g: usize,
    k: usize,
    a: Vec<f64>,
    /// a's_g, a'w_g.
    as_: Vec<f64>,
    aw: Vec<f64>,
    /// s_g, w_g and q_g = B w_g, coefficient-major (k blocks of G).
    s: Vec<f64>,
    w: Vec<f64>,
    q: Vec<f64>,
}

/// x'y with four interleaved accumulators in a fixed order: the same result on every
/// machine, without the latency of one long chain of additions (the per-draw cost is a few
/// such sums over the G clusters).
fn dot(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len().min(y.len());
    let (xc, yc) = (x[..n].chunks_exact(4), y[..n].chunks_exact(4));
    let (xr, yr) = (xc.remainder(), yc.remainder());
    let mut acc = [0.0f64; 4];
    for (a, b) in xc.zip(yc) {
        for j in 0..4 {
            acc[j] += a[j] * b[j];
        }
    }
    let tail: f64 = xr.iter().zip(yr).map(|(a, b)| a * b).sum();
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
}

/// Scratch space for one draw: σ, ω (k each) and the cluster scores P, D (G each).
struct Scratch {
    sig: Vec<f64>,
    om: Vec<f64>,
    p: Vec<f64>,
    d: Vec<f64>,
}

impl Pieces {
    fn new(cs: &ClusterSums, a: &Array1<f64>, bm: &ndarray::Array2<f64>) -> Pieces {
        let (g, k) = (cs.ng, a.len());
        let w: Vec<Array1<f64>> = cs.xtx.iter().map(|m| m.dot(a)).collect();
        let q: Vec<Array1<f64>> = w.iter().map(|x| bm.dot(x)).collect();
        let major = |v: &[Array1<f64>]| -> Vec<f64> {
            (0..k).flat_map(|p| v.iter().map(move |x| x[p])).collect()
        };
        Pieces {
            g,
            k,
            a: a.to_vec(),
            as_: cs.xtu.iter().map(|s| s.dot(a)).collect(),
            aw: w.iter().map(|x| x.dot(a)).collect(),
            s: major(&cs.xtu),
            w: major(&w),
            q: major(&q),
        }
    }

    fn scratch(&self) -> Scratch {
        Scratch {
            sig: vec![0.0; self.k],
            om: vec![0.0; self.k],
            p: vec![0.0; self.g],
            d: vec![0.0; self.g],
        }
    }

    /// The statistic of draw v; `restricted` keeps the d-terms of the residuals (WCR),
    /// `with_n1` the d-term of the numerator.
    fn stat(&self, v: &[f64], restricted: bool, with_n1: bool, sc: &mut Scratch) -> DrawStat {
        let g = self.g;
        for p in 0..self.k {
            sc.sig[p] = dot(&self.s[p * g..(p + 1) * g], v);
            sc.om[p] = dot(&self.w[p * g..(p + 1) * g], v);
        }
        let mut st = DrawStat {
            n0: dot(&sc.sig, &self.a),
            n1: if with_n1 { dot(&sc.om, &self.a) } else { 0.0 },
            ..DrawStat::default()
        };
        // P_h = (a's_h) v_h − q_h'σ and D_h = (a'w_h) v_h − q_h'ω (w_h'Bσ = q_h'σ).
        for ((ph, a), vh) in sc.p.iter_mut().zip(&self.as_).zip(v) {
            *ph = a * vh;
        }
        for ((dh, a), vh) in sc.d.iter_mut().zip(&self.aw).zip(v) {
            *dh = a * vh;
        }
        for p in 0..self.k {
            let qp = &self.q[p * g..(p + 1) * g];
            let (sp, op) = (sc.sig[p], sc.om[p]);
            for ((ph, dh), q) in sc.p.iter_mut().zip(sc.d.iter_mut()).zip(qp) {
                *ph -= sp * q;
                *dh -= op * q;
            }
        }
        st.a = dot(&sc.p, &sc.p);
        if restricted {
            st.b = dot(&sc.p, &sc.d);
            st.q = dot(&sc.d, &sc.d);
        }
        st
    }
}

impl WildBootstrap {
    /// Prepares the bootstrap of `hypothesis` on `fit`: one pass over the data, then the
    /// B draws at O(G·k) each.
    pub fn new(fit: &Fit, hypothesis: &LinearHypothesis, opts: &BootOptions) -> Result<Self> {
        if opts.reps == 0 {
            return Err(Error::Usage("bootstrap: reps must be at least 1".into()));
        }
        if !(opts.level > 0.0 && opts.level < 1.0) {
            return Err(Error::Usage(format!(
                "bootstrap: confidence level {} is not in (0, 1)",
                opts.level
            )));
        }
        let (tested, r) = Tested::new(fit, hypothesis)?;
        let cs = ClusterSums::new(fit, &opts.cluster)?;
        if let Some(u) = &opts.universe {
            if let Some(l) = cs.labels.iter().find(|l| !u.contains(l)) {
                return Err(Error::Usage(format!(
                    "bootstrap: cluster '{l}' is not among the labels the draws are made over"
                )));
            }
        }
        Ok(Self::from_sums(fit, &cs, tested, &r, opts))
    }

    /// The bootstrap from precomputed cluster sums (shared with other cluster methods).
    pub(crate) fn from_sums(
        fit: &Fit,
        cs: &ClusterSums,
        hypothesis: Tested,
        r: &Array1<f64>,
        opts: &BootOptions,
    ) -> Self {
        let bm = &fit.xtx_inv;
        let a = bm.dot(r);
        let rbr = r.dot(&a);
        let estimate = r.dot(&Array1::from(fit.coefficients.clone()));
        let pieces = Pieces::new(cs, &a, bm);
        let mut buf = pieces.scratch();
        let g = cs.ng;
        let n = fit.n as f64;
        let kk = (fit.k + fit.k_fe) as f64;
        let gf = g as f64;
        let factor = gf / (gf - 1.0) * (n - 1.0) / (n - kk);
        let restricted = opts.kind == BootKind::Wcr;
        let ones = vec![1.0; g];
        let observed = pieces.stat(&ones, restricted, true, &mut buf);
        // Each cluster's position in the universe of labels, when draws are made over it.
        let slots: Option<Vec<usize>> = opts.universe.as_ref().map(|u| {
            cs.labels
                .iter()
                .map(|l| u.iter().position(|x| x == l).unwrap_or(usize::MAX))
                .collect()
        });
        let enumerated = slots.is_none()
            && opts.weights == BootWeights::Rademacher
            && g < 63
            && (1u64 << g) as u128 <= opts.reps as u128;
        let mut v = vec![0.0; g];
        let draws: Vec<DrawStat> = if enumerated {
            (0..(1u64 << g))
                .map(|b| {
                    for (j, x) in v.iter_mut().enumerate() {
                        *x = if (b >> j) & 1 == 0 { 1.0 } else { -1.0 };
                    }
                    pieces.stat(&v, restricted, restricted, &mut buf)
                })
                .collect()
        } else {
            let mut rng = ChaCha20Rng::seed_from_u64(opts.seed);
            let mut big = vec![0.0; opts.universe.as_ref().map_or(0, Vec::len)];
            (0..opts.reps)
                .map(|_| {
                    match &slots {
                        Some(slots) => {
                            draw(&mut rng, opts.weights, &mut big);
                            for (x, &j) in v.iter_mut().zip(slots) {
                                *x = big.get(j).copied().unwrap_or(0.0);
                            }
                        }
                        None => draw(&mut rng, opts.weights, &mut v),
                    }
                    pieces.stat(&v, restricted, restricted, &mut buf)
                })
                .collect()
        };
        WildBootstrap {
            opts: opts.clone(),
            hypothesis,
            n_clusters: g,
            cluster_labels: cs.labels.clone(),
            enumerated,
            estimate,
            rbr,
            factor,
            observed,
            draws,
        }
    }

    /// Draws used (2^G under full enumeration).
    pub fn reps(&self) -> usize {
        self.draws.len()
    }

    /// Cluster labels in cluster order.
    pub fn cluster_labels(&self) -> &[String] {
        &self.cluster_labels
    }

    /// The labels the weights are drawn over: the universe when one was given, else the
    /// cluster labels. Two bootstraps with the same draw labels, seed and draws share draws.
    pub fn draw_labels(&self) -> &[String] {
        self.opts
            .universe
            .as_deref()
            .unwrap_or(&self.cluster_labels)
    }

    /// The observed Rβ̂ − r.
    pub fn estimate(&self) -> f64 {
        self.estimate - self.hypothesis.rhs
    }

    /// The bootstrap estimates of Rβ − r, in draw order: under WCR the distribution of the
    /// estimate with the null imposed (used by joint tests across specifications).
    pub fn estimate_star(&self) -> Vec<f64> {
        let d = self.d_of(self.hypothesis.rhs);
        self.draws.iter().map(|s| s.n0 + d * s.n1).collect()
    }

    /// Number of clusters G.
    pub fn n_clusters(&self) -> usize {
        self.n_clusters
    }

    /// The seed of the draws.
    pub fn seed(&self) -> u64 {
        self.opts.seed
    }

    /// The observed t statistic at the hypothesis' r.
    pub fn t_observed(&self) -> f64 {
        self.t_at(self.hypothesis.rhs)
    }

    /// The bootstrap t statistics at the hypothesis' r, in draw order.
    pub fn t_star(&self) -> Vec<f64> {
        self.t_star_at(self.hypothesis.rhs)
    }

    fn d_of(&self, r: f64) -> f64 {
        (self.estimate - r) / self.rbr
    }

    /// The observed t statistic for the null value r (CRV1, factor c).
    pub fn t_at(&self, r: f64) -> f64 {
        self.observed.t(self.d_of(r), self.factor)
    }

    /// The bootstrap t statistics for the null value r, in draw order.
    pub fn t_star_at(&self, r: f64) -> Vec<f64> {
        let d = self.d_of(r);
        self.draws.iter().map(|s| s.t(d, self.factor)).collect()
    }

    /// The four p-values (symmetric, equal-tailed, upper, lower) for the null value r.
    pub fn p_values_at(&self, r: f64) -> [f64; 4] {
        let (d, t) = (self.d_of(r), self.t_at(r));
        let (mut gt_abs, mut gt, mut lt) = (0usize, 0usize, 0usize);
        for ts in self.draws.iter().map(|s| s.t(d, self.factor)) {
            gt_abs += usize::from(ts.abs() >= t.abs());
            gt += usize::from(ts >= t);
            lt += usize::from(ts <= t);
        }
        let b = self.draws.len() as f64;
        let (pu, pl) = (gt as f64 / b, lt as f64 / b);
        [gt_abs as f64 / b, (2.0 * pu.min(pl)).min(1.0), pu, pl]
    }

    fn p_at(&self, r: f64) -> f64 {
        let p = self.p_values_at(r);
        match self.opts.p_kind {
            PValueKind::Symmetric => p[0],
            PValueKind::EqualTailed => p[1],
            PValueKind::Upper => p[2],
            PValueKind::Lower => p[3],
        }
    }

    /// One end of the interval: the boundary between {p > α} and {p ≤ α} going from Rβ̂ in
    /// direction `dir`, by bracketing and bisection; None if p stays above α.
    fn ci_end(&self, alpha: f64, dir: f64) -> Option<f64> {
        let se = (self.factor * self.observed.a).sqrt();
        let se = if se > 0.0 && se.is_finite() {
            se
        } else {
            self.estimate.abs().max(1.0)
        };
        let (mut inside, mut step) = (self.estimate, 2.0 * se);
        let mut outside = None;
        for _ in 0..60 {
            let cand = self.estimate + dir * step;
            if self.p_at(cand) <= alpha {
                outside = Some(cand);
                break;
            }
            inside = cand;
            step *= 2.0;
        }
        let mut outside = outside?;
        // To 1e-10 of the standard error: far below any digit reported.
        while (outside - inside).abs() > 1e-10 * se {
            let mid = 0.5 * (inside + outside);
            if mid == inside || mid == outside {
                break;
            }
            if self.p_at(mid) <= alpha {
                outside = mid;
            } else {
                inside = mid;
            }
        }
        Some(0.5 * (inside + outside))
    }

    /// The result at the hypothesis' r: t, p-values and the interval by test inversion.
    pub fn result(&self) -> BootResult {
        let r = self.hypothesis.rhs;
        let p = self.p_values_at(r);
        let alpha = 1.0 - self.opts.level;
        let (lo, hi) = match self.opts.p_kind {
            PValueKind::Upper => (self.ci_end(alpha, -1.0), None),
            PValueKind::Lower => (None, self.ci_end(alpha, 1.0)),
            _ => (self.ci_end(alpha, -1.0), self.ci_end(alpha, 1.0)),
        };
        BootResult {
            kind: self.opts.kind,
            weights: self.opts.weights,
            reps: self.draws.len(),
            enumerated: self.enumerated,
            hypothesis: self.hypothesis.text.clone(),
            cluster: self.opts.cluster.name().to_string(),
            n_clusters: self.n_clusters,
            estimate: self.estimate,
            t_stat: self.t_at(r),
            small_sample_factor: self.factor,
            p_kind: self.opts.p_kind,
            p_value: self.p_at(r),
            p_symmetric: p[0],
            p_equal_tailed: p[1],
            p_upper: p[2],
            p_lower: p[3],
            level: self.opts.level,
            ci: [lo, hi],
            seed: self.opts.seed,
        }
    }
}

impl Fit {
    /// Wild cluster bootstrap test of `hypothesis` (see [`crate::inference::bootstrap`]).
    pub fn wild_bootstrap(
        &self,
        hypothesis: &LinearHypothesis,
        opts: &BootOptions,
    ) -> Result<BootResult> {
        Ok(WildBootstrap::new(self, hypothesis, opts)?.result())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::estimators::{fit_formula, Model};

    /// The unbalanced Grunfeld panel, weighted by `w`.
    fn grunfeld(model: Model) -> Fit {
        let file = crate::testdata::reference("grunfeld_unbal.csv");
        let p = crate::panel::io::read_csv(&file, "firm", "year").unwrap();
        fit_formula(&p, "inv ~ value + capital", Some(model), Some("w")).unwrap()
    }

    #[test]
    fn the_tested_restriction_is_one_and_in_normal_form() {
        let fit = grunfeld(Model::Within);
        let h = LinearHypothesis::parse("-value + 2*capital = 0.5").unwrap();
        let (t, r) = Tested::new(&fit, &h).unwrap();
        assert_eq!((t.text.as_str(), t.rhs), ("-value + 2*capital = 0.5", 0.5));
        assert_eq!(r.to_vec(), vec![-1.0, 2.0]);
        let two = LinearHypothesis::parse("value = 0, capital = 0").unwrap();
        let e = fit.wild_bootstrap(&two, &BootOptions::new(1)).unwrap_err();
        assert!(e.to_string().contains("tests one"), "{e}");
    }

    #[test]
    fn same_seed_gives_identical_output_and_seeds_matter() {
        let fit = grunfeld(Model::Twoways);
        let h = LinearHypothesis::parse("value - capital = 0").unwrap();
        for w in [
            BootWeights::Rademacher,
            BootWeights::Webb,
            BootWeights::Mammen,
            BootWeights::Normal,
        ] {
            let mut o = BootOptions::new(42);
            o.weights = w;
            o.reps = 499; // < 2^10: drawn, not enumerated
            let a = serde_json::to_string(&fit.wild_bootstrap(&h, &o).unwrap()).unwrap();
            let b = serde_json::to_string(&fit.wild_bootstrap(&h, &o).unwrap()).unwrap();
            assert_eq!(a, b, "{w:?}");
            let r = fit.wild_bootstrap(&h, &o).unwrap();
            assert!(!r.enumerated && r.reps == 499);
            let first = WildBootstrap::new(&fit, &h, &o).unwrap().t_star();
            o.seed = 43;
            let other = WildBootstrap::new(&fit, &h, &o).unwrap().t_star();
            assert_ne!(first, other, "{w:?}");
        }
    }

    /// Weight draws have mean 0 and variance 1 (Mammen: third moment 1).
    #[test]
    fn weight_distributions_have_their_moments() {
        let mut rng = ChaCha20Rng::seed_from_u64(5);
        for w in [
            BootWeights::Rademacher,
            BootWeights::Webb,
            BootWeights::Mammen,
            BootWeights::Normal,
        ] {
            let mut v = vec![0.0; 101];
            let (mut m1, mut m2, mut m3, mut n) = (0.0, 0.0, 0.0, 0.0);
            for _ in 0..2000 {
                draw(&mut rng, w, &mut v);
                for x in &v {
                    m1 += x;
                    m2 += x * x;
                    m3 += x * x * x;
                    n += 1.0;
                }
            }
            let (m1, m2, m3) = (m1 / n, m2 / n, m3 / n);
            assert!(
                m1.abs() < 0.01 && (m2 - 1.0).abs() < 0.01,
                "{w:?} {m1} {m2}"
            );
            let want3 = if w == BootWeights::Mammen { 1.0 } else { 0.0 };
            assert!((m3 - want3).abs() < 0.03, "{w:?} {m3}");
        }
    }

    #[test]
    fn portable_log_agrees_with_libm() {
        for x in [1e-300, 1e-9, 0.001, 0.3, 0.5, 0.72, 0.99999, 1.0, 1.5, 1e10] {
            let (a, b) = (ln_portable(x), x.ln());
            assert!(
                (a - b).abs() <= 4.0 * f64::EPSILON * b.abs().max(1.0),
                "{x}: {a} vs {b}"
            );
        }
    }

    #[test]
    fn bad_requests_are_errors() {
        let fit = grunfeld(Model::Within);
        let h = LinearHypothesis::parse("nothing = 0").unwrap();
        let e = fit.wild_bootstrap(&h, &BootOptions::new(1)).unwrap_err();
        assert!(e.to_string().contains("no coefficient 'nothing'"));
        // The parser refuses a restriction whose terms cancel.
        assert!(LinearHypothesis::parse("value - value = 0").is_err());
        let mut o = BootOptions::new(1);
        o.cluster = ClusterBy::Ids(vec![0; fit.n]);
        let h = LinearHypothesis::parse("value = 0").unwrap();
        let e = fit.wild_bootstrap(&h, &o).unwrap_err();
        assert!(e.to_string().contains("at least 2 clusters"));
        o.cluster = ClusterBy::Ids(vec![0; 3]);
        assert!(fit.wild_bootstrap(&h, &o).is_err());
    }
}
