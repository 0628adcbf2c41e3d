"""The JSON API of the risk, scale-down and records areas against a real ``qbdkit serve``
(SQLite and PostgreSQL): a role × endpoint table, the error mapping (401, 403, 404, 409,
422 with the problem's row and field), signing to approved, re-run, upload limits.

Expected action priority: AIAG & VDA FMEA Handbook (2019), Action Priority table
(tests/core/risk/test_action_priority.py): S 7–8 × O 6–7 × D 7–10 → H.
"""

from __future__ import annotations

from pathlib import Path

import pytest

DEMO = Path(__file__).parents[2] / "src" / "qbdkit" / "demo" / "mab"
P = "demo-mab"


@pytest.fixture
def fmea_name(web_server):
    """A fresh FMEA record of the demo project (sci, v1), stored in-process."""
    from qbdkit.services.base import Context
    from qbdkit.services.records import run_and_store
    from qbdkit.services.risk import FmeaRequest
    from qbdkit.store import dispose

    name = web_server.unique("api-fmea")
    with pytest.MonkeyPatch.context() as mp:
        for key in ("QBDKIT_CONFIG_DIR", "QBDKIT_ARGON2_PROFILE", "QBDKIT_DATABASE_URL"):
            mp.setenv(key, web_server.env[key])
        mp.delenv("QBDKIT_KEY_FILE", raising=False)
        run_and_store("risk.fmea", FmeaRequest(file=DEMO / "risk" / "fmea.csv"),
                      Context(user="sci", url=web_server.store_url), project=P, name=name,
                      reason="api test")
        dispose(web_server.store_url)
    return name


READS = ["/api/projects/{p}/risk", "/api/projects/{p}/records",
         "/api/projects/{p}/records?stage=risk&state=draft", "/api/projects/{p}/sdm",
         "/api/projects/{p}/records/risk.fmea/{f}",
         "/api/projects/{p}/records/risk.ce/ce/diff?old=1&new=1",
         "/api/projects/{p}/risk/fmea/{f}/preview?row=B04&severity=8&occurrence=6&detection=7"]
PAGES = ["/projects/{p}/risk", "/projects/{p}/risk/fmea/{f}", "/projects/{p}/risk/ce",
         "/projects/{p}/risk/cqa", "/projects/{p}/risk/classes", "/projects/{p}/sdm",
         "/projects/{p}/records", "/projects/{p}/records/risk.fmea/{f}"]


def test_role_by_endpoint_table(api_client, fmea_name):
    """Every role reads every page and read endpoint; only the scientist writes."""
    anonymous = api_client(None)
    for path in READS:
        assert anonymous.get(path.format(p=P, f=fmea_name)).status_code == 401, path
    for path in PAGES:
        r = anonymous.get(path.format(p=P, f=fmea_name))
        assert r.status_code == 303 and r.headers["location"].startswith("/login"), path
    edit = {"expected_version": 1, "reason": "role table",
            "edits": [{"id": "B04", "values": {"severity": 8, "occurrence": 6,
                                                "detection": 7}}]}
    writes = {}
    for user in ("view", "rev", "qa", "admin", "sci"):
        client = api_client(user)
        for path in READS + PAGES:
            assert client.get(path.format(p=P, f=fmea_name)).status_code == 200, (user, path)
        writes[user] = client.post(f"/api/projects/{P}/risk/fmea/{fmea_name}",
                                   json=edit).status_code
    assert writes == {"view": 403, "rev": 403, "qa": 403, "admin": 403, "sci": 200}


def test_preview_edit_conflict_and_errors(api_client, fmea_name):
    sci = api_client("sci")
    base = f"/api/projects/{P}/risk/fmea/{fmea_name}"
    r = sci.get(base + "/preview", params={"row": "B04", "severity": "8", "occurrence": "6",
                                           "detection": "7"})
    assert r.json() == {"row": "B04", "severity": 8, "occurrence": 6, "detection": 7,
                        "rpn": 336, "ap": "H", "scale": "aiag-vda"}
    r = sci.get(base + "/preview", params={"row": "B04", "severity": "11", "occurrence": "6",
                                           "detection": "7"})
    assert r.status_code == 422
    problem = r.json()["problems"][0]
    assert (problem["row"], problem["column"], problem["found"]) == (5, "B04.severity", "11")
    assert sci.get(base + "/preview", params={"row": "NOPE", "severity": 1, "occurrence": 1,
                                              "detection": 1}).status_code == 422
    edit = {"expected_version": 1, "reason": "api",
            "edits": [{"id": "B01", "values": {"occurrence": 4}}]}
    r = sci.post(base, json=edit)
    assert r.status_code == 200 and r.json()["version"] == 2
    stale = {"expected_version": 1, "reason": "api, stale",
             "edits": [{"id": "B02", "values": {"detection": 2}}]}
    r = sci.post(base, json=stale)
    assert r.status_code == 409 and r.json()["error"] == "Conflict"
    assert r.json()["problems"][0]["found"] == "version 2"
    assert sci.post(base, json={"expected_version": 2, "reason": "x", "edits": [
        {"id": "B01", "values": {"severity": "high"}}]}).status_code == 422
    assert sci.post(base, json={"expected_version": 2, "edits": []}).status_code == 422
    assert sci.post(f"/api/projects/{P}/risk/fmea/no-such-fmea",
                    json=edit).status_code == 404
    view = sci.get(f"/api/projects/{P}/records/risk.fmea/{fmea_name}").json()
    assert [h["version"] for h in view["history"]] == [1, 2]
    assert {"path": "result.rows[B01].occurrence", "old": 3, "new": 4} in view["changes"]
    diff = sci.get(f"/api/projects/{P}/records/risk.fmea/{fmea_name}/diff",
                   params={"old": 1, "new": 2}).json()
    assert {"path": "result.rows[B01].rpn", "old": 96, "new": 128} in diff
    rerun = sci.post(f"/api/projects/{P}/records/risk.fmea/{fmea_name}/rerun", json={})
    assert rerun.status_code == 200 and rerun.json()["identical"] is True


def test_signing_through_the_api(api_client, web_server, fmea_name):
    path = f"/api/projects/{P}/records/risk.fmea/{fmea_name}"
    pw = web_server.passwords
    sci, rev, qa = api_client("sci"), api_client("rev"), api_client("qa")
    assert sci.get(path).json()["signable"] == ["authored"]
    assert qa.post(path + "/sign", json={"meaning": "approved", "password": pw["qa"]}
                   ).status_code == 409  # not in review yet
    wrong = sci.post(path + "/sign", json={"meaning": "authored", "password": "nope"})
    assert wrong.status_code == 422 and "wrong password" in wrong.json()["message"]
    assert sci.post(path + "/sign", json={"meaning": "authored", "password": pw["sci"]}
                    ).json()["state"] == "in review"
    assert sci.post(path + "/sign", json={"meaning": "reviewed", "password": pw["sci"]}
                    ).status_code == 403  # nobody reviews their own record
    assert rev.get(path).json()["signable"] == ["reviewed", "rejected"]
    assert rev.post(path + "/sign", json={"meaning": "reviewed", "password": pw["rev"],
                                          "version": 1}).json()["state"] == "in review"
    signed = qa.post(path + "/sign", json={"meaning": "approved", "password": pw["qa"]})
    assert signed.json()["state"] == "approved" and signed.json()["full_name"] == "Quinn QA"
    view = qa.get(path).json()
    assert [(s["meaning"], s["valid"]) for s in view["signatures"]] == [
        ("authored", True), ("reviewed", True), ("approved", True)]
    listed = qa.get(f"/api/projects/{P}/records", params={"state": "approved"}).json()
    assert fmea_name in [r["key"] for r in listed]
    assert qa.get(f"/api/projects/{P}/records", params={"state": "done"}).status_code == 422


def test_scale_down_upload_limits(api_client, web_server):
    sci = api_client("sci")
    url = f"/api/projects/{P}/sdm"
    good = {"at_scale": ("at_scale.csv", (DEMO / "sdm" / "at_scale.csv").read_bytes()),
            "small_scale": ("small_scale.csv",
                            (DEMO / "sdm" / "small_scale.csv").read_bytes())}
    name = web_server.unique("api-sdm")
    r = sci.post(url, files=good, data={"name": name, "reason": "api"})
    assert r.status_code == 200, r.text
    assert r.json()["stored"]["kind"] == "sdm.compare"
    assert name in [x["key"] for x in sci.get(url).json()]
    bad = [({"at_scale": ("a.exe", b"MZ\x00"), "small_scale": good["small_scale"]},
            "file type not accepted"),
           ({"at_scale": ("a.xlsx", b"not a zip"), "small_scale": good["small_scale"]},
            "not a zip archive"),
           ({"at_scale": ("a.csv", b"batch,x\x00\x01"), "small_scale": good["small_scale"]},
            "not a text file"),
           ({"at_scale": ("a.csv", b""), "small_scale": good["small_scale"]}, "empty file")]
    for files, message in bad:
        r = sci.post(url, files=files, data={"name": web_server.unique("bad")})
        assert r.status_code == 422 and message in r.json()["message"], (message, r.text)
        assert r.json()["problems"][0]["column"] == "at_scale"
    huge = {"at_scale": ("huge.csv", b"batch,x\n" + b"A,1\n" * (2 * 1024 * 1024)),
            "small_scale": good["small_scale"]}
    r = sci.post(url, files=huge, data={"name": web_server.unique("huge")})
    assert r.status_code == 413  # 8 MB: over the test server's request limit (4 MB)
    assert name in [x["key"] for x in sci.get(url).json()]
