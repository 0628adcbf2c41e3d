# Reference values for tests/core/comparability (R, base stats). Run: Rscript reference.R
options(digits = 12)
pre <- read.csv("pre.csv"); post <- read.csv("post.csv")
for (a in c("purity_sec", "hmw", "potency", "acidic_variants")) {
  r <- pre[[a]]; t <- post[[a]]
  ci <- t.test(t, r, var.equal = FALSE, conf.level = 0.90)$conf.int
  cat(sprintf("%s mean_pre %.10f sd_pre %.10f mean_post %.10f ci90 %.10f %.10f margin %.10f range %.10f %.10f\n",
              a, mean(r), sd(r), mean(t), ci[1], ci[2], 1.5 * sd(r), mean(r) - 3 * sd(r), mean(r) + 3 * sd(r)))
}
s <- read.csv("stability.csv"); s$lot <- factor(s$lot); s$post <- as.numeric(s$group == "post")
m <- lm(purity_sec ~ 0 + lot + month + month:post, data = s)
cf <- summary(m)$coefficients
ci <- confint(m, "month:post", level = 0.90)
cat(sprintf("slopes pre %.10f diff %.10f se %.10f p %.10f ci90 %.10f %.10f df %d\n",
            coef(m)["month"], coef(m)["month:post"], cf["month:post", "Std. Error"],
            cf["month:post", "Pr(>|t|)"], ci[1], ci[2], m$df.residual))
