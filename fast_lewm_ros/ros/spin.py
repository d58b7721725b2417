# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""The one `main()` every node executable shares: init, spin, clean shutdown."""
from __future__ import annotations

import signal
from typing import Callable

import rclpy
from rclpy.executors import ExternalShutdownException
from rclpy.node import Node


def spin_node(make_node: Callable[[], Node], name: str, args=None) -> int:
    """Spin the node `make_node()` builds until Ctrl-C or shutdown; return the exit code.

    A node that cannot be built (e.g. a bad parameter) prints why and exits 1
    instead of dumping a traceback.
    """
    rclpy.init(args=args)
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
