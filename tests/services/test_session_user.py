"""``session_user`` (the web's per-request check): role, printed name and chosen language in
one read; ``last_seen`` written at most every TOUCH_SECONDS; idle expiry still revokes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text

from qbdkit.errors import AuthenticationRequired, NotFound
from qbdkit.services import auth
from qbdkit.services.users import set_language
from qbdkit.store import get_engine, transaction
from qbdkit.store.schema import SignInSession


def _last_seen(url: str, token: str):
    import hashlib

    digest = hashlib.sha256(token.encode()).hexdigest()
    with transaction(url, write=False) as session:
        return session.scalar(select(SignInSession.last_seen)
                              .where(SignInSession.token_sha256 == digest))


def _age_sessions(url: str, seconds: int) -> None:
    moment = datetime.now(UTC) - timedelta(seconds=seconds)
    with get_engine(url).begin() as conn:
        value = (moment.strftime("%Y-%m-%d %H:%M:%S.%f") if conn.dialect.name == "sqlite"
                 else moment)
        conn.execute(text("UPDATE sessions SET last_seen = :t"), {"t": value})


def test_who_role_name_and_language(team, db_url):
    s = auth.login("rev", team["rev"], url=db_url)
    who = auth.session_user(s.token, url=db_url)
    assert (who.name, who.role, who.full_name, who.lang) == ("rev", "reviewer",
                                                             "Rita Reviewer", None)
    assert set_language("rev", "zh-CN", url=db_url) == "zh"
    assert auth.session_user(s.token, url=db_url).lang == "zh"
    assert set_language("rev", "en", url=db_url) == "en"
    assert auth.session_user(s.token, url=db_url).lang == "en"
    with pytest.raises(NotFound):
        set_language("ghost", "zh", url=db_url)


def test_last_seen_is_written_at_most_every_touch_interval(team, db_url):
    s = auth.login("sci", team["sci"], url=db_url)
    _age_sessions(db_url, 5)
    before = _last_seen(db_url, s.token)
    auth.session_user(s.token, url=db_url)
    assert _last_seen(db_url, s.token) == before  # fresh: a read-only check
    _age_sessions(db_url, auth.TOUCH_SECONDS + 5)
    before = _last_seen(db_url, s.token)
    auth.session_user(s.token, url=db_url)
    assert _last_seen(db_url, s.token) > before  # older than the interval: the idle timer restarts
    _age_sessions(db_url, 15 * 60 + 5)  # the default idle time passed
    with pytest.raises(AuthenticationRequired, match="expired"):
        auth.session_user(s.token, url=db_url)
    with pytest.raises(AuthenticationRequired, match="signed out"):  # revoked for good
        auth.session_user(s.token, url=db_url)
