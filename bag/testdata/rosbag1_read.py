#!/usr/bin/python3
"""Reads a ROS 1 bag with Debian's rosbag and prints one line per message for bag/rosbag1_test.go:
topic, type, md5sum, log time in ns, and the message's ROS 1 serialization in hex (genpy's own)."""
import io
import sys

import rosbag

with rosbag.Bag(sys.argv[1]) as bag:
    for topic, msg, t in bag.read_messages():
        buf = io.BytesIO()
        msg.serialize(buf)
        print(topic, msg._type, msg._md5sum, t.to_nsec(), buf.getvalue().hex())
