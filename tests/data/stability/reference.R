# Reference values for tests/core/stability (R, base stats + nlme). Run: Rscript reference.R
options(digits = 12)
poi <- function(model, nd_fun, limit, level, side = "lower") {
  f <- function(t) {
    p <- predict(model, newdata = nd_fun(t), interval = "confidence", level = level)
    if (side == "lower") p[1, "lwr"] - limit else limit - p[1, "upr"]
  }
  uniroot(f, c(0, 500), tol = 1e-10)$root
}
for (name in c("common", "common_slope", "separate")) {
  d <- read.csv(paste0(name, ".csv"))
  d$batch <- factor(d$batch)
  full <- lm(potency ~ batch * month, data = d)
  sics <- lm(potency ~ batch + month, data = d)
  cics <- lm(potency ~ month, data = d)
  a <- anova(full, sics, cics)
  cat(sprintf("%s slopes_F %.10f slopes_p %.10f intercepts_F %.10f intercepts_p %.10f\n",
              name, a[2, "F"], a[2, "Pr(>F)"], a[3, "F"], a[3, "Pr(>F)"]))
  cat(sprintf("%s cics %.10f %.10f sics_slope %.10f\n", name, coef(cics)[1], coef(cics)[2],
              coef(sics)["month"]))
  # shelf life, lower limit 95, one-sided 95 % (level 0.90 two-sided band)
  cat(sprintf("%s cics_poi %.10f\n", name,
              poi(cics, function(t) data.frame(month = t), 95, 0.90)))
  for (b in levels(d$batch)) {
    ind <- lm(potency ~ month, data = d[d$batch == b, ])
    cat(sprintf("%s batch %s ind %.10f %.10f poi_ind %.10f poi_sics %.10f poi_full %.10f\n", name, b,
                coef(ind)[1], coef(ind)[2],
                poi(ind, function(t) data.frame(month = t), 95, 0.90),
                poi(sics, function(t) data.frame(month = t, batch = factor(b, levels(d$batch))), 95, 0.90),
                poi(full, function(t) data.frame(month = t, batch = factor(b, levels(d$batch))), 95, 0.90)))
  }
}
d <- read.csv("common.csv"); d$batch <- factor(d$batch)
cics <- lm(potency ~ month, data = d)
# two limits 95 / 105: two-sided 95 % band (level 0.95)
cat(sprintf("common two-sided lower %.10f\n", poi(cics, function(t) data.frame(month = t), 95, 0.95)))
# log transform
lc <- lm(log(potency) ~ month, data = d)
cat(sprintf("common log %.10f %.10f poi %.10f\n", coef(lc)[1], coef(lc)[2],
            poi(lc, function(t) data.frame(month = t), log(95), 0.90)))
# prediction interval for out-of-trend: batch A own fit, month 24, 95 % two-sided
ia <- lm(potency ~ month, data = d[d$batch == "A" & d$month < 24, ])
p <- predict(ia, data.frame(month = 24), interval = "prediction", level = 0.95)
cat(sprintf("oot A24 fit %.10f lwr %.10f upr %.10f\n", p[1, "fit"], p[1, "lwr"], p[1, "upr"]))
library(nlme)
s <- read.csv("separate.csv"); s$batch <- factor(s$batch)
m1 <- lme(potency ~ month, random = ~ month | batch, data = s, method = "REML")
cat(sprintf("lme slope fixef %.10f %.10f se %.10f %.10f\n", fixef(m1)[1], fixef(m1)[2],
            sqrt(diag(vcov(m1)))[1], sqrt(diag(vcov(m1)))[2]))
m0 <- lme(potency ~ month, random = ~ 1 | batch, data = s, method = "REML")
cat(sprintf("lme icpt fixef %.10f %.10f se %.10f %.10f sigma %.10f\n", fixef(m0)[1], fixef(m0)[2],
            sqrt(diag(vcov(m0)))[1], sqrt(diag(vcov(m0)))[2], m0$sigma))
cat(sprintf("lme icpt batch sd %.10f\n", as.numeric(VarCorr(m0)[1, "StdDev"])))
