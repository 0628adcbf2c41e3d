"""`qbdkit ops …`: due dates, KPIs, MACO, containment, timeline; bad input → exit 2, one line."""

from __future__ import annotations

from pathlib import Path

import pytest

DATA = Path(__file__).parents[1] / "data" / "operations"


def test_due_json_is_the_due_date(cli):
    r = cli("ops", "due", "2025-09-26", "--working-days", "10", "--json")
    assert r.code == 0 and r.json()["due"] == "2025-10-16"


def test_due_with_a_user_calendar(cli):
    r = cli("ops", "due", "2027-02-05", "--working-days", "1", "--calendar",
            DATA / "calendar_2027_synthetic.csv", "--json")
    assert r.code == 0, r.err
    assert r.json()["due"] == "2027-02-15"


def test_due_with_a_yaml_calendar(cli, tmp_path):
    f = tmp_path / "cal.yaml"
    f.write_text("holidays: ['2027-02-08..2027-02-12']\nworkdays: [2027-02-20]\n", "utf-8")
    r = cli("ops", "due", "2027-02-05", "--working-days", "1", "--calendar", f, "--json")
    assert r.code == 0, r.err
    assert r.json()["due"] == "2027-02-15"


@pytest.mark.parametrize(("args", "field"), [
    (("ops", "due", "2099-01-05", "--working-days", "3"), "start"),
    (("ops", "due", "2025-13-01", "--working-days", "3"), "START"),
    (("ops", "due", "2025-01-02", "--working-days", "-1"), "--working-days"),
    (("ops", "maco", "--pde", "0", "--next-batch-size", "10", "--next-max-daily-dose", "1",
      "--shared-area", "100"), "--pde"),
    (("ops", "containment", "--oel", "0"), "oel"),
    (("ops", "timeline", "--start", "2025-03-03", "--template", "nope"), "template"),
])
def test_bad_input_exit_2_one_line(cli, args, field):
    r = cli(*args)
    assert r.code == 2
    lines = r.err.strip().splitlines()
    assert len(lines) == 1 and field in lines[0], r.err
    assert r.out == ""


def test_kpi_json_and_html(cli, tmp_path):
    out = tmp_path / "kpi.html"
    r = cli("ops", "kpi", DATA / "kpi_requests.csv", "--period", "quarter", "--as-of",
            "2025-05-31", "--target", "on_time_rate=90%", "--out", out, "--lang", "zh", "--json")
    assert r.code == 0, r.err
    d = r.json()
    q1 = d["report"]["rows"][0]
    assert q1["period"] == "2025-Q1" and q1["completed"] == 3
    assert d["report"]["overdue_requests"] == ["R5"]
    assert d["evaluation"]["shortfalls"] == ["on_time_rate"]
    html = out.read_text("utf-8")
    assert "中试项目按时完成率" in html and "<svg" in html


def test_kpi_request_without_client_names_row_and_column(cli, tmp_path):
    f = tmp_path / "req.csv"
    f.write_text("request,client,mode,scope,received\nR1,,commissioned,testing,2025-01-02\n",
                 "utf-8")
    r = cli("ops", "kpi", f)
    assert r.code == 2
    assert r.err.strip().startswith(f"error: {f}:2: client")


def test_kpi_chinese_headers_gb18030(cli, tmp_path):
    f = tmp_path / "需求.csv"
    f.write_bytes("编号,客户,合作模式,服务范围,受理日期,评估完成\nR1,甲公司,合作开发,scale-up,"
                  "2025-01-24,2025-02-07\n".encode("gb18030"))
    r = cli("ops", "kpi", f, "--as-of", "2025-03-01", "--json")
    assert r.code == 0, r.err
    assert r.json()["schedules"][0]["stages"][0]["status"] == "on time"


def test_maco_ovais_example(cli):
    r = cli("ops", "maco", "--therapeutic-dose", "500", "--ld50", "740", "--next-batch-size",
            "240000", "--next-max-daily-dose", "16", "--next-batch-kg", "15", "--shared-area",
            "5000", "--json")
    assert r.code == 0, r.err
    d = r.json()
    assert d["governing"] == "10 ppm" and d["governing_swab_limit_mg"] == pytest.approx(0.75)


def test_timeline_json_and_gantt(cli, tmp_path):
    out = tmp_path / "plan.html"
    r = cli("ops", "timeline", "--start", "2025-03-03", "--template", "pcpv-17", "--out", out,
            "--json")
    assert r.code == 0, r.err
    assert r.json()["working_days"] == 357
    assert "<svg" in out.read_text("utf-8")
