"""check_folder never raises on arbitrary input: every problem becomes a Problem (no traceback)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qbdkit.model import check_folder

from .strategies import projects

SETTINGS = settings(max_examples=int(__import__("os").environ.get("QBD_FUZZ", "60")), deadline=None, suppress_health_check=list(HealthCheck))

scalars = st.none() | st.booleans() | st.integers(-5, 5) | st.floats(allow_nan=True) | st.text(max_size=6)
yaml_values = st.recursive(scalars, lambda c: st.lists(c, max_size=3) | st.dictionaries(
    st.sampled_from(["name", "unit", "nor", "par", "low", "high", "parameters", "unit_operations",
                     "process", "product", "modality", "kind", "acceptance", "label", "x"]), c,
    max_size=4), max_leaves=20)


def _write(d: Path, project: bytes, process: bytes, batches: bytes, measurements: bytes) -> None:
    (d / "data").mkdir()
    (d / "project.yaml").write_bytes(project)
    (d / "process.yaml").write_bytes(process)
    (d / "data" / "batches.csv").write_bytes(batches)
    (d / "data" / "measurements.csv").write_bytes(measurements)


@SETTINGS
@given(st.binary(max_size=200), st.binary(max_size=200), st.binary(max_size=200),
       st.binary(max_size=200))
def test_random_bytes_never_raise(a, b, c, d):
    with tempfile.TemporaryDirectory() as tmp:
        _write(Path(tmp), a, b, c, d)
        result = check_folder(tmp)
        assert isinstance(result.problems, list)


@SETTINGS
@given(yaml_values, yaml_values, st.text(max_size=120), st.text(max_size=120))
def test_random_yaml_and_csv_never_raise(top, proc, batches, measurements):
    with tempfile.TemporaryDirectory() as tmp:
        doc = {"name": "p", "product": {"name": "x", "modality": "mab"}, "extra": top}
        _write(Path(tmp), yaml.safe_dump(doc).encode(), yaml.safe_dump({"process": proc}).encode(),
               ("batch,kind,scale\n" + batches).encode(), ("batch,name,value\n" + measurements).encode())
        result = check_folder(tmp)
        # the unknown top-level key is always reported
        assert any(p.column == "extra" and p.message == "unknown field" for p in result.problems)


@SETTINGS
@given(projects(), st.data())
def test_mutated_valid_projects_never_raise(project, data):
    """Break one value of a valid project's YAML at random; the check reports, never raises."""
    from qbdkit.model import save_project

    with tempfile.TemporaryDirectory() as tmp:
        save_project(project, tmp)
        path = Path(tmp) / data.draw(st.sampled_from(["project.yaml", "process.yaml"]))
        lines = path.read_text("utf-8").splitlines()
        i = data.draw(st.integers(0, len(lines) - 1))
        lines[i] = lines[i] + data.draw(st.sampled_from([" x", ": [", " {low: 9, high: 1}", "\t", "'"]))
        path.write_text("\n".join(lines) + "\n", "utf-8")
        check_folder(tmp)
