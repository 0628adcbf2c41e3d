"""`qbdkit doe analyze | predict | reassess` through the CLI.

NIST StRD linear least squares, all 11 sets (tests/data/nist, certified values computed by NIST
in 500-digit arithmetic): certified coefficients, their standard deviations, the residual SD and
R² must agree to LRE ≥ 9 (Filip ≥ 7), LRE = −log10(|ours − cert| / |cert|) (McCullough 1998,
"Assessing the reliability of statistical software", The American Statistician 52:358–366);
for a certified value of 0 (Wampler1/2 exact fits) the absolute error must be ≤ 1e-9 of the
scale of the data instead.
"""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import pytest

DATA = Path(__file__).parents[1] / "data"
NIST = json.loads((DATA / "nist" / "certified.json").read_text())["datasets"]
DEMO = Path(__file__).parents[2] / "src" / "qbdkit" / "demo" / "mab" / "doe" / "results.csv"


def lre(value: float, certified: str) -> float:
    c = float(certified)
    if value == c:
        return 15.0
    return -math.log10(abs(value - c) / abs(c))


@pytest.mark.parametrize("name", sorted(NIST))
def test_nist_strd_through_cli(cli, name):
    d = NIST[name]
    r = cli("doe", "analyze", DATA / "nist" / d["csv"], "--model", d["formula"], "--coding", "actual",
            "--json")
    assert r.code == 0, r.err
    fit = r.json()["responses"][0]
    terms = fit["terms"]
    params = list(d["parameters"].values())
    assert len(terms) == len(params)
    need = d["min_lre"]
    ysize = 1.0
    for t, cert in zip(terms, params, strict=True):
        ysize = max(ysize, abs(float(cert["estimate"])))
        if float(cert["estimate"]) == 0:
            assert abs(t["coef"]) <= 1e-9
        else:
            assert lre(t["coef"], cert["estimate"]) >= need, (t["term"], t["coef"], cert["estimate"])
        if float(cert["std_dev"]) == 0:
            assert abs(t["se"]) <= 1e-9 * ysize, (t["term"], t["se"])
        else:
            assert lre(t["se"], cert["std_dev"]) >= need, (t["term"], t["se"], cert["std_dev"])
    if float(d["residual_sd"]) == 0:
        assert fit["rmse"] <= 1e-9 * ysize
    else:
        assert lre(fit["rmse"], d["residual_sd"]) >= need
    assert lre(fit["r2"], d["r_squared"]) >= need


def test_formula_terms_as_written_and_no_intercept(cli):
    r = cli("doe", "analyze", DATA / "nist" / "Pontius.csv", "--model", "y ~ x + I(x**2)",
            "--coding", "actual", "--json")
    assert r.code == 0, r.err
    assert [t["term"] for t in r.json()["responses"][0]["terms"]] == ["Intercept", "x", "I(x ** 2)"]
    r = cli("doe", "analyze", DATA / "nist" / "NoInt1.csv", "--model", "y ~ x - 1", "--coding",
            "actual", "--json")
    fit = r.json()["responses"][0]
    assert [t["term"] for t in fit["terms"]] == ["x"]
    assert fit["residual_df"] == 10


def test_json_shape(cli):
    r = cli("doe", "analyze", DEMO, "--response", "Titer (g/L)", "--response", "HCP (ng/mg)", "--json")
    assert r.code == 0, r.err
    out = r.json()
    assert [x["name"] for x in out["responses"]] == ["Titer (g/L)", "HCP (ng/mg)"]
    for resp in out["responses"]:
        for key in ("name", "terms", "anova", "r2", "r2_adj", "q2", "rmse", "residual_df", "lack_of_fit"):
            assert key in resp
        assert set(resp["terms"][0]) >= {"term", "coef", "se", "t", "p"}
        assert set(resp["anova"][0]) >= {"source", "df", "ss", "ms", "f", "p"}
        assert set(resp["lack_of_fit"]) >= {"f", "p"}  # 4 centre points → pure error
        assert resp["residual_df"] == 28 - 15
    # the other responses are not taken as factors
    assert {f["name"] for f in out["factors"]} == {"Temperature (°C)", "pH", "DO (%)", "Feed (%)"}


def test_montgomery_reduce_through_cli(cli):
    csv = DATA / "doe" / "montgomery_ex6_2_filtration_2x4.csv"
    r = cli("doe", "analyze", csv, "--response", "filtration_rate", "--model", "interaction",
            "--factors", "A_temperature,C_formaldehyde_conc,D_stirring_rate", "--reduce", "--json")
    assert r.code == 0, r.err
    fit = r.json()["responses"][0]
    # JMP output quoted in Montgomery Table 6.15 (reduced model A, C, D, AC, AD)
    assert {t["term"] for t in fit["terms"]} == {
        "Intercept", "A_temperature", "C_formaldehyde_conc", "D_stirring_rate",
        "A_temperature:C_formaldehyde_conc", "A_temperature:D_stirring_rate"}
    assert fit["r2"] == pytest.approx(0.965952, abs=1e-6)
    assert fit["lack_of_fit"]["f"] == pytest.approx(0.3482, abs=5e-5)


def test_user_column_names(cli, tmp_path):
    text = DEMO.read_text(encoding="utf-8")
    text = text.replace("Titer (g/L)", "yield").replace("Temperature (°C)", "温度 (°C)").replace(
        "Aggregate (%)", "收率")
    p = tmp_path / "runs.csv"
    p.write_bytes(text.encode("gb18030"))
    r = cli("doe", "analyze", p, "--model", "yield ~ 温度 (°C) + pH + 温度 (°C):pH + I(温度 (°C)**2)",
            "--json")
    assert r.code == 0, r.err
    fit = r.json()["responses"][0]
    assert fit["name"] == "yield"
    assert [t["term"] for t in fit["terms"]] == [
        "Intercept", "温度 (°C)", "pH", "温度 (°C):pH", "I(温度 (°C) ** 2)"]
    r2 = cli("doe", "analyze", p, "--response", "收率", "--model", "~ `温度 (°C)` + pH", "--json")
    assert r2.code == 0, r2.err
    assert r2.json()["responses"][0]["name"] == "收率"


def _write(tmp_path, text: str, name: str = "bad.csv") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_missing_response_values_are_dropped_and_reported(cli, tmp_path):
    lines = DEMO.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    j = header.index("Titer (g/L)")
    rows = [ln.split(",") for ln in lines[1:]]
    rows[2][j] = ""
    rows[5][j] = ""
    p = _write(tmp_path, "\n".join([lines[0]] + [",".join(r) for r in rows]) + "\n")
    r = cli("doe", "analyze", p, "-r", "Titer (g/L)", "--json")
    assert r.code == 0, r.err
    fit = r.json()["responses"][0]
    assert fit["n"] == 26
    assert fit["dropped_rows"] == [4, 7]
    assert "2 row(s) without a response value dropped" in r.err
    json.loads(r.out)  # stdout stays pure JSON


def test_non_numeric_cell(cli, tmp_path):
    p = _write(tmp_path, "A,B,y\n-1,-1,1\n1,-1,2\n-1,1,abc\n1,1,4\n0,0,2\n0,0,2.5\n")
    r = cli("doe", "analyze", p, "-r", "y", "--model", "linear")
    assert r.code == 2
    assert "bad.csv:4: y: not a number" in r.err and "'abc'" in r.err


def test_singular_design_names_aliased_terms(cli, tmp_path):
    # 2^(3-1) with C = AB: the AB interaction is aliased with C
    p = _write(tmp_path, "A,B,C,y\n-1,-1,1,1\n1,-1,-1,2\n-1,1,-1,3\n1,1,1,5\n0,0,0,3\n0,0,0,3.2\n")
    r = cli("doe", "analyze", p, "-r", "y", "--model", "y ~ A + B + C + A:B")
    assert r.code == 2
    assert "singular design" in r.err and "'A:B'" in r.err and "C" in r.err


def test_too_few_residual_df(cli, tmp_path):
    p = _write(tmp_path, "A,B,y\n-1,-1,1\n1,-1,2\n-1,1,3\n0,0,2\n")
    r = cli("doe", "analyze", p, "-r", "y", "--model", "quadratic")
    assert r.code == 2
    assert "too few" in r.err


def test_unknown_response_and_bad_model(cli):
    r = cli("doe", "analyze", DEMO, "-r", "Purity")
    assert r.code == 2 and "response column not found" in r.err
    r = cli("doe", "analyze", DEMO, "-r", "pH", "--model", "cubic")
    assert r.code == 2 and "unknown model" in r.err
    r = cli("doe", "analyze", DEMO, "--model", "Titer (g/L) ~ nonsense + pH")
    assert r.code == 2


def test_xlsx_run_sheet_with_factors_sheet(cli, tmp_path):
    import pandas as pd

    frame = pd.read_csv(DEMO)
    p = tmp_path / "runs.xlsx"
    with pd.ExcelWriter(p) as xw:
        frame.to_excel(xw, sheet_name="runs", index=False)
        pd.DataFrame({"name": ["Temperature (°C)", "pH", "DO (%)", "Feed (%)"],
                      "type": ["numeric"] * 4, "low": [34, 6.8, 30, 2], "high": [38, 7.2, 50, 4],
                      "unit": ["°C", "", "%", "%"], "levels": [""] * 4}).to_excel(
            xw, sheet_name="factors", index=False)
    r = cli("doe", "analyze", p, "-r", "Aggregate (%)", "--model", "linear", "--json")
    assert r.code == 0, r.err
    fit = r.json()["responses"][0]
    temp = next(f for f in fit["factors"] if f["name"] == "Temperature (°C)")
    assert (temp["low"], temp["high"]) == (34, 38)  # coding from the factors sheet


def test_predict_and_reassess(cli):
    r = cli("doe", "predict", DEMO, "-r", "Titer (g/L)", "--at", "Temperature (°C)=36", "--at", "pH=7",
            "--at", "DO (%)=40", "--at", "Feed (%)=3", "--json")
    assert r.code == 0, r.err
    p = r.json()["predictions"][0]
    assert p["pi_lower"] < p["ci_lower"] < p["mean"] < p["ci_upper"] < p["pi_upper"]
    r = cli("doe", "reassess", DEMO, "--spec", "Aggregate (%)<=3", "--spec", "5<=Afucosylation (%)<=11",
            "--spec", "HCP (ng/mg)<=100", "--performance", "Titer (g/L)>=4", "--reduce", "--json")
    assert r.code == 0, r.err
    classes = {c["name"]: c["cls"] for c in r.json()["classes"]}
    assert classes["DO (%)"] == "GPP"
    assert classes["Temperature (°C)"] == "CPP"
    r = cli("doe", "reassess", DEMO, "--spec", "Aggregate (%)=5..3")
    assert r.code == 2 and "contradictory" in r.err
    r = cli("doe", "reassess", DEMO, "--spec", "Purity<=3")
    assert r.code == 2


def test_out_html(cli, tmp_path):
    out = tmp_path / "r.html"
    r = cli("doe", "analyze", DEMO, "-r", "Titer (g/L)", "--out", out)
    assert r.code == 0, r.err
    html = out.read_text(encoding="utf-8")
    assert "<svg" in html and "Titer (g/L)" in html


def test_copy_of_demo_is_not_modified(tmp_path, cli):
    p = tmp_path / "r.csv"
    shutil.copy(DEMO, p)
    before = p.read_bytes()
    cli("doe", "analyze", p, "-r", "HCP (ng/mg)")
    assert p.read_bytes() == before


def test_transform_and_unreplicated_effects(cli, tmp_path):
    csv = DATA / "doe" / "poisons.csv"
    r = cli("doe", "analyze", csv, "--model", "time ~ C(poison) + C(treat)", "--transform", "time=inverse",
            "--json")
    assert r.code == 0, r.err
    fit = r.json()["responses"][0]
    assert fit["transform"] == -1.0 and fit["boxcox"] is None
    r = cli("doe", "analyze", csv, "--model", "time ~ C(poison) + C(treat)", "--json")
    assert r.json()["responses"][0]["boxcox"]["suggested"] == -1.0
    r = cli("doe", "analyze", csv, "--model", "time ~ C(poison)", "--transform", "time=cubic")
    assert r.code == 2 and "unknown transform" in r.err
    # saturated unreplicated 2^4: effects and Lenth, no residual df, a half-normal plot in the report
    out = tmp_path / "m.html"
    r = cli("doe", "analyze", DATA / "doe" / "montgomery_ex6_2_filtration_2x4.csv", "--model",
            "filtration_rate ~ A_temperature*B_pressure*C_formaldehyde_conc*D_stirring_rate", "--json",
            "--out", out)
    assert r.code == 0, r.err
    fit = r.json()["responses"][0]
    assert fit["residual_df"] == 0 and fit["effects"]["pse"] == pytest.approx(2.625)
    assert "half-normal" in out.read_text(encoding="utf-8")


def test_predict_bad_settings(cli):
    base = ["doe", "predict", DEMO, "-r", "Titer (g/L)", "--at", "pH=7", "--at", "DO (%)=40",
            "--at", "Feed (%)=3"]
    r = cli(*base, "--at", "Temperature (°C)=warm")
    assert r.code == 2 and "Temperature (°C): setting is not a number" in r.err
    r = cli(*base)
    assert r.code == 2 and "missing factor column" in r.err and "Temperature (°C)" in r.err


def test_coded_fit_also_reports_actual_coefficients(cli):
    r = cli("doe", "analyze", DEMO, "-r", "Aggregate (%)", "--model", "linear", "--json")
    fit = r.json()["responses"][0]
    coded = {t["term"]: t["coef"] for t in fit["terms"]}
    actual = {t["term"]: t["coef"] for t in fit["terms_actual"]}
    # linear model: actual slope = coded slope / half-range (pH 6.8–7.2 → 0.2; DO 30–50 → 10)
    assert actual["pH"] == pytest.approx(coded["pH"] / 0.2, rel=1e-10)
    assert actual["DO (%)"] == pytest.approx(coded["DO (%)"] / 10, rel=1e-10)
    centre = {"Temperature (°C)": 36, "pH": 7.0, "DO (%)": 40, "Feed (%)": 3}
    at_centre = actual["Intercept"] + sum(actual[k] * v for k, v in centre.items())
    assert at_centre == pytest.approx(coded["Intercept"], rel=1e-10)


def test_saturated_two_level_reduce_uses_lenth(cli):
    # Montgomery Ex. 6.2: Lenth's ME (6.75) selects A, C, D, AC, AD; the refit is JMP's Table 6.15
    r = cli("doe", "analyze", DATA / "doe" / "montgomery_ex6_2_filtration_2x4.csv", "--model",
            "filtration_rate ~ A_temperature*B_pressure*C_formaldehyde_conc*D_stirring_rate",
            "--reduce", "--json")
    assert r.code == 0, r.err
    fit = r.json()["responses"][0]
    assert {t["term"] for t in fit["terms"]} == {
        "Intercept", "A_temperature", "C_formaldehyde_conc", "D_stirring_rate",
        "A_temperature:C_formaldehyde_conc", "A_temperature:D_stirring_rate"}
    assert fit["rmse"] == pytest.approx(4.417296, rel=1e-6)
    assert fit["r2_adj"] == pytest.approx(0.948929, abs=1e-6)


def test_reassess_out_html(cli, tmp_path):
    out = tmp_path / "cpp.html"
    r = cli("doe", "reassess", DEMO, "--spec", "Aggregate (%)<=3", "--reduce", "--out", out)
    assert r.code == 0, r.err
    html = out.read_text(encoding="utf-8")
    assert "CPP re-assessment" in html and "GPP" in html


def test_non_finite_model_term(cli):
    r = cli("doe", "analyze", DEMO, "--model", "Titer (g/L) ~ np.log(pH) + Feed (%)")
    assert r.code == 2 and "np.log(pH): model term is not a finite number" in r.err
    assert "--coding actual" in r.err and "Warning" not in r.err
    r = cli("doe", "analyze", DEMO, "--model", "Titer (g/L) ~ np.log(pH) + Feed (%)", "--coding",
            "actual", "--json")
    assert r.code == 0, r.err


def test_header_only_file_and_repeated_response(cli, tmp_path):
    p = _write(tmp_path, "A,B,y\n")
    r = cli("doe", "analyze", p, "-r", "y")
    assert r.code == 2 and "no data rows" in r.err
    r = cli("doe", "analyze", DEMO, "-r", "HCP (ng/mg)", "-r", "hcp (ng/mg)", "--json")
    assert r.code == 0 and len(r.json()["responses"]) == 1
