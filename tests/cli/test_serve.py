"""``qbdkit serve``: refusals that come before any server starts (one line, exit 2)."""

from __future__ import annotations


def test_serve_refuses_a_single_user_store(cli):
    r = cli("serve", "--port", "8799")
    assert r.code == 2 and r.err.count("\n") == 1
    assert "needs a multi-user store" in r.err and "store secure" in r.err


def test_serve_refuses_a_bad_port_and_a_full_demo_folder(cli, tmp_path):
    r = cli("serve", "--port", "70000")
    assert r.code == 2 and "not a TCP port" in r.err
    (tmp_path / "demo").mkdir()
    (tmp_path / "demo" / "keep.txt").write_text("x")
    r = cli("serve", "--demo", "--demo-dir", tmp_path / "demo")
    assert r.code == 2 and "demo folder is not empty" in r.err
