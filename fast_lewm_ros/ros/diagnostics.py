# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""A thread-safe status board that a node turns into diagnostic_msgs/DiagnosticArray.

Conditions are kept per source ('goal', 'image', 'plan', ...): a source reports
OK, WARN or ERROR with a message, and a later good input from the same source
clears it. The node's level is the worst condition; its message lists the
conditions at that level. `changed()` tells the node to publish at once, so a
fault shows on /diagnostics without waiting for the periodic message.
"""
from __future__ import annotations

import threading

from diagnostic_msgs.msg import DiagnosticArray, DiagnosticStatus, KeyValue

OK, WARN, ERROR = 0, 1, 2
LEVEL_NAMES = {OK: 'OK', WARN: 'WARN', ERROR: 'ERROR'}


class StatusBoard:
    """Conditions by source, plus key/value facts shown with every message."""

    def __init__(self, name: str, hardware_id: str = ''):
        self.name, self.hardware_id = name, hardware_id
        self._lock = threading.Lock()
        self._conditions: dict[str, tuple[int, str]] = {}
        self._values: dict[str, str] = {}
        self._published: tuple[int, str] | None = None

    def set(self, source: str, level: int, message: str) -> None:
        with self._lock:
            self._conditions[source] = (level, message)

    def clear(self, source: str) -> None:
        with self._lock:
            self._conditions.pop(source, None)

    def clear_all(self) -> None:
        with self._lock:
            self._conditions.clear()

    def value(self, key: str, value) -> None:
        with self._lock:
            self._values[key] = value if isinstance(value, str) else f'{value}'

    def summary(self) -> tuple[int, str]:
        """Return (worst level, the messages at that level joined by '; ')."""
        with self._lock:
            if not self._conditions:
                return OK, 'ok'
            worst = max(level for level, _ in self._conditions.values())
            messages = [f'{source}: {message}' for source, (level, message)
                        in sorted(self._conditions.items()) if level == worst]
            return worst, '; '.join(messages)

    def changed(self) -> bool:
        """Tell whether the summary differs from the last one `message()` returned."""
        return self.summary() != self._published

    def message(self, stamp) -> DiagnosticArray:
        """Build the DiagnosticArray to publish now (one status)."""
        level, text = self.summary()
        self._published = (level, text)
        status = DiagnosticStatus(level=bytes([level]), name=self.name, message=text,
                                  hardware_id=self.hardware_id)
        with self._lock:
            conditions = dict(self._conditions)
            status.values = [KeyValue(key=k, value=v) for k, v in sorted(self._values.items())]
        status.values += [KeyValue(key=f'{source}.{LEVEL_NAMES[lvl]}', value=msg)
                          for source, (lvl, msg) in sorted(conditions.items())]
        array = DiagnosticArray(status=[status])
        array.header.stamp = stamp
        return array
