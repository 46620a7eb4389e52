"""Prometheus metrics for ``/_ostiary/metrics``: requests by method and status, their latency, and load."""

from __future__ import annotations

import threading
from bisect import bisect_left
from collections import Counter
from typing import Final

BUCKETS: Final = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests: Counter[tuple[str, int]] = Counter()
        self._buckets = [0] * (len(BUCKETS) + 1)
        self._sum = 0.0
        self._count = 0

    def observe(self, method: str, status: int, seconds: float) -> None:
        with self._lock:
            self._requests[(method, status)] += 1
            self._buckets[bisect_left(BUCKETS, seconds)] += 1
            self._sum += seconds
            self._count += 1

    def render(self, in_flight: int = 0, refused: int = 0) -> str:
        """The text exposition; `in_flight` and `refused` come from the app's admission count."""
        with self._lock:
            lines = [
                "# HELP ostiary_requests_in_flight Requests being served now.",
                "# TYPE ostiary_requests_in_flight gauge",
                f"ostiary_requests_in_flight {in_flight}",
                "# HELP ostiary_requests_refused_total Requests refused because too many were in flight.",
                "# TYPE ostiary_requests_refused_total counter",
                f"ostiary_requests_refused_total {refused}",
                "# HELP ostiary_requests_total HTTP requests served, by method and status.",
                "# TYPE ostiary_requests_total counter",
            ]
            for (method, status), count in sorted(self._requests.items()):
                lines.append(f'ostiary_requests_total{{method="{method}",status="{status}"}} {count}')
            lines += [
                "# HELP ostiary_request_seconds Time to serve a request.",
                "# TYPE ostiary_request_seconds histogram",
            ]
            cumulative = 0
            for bound, count in zip(BUCKETS, self._buckets, strict=False):
                cumulative += count
                lines.append(f'ostiary_request_seconds_bucket{{le="{bound}"}} {cumulative}')
            lines.append(f'ostiary_request_seconds_bucket{{le="+Inf"}} {self._count}')
            lines.append(f"ostiary_request_seconds_sum {self._sum:.6f}")
            lines.append(f"ostiary_request_seconds_count {self._count}")
        return "\n".join(lines) + "\n"
