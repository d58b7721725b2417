# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""A minimal `ros2 bag record` for machines without rosbag2: topics -> MCAP via `rosbags`.

Subscribes in raw mode (the serialized CDR bytes, exactly what rosbag2 stores)
and writes each message with its middleware reception time, as rosbag2 does.
Used by the sim-as-robot test and scripts/record_tworoom_ros.py; on a robot with
ROS installed, `ros2 bag record -s mcap TOPICS` does the same.
"""
from __future__ import annotations

from pathlib import Path

from rosbags.rosbag2 import StoragePlugin, Writer
from rosbags.typesys import get_typestore, Stores


class BagRecorder:
    """Record `topics` {topic: (message class, QoS profile)} of `node` into the bag `path`."""

    def __init__(self, node, path, topics: dict):
        self.path = Path(path)
        self.writer = Writer(self.path, version=9, storage_plugin=StoragePlugin.MCAP)
        self.writer.open()
        store = get_typestore(Stores.ROS2_KILTED)
        self.count = 0
        for topic, (msg_type, profile) in topics.items():
            name = msg_type.__module__.split('.')[0] + '/msg/' + msg_type.__name__
            conn = self.writer.add_connection(topic, name, typestore=store)
            node.create_subscription(msg_type, topic, self._writes(conn), profile, raw=True)

    def _writes(self, conn):
        def write(data: bytes, info) -> None:
            if self.writer is not None:
                self.writer.write(conn, info['received_timestamp'], data)
                self.count += 1
        return write

    def close(self) -> None:
        """Finish the bag (its metadata is written here); later messages are ignored."""
        writer, self.writer = self.writer, None
        if writer is not None:
            writer.close()
