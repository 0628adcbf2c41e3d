"""The demo's risk-assessment stage, stored as records, and its input worksheets.

``run(d)`` assesses and stores every worksheet of ``mab/risk/`` (CQA assessment, FMEA with
Chinese headers, C&E matrix, characterization-study plan, parameter classes) as records
``risk.<assessment>/<file stem>`` of the demo project, through :mod:`qbdkit.services.risk`
(:func:`~qbdkit.services.risk.store_folder`).

One story with the project: the CQA worksheet is written from the demo project's quality
attributes (``mab/project.yaml``: each attribute with a criticality, its impact and
uncertainty, A-Mab tool 1), so the risk section's CQA scores are the project's —
:func:`write_demo_inputs` writes it and ``tests/demo`` checks the two agree. The other
worksheets are deterministic expert-style tables (nothing random, so no seed). All data are
synthetic.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

RISK_DIR = Path(__file__).parent / "mab" / "risk"
REASON = "qbdkit demo: risk assessments"


def run(d: Any) -> None:
    """Store the demo's risk assessments in ``d.project``."""
    from qbdkit.services.risk import store_folder

    d.say("risk: CQA assessment, FMEA, C&E matrix, study plan, parameter classes")
    store_folder(d.project, Path(d.project_dir) / "risk", user=d.ctx.user, reason=REASON,
                 url=d.ctx.url)


def assess_folder(folder: Path) -> dict[str, Any]:
    """Run every assessment found in ``folder`` through the use cases (nothing stored)."""
    from qbdkit.services.risk import RUNNERS

    out: dict[str, Any] = {}
    for name, (request, run_) in RUNNERS.items():
        for suffix in (".csv", ".xlsx"):
            path = Path(folder) / f"{name}{suffix}"
            if path.exists():
                out[name] = run_(request(file=path))
    return out


# -- demo inputs ------------------------------------------------------------------------------
#: the risk assessment's reasons for the project's impact and uncertainty scores
CQA_RATIONALE = {
    "aggregates": "immunogenicity and loss of potency; in-vitro data with this molecule",
    "charge_variants": "no effect on potency or PK at the levels seen; platform knowledge",
    "afucosylation": "ADCC is part of the mechanism of action",
    "galactosylation": "CDC activity; moderate effect",
    "high_mannose": "faster clearance (PK); platform data on this glycoform (uncertainty 2)",
    "sialic_acid": "low level, minor effect",
    "hcp": "immunogenicity; little clearance data for this process yet (uncertainty 5)",
    "host_dna": "well cleared; platform data",
    "protein_a_leachate": "immunogenicity; low levels",
    "endotoxin": "patient safety (pyrogenic)",
    "potency": "the mechanism of action itself",
}


def demo_cqa(project_dir: Path = RISK_DIR.parent) -> pd.DataFrame:
    """The CQA worksheet from the project's quality attributes that carry a criticality
    (name and Chinese name from their labels, impact and uncertainty as in the project)."""
    from qbdkit.model import load_project

    rows = []
    for a in load_project(project_dir).quality_attributes:
        c = a.criticality
        if c is None or c.impact is None or c.uncertainty is None:
            continue
        label = a.label
        rows.append([label.en if label and label.en else a.name,
                     label.zh if label and label.zh else "", a.category or "", c.impact,
                     c.uncertainty, CQA_RATIONALE.get(a.name, "")])
    return pd.DataFrame(rows, columns=["name", "name_zh", "category", "impact", "uncertainty",
                                       "rationale"])


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


def write_demo_inputs(folder: Path = RISK_DIR, project_dir: Path = RISK_DIR.parent
                      ) -> list[Path]:
    """Write the demo's risk inputs (``cqa.csv`` from the project, :func:`demo_cqa`; the others
    deterministic expert-style tables, nothing random, so no seed is needed). ``fmea.csv``
    uses Chinese headers; all files UTF-8 with BOM (Excel)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "cqa.csv": demo_cqa(project_dir),
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
    for p in write_demo_inputs():
        print(p)
