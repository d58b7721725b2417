# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""SIGTERM handled like Ctrl-C: the command unwinds, so its cleanup runs.

A signal handler's exception lands wherever the main thread happens to be; in a
finalizer or weakref callback Python would print "Exception ignored" and carry
on. So the request is also remembered, such a swallowed Terminated is not
printed, and long loops call `check()` between units of work: a termination is
never lost. A second SIGTERM while unwinding does not interrupt the cleanup.
"""
from __future__ import annotations

import signal
import sys
import threading

_requested = threading.Event()


class Terminated(KeyboardInterrupt):
    """SIGTERM (a service manager, `kill`): unwinds like Ctrl-C, so cleanup runs."""


def _on_sigterm(signum, frame) -> None:
    if not _requested.is_set():  # the first one unwinds; later ones wait for the cleanup
        _requested.set()
        raise Terminated()


def _unraisable(info, previous=sys.unraisablehook) -> None:
    if not isinstance(info.exc_value, Terminated):  # ours is re-raised by check()
        previous(info)


def install():
    """Handle SIGTERM from now on (main thread only); return what to `restore()`."""
    _requested.clear()
    previous = (signal.signal(signal.SIGTERM, _on_sigterm), sys.unraisablehook)
    sys.unraisablehook = _unraisable
    return previous


def restore(previous) -> None:
    """Put back the handler and unraisable hook that `install()` replaced."""
    signal.signal(signal.SIGTERM, previous[0])
    sys.unraisablehook = previous[1]
    _requested.clear()


def check() -> None:
    """Raise Terminated if a SIGTERM came in and its exception was swallowed."""
    if _requested.is_set():
        raise Terminated()
