#!/usr/bin/env Rscript
# Wald-test fixtures from R: car::linearHypothesis on plm fits (Grunfeld), F and
# chi-squared forms, under iid and robust covariances from plm / sandwich.
#
# Usage (from the repository root, after `make_fixtures_R.R data`):
#   Rscript tests/reference/make_fixtures_wald_R.R    # writes fixtures/car_grunfeld_wald.json
#
# Each case gives the hypothesis in panelkit's syntax (comma-separated restrictions; car
# receives them as a character vector), the model, the covariance and the small-sample
# preset that reproduces it (see crates/panelkit/tests/reference_peers.rs), and car's
# statistic, df and p-value. F tests use car's denominator df, df.residual(fit), which is
# the preset's t df (n - K) for these covariances.

suppressPackageStartupMessages({
  library(plm)
  library(sandwich)
  library(lmtest)
  library(car)
  library(jsonlite)
})

REF <- "tests/reference"
stopifnot(dir.exists(REF))

VERSIONS <- list(
  R = paste(R.version$major, R.version$minor, sep = "."),
  plm = packageDescription("plm")$Version,
  sandwich = packageDescription("sandwich")$Version,
  car = packageDescription("car")$Version,
  jsonlite = packageDescription("jsonlite")$Version
)

fit_plm <- function(fml, pd, model) {
  f <- as.formula(fml)
  switch(model,
    pooled = plm(f, data = pd, model = "pooling"),
    within = plm(f, data = pd, model = "within", effect = "individual"),
    twoways = plm(f, data = pd, model = "within", effect = "twoways"))
}

# vcov name -> (covariance of the plm fit, its R call, lags)
covariance <- function(fit, vc) {
  switch(vc,
    iid = list(V = vcov(fit), call = "vcov(fit)", lags = NA),
    hc1 = list(V = vcovHC(fit, method = "white1", type = "HC1"),
               call = "vcovHC(fit, method='white1', type='HC1')", lags = NA),
    cluster = list(V = vcovHC(fit, method = "arellano", type = "HC0", cluster = "group"),
                   call = "vcovHC(fit, method='arellano', type='HC0', cluster='group')", lags = NA),
    `driscoll-kraay` = list(V = vcovSCC(fit, type = "HC0", maxlag = 2),
                            call = "vcovSCC(fit, type='HC0', maxlag=2)", lags = 2))
}

make_case <- function(ds, fit, model, fml, vc, ssc, hyp, test) {
  data_file <- file.path(REF, "data", paste0(ds, ".csv"))
  cv <- covariance(fit, vc)
  h <- strsplit(hyp, ",\\s*")[[1]]
  lh <- linearHypothesis(fit, h, vcov. = cv$V, test = test)
  stat_col <- if (test == "F") "F" else "Chisq"
  p_col <- if (test == "F") "Pr(>F)" else "Pr(>Chisq)"
  list(
    id = paste(ds, model, vc, test, hyp, sep = "/"),
    call = sprintf("car::linearHypothesis(fit, c(%s), vcov.=%s, test='%s')",
                   paste0("'", h, "'", collapse = ", "), cv$call, test),
    data_file = data_file, formula = fml, model = model, vcov = vc, ssc = ssc, lags = cv$lags,
    hypothesis = hyp, test = test,
    stat = unname(lh[2, stat_col]),
    df1 = unname(lh[2, "Df"]),
    df2 = if (test == "F") unname(lh[2, "Res.Df"]) else NA,
    p_value = unname(lh[2, p_col])
  )
}

wald_cases <- function(ds) {
  data <- read.csv(file.path(REF, "data", paste0(ds, ".csv")))
  pd <- pdata.frame(data, index = c("firm", "year"))
  fml <- "inv ~ value + capital"
  specs <- list(
    list(model = "pooled", vc = "iid", ssc = "none"),
    list(model = "pooled", vc = "hc1", ssc = "none"),
    list(model = "within", vc = "iid", ssc = "none"),
    list(model = "within", vc = "cluster", ssc = "none"),
    list(model = "within", vc = "driscoll-kraay", ssc = "none"),
    list(model = "twoways", vc = "cluster", ssc = "none")
  )
  hyps <- c("value = 0, capital = 0", "2*value - capital = 0.1",
            "value + capital = 0.4, value = 0.1")
  out <- list()
  for (s in specs) {
    fit <- fit_plm(fml, pd, s$model)
    for (hyp in hyps) {
      for (test in c("F", "Chisq")) {
        out[[length(out) + 1]] <- make_case(ds, fit, s$model, fml, s$vc, s$ssc, hyp, test)
      }
    }
  }
  out
}

cases <- c(wald_cases("grunfeld"), wald_cases("grunfeld_unbal"))
obj <- list(peer = "car", versions = VERSIONS, dataset = "grunfeld",
            unit = "firm", time = "year",
            note = "car::linearHypothesis on plm fits of grunfeld and grunfeld_unbal (data_file per case)",
            cases = list(), wald = cases)
out <- file.path(REF, "fixtures", "car_grunfeld_wald.json")
writeLines(toJSON(obj, digits = NA, auto_unbox = TRUE, na = "null", null = "null", pretty = TRUE), out)
cat("wrote", out, "\n")
