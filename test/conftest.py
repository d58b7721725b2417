# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""Shared fixtures: an isolated ROS 2 domain per test, a probe node, a tiny checkpoint."""
import os
import random
import signal
import time

import pytest

# A suite started as a background job of a non-interactive shell (`make test &`,
# `nohup ... &`) inherits SIGINT ignored, and so does every process it starts: the
# Ctrl-C tests then see `ros2 launch` ignore SIGINT and fail. Handlers reset to the
# default on exec, so restoring Python's handler here gives children a normal Ctrl-C.
if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


def wait_for(predicate, timeout=10.0, period=0.02, spin=None):
    """Poll `predicate` (spinning `spin()` between polls) until it holds or time runs out.

    DDS discovery takes 0.15-1.7 s here, so tests poll with a generous timeout and
    never sleep for a fixed time.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if spin is not None:
            spin()
        if predicate():
            return True
        time.sleep(period)
    return predicate()


@pytest.fixture
def ros_domain(monkeypatch):
    """Use a random ROS_DOMAIN_ID with discovery kept on localhost, for this test only."""
    domain = str(random.randint(1, 200))
    monkeypatch.setenv('ROS_DOMAIN_ID', domain)
    monkeypatch.setenv('ROS_AUTOMATIC_DISCOVERY_RANGE', 'LOCALHOST')
    return domain


@pytest.fixture
def rclpy_context(ros_domain):
    """Yield an initialised rclpy Context, shut down after the test."""
    rclpy = pytest.importorskip('rclpy')
    context = rclpy.Context()
    rclpy.init(context=context, domain_id=int(os.environ['ROS_DOMAIN_ID']))
    yield context
    context.try_shutdown()


@pytest.fixture
def probe(rclpy_context):
    """Yield a node in the root namespace that records every topic (ros_testing.Probe)."""
    from ros_testing import Probe
    probe = Probe(rclpy_context).start()
    yield probe
    probe.close()


@pytest.fixture(scope='module')
def tiny_checkpoint(tmp_path_factory):
    """Return a checkpoint of the tiny preset, for nodes that must load something quickly."""
    from ros_testing import save_tiny_checkpoint
    return save_tiny_checkpoint(tmp_path_factory.mktemp('ckpt'))
