"""`qbdkit control-strategy`, `spec propose`, `ppq protocol|evaluate`, `cpv review` on a
project in the store (single-user SQLite and a signed-in team member), and `--project P --as
NAME` on the file-based cpv/spec/ppq commands."""

from __future__ import annotations

import json
import os

import pytest

from qbdkit.model.demo_project import DEMO_DIR


def _demo(cli, user: str | None = None) -> str:
    from qbdkit.services.auth import local_user
    from qbdkit.services.risk import store_folder

    r = cli("import", DEMO_DIR)
    assert r.code == 0, r.err
    url = os.environ["QBDKIT_DATABASE_URL"]
    store_folder("demo-mab", DEMO_DIR / "risk", user=user or local_user(url), reason="risk",
                 url=url)
    return "demo-mab"


def test_control_to_cpv_on_a_single_user_store(cli, tmp_path):
    from openpyxl import load_workbook

    project = _demo(cli)
    r = cli("control-strategy", project, "--out", tmp_path / "cs.xlsx")
    assert r.code == 0, r.err
    assert "stored as control.strategy/main v1" in r.err and "checks passed" in r.out
    assert load_workbook(tmp_path / "cs.xlsx").sheetnames[:2] == ["Control strategy",
                                                                 "Parameters"]
    r = cli("control-strategy", project, "--dry-run", "--json")
    assert r.code == 0 and "stored" not in r.err
    assert [c["passed"] for c in r.json()["checks"]] == [True] * 5
    r = cli("control-strategy", project, "--dry-run", "--out", tmp_path / "cs.html", "--lang",
            "zh")
    assert r.code == 0 and "控制策略" in (tmp_path / "cs.html").read_text("utf-8")
    r = cli("control-strategy", project, "--dry-run", "--out", tmp_path / "cs.pdf")
    assert r.code == 2 and "--out" in r.err and "unknown output format" in r.err

    r = cli("spec", "propose", project, "--attribute", "aggregates", "--until", "2026-02-28",
            "--decimals", "1", "--json")
    assert r.code == 0, r.err
    assert r.json()["proposed_upper"] == pytest.approx(2.7)
    assert "stored as spec.proposal/aggregates v1" in r.err

    r = cli("ppq", "protocol", project, "--batches", "4", "--out", tmp_path / "p.html")
    assert r.code == 0, r.err
    assert "PPQ protocol: 4 batches" in r.out
    r = cli("ppq", "protocol", project, "--batches", "0")
    assert r.code == 2 and "batches" in r.err

    bad = tmp_path / "bad.csv"
    bad.write_text("batch,item,value\nPPQ01,aggregates,1.8\nPPQ09,aggregates,1.7\n", "utf-8")
    r = cli("ppq", "evaluate", project, bad)
    assert r.code == 2
    assert "bad.csv:3: batch: result for a batch that is not in the project" in r.err
    r = cli("ppq", "evaluate", project, DEMO_DIR / "ppq" / "results.csv", "--json")
    assert r.code == 0, r.err
    assert r.json()["passed"] is True and len(r.json()["cpv_limits"]) >= 10

    r = cli("cpv", "review", project, "--until", "2026-07-31", "--out", tmp_path / "r1.html")
    assert r.code == 0, r.err
    assert "stored as cpv.review/review-2026-07-25 v1" in r.err
    assert "<svg" in (tmp_path / "r1.html").read_text("utf-8")
    r = cli("cpv", "review", project, "--out", tmp_path / "review.xlsx", "--json")
    assert r.code == 0, r.err
    assert r.json()["since"] == "D012" and r.json()["baseline"] == 20
    assert "Disposition" in load_workbook(tmp_path / "review.xlsx").sheetnames
    r = cli("cpv", "review", project, "--limits", "ppq", "--dry-run")
    assert r.code == 0 and "given limits" in r.err

    r = cli("records", "list", project)
    assert r.code == 0
    for kind in ("control.strategy", "spec.proposal", "ppq.protocol", "ppq.evaluation",
                 "cpv.review"):
        assert kind in r.out


def test_file_commands_store_with_project_and_as(cli, tmp_path):
    project = _demo(cli)
    data = tmp_path / "assay.csv"
    data.write_text("batch,assay\n" + "".join(f"B{i},{98 + (i % 5) * 0.3}\n" for i in range(20)),
                    "utf-8")
    r = cli("cpv", "chart", data, "--value", "assay", "--batch", "batch", "--project", project,
            "--as", "assay", "--json")
    assert r.code == 0, r.err
    assert "stored as cpv.chart/assay v1" in r.err and json.loads(r.out)["type"] == "imr"
    r = cli("spec", "tolerance", data, "--column", "assay", "--project", project)
    assert r.code == 2 and "--as" in r.err
    r = cli("cpv", "capability", data, "--value", "assay", "--lsl", "95", "--usl", "101")
    assert r.code == 0 and "stored" not in r.err


def test_team_member_authors_viewer_only_reads(cli, login, db_url):
    login("sci")
    project = _demo(cli, user="sci")
    r = cli("control-strategy", project)
    assert r.code == 0, r.err
    login("view")
    r = cli("control-strategy", project, "--as", "other")
    assert r.code == 2 and "view" in r.err
    r = cli("control-strategy", project, "--dry-run")
    assert r.code == 0, r.err
