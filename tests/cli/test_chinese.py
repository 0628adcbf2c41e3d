"""A Chinese command line: help and error lines in zh-CN when LANG, $QBDKIT_LANG or a
command's --lang asks for it (issue 17)."""


def test_help_in_chinese_with_the_locale(cli, monkeypatch):
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    r = cli("--help")
    assert r.code == 0
    assert "质量源于设计" in r.out and "命令" in r.out and "审计追踪" in r.out
    monkeypatch.setenv("LANG", "C.UTF-8")
    r = cli("--help")
    assert "Quality-by-Design" in r.out and "质量源于设计" not in r.out


def test_errors_in_chinese(cli, monkeypatch):
    monkeypatch.setenv("QBDKIT_LANG", "zh")
    r = cli("records", "list", "ghost")
    assert r.code == 2 and r.err.count("\n") == 1
    assert r.err.startswith("错误: ") and "未知项目" in r.err
    assert "应为" in r.err and "实际为 'ghost'" in r.err


def test_a_commands_lang_option_also_sets_the_messages(cli, tmp_path):
    r = cli("report", "ghost", "--lang", "zh", "--out", tmp_path / "r.html")
    assert r.code == 2 and r.err.startswith("错误: ")


def test_english_stays_the_default(cli):
    r = cli("records", "list", "ghost")
    assert r.code == 2 and r.err.startswith("error: ") and "unknown project" in r.err
