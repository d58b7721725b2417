# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""A thread-safe status board that a node turns into diagnostic_msgs/DiagnosticArray.

Conditions are kept per source ('goal', 'image', 'plan', ...), one per cause: a
source reports OK, WARN or ERROR with a message, and a later good input from the
same source clears it; a condition set with `hold` (a rejected input: an event,
not a state) also clears itself after `hold` seconds. The node's level is the
worst condition; its message lists every condition, worst first, so an ERROR
never hides a WARN. Messages and values are truncated, so no input can make a
status large. `changed()` tells the node to publish at once when a level
appears, changes or clears (not when only a number in a message changes, e.g.
an image's age), at most every MIN_INTERVAL seconds; the periodic message
carries the rest.
"""
from __future__ import annotations

import threading
import time

from diagnostic_msgs.msg import DiagnosticArray, DiagnosticStatus, KeyValue

OK, WARN, ERROR = 0, 1, 2
LEVEL_NAMES = {OK: 'OK', WARN: 'WARN', ERROR: 'ERROR'}
MAX_TEXT = 240          # characters kept of one condition's message or one value
MIN_INTERVAL = 0.2      # seconds between two change-triggered publications


def bounded(text: str, limit: int = MAX_TEXT) -> str:
    """Return `text`, cut to `limit` characters with a note of the original length."""
    text = str(text)
    return text if len(text) <= limit else f'{text[:limit]}... [{len(text)} characters]'


class StatusBoard:
    """Conditions by source, plus key/value facts shown with every message."""

    def __init__(self, name: str, hardware_id: str = ''):
        self.name, self.hardware_id = name, hardware_id
        self._lock = threading.Lock()
        # source -> (level, message, monotonic expiry time or None)
        self._conditions: dict[str, tuple[int, str, float | None]] = {}
        self._values: dict[str, str] = {}
        self._published: tuple | None = None
        self._published_at = -float('inf')

    def set(self, source: str, level: int, message: str, hold: float | None = None) -> None:
        expires = None if hold is None else time.monotonic() + hold
        with self._lock:
            self._conditions[source] = (level, bounded(message), expires)

    def clear(self, source: str) -> None:
        with self._lock:
            self._conditions.pop(source, None)

    def clear_all(self) -> None:
        with self._lock:
            self._conditions.clear()

    def value(self, key: str, value) -> None:
        with self._lock:
            self._values[key] = bounded(value if isinstance(value, str) else f'{value}')

    def _current(self) -> list[tuple[str, int, str]]:
        """Live conditions, worst first then by source; drop expired ones (lock held)."""
        now = time.monotonic()
        for source in [s for s, (_, _, t) in self._conditions.items() if t is not None
                       and t <= now]:
            del self._conditions[source]
        return sorted(((s, lvl, msg) for s, (lvl, msg, _) in self._conditions.items()),
                      key=lambda c: (-c[1], c[0]))

    def summary(self) -> tuple[int, str]:
        """Return (worst level, every condition's message, worst first, joined by '; ')."""
        with self._lock:
            conditions = self._current()
        if not conditions:
            return OK, 'ok'
        return conditions[0][1], '; '.join(f'{source}: {message}'
                                           for source, _, message in conditions)

    def _signature(self) -> tuple:
        with self._lock:
            return tuple((source, level) for source, level, _ in self._current())

    def changed(self) -> bool:
        """Tell whether a level appeared, changed or cleared since the last publication."""
        if time.monotonic() - self._published_at < MIN_INTERVAL:
            return False  # the periodic message (or the next change) carries it
        return self._signature() != self._published

    def message(self, stamp) -> DiagnosticArray:
        """Build the DiagnosticArray to publish now (one status)."""
        level, text = self.summary()
        self._published, self._published_at = self._signature(), time.monotonic()
        status = DiagnosticStatus(level=bytes([level]), name=self.name, message=text,
                                  hardware_id=self.hardware_id)
        with self._lock:
            conditions = self._current()
            status.values = [KeyValue(key=k, value=v) for k, v in sorted(self._values.items())]
        status.values += [KeyValue(key=f'{source}.{LEVEL_NAMES[lvl]}', value=msg)
                          for source, lvl, msg in conditions]
        array = DiagnosticArray(status=[status])
        array.header.stamp = stamp
        return array
