"""Sign-in throttling per client address (ASVS 4.0.3 V2.2.1, anti-automation).

The services lock an *account* after ``max_failed_logins`` wrong passwords in a row; that
does not stop one client trying one password on many accounts (password spraying). This
throttle counts *failed* sign-ins per client address in a sliding window and answers 429
once ``QBDKIT_WEB_SIGNIN_FAILURES`` (default 20) failures fell within
``QBDKIT_WEB_SIGNIN_WINDOW`` seconds (default 600). Hand-written because rate-limit
libraries (slowapi/limits) count requests, not failures, and a successful sign-in must not
be slowed; the counter lives in the worker process (each worker throttles on its own).
"""

from __future__ import annotations

import os
import threading
import time
from collections import defaultdict, deque

from starlette.exceptions import HTTPException


class SignInThrottle:
    def __init__(self, limit: int | None = None, window: float | None = None) -> None:
        self.limit = limit or int(os.environ.get("QBDKIT_WEB_SIGNIN_FAILURES", "20"))
        self.window = window or float(os.environ.get("QBDKIT_WEB_SIGNIN_WINDOW", "600"))
        self._failures: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _recent(self, client: str, now: float) -> deque[float]:
        times = self._failures[client]
        while times and now - times[0] > self.window:
            times.popleft()
        return times

    def check(self, client: str) -> None:
        """Raise 429 while ``client`` has used up its failures in the window."""
        now = time.monotonic()
        with self._lock:
            times = self._recent(client, now)
            if len(times) >= self.limit:
                wait = int(self.window - (now - times[0])) + 1
                raise HTTPException(429, f"too many failed sign-ins from this address: try "
                                         f"again in {wait} s", headers={"Retry-After": str(wait)})

    def failed(self, client: str) -> None:
        with self._lock:
            self._recent(client, time.monotonic()).append(time.monotonic())
