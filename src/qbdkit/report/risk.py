"""HTML for risk assessment: CQA table, ranked FMEA, S × O heat map coloured by action
priority, Pareto chart of cause-and-effect scores with the selection rule, potential CPPs,
parameter classes and the characterization-study plan.

:func:`demo_section` is the demo's "Risk assessment" stage (contract D): it reads
``project_dir/risk/`` (``cqa.csv``, ``fmea.csv`` with Chinese headers, ``ce.csv``,
``classify.csv``, ``study.csv``) through the same core functions the CLI uses.
:func:`write_demo_inputs` wrote those files once (they are committed; see the README
there). The demo data are synthetic.

Abbreviations: CQA critical quality attribute; FMEA failure mode and effects analysis;
RPN risk priority number; AP action priority; C&E cause and effect; CPP critical process
parameter.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

from qbdkit.core.risk import (
    CeResult,
    ClassificationResult,
    CqaResult,
    FmeaResult,
    StudyPlanResult,
    cause_and_effect,
    classify_parameters,
    cqa_assessment,
    fmea,
    study_plan,
)
from qbdkit.io import read_table, sheets
from qbdkit.report.html import esc, figure_svg, new_figure, section, table

AP_COLOURS = {"H": "#e06666", "M": "#f6c26b", "L": "#93c47d"}
AP_ROW_CLASS = {"H": "bad", "M": "warn", "L": "good"}



def write_atomic(out: Path, write) -> None:
    """Write via a temporary file in the same folder, then rename: never half-written."""
    fd, tmp = tempfile.mkstemp(prefix=".qbdkit-", suffix=out.suffix, dir=out.parent or ".")
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, out)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


_AP_FILL = {"H": "F8CBAD", "M": "FFE699", "L": "C6EFCE"}


def write_ranked(result: Any, out: Path) -> None:
    """The ranked FMEA worksheet as XLSX (AP cells coloured) or CSV (UTF-8 with BOM); texts a
    spreadsheet would run as formulas (``=…``, ``+…``, ``-…``, ``@…``) are written as text
    (:mod:`qbdkit.io.sheets`)."""
    import pandas as pd

    frame = pd.DataFrame(result.ranked())
    cols = ["rank"] + [c for c in frame.columns if c != "rank"]
    frame = frame[cols]

    def write(tmp: Path) -> None:
        if out.suffix.lower() == ".csv":
            sheets.to_csv(frame, tmp, encoding="utf-8-sig")
            return
        from openpyxl.styles import PatternFill

        with pd.ExcelWriter(tmp, engine="openpyxl") as writer:
            ws = sheets.to_excel(frame, writer, "fmea")
            for name in ("ap", "revised_ap"):
                if name not in frame.columns:
                    continue
                j = list(frame.columns).index(name) + 1
                for i, v in enumerate(frame[name].tolist(), start=2):
                    if v in _AP_FILL:
                        ws.cell(row=i, column=j).fill = PatternFill(
                            "solid", start_color=_AP_FILL[v], end_color=_AP_FILL[v])

    write_atomic(out, write)



# -- pieces -----------------------------------------------------------------------------------
def cqa_table(result: CqaResult) -> str:
    d1, d2 = result.dimensions
    rows = sorted(result.attributes, key=lambda a: -a["score"])
    has_zh = any(a.get("name_zh") for a in rows)
    head = ["attribute"] + (["属性"] if has_zh else []) + [d1, d2, "score", "level", "CQA",
                                                           "rationale"]
    body = [[a["name"]] + ([a.get("name_zh") or ""] if has_zh else [])
            + [a[d1], a[d2], a["score"], a["level"], "yes" if a["cqa"] else "no",
               a.get("rationale") or ""] for a in rows]
    return table(head, body, row_classes=["bad" if a["cqa"] else "" for a in rows],
                 caption=f"CQA assessment ({result.tool}): score = {d1} × {d2}; "
                         f"CQA when score ≥ {result.threshold:g}")


def fmea_table(result: FmeaResult) -> str:
    rows = result.ranked()
    revised = any("revised_rpn" in r for r in rows)
    head = ["rank", "id", "step", "failure mode", "cause", "S", "O", "D", "RPN", "AP"]
    if revised:
        head += ["action", "revised RPN", "revised AP"]
    body = []
    for r in rows:
        line = [r["rank"], r["id"], r.get("step"), r.get("failure_mode"), r.get("cause"),
                r["severity"], r["occurrence"], r["detection"], r["rpn"], r["ap"]]
        if revised:
            line += [r.get("action") or "", r.get("revised_rpn"), r.get("revised_ap") or ""]
        body.append(line)
    counts = ", ".join(f"{k} {v}" for k, v in result.summary_counts.items())
    return table(head, body, row_classes=[AP_ROW_CLASS.get(r["ap"], "") for r in rows],
                 caption=f"FMEA ranked by action priority then RPN ({result.scale}): {counts}")


def heatmap_svg(result: FmeaResult) -> str:
    """S × O grid; each cell coloured by the worst AP of its failure modes, labelled with the count."""
    from matplotlib.patches import Rectangle

    hm = result.heatmap()
    sev, occ = hm["severity"], hm["occurrence"]
    fig, ax = new_figure(5.6, 4.6)
    for i, _s in enumerate(sev):
        for j, _o in enumerate(occ):
            ap = hm["ap"][i][j]
            colour = AP_COLOURS.get(ap, "#f4f4f4") if ap else "#f4f4f4"
            ax.add_patch(Rectangle((j, len(sev) - 1 - i), 1, 1, facecolor=colour,
                                   edgecolor="white"))
            if hm["count"][i][j]:
                ax.text(j + 0.5, len(sev) - 1 - i + 0.5, str(hm["count"][i][j]), ha="center",
                        va="center", fontsize=9)
    ax.set_xlim(0, len(occ))
    ax.set_ylim(0, len(sev))
    ax.set_xticks([j + 0.5 for j in range(len(occ))], [str(o) for o in occ])
    ax.set_yticks([len(sev) - 1 - i + 0.5 for i in range(len(sev))], [str(s) for s in sev])
    ax.set_xlabel("occurrence O")
    ax.set_ylabel("severity S")
    ax.set_title("failure modes per S × O cell, coloured by the highest AP")
    for code, colour in AP_COLOURS.items():
        ax.bar([0], [0], color=colour, label=f"AP {code}")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    return figure_svg(fig)


def pareto_svg(result: CeResult) -> str:
    """C&E scores (bars, selected inputs dark) with the cumulative % line and the selection rule."""
    names = [r["name"] for r in result.inputs]
    scores = [r["score"] for r in result.inputs]
    cum = [r["cumulative_pct"] for r in result.inputs]
    fig, ax = new_figure(7.0, 4.0)
    x = list(range(len(names)))
    ax.bar(x, scores, color=["#2f5d8a" if r["selected"] else "#a8bfd6" for r in result.inputs])
    ax.set_xticks(x, names, rotation=35, ha="right")
    ax.set_ylabel("C&E score = Σ weight × correlation")
    if result.threshold is not None:
        ax.axhline(result.threshold, color="#c00000", linestyle="--", linewidth=1,
                   label=f"threshold {result.threshold:g}")
    ax2 = ax.twinx()
    ax2.plot(x, cum, color="#444444", marker="o", markersize=3, label="cumulative %")
    ax2.set_ylim(0, 105)
    ax2.set_ylabel("cumulative %")
    if result.threshold is None:
        pct = float(result.rule.split()[1]) if result.rule.startswith("first ") else 80.0
        ax2.axhline(pct, color="#c00000", linestyle="--", linewidth=1, label=f"{pct:g} % (Pareto)")
    ax.set_title(f"Cause-and-effect Pareto ({result.scale}); selected: {result.rule}")
    handles = ax.get_legend_handles_labels()
    handles2 = ax2.get_legend_handles_labels()
    ax2.legend(handles[0] + handles2[0], handles[1] + handles2[1], loc="center right",
               frameon=False)
    return figure_svg(fig)


def ce_table(result: CeResult) -> str:
    outputs = [o["name"] for o in result.outputs]
    head = ["rank", "input", *[f"{o} (w {w['weight']})" for o, w in zip(outputs, result.outputs,
                                                                         strict=True)],
            "score", "cumulative %", "potential CPP"]
    body = [[r["rank"], r["name"], *[r["correlations"][o] for o in outputs], r["score"],
             r["cumulative_pct"], "yes" if r["selected"] else ""] for r in result.inputs]
    return table(head, body, row_classes=["warn" if r["selected"] else "" for r in result.inputs],
                 caption=f"C&E matrix ({result.scale}); potential CPPs: {result.rule}")


def classification_table(result: ClassificationResult) -> str:
    rows = result.to_dict()["parameters"]
    cls_row = {"CPP": "bad", "WC-CPP": "warn", "KPP": "warn", "GPP": "good"}
    return table(["parameter", "class", "rationale", "依据"],
                 [[r["name"], r["class"], r["rationale"], r["rationale_zh"]] for r in rows],
                 row_classes=[cls_row.get(r["class"], "") for r in rows],
                 caption="Parameter classes (seed 000 fig. 6): CPP, WC-CPP, KPP, GPP")


def study_table(result: StudyPlanResult) -> str:
    return table(["parameter", "main effect", "interaction", "severity", "study", "研究类型",
                  "no data"],
                 [[p["name"], p["main_effect"], p["interaction"], p["severity"], p["study_en"],
                   p["study_zh"], "yes" if p["no_data"] else ""] for p in result.parameters],
                 caption="Characterization-study plan (A-Mab): severity = main effect × interaction")


# -- the demo stage ---------------------------------------------------------------------------
def assess_folder(folder: Path) -> dict[str, Any]:
    """Run every assessment found in ``folder`` (the files the CLI would read)."""
    out: dict[str, Any] = {}
    if (folder / "cqa.csv").exists():
        out["cqa"] = cqa_assessment(read_table(folder / "cqa.csv"))
    if (folder / "fmea.csv").exists():
        out["fmea"] = fmea(read_table(folder / "fmea.csv"))
    if (folder / "ce.csv").exists():
        out["ce"] = cause_and_effect(read_table(folder / "ce.csv"))
    if (folder / "classify.csv").exists():
        out["classify"] = classify_parameters(read_table(folder / "classify.csv"))
    if (folder / "study.csv").exists():
        out["study"] = study_plan(read_table(folder / "study.csv"))
    return out


def demo_section(project_dir: Path, out_dir: Path) -> str:
    """The demo's risk-assessment section (contract D) from ``project_dir/risk/``.

    Also writes the ranked FMEA worksheet to ``out_dir/risk_fmea_ranked.xlsx``.
    """
    results = assess_folder(Path(project_dir) / "risk")
    parts: list[str] = ['<p class="note">Synthetic demo data (see src/qbdkit/demo/mab/risk/'
                        'README.md). Scales: A-Mab tool 1 (CQA), AIAG-VDA 2019 action priority '
                        '(FMEA), C&amp;E 0/1/3/9 with Pareto 80 %.</p>']
    if "cqa" in results:
        r = results["cqa"]
        parts.append(f"<h3>CQA assessment</h3><p>{len(r.cqas())} of {len(r.attributes)} quality "
                     f"attributes are CQAs: {esc(', '.join(r.cqas()))}.</p>")
        parts.append(cqa_table(r))
    if "fmea" in results:
        r = results["fmea"]
        parts.append("<h3>FMEA — production bioreactor and purification (失效模式与影响分析)</h3>")
        parts.append(fmea_table(r))
        parts.append(heatmap_svg(r))
        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        write_ranked(r, out_dir / "risk_fmea_ranked.xlsx")
    if "ce" in results:
        r = results["ce"]
        parts.append("<h3>Cause-and-effect matrix (因果矩阵)</h3>")
        parts.append(pareto_svg(r))
        parts.append(ce_table(r))
        cpps = r.potential_cpps()
        parts.append(f"<p><strong>Potential CPPs for the DoE:</strong> "
                     f"{esc(', '.join(cpps)) if cpps else 'none'}</p>")
    if "study" in results:
        parts.append("<h3>Characterization-study plan</h3>")
        parts.append(study_table(results["study"]))
    if "classify" in results:
        parts.append("<h3>Parameter classification (before DoE)</h3>")
        parts.append(classification_table(results["classify"]))
    return section("Risk assessment", "\n".join(parts), anchor="risk")


# -- demo inputs ------------------------------------------------------------------------------
DEMO_CQA = [
    # name, 中文名, category, impact, uncertainty, rationale
    ("Aggregates", "聚体", "product variant", 20, 3,
     "immunogenicity and loss of potency; in-vitro data with this molecule"),
    ("Afucosylation", "岩藻糖缺失", "glycosylation", 20, 3,
     "ADCC is part of the mechanism of action (re-scored from 2 × 5 = 10)"),
    ("Galactosylation", "半乳糖基化", "glycosylation", 12, 3, "CDC activity; moderate effect"),
    ("High mannose", "高甘露糖", "glycosylation", 12, 3, "faster clearance (PK)"),
    ("Deamidation (CDR)", "脱酰胺（CDR）", "product variant", 16, 3, "binding in CDR reduced"),
    ("Oxidation (Fc Met)", "氧化（Fc Met）", "product variant", 12, 3, "FcRn binding, half-life"),
    ("Sialylation", "唾液酸化", "glycosylation", 4, 3, "low level, minor effect"),
    ("Fragments", "片段", "product variant", 12, 2, "platform knowledge: low potency loss"),
    ("C-terminal lysine", "C 端赖氨酸", "product variant", 2, 2,
     "clipped in circulation; platform knowledge"),
    ("N-terminal pyroglutamate", "N 端焦谷氨酸", "product variant", 2, 1,
     "no effect established in the clinic"),
    ("Host cell protein", "宿主细胞蛋白", "process impurity", 12, 3,
     "immunogenicity; A-Mab scores exactly 36"),
    ("Host cell DNA", "宿主细胞 DNA", "process impurity", 4, 2, "well cleared; platform data"),
    ("Leached Protein A", "脱落 Protein A", "process impurity", 12, 2, "immunogenicity; low levels"),
]

DEMO_FMEA_HEADERS = ["编号", "工序", "功能", "失效模式", "失效影响", "失效原因", "预防措施",
                     "探测措施", "严重度", "频度", "探测度", "建议措施", "负责人", "完成日期",
                     "修订严重度", "修订频度", "修订探测度"]
DEMO_FMEA = [
    ["B01", "生产生物反应器", "维持培养温度", "温度偏离设定值", "聚体、岩藻糖缺失比例变化", "温控回路故障",
     "温控回路定期校准", "在线温度报警", 8, 3, 4, "", "", "", "", "", ""],
    ["B02", "生产生物反应器", "维持培养 pH", "pH 高于设定值", "电荷异构体增加", "pH 电极漂移",
     "使用前两点校准", "每日离线 pH 比对", 7, 4, 5, "增加冗余 pH 电极并自动报警", "上游工艺",
     "2026-12-31", 7, 2, 3],
    ["B03", "生产生物反应器", "按计划补料", "补料量错误", "滴度下降、HCP 增加", "补料泵校准偏差",
     "补料泵季度校准", "补料称重记录复核", 8, 6, 6, "补料称重在线联锁", "上游工艺", "2026-12-31",
     8, 3, 4],
    ["B04", "生产生物反应器", "维持溶氧", "溶氧过低", "细胞生长受抑、滴度降低", "空气分布器堵塞",
     "分布器清洗验证", "在线溶氧报警", 5, 3, 3, "", "", "", "", "", ""],
    ["B05", "生产生物反应器", "无菌培养", "外源因子污染", "批次报废、患者安全风险", "培养基或原料带入",
     "原料供应商审计", "放行检测", 10, 2, 7, "培养基高温短时处理", "物料管理", "2027-03-31",
     10, 1, 7],
    ["B06", "生产生物反应器", "按时收获", "培养时间过长", "聚体、片段增加", "收获判断错误",
     "批记录规定收获时间", "收获前活率检测", 6, 3, 5, "", "", "", "", "", ""],
    ["P01", "Protein A 亲和层析", "捕获产品、去除 HCP", "上样量过高", "产品穿透、HCP 升高",
     "载量计算错误", "载量计算双人复核", "流穿液滴度检测", 6, 4, 4, "", "", "", "", "", ""],
    ["P02", "Protein A 亲和层析", "捕获产品", "配基脱落", "残留 Protein A 超标", "填料超寿命使用",
     "填料寿命研究", "放行检测残留 Protein A", 7, 3, 7, "", "", "", "", "", ""],
    ["P03", "低 pH 病毒灭活", "灭活包膜病毒", "孵育时间不足", "病毒灭活不充分", "计时错误",
     "计时双人复核", "批记录审核", 10, 2, 5, "自动计时并联锁", "下游工艺", "2026-12-31",
     10, 1, 5],
    ["P04", "低 pH 病毒灭活", "灭活包膜病毒", "pH 过低", "聚体增加", "酸加入过量",
     "加酸量计算复核", "离线 pH 检测", 7, 4, 4, "", "", "", "", "", ""],
    ["P05", "阴离子交换层析", "去除 HCP、DNA", "上样电导率过高", "HCP/DNA 清除不足",
     "缓冲液配制错误", "缓冲液放行检测", "在线电导率监测", 8, 3, 3, "", "", "", "", "", ""],
    ["P06", "阳离子交换层析", "去除聚体、电荷异构体", "洗脱梯度偏离", "电荷异构体比例变化",
     "泵混合比例偏差", "泵定期校准", "洗脱峰形监控", 6, 4, 5, "", "", "", "", "", ""],
    ["P07", "除病毒过滤", "去除病毒", "滤膜完整性失败", "病毒清除不足", "滤器安装损伤",
     "安装操作培训", "使用前后完整性测试", 10, 2, 2, "", "", "", "", "", ""],
    ["P08", "超滤/渗滤", "浓缩、换液", "浓缩过度", "聚体增加、黏度升高", "在线浓度监测失效",
     "浓度计校准", "终点 UV 检测", 7, 3, 6, "", "", "", "", "", ""],
    ["P09", "超滤/渗滤", "缓冲液置换", "置换不完全", "pH、辅料含量偏离", "渗滤体积不足",
     "渗滤体积计算复核", "终点 pH/电导检测", 6, 3, 4, "", "", "", "", "", ""],
]

DEMO_CE_OUTPUTS = ["Titer (g/L)", "Aggregate (%)", "Afucosylation (%)", "HCP (ng/mg)",
                   "Charge variants (%)"]
DEMO_CE_WEIGHTS = [5, 10, 9, 7, 5]
DEMO_CE = [
    ("Temperature (°C)", [9, 9, 9, 9, 3]),
    ("Feed (%)", [9, 3, 9, 9, 3]),
    ("pH", [3, 3, 3, 3, 9]),
    ("Culture duration (d)", [9, 3, 1, 3, 3]),
    ("DO (%)", [3, 3, 3, 1, 1]),
    ("Seeding density (1e6 cells/mL)", [9, 0, 1, 1, 0]),
    ("Osmolality (mOsm/kg)", [3, 1, 3, 0, 1]),
    ("pCO2 (mmHg)", [3, 1, 1, 0, 1]),
    ("Agitation (rpm)", [1, 1, 0, 1, 0]),
    ("Antifoam (ppm)", [1, 0, 0, 1, 0]),
]

DEMO_CLASSIFY = [
    # name, affects_cqa, cqa_risk, affects_performance, performance_risk, evidence
    ("Temperature (°C)", "yes", "high", "yes", "high", "C&E 294; FMEA B01 S8"),
    ("Feed (%)", "yes", "high", "yes", "high", "C&E 234; FMEA B03 AP H"),
    ("pH", "yes", "high", "", "", "C&E 138; FMEA B02 AP M"),
    ("Culture duration (d)", "yes", "low", "", "", "C&E 120; fixed harvest day, FMEA B06 AP L"),
    ("DO (%)", "yes", "low", "", "", "C&E 84; cascade control, FMEA B04 AP L"),
    ("Seeding density (1e6 cells/mL)", "no", "", "yes", "high", "C&E 61, titer only"),
    ("Osmolality (mOsm/kg)", "no", "", "yes", "low", "C&E 57"),
    ("pCO2 (mmHg)", "no", "", "yes", "low", "C&E 39"),
    ("Agitation (rpm)", "no", "", "no", "", "C&E 22"),
    ("Antifoam (ppm)", "no", "", "no", "", "C&E 12"),
]

DEMO_STUDY = [
    ("Temperature (°C)", 8, 8), ("Feed (%)", 8, 8), ("pH", 8, 4), ("DO (%)", 4, 4),
    ("Culture duration (d)", 4, 1), ("Seeding density (1e6 cells/mL)", "no data", 1),
    ("Agitation (rpm)", 1, 1),
]


def write_demo_inputs(folder: Path) -> list[Path]:
    """Write the demo's risk inputs (deterministic expert-style tables; nothing random, so no
    seed is needed). ``fmea.csv`` uses Chinese headers; all files UTF-8 with BOM (Excel)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "cqa.csv": pd.DataFrame(DEMO_CQA, columns=["name", "name_zh", "category", "impact",
                                                   "uncertainty", "rationale"]),
        "fmea.csv": pd.DataFrame(DEMO_FMEA, columns=DEMO_FMEA_HEADERS),
        "ce.csv": pd.DataFrame([["weight", *DEMO_CE_WEIGHTS]]
                               + [[n, *c] for n, c in DEMO_CE],
                               columns=["input", *DEMO_CE_OUTPUTS]),
        "classify.csv": pd.DataFrame(DEMO_CLASSIFY, columns=[
            "name", "affects_cqa", "cqa_risk", "affects_performance", "performance_risk",
            "evidence"]),
        "study.csv": pd.DataFrame(DEMO_STUDY, columns=["name", "main_effect", "interaction"]),
    }
    written = []
    for name, frame in files.items():
        path = folder / name
        frame.to_csv(path, index=False, encoding="utf-8-sig")
        written.append(path)
    return written


if __name__ == "__main__":  # pragma: no cover
    import sys

    for p in write_demo_inputs(Path(sys.argv[1]) if len(sys.argv) > 1 else
                               Path(__file__).parents[1] / "demo" / "mab" / "risk"):
        print(p)
