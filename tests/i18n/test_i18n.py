from qbdkit.i18n import both, normalize_lang, t


def test_chinese_and_english():
    assert t("Risk assessment", "zh") == "风险评估"
    assert t("Risk assessment", "en") == "Risk assessment"
    assert both("Design space") == {"en": "Design space", "zh": "设计空间"}


def test_missing_translation_falls_back_to_english():
    assert t("No such message {n}", "zh", n=3) == "No such message 3"


def test_lang_spellings():
    assert [normalize_lang(x) for x in ("zh-CN", "zh_CN.UTF-8", "ZH", "en_US", None)] == [
        "zh", "zh", "zh", "en", "en"]
