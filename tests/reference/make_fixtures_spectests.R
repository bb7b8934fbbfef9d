#!/usr/bin/env Rscript
# Spec-test cases where iku used to disagree with plm, reproduced from plm.
# Usage (from the repository root): Rscript tests/reference/make_fixtures_spectests.R
# Writes data/hausman_indefinite.csv, data/cd_sparse.csv and
# fixtures/spec_tests/plm_spectests.json. Needs r-cran-plm, r-cran-jsonlite.
#
# 1. Hausman with V_W - V_R not positive definite: the first seed (from 1) for which a small
#    simulated panel gives an indefinite difference matrix; plm's phtest reports the absolute
#    value of the quadratic form.
# 2. Pesaran CD on an unbalanced panel where some pairs of units share at most one period:
#    plm skips those pairs and normalises by the number of pairs used.
# 3. The battery `--tests` runs for two-way, time-effects and first-difference fits, on the
#    balanced and unbalanced Grunfeld panels (data/grunfeld*.csv).
suppressMessages({
  library(plm)
  library(jsonlite)
})
REF <- "tests/reference"

sim_panel <- function(seed) {
  set.seed(seed)
  n <- 8; tt <- 5
  d <- data.frame(id = rep(1:n, each = tt), year = rep(2001:(2000 + tt), n))
  a <- rep(rnorm(n), each = tt)
  d$x1 <- round(rnorm(n * tt) + 0.5 * a, 4)
  d$x2 <- round(rnorm(n * tt), 4)
  d$y <- round(1 + d$x1 - 0.5 * d$x2 + a + rnorm(n * tt), 4)
  d
}

hausman_case <- function() {
  for (seed in 1:1000) {
    d <- sim_panel(seed)
    pd <- pdata.frame(d, index = c("id", "year"))
    fe <- plm(y ~ x1 + x2, data = pd, model = "within")
    re <- plm(y ~ x1 + x2, data = pd, model = "random", random.method = "swar")
    if (re$ercomp$sigma2["id"] <= 0) next
    vd <- vcov(fe) - vcov(re)[c("x1", "x2"), c("x1", "x2")]
    ev <- eigen(vd, symmetric = TRUE)$values
    if (min(ev) < 0) {
      write.csv(d, file.path(REF, "data/hausman_indefinite.csv"), row.names = FALSE)
      q <- drop(t(coef(fe) - coef(re)[c("x1", "x2")]) %*% solve(vd) %*%
                  (coef(fe) - coef(re)[c("x1", "x2")]))
      h <- phtest(fe, re)
      return(list(id = "phtest_indefinite", data_file = file.path(REF, "data/hausman_indefinite.csv"),
                  unit = "id", time = "year", formula = "y ~ x1 + x2", seed = seed,
                  eigenvalues = ev, quadratic_form = q,
                  statistic = unname(h$statistic), df = unname(h$parameter),
                  p_value = h$p.value))
    }
  }
  stop("no seed gave an indefinite V_W - V_R")
}

cd_case <- function() {
  set.seed(20220301)
  # Units 1-4 observed 2001-2006, units 5-8 observed 2006-2010 (a pair across the groups
  # shares one year), units 9-10 observed 2001-2003 and 2008-2010 (sharing none with each
  # other); every unit has at least three periods.
  spans <- list(2001:2006, 2001:2006, 2001:2006, 2001:2006,
                2006:2010, 2006:2010, 2006:2010, 2006:2010,
                2001:2003, 2008:2010)
  d <- do.call(rbind, lapply(seq_along(spans), function(i)
    data.frame(id = i, year = spans[[i]])))
  m <- nrow(d)
  d$x <- round(rnorm(m), 4)
  common <- rnorm(2010 - 2000)[d$year - 2000]
  d$y <- round(0.5 * d$x + common + rnorm(m), 4)
  f <- file.path(REF, "data/cd_sparse.csv")
  write.csv(d, f, row.names = FALSE)
  pd <- pdata.frame(d, index = c("id", "year"))
  fe <- plm(y ~ x, data = pd, model = "within")
  ct <- suppressWarnings(pcdtest(fe, test = "cd"))
  tij <- crossprod(table(d$year, d$id))
  skipped <- sum(tij[lower.tri(tij)] <= 1)
  list(id = "pcdtest_cd_sparse", data_file = f, unit = "id", time = "year",
       formula = "y ~ x", pairs = length(spans) * (length(spans) - 1) / 2,
       skipped_pairs = skipped, statistic = unname(ct$statistic), p_value = ct$p.value)
}

htest <- function(h) list(statistic = unname(h$statistic), df = unname(h$parameter),
                          p_value = h$p.value)

battery_cases <- function() {
  out <- list()
  for (f in c("grunfeld", "grunfeld_unbal")) {
    file <- file.path(REF, "data", paste0(f, ".csv"))
    pd <- pdata.frame(read.csv(file), index = c("firm", "year"))
    fm <- inv ~ value + capital
    tw <- plm(fm, pd, model = "within", effect = "twoways")
    ind <- plm(fm, pd, model = "within")
    ti <- plm(fm, pd, model = "within", effect = "time")
    po <- plm(fm, pd, model = "pooling")
    fd <- plm(fm, pd, model = "fd")
    base <- list(data_file = file, unit = "firm", time = "year", formula = "inv ~ value + capital")
    out[[length(out) + 1]] <- c(list(id = paste0("battery_twoways_", f), model = "twoways"), base,
      list(tests = list(f_twoways = htest(pFtest(tw, po)), f_time = htest(pFtest(tw, ind)),
                        bp_twoways = htest(plmtest(po, effect = "twoways", type = "bp")),
                        pwartest = htest(pwartest(tw)),
                        cd = htest(pcdtest(tw, test = "cd")))))
    out[[length(out) + 1]] <- c(list(id = paste0("battery_time_", f), model = "within-time"), base,
      list(tests = list(f_time = htest(pFtest(ti, po)),
                        bp_time = htest(plmtest(po, effect = "time", type = "bp")),
                        cd = htest(pcdtest(ti, test = "cd")))))
    out[[length(out) + 1]] <- c(list(id = paste0("battery_fd_", f), model = "fd",
                                     n_fd = nobs(fd)), base,
      list(tests = list(pwfdtest_fd = htest(pwfdtest(fd, h0 = "fd")),
                        pwfdtest_fe = htest(pwfdtest(fd, h0 = "fe")))))
  }
  out
}

out <- list(
  versions = list(R = as.character(getRversion()), plm = as.character(packageVersion("plm")),
                  jsonlite = as.character(packageVersion("jsonlite"))),
  cases = c(list(hausman_case(), cd_case()), battery_cases())
)
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE),
           file.path(REF, "fixtures/spec_tests/plm_spectests.json"))
