"""Worksheet templates for ``qbdkit risk template fmea|ce|cqa|classify|study``.

Each template is a small data frame with the expected headers (English or Chinese)
and example rows that pass validation, so a user can start from it in Excel/WPS.
"""

from __future__ import annotations

import pandas as pd

from qbdkit.errors import QbdInputError

_FMEA_EN = ["id", "step", "function", "failure_mode", "effect", "cause", "prevention",
            "detection_control", "severity", "occurrence", "detection", "action", "owner", "due",
            "revised_severity", "revised_occurrence", "revised_detection"]
_FMEA_ZH = ["编号", "工序", "功能", "失效模式", "失效影响", "失效原因", "预防措施", "探测措施",
            "严重度", "频度", "探测度", "建议措施", "负责人", "完成日期", "修订严重度", "修订频度",
            "修订探测度"]
_FMEA_ROWS = [
    ["F01", "Production bioreactor", "Maintain culture pH", "pH drifts above set point",
     "Charge variants and aggregation increase", "pH probe drift", "Two-point calibration before use",
     "Off-line pH check every 24 h", 8, 4, 5, "Add redundant probe with auto-alarm", "USP lead",
     "2026-12-31", 8, 2, 3],
    ["F02", "Protein A capture", "Capture product, clear HCP", "Low binding capacity",
     "Yield loss", "Resin ageing beyond lifetime", "Resin lifetime study", "DBC test every 20 cycles",
     4, 3, 4, "", "", "", "", "", ""],
]
_FMEA_ROWS_ZH = [
    ["F01", "生物反应器", "维持培养 pH", "pH 高于设定值", "电荷异构体与聚体增加", "pH 电极漂移",
     "使用前两点校准", "每 24 h 离线 pH 检测", 8, 4, 5, "增加冗余电极并自动报警", "上游负责人",
     "2026-12-31", 8, 2, 3],
    ["F02", "Protein A 亲和层析", "捕获产品、去除 HCP", "动态载量降低", "收率损失", "填料超寿命使用",
     "填料寿命研究", "每 20 个循环测 DBC", 4, 3, 4, "", "", "", "", "", ""],
]


def template(kind: str, lang: str = "en") -> pd.DataFrame:
    """The template table for ``kind`` in ``lang`` ("en" or "zh")."""
    if lang not in ("en", "zh"):
        raise QbdInputError("unknown language", column="lang", expected="en | zh", found=lang)
    zh = lang == "zh"
    if kind == "fmea":
        return pd.DataFrame(_FMEA_ROWS_ZH if zh else _FMEA_ROWS,
                            columns=_FMEA_ZH if zh else _FMEA_EN)
    if kind == "ce":
        cols = ["输入", "滴度", "聚体", "电荷异构体", "备注"] if zh else [
            "input", "titer", "aggregates", "charge_variants", "notes"]
        rows = [["权重" if zh else "weight", 7, 10, 5, ""],
                ["pH", 9, 3, 9, ""], ["温度" if zh else "temperature", 3, 3, 9, ""],
                ["溶氧" if zh else "dissolved_oxygen", 1, 0, 1, "平台经验" if zh else "platform"]]
        return pd.DataFrame(rows, columns=cols)
    if kind in ("cqa", "cqa-2"):
        if kind == "cqa-2":
            cols = ["质量属性", "严重性", "可能性", "理由"] if zh else [
                "name", "severity", "likelihood", "rationale"]
            rows = [["聚体" if zh else "aggregates", 9, 5, "免疫原性" if zh else "immunogenicity"]]
        else:
            cols = ["质量属性", "影响", "不确定性", "理由"] if zh else [
                "name", "impact", "uncertainty", "rationale"]
            rows = [["宿主细胞蛋白" if zh else "host cell protein", 12, 3,
                     "免疫原性" if zh else "immunogenicity"],
                    ["聚体" if zh else "aggregates", 20, 3, "免疫原性" if zh else "immunogenicity"]]
        return pd.DataFrame(rows, columns=cols)
    if kind == "classify":
        cols = ["参数", "影响CQA", "CQA风险", "影响工艺性能", "性能风险", "依据"] if zh else [
            "name", "affects_cqa", "cqa_risk", "affects_performance", "performance_risk",
            "evidence"]
        rows = ([["pH", "是", "高", "", "", "C&E 得分 111"], ["搅拌转速", "否", "", "是", "低", ""]]
                if zh else [["pH", "yes", "high", "", "", "C&E score 111"],
                            ["agitation", "no", "", "yes", "low", ""]])
        return pd.DataFrame(rows, columns=cols)
    if kind == "study":
        cols = ["参数", "主效应", "交互作用"] if zh else ["name", "main_effect", "interaction"]
        return pd.DataFrame([["pH", 8, 4], ["温度" if zh else "temperature", 4, 4],
                             ["补料量" if zh else "feed_volume", "无数据" if zh else "no data", 1]],
                            columns=cols)
    raise QbdInputError("unknown template", column="kind",
                        expected="fmea | ce | cqa | cqa-2 | classify | study", found=kind)
