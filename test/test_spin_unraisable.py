# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""Ctrl-C inside rclpy's Future.__init__ must not print a traceback at shutdown."""
import gc
import sys

from rclpy.task import Future

from fast_lewm_ros.ros import spin


class _LoudFinalizer:
    def __del__(self):
        raise ValueError('a real fault in a finalizer')


def _half_built_future():
    future = Future.__new__(Future)
    future._state = 'PENDING'  # KeyboardInterrupt landed here, before `_exception`
    return future


def _reported_when_dropped(make, monkeypatch, quiet=True) -> list:
    reported = []
    hook = spin.quiet_unraisable(reported.append) if quiet else reported.append
    monkeypatch.setattr(sys, 'unraisablehook', hook)
    obj = make()
    del obj
    gc.collect()
    return [info.exc_value for info in reported]


def test_a_future_cut_short_by_ctrl_c_is_finalized_quietly(monkeypatch):
    unfiltered = _reported_when_dropped(_half_built_future, monkeypatch, quiet=False)
    assert [type(err) for err in unfiltered] == [AttributeError]  # what rclpy would print
    assert _reported_when_dropped(_half_built_future, monkeypatch) == []


def test_other_finalizer_errors_are_still_reported(monkeypatch):
    reported = _reported_when_dropped(_LoudFinalizer, monkeypatch)
    assert [str(err) for err in reported] == ['a real fault in a finalizer']
