# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""QoS profiles shared by the nodes, chosen so that publishers and subscribers match.

Compatibility rules that drive the choices: a best-effort subscription matches
every publisher; a reliable one matches only reliable publishers; a
transient-local subscription matches only transient-local publishers (and is the
only kind that receives a latched sample after joining late).
"""
from rclpy.qos import DurabilityPolicy, HistoryPolicy, QoSProfile, ReliabilityPolicy

# Camera-style input: newest image only, never wait for a lost one.
SENSOR = QoSProfile(history=HistoryPolicy.KEEP_LAST, depth=1,
                    reliability=ReliabilityPolicy.BEST_EFFORT,
                    durability=DurabilityPolicy.VOLATILE)
# Images we publish: reliable publishers also match reliable subscribers (tools).
IMAGE_OUT = QoSProfile(history=HistoryPolicy.KEEP_LAST, depth=1,
                       reliability=ReliabilityPolicy.RELIABLE,
                       durability=DurabilityPolicy.VOLATILE)
# Goals: the last one is kept for subscribers that join later.
LATCHED = QoSProfile(history=HistoryPolicy.KEEP_LAST, depth=1,
                     reliability=ReliabilityPolicy.RELIABLE,
                     durability=DurabilityPolicy.TRANSIENT_LOCAL)
# Commands, plans, status: none may be dropped (lock-step counts every command).
COMMANDS = QoSProfile(history=HistoryPolicy.KEEP_LAST, depth=10,
                      reliability=ReliabilityPolicy.RELIABLE,
                      durability=DurabilityPolicy.VOLATILE)
# Recorders (recorder_node, BagRecorder) keep every image: best effort matches any
# camera, and a deep queue means a busy recorder drops nothing. A lost frame would
# merge two commands into one row and shift every training window across it.
RECORD = QoSProfile(history=HistoryPolicy.KEEP_LAST, depth=200,
                    reliability=ReliabilityPolicy.BEST_EFFORT,
                    durability=DurabilityPolicy.VOLATILE)
