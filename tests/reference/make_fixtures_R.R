#!/usr/bin/env Rscript
# Reference fixtures from R: plm + sandwich (+ lmtest for t tests / CIs).
#
# Usage (from the repository root):
#   Rscript tests/reference/make_fixtures_R.R data      # writes data/grunfeld*.csv
#   Rscript tests/reference/make_fixtures_R.R fixtures  # writes fixtures/plm_*.json
#
# The "data" step must run before make_fixtures_py.py (which reads grunfeld*.csv);
# the "fixtures" step needs data/wage_*.csv written by `make_fixtures_py.py data`.
# See tests/reference/README.md and regenerate.sh.

suppressPackageStartupMessages({
  library(plm)
  library(sandwich)
  library(lmtest)
  library(jsonlite)
})

args <- commandArgs(trailingOnly = TRUE)
mode <- if (length(args) >= 1) args[1] else "fixtures"
REF <- "tests/reference"
stopifnot(dir.exists(REF))

# ---------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------
# Analytic weight: w = 1 + ((i - 1) mod 5) / 4 where i is the 1-based row
# number in the BALANCED file (values 1, 1.25, 1.5, 1.75, 2; exact in binary).
# The unbalanced files keep the w of each surviving row.
#
# grunfeld_unbal.csv = grunfeld.csv minus these (firm, year) rows (14 rows):
GRUNFELD_DROP <- data.frame(
  firm = c(2, 2,            # interior gap of two years
           4,               # interior gap of one year
           6, 6, 6, 6,      # late entry: firm 6 starts in 1939
           9, 9, 9, 9, 9,   # early exit: firm 9 ends in 1949
           10, 10),         # two separate one-year gaps
  year = c(1940, 1941,
           1945,
           1935, 1936, 1937, 1938,
           1950, 1951, 1952, 1953, 1954,
           1937, 1948)
)

write_data <- function() {
  data("Grunfeld", package = "plm", envir = environment())
  g <- Grunfeld[order(Grunfeld$firm, Grunfeld$year), c("firm", "year", "inv", "value", "capital")]
  rownames(g) <- NULL
  g$w <- 1 + ((seq_len(nrow(g)) - 1) %% 5) / 4
  write.csv(g, file.path(REF, "data", "grunfeld.csv"), row.names = FALSE, quote = FALSE)
  key <- paste(g$firm, g$year)
  drop <- key %in% paste(GRUNFELD_DROP$firm, GRUNFELD_DROP$year)
  stopifnot(sum(drop) == nrow(GRUNFELD_DROP))
  write.csv(g[!drop, ], file.path(REF, "data", "grunfeld_unbal.csv"), row.names = FALSE, quote = FALSE)
}

if (mode == "data") {
  write_data()
  quit(save = "no")
}

# ---------------------------------------------------------------------------
# Fixtures
# ---------------------------------------------------------------------------
VERSIONS <- list(
  R = paste(R.version$major, R.version$minor, sep = "."),
  plm = packageDescription("plm")$Version,
  sandwich = packageDescription("sandwich")$Version,
  lmtest = packageDescription("lmtest")$Version,
  jsonlite = packageDescription("jsonlite")$Version
)

fmt_term <- function(x) x  # plm already calls the intercept "(Intercept)"

# One case: coefficients with SE from V, t test on `df` degrees of freedom
# (lmtest::coeftest / coefci; df = df.residual(fit) unless given).
make_case <- function(id, call, formula, model, vcov, ssc, fit, V,
                      lags = NA, weights = NA, df = NULL, extra = list()) {
  if (is.null(df)) df <- df.residual(fit)
  ct <- lmtest::coeftest(fit, vcov. = V, df = df)
  ci <- lmtest::coefci(fit, vcov. = V, df = df, level = 0.95)
  s <- summary(fit)
  coefs <- lapply(seq_len(nrow(ct)), function(j) list(
    term = fmt_term(rownames(ct)[j]),
    estimate = unname(ct[j, 1]),
    std_error = unname(ct[j, 2]),
    t_value = unname(ct[j, 3]),
    df = df,
    p_value = unname(ct[j, 4]),
    conf_low = unname(ci[j, 1]),
    conf_high = unname(ci[j, 2])
  ))
  c(list(
    id = id, call = call, formula = formula, model = model, vcov = vcov,
    lags = lags, ssc = ssc, weights = weights,
    nobs = nobs(fit), df_resid = df.residual(fit),
    n_units = unname(pdim(fit)$nT$n), n_periods = unname(pdim(fit)$nT$T),
    r2 = unname(s$r.squared["rsq"]), r2_adj = unname(s$r.squared["adjrsq"]),
    r2_within = NA,
    coefficients = coefs,
    vcov_matrix = unname(lapply(seq_len(nrow(V)), function(i) unname(V[i, ])))
  ), extra)
}

plm_call <- function(formula, model, weights = NA) {
  eff <- switch(model,
    pooled = "model='pooling'",
    within = "model='within', effect='individual'",
    twoways = "model='within', effect='twoways'",
    fd = "model='fd'",
    between = "model='between'",
    random = "model='random', random.method='swar'")
  w <- if (is.na(weights)) "" else paste0(", weights=", weights)
  sprintf("plm(%s, data, %s%s)", formula, eff, w)
}

fit_plm <- function(fml, pd, model, weights = NA) {
  f <- as.formula(fml)
  if (!is.na(weights)) {
    pd$.w <- pd[[weights]]
    return(switch(model,
      pooled = plm(f, data = pd, model = "pooling", weights = .w),
      within = plm(f, data = pd, model = "within", effect = "individual", weights = .w)))
  }
  switch(model,
    pooled = plm(f, data = pd, model = "pooling"),
    within = plm(f, data = pd, model = "within", effect = "individual"),
    twoways = plm(f, data = pd, model = "within", effect = "twoways"),
    fd = plm(f, data = pd, model = "fd"),
    between = plm(f, data = pd, model = "between"),
    random = plm(f, data = pd, model = "random", random.method = "swar"))
}

cases_for_model <- function(ds, fml, pd, model) {
  fit <- fit_plm(fml, pd, model)
  pc <- plm_call(fml, model)
  out <- list()
  add <- function(vc, ssc, V, vcall, lags = NA, df = NULL, tag = NULL, note = NULL) {
    id <- paste(c(ds, model, vc, if (!is.na(lags)) paste0("L", lags), tag,
                  if (!is.na(ssc)) ssc), collapse = "/")
    extra <- if (is.null(note)) list() else list(note = note)
    out[[length(out) + 1]] <<- make_case(id, paste0(pc, "; ", vcall), fml, model, vc, ssc,
                                         fit, V, lags = lags, df = df, extra = extra)
  }
  G_unit <- pdim(fit)$nT$n
  G_time <- pdim(fit)$nT$T
  # k == K (no absorbed effects) for pooled / fd / random / between
  no_fe <- model %in% c("pooled", "fd", "random", "between")

  add("iid", "none", vcov(fit), "vcov(fit)")
  if (model == "between") return(out)  # plm's vcovXX do not support between models

  add("hc0", "none", vcovHC(fit, method = "white1", type = "HC0"), "vcovHC(fit, method='white1', type='HC0')")
  V <- vcovHC(fit, method = "white1", type = "HC1")
  vcall <- "vcovHC(fit, method='white1', type='HC1')"
  if (no_fe) {
    add("hc1", "none", V, vcall)
    add("hc1", "stata", V, vcall)
  } else {
    # plm's HC1 factor is n/(n-k) with k = number of slope coefficients only
    # (fixed effects not counted), so it matches neither iku 'none' nor 'stata'.
    add("hc1", "plm", V, vcall)
  }
  add("hc2", "none", vcovHC(fit, method = "white1", type = "HC2"), "vcovHC(fit, method='white1', type='HC2')")
  add("hc3", "none", vcovHC(fit, method = "white1", type = "HC3"), "vcovHC(fit, method='white1', type='HC3')")

  add("cluster", "none", vcovHC(fit, method = "arellano", type = "HC0", cluster = "group"),
      "vcovHC(fit, method='arellano', type='HC0', cluster='group')")
  add("cluster-time", "none", vcovHC(fit, method = "arellano", type = "HC0", cluster = "time"),
      "vcovHC(fit, method='arellano', type='HC0', cluster='time')")
  add("cluster-twoway", "none", vcovDC(fit, type = "HC0"), "vcovDC(fit, type='HC0')")

  # 'sss': G/(G-1) * (n-1)/(n-k), k = slope coefficients only (FE not counted).
  Vs <- vcovHC(fit, method = "arellano", type = "sss", cluster = "group")
  Vst <- vcovHC(fit, method = "arellano", type = "sss", cluster = "time")
  # With absorbed effects plm's 'sss' is G/(G-1) * (n-1)/(n-k) with k = slopes only
  # (Stata xtreg convention), not iku 'stata' (K includes the fixed effects): no preset.
  sss_label <- if (no_fe) "stata" else NA
  sss_note <- if (no_fe) NULL else
    "plm type='sss' counts only the slope coefficients (k), not the absorbed effects: G/(G-1)*(n-1)/(n-k); matches no iku preset"
  add("cluster", sss_label, Vs, "vcovHC(fit, method='arellano', type='sss', cluster='group'); t df = G-1",
      df = G_unit - 1, tag = "sss", note = sss_note)
  add("cluster-time", sss_label, Vst, "vcovHC(fit, method='arellano', type='sss', cluster='time'); t df = G-1",
      df = G_time - 1, tag = "sss", note = sss_note)

  bartlett <- "wj = 1 - j/(maxlag+1) (default)"
  add("driscoll-kraay", "none", vcovSCC(fit, type = "HC0", maxlag = 2),
      paste0("vcovSCC(fit, type='HC0', cluster='time', maxlag=2), ", bartlett), lags = 2)
  add("newey-west", "none", vcovNW(fit, type = "HC0", maxlag = 2),
      paste0("vcovNW(fit, type='HC0', maxlag=2), ", bartlett), lags = 2)
  if (model %in% c("pooled", "within")) {
    add("driscoll-kraay", "none", vcovSCC(fit, type = "HC0", maxlag = 3),
        paste0("vcovSCC(fit, type='HC0', cluster='time', maxlag=3), ", bartlett), lags = 3)
    add("newey-west", "none", vcovNW(fit, type = "HC0", maxlag = 3),
        paste0("vcovNW(fit, type='HC0', maxlag=3), ", bartlett), lags = 3)
  }

  # plm's own defaults, exactly as called
  add("cluster", "plm", vcovHC(fit), "vcovHC(fit)  # defaults: method='arellano', type='HC0', cluster='group'")
  L_def <- floor(G_time^(1/4))
  add("driscoll-kraay", "plm", vcovSCC(fit),
      "vcovSCC(fit)  # defaults: type='HC0', cluster='time', maxlag=floor(T^(1/4)), Bartlett", lags = L_def)
  add("newey-west", "plm", vcovNW(fit),
      "vcovNW(fit)  # defaults: type='HC0', maxlag=floor(T^(1/4)), Bartlett", lags = L_def)
  add("cluster-twoway", "plm", vcovDC(fit), "vcovDC(fit)  # default type='HC0'")
  if (model == "random") {
    ec <- fit$ercomp
    vcomp <- list(sigma2_idiosyncratic = unname(ec$sigma2["idios"]),
                  sigma2_effects = unname(ec$sigma2["id"]),
                  theta = sort(unique(round(as.numeric(ec$theta), 15))))
    out <- lapply(out, function(x) c(x, list(variance_components = vcomp)))
  }
  out
}

weighted_cases <- function(ds, fml, pd, model, wcol) {
  fit <- fit_plm(fml, pd, model, weights = wcol)
  pc <- plm_call(fml, model, weights = wcol)
  # plm's vcovXX functions refuse weighted models; only the iid vcov exists.
  if (model == "within") {
    # plm's weighted within estimates differ from weighted least squares with unit
    # dummies (statsmodels WLS, pyfixest, linearmodels agree with each other): no preset.
    id <- paste(ds, model, "weighted", "iid", sep = "/")
    return(list(make_case(id, paste0(pc, "; vcov(fit)"), fml, model, "iid", NA, fit, vcov(fit),
                          weights = wcol, extra = list(note = paste(
                            "plm's weighted within estimator does not reproduce WLS with unit dummies",
                            "(pyfixest / linearmodels / statsmodels); kept for reference only")))))
  }
  id <- paste(ds, model, "weighted", "iid", "none", sep = "/")
  list(make_case(id, paste0(pc, "; vcov(fit)"), fml, model, "iid", "none", fit, vcov(fit),
                 weights = wcol))
}

htest_entry <- function(id, call, h) {
  list(id = id, call = call, statistic = unname(h$statistic),
       statistic_name = names(h$statistic),
       df = if (length(h$parameter)) unname(as.numeric(h$parameter)) else NA,
       p_value = unname(h$p.value),
       method = h$method)
}

spec_tests <- function(fml, pd) {
  f <- as.formula(fml)
  fe <- plm(f, data = pd, model = "within")
  po <- plm(f, data = pd, model = "pooling")
  re <- plm(f, data = pd, model = "random", random.method = "swar")
  tests <- list(
    htest_entry("pFtest_individual", "pFtest(plm(within), plm(pooling))", pFtest(fe, po)),
    htest_entry("phtest", "phtest(plm(within), plm(random, random.method='swar'))", phtest(fe, re)),
    htest_entry("pwartest", sprintf("pwartest(%s, data)", fml), pwartest(f, data = pd)),
    htest_entry("plmtest_bp_individual", "plmtest(plm(pooling), effect='individual', type='bp')",
                plmtest(po, effect = "individual", type = "bp")),
    htest_entry("pcdtest_cd", "pcdtest(plm(within), test='cd')", pcdtest(fe, test = "cd"))
  )
  # Linear combination value + capital (or first two slopes) on within with cluster/none vcov
  V <- vcovHC(fe, method = "arellano", type = "HC0", cluster = "group")
  b <- coef(fe)
  a <- rep(1, length(b))[seq_along(b)]
  a[-(1:2)] <- 0
  lc <- list(id = "lincom_within_cluster_none",
             call = "within fit; V = vcovHC(fit, method='arellano', type='HC0', cluster='group'); a'b, sqrt(a'Va)",
             terms = names(b), a = a,
             estimate = sum(a * b), std_error = sqrt(drop(t(a) %*% V %*% a)))
  list(tests = tests, lincom = list(lc))
}

read_panel <- function(file, unit, time) {
  d <- read.csv(file.path(REF, "data", file))
  pdata.frame(d, index = c(unit, time), drop.index = FALSE, row.names = FALSE)
}

write_fixture <- function(ds, file, unit, time, fml, wfml = fml, with_tests = TRUE) {
  pd <- read_panel(file, unit, time)
  cases <- list()
  for (m in c("pooled", "within", "twoways", "fd", "between", "random")) {
    f <- if (m %in% c("pooled", "fd", "between", "random")) fml else wfml
    cases <- c(cases, cases_for_model(ds, f, pd, m))
  }
  # fd without intercept (linearmodels' FirstDifferenceOLS has none)
  fml0 <- paste(fml, "- 1")
  fit0 <- plm(as.formula(fml0), data = pd, model = "fd")
  cases <- c(cases, list(make_case(paste(ds, "fd", "iid", "nointercept", "none", sep = "/"),
                                   paste0(plm_call(fml0, "fd"), "; vcov(fit)"), fml0, "fd", "iid",
                                   "none", fit0, vcov(fit0))))
  for (m in c("pooled", "within")) cases <- c(cases, weighted_cases(ds, fml, pd, m, "w"))
  ids <- vapply(cases, function(x) x$id, "")
  stopifnot(!anyDuplicated(ids))
  obj <- list(peer = "plm", versions = VERSIONS, dataset = ds,
              data_file = file.path(REF, "data", file), unit = unit, time = time,
              cases = cases)
  if (with_tests) {
    st <- spec_tests(fml, pd)
    obj$tests <- st$tests
    obj$linear_combinations <- st$lincom
  }
  out <- file.path(REF, "fixtures", paste0("plm_", ds, ".json"))
  writeLines(toJSON(obj, digits = NA, auto_unbox = TRUE, na = "null", null = "null", pretty = TRUE), out)
  message(sprintf("%s: %d cases", out, length(cases)))
}

G_FML <- "inv ~ value + capital"
W_FML <- "lwage ~ expersq + union + married + hours"
write_fixture("grunfeld", "grunfeld.csv", "firm", "year", G_FML)
write_fixture("grunfeld_unbal", "grunfeld_unbal.csv", "firm", "year", G_FML)
write_fixture("wage_panel", "wage_panel.csv", "nr", "year", W_FML)
write_fixture("wage_unbal", "wage_unbal.csv", "nr", "year", W_FML)
