# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""The one `main()` every node executable shares: init, spin, clean shutdown."""
from __future__ import annotations

import signal
import sys
from typing import Callable

import rclpy
from rclpy.executors import ExternalShutdownException
from rclpy.node import Node


def _half_built_future(info) -> bool:
    """Tell whether rclpy's Future/Task finalizer failed on an object Ctrl-C cut short.

    Ctrl-C raises KeyboardInterrupt wherever the main thread is; landing inside
    `Future.__init__` (the executor builds a Task per callback) leaves an object
    without `_exception`, and its `__del__` then prints an "Exception ignored"
    traceback at shutdown. That is noise from the interrupt, not a fault.
    """
    qualname = getattr(info.object, '__qualname__', '')
    return info.exc_type is AttributeError and qualname in ('Future.__del__', 'Task.__del__')


def quiet_unraisable(previous: Callable) -> Callable:
    """Wrap the unraisable hook `previous` so it skips `_half_built_future` noise."""
    def hook(info) -> None:
        if not _half_built_future(info):
            previous(info)
    return hook


def spin_node(make_node: Callable[[], Node], name: str, args=None) -> int:
    """Spin the node `make_node()` builds until Ctrl-C or shutdown; return the exit code.

    A node that cannot be built (e.g. a bad parameter) prints why and exits 1
    instead of dumping a traceback.
    """
    rclpy.init(args=args)
    sys.unraisablehook = quiet_unraisable(sys.unraisablehook)
    node = None
    try:
        node = make_node()
        rclpy.spin(node)
    except (KeyboardInterrupt, ExternalShutdownException):
        pass
    except Exception as err:  # noqa: BLE001 - bad parameters: say why, exit non-zero
        if node is not None and not rclpy.ok():
            # Ctrl-C shut the context down while a callback was still using it
            # (e.g. a publish from a timer): that is the shutdown, not a failure.
            return 0
        print(f'{name}: {err}')
        return 1
    finally:
        # A second Ctrl-C (or a wrapper such as `timeout` that signals the whole
        # process group) must not break the teardown with a traceback. The process
        # ends right after, so SIGINT stays ignored.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        if node is not None:
            node.destroy_node()
        rclpy.try_shutdown()
    return 0
