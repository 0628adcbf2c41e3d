"""The hash chain on its own (pure functions, no database)."""

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from qbdkit.store.chain import (
    GENESIS,
    canonical_json,
    content_hash,
    entry_hash,
    sha256_text,
    utc_text,
    verify_chain,
)


def test_sha256_matches_fips_180_2_vector():
    # FIPS 180-2, Appendix B.1: SHA-256("abc").
    assert sha256_text("abc") == (
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")


def test_canonical_json_sorts_keys_and_keeps_unicode():
    assert canonical_json({"b": 1, "a": [1.5, None, "宿主细胞蛋白"]}) == (
        '{"a":[1.5,null,"宿主细胞蛋白"],"b":1}')
    assert content_hash({"a": 1, "b": 2}) == content_hash({"b": 2, "a": 1})


def test_utc_text_normalizes_offsets_and_naive_values():
    shanghai = timezone(timedelta(hours=8))
    at = datetime(2026, 1, 2, 8, 0, 0, 123456, tzinfo=shanghai)
    assert utc_text(at) == "2026-01-02T00:00:00.123456Z"
    assert utc_text(at.astimezone(UTC).replace(tzinfo=None)) == "2026-01-02T00:00:00.123456Z"


def make_chain(n: int) -> list[dict]:
    prev = GENESIS
    out = []
    t0 = datetime(2026, 11, 21, tzinfo=UTC)
    for i in range(1, n + 1):
        e = {"id": i, "at": t0 + timedelta(seconds=i), "user": f"u{i % 3}", "action": "record.save",
             "project": "p", "entity": f"record:fmea/{i}", "old": None,
             "new": canonical_json({"v": i}), "reason": f"r{i}", "prev_hash": prev}
        e["hash"] = entry_hash(e)
        prev = e["hash"]
        out.append(e)
    return out


def test_intact_chain_and_empty_chain():
    chain = make_chain(5)
    report = verify_chain(chain, 5, chain[-1]["hash"])
    assert report.intact and report.entries == 5 and report.first_bad is None
    assert verify_chain([], None, None).intact


FIELDS = ["at", "user", "action", "project", "entity", "old", "new", "reason"]


@settings(max_examples=60, deadline=None)
@given(n=st.integers(2, 12), data=st.data())
def test_any_altered_field_is_named_at_its_entry(n, data):
    chain = make_chain(n)
    i = data.draw(st.integers(0, n - 1))
    field = data.draw(st.sampled_from(FIELDS))
    e = chain[i]
    e[field] = e["at"] + timedelta(microseconds=1) if field == "at" else f"{e[field]}x"
    report = verify_chain(chain, n, chain[-1]["hash"])
    assert not report.intact
    assert report.first_bad.entry_id == i + 1
    assert report.first_bad.kind == "altered"


@settings(max_examples=60, deadline=None)
@given(n=st.integers(2, 12), data=st.data())
def test_any_deleted_row_is_found(n, data):
    chain = make_chain(n)
    head_id, head_hash = n, chain[-1]["hash"]
    i = data.draw(st.integers(0, n - 1))
    del chain[i]
    report = verify_chain(chain, head_id, head_hash)
    assert not report.intact
    assert report.first_bad.kind == "deleted"
    # the entry named is the one after the gap (or the missing last one)
    assert report.first_bad.entry_id == i + 2 if i < n - 1 else report.first_bad.entry_id == n


def test_inserted_row_with_forged_hash_after_the_head_is_found():
    chain = make_chain(4)
    forged = {"id": 5, "at": chain[-1]["at"], "user": "mallory", "action": "record.save",
              "project": "p", "entity": "record:x", "old": None, "new": None, "reason": "",
              "prev_hash": chain[-1]["hash"]}
    forged["hash"] = entry_hash(forged)  # a perfectly linked row …
    report = verify_chain([*chain, forged], 4, chain[-1]["hash"])
    assert not report.intact  # … still caught: the head ends at entry 4
    assert (report.first_bad.entry_id, report.first_bad.kind) == (5, "inserted")


def test_rewritten_link_is_named():
    chain = make_chain(4)
    chain[2]["prev_hash"] = "f" * 64
    chain[2]["hash"] = entry_hash(chain[2])  # re-hashed consistently, but the link is broken
    report = verify_chain(chain, 4, chain[-1]["hash"])
    assert (report.first_bad.entry_id, report.first_bad.kind) == (3, "broken-link")


def test_altered_head_is_found():
    chain = make_chain(3)
    report = verify_chain(chain, 3, "0" * 63 + "1")
    assert (report.first_bad.entry_id, report.first_bad.kind) == (3, "head")
