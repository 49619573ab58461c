"""Failed authentication, counted per client address: past the limit, 429 with Retry-After.

In-process and in memory (each server copy counts its own; a proxy in front should pass the
client's address, see docs/sync.md). Only failures count: a counter whose token is good is
never slowed down, even behind the same address as someone guessing tokens.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable

AUTH_FAILURES = 20  # failures allowed per address …
AUTH_WINDOW_S = 60.0  # … within this many seconds
MAX_ADDRESSES = 10_000  # addresses remembered at once (the oldest are forgotten first)


class FailedAuth:
    def __init__(
        self,
        limit: int = AUTH_FAILURES,
        window: float = AUTH_WINDOW_S,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_addresses: int = MAX_ADDRESSES,
    ) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._max = max_addresses
        self._seen: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def failed(self, address: str) -> int | None:
        """Count one failure of `address`; the seconds it must wait (Retry-After) once it has
        failed more than `limit` times within the window, else None."""
        now = self._clock()
        with self._lock:
            times = self._seen.pop(address, None) or deque()
            while times and times[0] <= now - self.window:
                times.popleft()
            times.append(now)
            if len(times) > self.limit + 1:  # keep what the window needs, not every failure
                times.popleft()
            self._seen[address] = times  # most recent last
            while len(self._seen) > self._max:
                self._seen.popitem(last=False)
            if len(times) <= self.limit:
                return None
            return max(1, math.ceil(times[0] + self.window - now))
