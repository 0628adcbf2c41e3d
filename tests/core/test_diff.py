from qbdkit.core.diff import diff


def test_named_list_items_are_addressed_by_name():
    old = {"quality_attributes": [{"name": "Aggregates", "acceptance": [{"high": 3.0}]},
                                  {"name": "Titer", "unit": "g/L"}]}
    new = {"quality_attributes": [{"name": "Titer", "unit": "g/L"},
                                  {"name": "Aggregates", "acceptance": [{"high": 2.5}]}]}
    changes = diff(old, new)
    assert [c.summary() for c in changes] == [
        "quality_attributes[Aggregates].acceptance[0].high: 3.0 → 2.5"]


def test_added_removed_and_positional():
    changes = diff({"a": [1, 2], "b": 1}, {"a": [1, 3, 4], "c": "x"})
    assert [(c.path, c.old, c.new) for c in changes] == [
        ("a[1]", 2, 3), ("a[2]", None, 4), ("b", 1, None), ("c", None, "x")]


def test_identical_is_empty_and_int_float_equal():
    assert diff({"x": [1, {"y": 2}]}, {"x": [1.0, {"y": 2}]}) == []
