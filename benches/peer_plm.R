# R plm peer: read the CSV, fit one model, print coefficients and SEs as one JSON line.
# Usage: Rscript benches/peer_plm.R FILE within|twoways|pooled|read   (read: load and read only)
suppressPackageStartupMessages({ library(plm); library(sandwich) })
args <- commandArgs(trailingOnly = TRUE)
file <- args[1]; model <- args[2]
d <- if (requireNamespace("data.table", quietly = TRUE)) {
  as.data.frame(data.table::fread(file))
} else {
  read.csv(file)
}
if (model == "read") { cat(sprintf('{"tool": "plm", "model": "read", "nobs": %d}\n', nrow(d))); quit(save = "no") }
f <- y ~ x1 + x2 + x3
if (model == "within") {
  fit <- plm(f, data = d, index = c("id", "year"), model = "within", effect = "individual")
  V <- vcovHC(fit, method = "arellano")                  # HC0, clustered by id
} else if (model == "twoways") {
  fit <- plm(f, data = d, index = c("id", "year"), model = "within", effect = "twoways")
  V <- vcovHC(fit, method = "arellano")
} else if (model == "pooled") {
  fit <- plm(f, data = d, index = c("id", "year"), model = "pooling")
  V <- vcovHC(fit, method = "white1", type = "HC1")     # heteroskedasticity-robust, HC1
} else stop("model must be within, twoways or pooled")
b <- coef(fit); se <- sqrt(diag(V))
num <- function(v) paste(sprintf('"%s": %.17g', names(v), v), collapse = ", ")
cat(sprintf('{"tool": "plm", "model": "%s", "nobs": %d, "coef": {%s}, "se": {%s}}\n',
            model, nobs(fit), num(b), num(se)))
