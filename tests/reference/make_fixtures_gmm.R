#!/usr/bin/env Rscript
# Reference fixtures for dynamic-panel GMM (Arellano–Bond difference GMM and
# Blundell–Bond system GMM) from plm::pgmm.
#
# Usage (from the repository root):
#   Rscript tests/reference/make_fixtures_gmm.R data      # writes data/emplUK*.csv
#   Rscript tests/reference/make_fixtures_gmm.R fixtures  # writes fixtures/gmm/plm_pgmm_emplUK.json
#
# Data: plm's EmplUK (Arellano and Bond 1991), 140 UK firms, 1976–1984, unbalanced
# (firms enter and leave, no interior gaps). Written with logs precomputed so the
# iku formula language (which has no log()) sees the same variables:
#   n = log(emp), w = log(wage), k = log(capital), ys = log(output), one = 1.
# emplUK_gaps.csv drops the rows (firm %% 17 == 3, year == 1980) to create interior
# gaps; emplUK_bal.csv keeps the 76 firms observed in every year 1977–1983 (balanced).
#
# Each case records plm's own numbers: coefficients (step 2 for two-step), the
# non-robust covariance vcov(fit), the robust covariance vcovHC(fit) (one-step:
# robust sandwich; two-step: Windmeijer 2005), sargan(fit, "twosteps") (plm's
# "Sargan test" in summary(), i.e. Hansen's J), sargan(fit, "onestep"), and
# mtest(fit, 1/2, vcov = vcovHC(fit)) (what summary() prints), plus the non-robust
# mtest for two-step fits. The robust covariance is passed as a matrix, as summary()
# does: passed as the function `vcovHC`, plm 2.6-2's mtest also uses it in place of
# vcov(fit) inside the variance of the statistic (the name `vcov` is shadowed), which
# gives a different (often negative, hence NaN) variance.

suppressPackageStartupMessages({
  library(plm)
  library(jsonlite)
})

args <- commandArgs(trailingOnly = TRUE)
mode <- if (length(args) >= 1) args[1] else "fixtures"
REF <- "tests/reference"
stopifnot(dir.exists(REF))

VERSIONS <- list(
  R = paste(R.version$major, R.version$minor, sep = "."),
  plm = packageDescription("plm")$Version,
  jsonlite = packageDescription("jsonlite")$Version
)

emplUK <- function() {
  data("EmplUK", package = "plm", envir = environment())
  d <- EmplUK[order(EmplUK$firm, EmplUK$year), ]
  data.frame(firm = d$firm, year = d$year,
             n = log(d$emp), w = log(d$wage), k = log(d$capital),
             ys = log(d$output), one = 1)
}

write_data <- function() {
  d <- emplUK()
  write.csv(d, file.path(REF, "data", "emplUK.csv"), row.names = FALSE, quote = FALSE)
  gaps <- d[!(d$firm %% 17 == 3 & d$year == 1980), ]
  write.csv(gaps, file.path(REF, "data", "emplUK_gaps.csv"), row.names = FALSE, quote = FALSE)
  s <- d[d$year >= 1977 & d$year <= 1983, ]
  full <- names(which(table(s$firm) == 7))
  bal <- s[s$firm %in% as.numeric(full), ]
  write.csv(bal, file.path(REF, "data", "emplUK_bal.csv"), row.names = FALSE, quote = FALSE)
}

if (mode == "data") {
  write_data()
  quit(save = "no")
}

num <- function(x) unname(as.numeric(x))
mat <- function(m) unname(lapply(seq_len(nrow(m)), function(i) num(m[i, ])))
htest <- function(h) list(stat = num(h$statistic), df = if (is.null(h$parameter)) NULL else num(h$parameter),
                          p_value = num(h$p.value))
ztest <- function(h) list(z = num(h$statistic), p_value = num(h$p.value))

# iku_terms: the iku names of plm's coefficients, in plm's order (time dummies
# "1979" become "year::1979"; plm's "(Intercept)" stays).
make_case <- function(id, dataset, plm_formula, iku_formula, iku_instruments, iku_terms,
                      transformation, effect, model, collapse) {
  d <- read.csv(file.path(REF, "data", paste0(dataset, ".csv")))
  pd <- pdata.frame(d, index = c("firm", "year"))
  fsm <- if (transformation == "d") "G" else "full"
  fit <- pgmm(as.formula(plm_formula), data = pd, effect = effect, model = model,
              collapse = collapse, transformation = transformation, fsm = fsm)
  b <- coef(fit)
  nm <- names(b)
  td <- grepl("^[0-9]+$", nm)
  dummies <- if (any(td)) paste0("year::", nm[td]) else character(0)
  terms <- c(iku_terms, dummies)
  if (transformation == "ld" && effect == "twoways") {
    # plm puts "(Intercept)" first among the time-effect columns
    terms <- c(iku_terms, "(Intercept)", dummies)
  }
  if (length(terms) != length(b)) stop(id, ": ", paste(nm, collapse = " | "))
  V <- vcov(fit)
  VR <- vcovHC(fit)
  case <- list(
    id = id,
    dataset = dataset,
    data_file = file.path(REF, "data", paste0(dataset, ".csv")),
    call = sprintf("pgmm(%s, effect = '%s', model = '%s', collapse = %s, transformation = '%s', fsm = '%s')",
                   plm_formula, effect, model, collapse, transformation, fsm),
    plm_formula = plm_formula,
    formula = iku_formula,
    instruments = iku_instruments,
    transformation = transformation,
    effect = effect,
    steps = if (model == "onestep") 1L else 2L,
    collapse = collapse,
    n_units = num(pdim(fit)$nT$n),
    n_instruments = ncol(fit$W[[1L]]),
    # instrument columns that are zero for every firm (plm keeps and counts them)
    zero_columns = sum(colSums(Reduce("+", lapply(fit$W, function(w) abs(as.matrix(w))))) == 0),
    nobs = sum(unlist(fit$residuals, use.names = FALSE) != 0),
    plm_terms = nm,
    terms = terms,
    estimate = num(b),
    vcov = mat(V),
    vcov_robust = mat(VR),
    sargan_twosteps = htest(sargan(fit, "twosteps")),
    sargan_onestep = htest(sargan(fit, "onestep")),
    ar1_robust = ztest(mtest(fit, order = 1L, vcov = VR)),
    ar2_robust = ztest(mtest(fit, order = 2L, vcov = VR))
  )
  if (model == "twosteps") {
    case$estimate_step1 <- num(fit$coefficients[[1L]])
    case$ar1 <- ztest(mtest(fit, order = 1L))
    case$ar2 <- ztest(mtest(fit, order = 2L))
  }
  case
}

# Arellano and Bond (1991), table 4: (a1) one-step, (b) two-step; Blundell and
# Bond (1998), table 4 (DPD for Ox col. 4) - the examples in ?pgmm.
AB_A <- "n ~ lag(n, 1:2) + lag(w, 0:1) + lag(k, 0:2) + lag(ys, 0:2) | lag(n, 2:99) | lag(w, 0:1) + lag(k, 0:2) + lag(ys, 0:2)"
AB_A_IKU <- c("n ~ l(n, 1:2) + l(w, 0:1) + l(k, 0:2) + l(ys, 0:2)",
              "gmm(n, 2:99) + iv(w, 0:1) + iv(k, 0:2) + iv(ys, 0:2)")
AB_A_TERMS <- c("l(n, 1)", "l(n, 2)", "l(w, 0)", "l(w, 1)", "l(k, 0)", "l(k, 1)", "l(k, 2)",
                "l(ys, 0)", "l(ys, 1)", "l(ys, 2)")
AB_B <- "n ~ lag(n, 1:2) + lag(w, 0:1) + k + lag(ys, 0:1) | lag(n, 2:99) | lag(w, 0:1) + k + lag(ys, 0:1)"
AB_B_IKU <- c("n ~ l(n, 1:2) + l(w, 0:1) + k + l(ys, 0:1)",
              "gmm(n, 2:99) + iv(w, 0:1) + iv(k) + iv(ys, 0:1)")
AB_B_TERMS <- c("l(n, 1)", "l(n, 2)", "l(w, 0)", "l(w, 1)", "k", "l(ys, 0)", "l(ys, 1)")
BB <- "n ~ lag(n, 1) + lag(w, 0:1) + lag(k, 0:1) | lag(n, 2:99) + lag(w, 2:99) + lag(k, 2:99)"
BB_IKU <- c("n ~ l(n, 1) + l(w, 0:1) + l(k, 0:1)",
            "gmm(n, 2:99) + gmm(w, 2:99) + gmm(k, 2:99)")
BB_TERMS <- c("l(n, 1)", "l(w, 0)", "l(w, 1)", "l(k, 0)", "l(k, 1)")
# System GMM with individual effects: plm adds no intercept; a column of ones used
# as regressor and level instrument reproduces iku's "(Intercept)" (its difference
# is zero, so it only enters the level equations).
BB1 <- "n ~ lag(n, 1) + lag(w, 0:1) + one | lag(n, 2:99) + lag(w, 2:99) | one"
BB1_IKU <- c("n ~ l(n, 1) + l(w, 0:1)", "gmm(n, 2:99) + gmm(w, 2:99)")
BB1_TERMS <- c("l(n, 1)", "l(w, 0)", "l(w, 1)", "(Intercept)")
BB0 <- "n ~ lag(n, 1) + lag(w, 0:1) | lag(n, 2:99) + lag(w, 2:99)"
BB0_IKU <- c("n ~ l(n, 1) + l(w, 0:1) - 1", "gmm(n, 2:99) + gmm(w, 2:99)")
BB0_TERMS <- c("l(n, 1)", "l(w, 0)", "l(w, 1)")
DIFF1 <- "n ~ lag(n, 1) + w + k | lag(n, 2:99) + lag(w, 2:99) | k"
DIFF1_IKU <- c("n ~ l(n, 1) + w + k", "gmm(n, 2:99) + gmm(w, 2:99) + iv(k)")
DIFF1_TERMS <- c("l(n, 1)", "w", "k")

specs <- list(
  list("ab91_a1", "emplUK", AB_A, AB_A_IKU, AB_A_TERMS, "d", "twoways", "onestep", FALSE),
  list("ab91_b", "emplUK", AB_B, AB_B_IKU, AB_B_TERMS, "d", "twoways", "twosteps", FALSE),
  list("ab91_b_collapse", "emplUK", AB_B, AB_B_IKU, AB_B_TERMS, "d", "twoways", "twosteps", TRUE),
  list("diff_ind_1s", "emplUK", DIFF1, DIFF1_IKU, DIFF1_TERMS, "d", "individual", "onestep", FALSE),
  list("diff_ind_2s_collapse", "emplUK", DIFF1, DIFF1_IKU, DIFF1_TERMS, "d", "individual", "twosteps", TRUE),
  list("bb98_1s", "emplUK", BB, BB_IKU, BB_TERMS, "ld", "twoways", "onestep", FALSE),
  list("bb98_2s", "emplUK", BB, BB_IKU, BB_TERMS, "ld", "twoways", "twosteps", FALSE),
  list("bb98_2s_collapse", "emplUK", BB, BB_IKU, BB_TERMS, "ld", "twoways", "twosteps", TRUE),
  list("sys_ind_noint_1s", "emplUK", BB0, BB0_IKU, BB0_TERMS, "ld", "individual", "onestep", FALSE),
  list("sys_ind_2s", "emplUK", BB1, BB1_IKU, BB1_TERMS, "ld", "individual", "twosteps", FALSE),
  list("sys_ind_1s_collapse", "emplUK", BB1, BB1_IKU, BB1_TERMS, "ld", "individual", "onestep", TRUE),
  list("gaps_diff_2s", "emplUK_gaps", DIFF1, DIFF1_IKU, DIFF1_TERMS, "d", "twoways", "twosteps", FALSE),
  list("gaps_sys_2s", "emplUK_gaps", BB1, BB1_IKU, BB1_TERMS, "ld", "individual", "twosteps", FALSE),
  list("bal_diff_2s", "emplUK_bal", DIFF1, DIFF1_IKU, DIFF1_TERMS, "d", "twoways", "twosteps", FALSE),
  list("bal_sys_2s_collapse", "emplUK_bal", BB, BB_IKU, BB_TERMS, "ld", "twoways", "twosteps", TRUE)
)

cases <- lapply(specs, function(s) {
  make_case(s[[1]], s[[2]], s[[3]], s[[4]][1], s[[4]][2], s[[5]], s[[6]], s[[7]], s[[8]], s[[9]])
})

out <- list(
  peer = "plm",
  function_name = "pgmm",
  versions = VERSIONS,
  unit = "firm", time = "year",
  cases = cases
)
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE, null = "null"),
           file.path(REF, "fixtures", "gmm", "plm_pgmm_emplUK.json"))
