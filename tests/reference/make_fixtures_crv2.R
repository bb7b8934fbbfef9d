#!/usr/bin/env Rscript
# CR2 (Bell-McCaffrey) cluster-robust standard errors from clubSandwich, by firm.
# Usage (from the repository root): Rscript tests/reference/make_fixtures_crv2.R
# Writes tests/reference/fixtures/few_clusters/clubsandwich_grunfeld.json. Needs r-cran-plm,
# r-cran-clubsandwich, r-cran-jsonlite (Debian packages).
#
# Cases: plm within (unit effects nested in the firm clusters) and lm pooled OLS, on the
# balanced and the unbalanced Grunfeld panel. clubSandwich's CR2 is computed with its
# default target (identity for unweighted fits) and no further small-sample factor.
suppressMessages({
  library(plm)
  library(clubSandwich)
  library(jsonlite)
})
cases <- list()
for (ds in c("grunfeld", "grunfeld_unbal")) {
  file <- sprintf("tests/reference/data/%s.csv", ds)
  d <- read.csv(file)
  pd <- pdata.frame(d, index = c("firm", "year"))
  fits <- list(
    within = plm(inv ~ value + capital, data = pd, model = "within"),
    pooled = lm(inv ~ value + capital, data = d)
  )
  for (m in names(fits)) {
    cl <- if (m == "within") pd$firm else d$firm
    v <- vcovCR(fits[[m]], cluster = cl, type = "CR2")
    se <- sqrt(diag(as.matrix(v)))
    cases[[length(cases) + 1]] <- list(
      id = sprintf("%s/%s/crv2", ds, m), data_file = file, model = m,
      formula = "inv ~ value + capital", std_errors = as.list(se)
    )
  }
}
out <- list(
  versions = list(R = as.character(getRversion()),
                  plm = as.character(packageVersion("plm")),
                  clubSandwich = as.character(packageVersion("clubSandwich")),
                  jsonlite = as.character(packageVersion("jsonlite"))),
  cluster = "firm", cases = cases
)
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE),
           "tests/reference/fixtures/few_clusters/clubsandwich_grunfeld.json")
