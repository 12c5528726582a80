#!/usr/bin/python3
"""Writes ROS 1 bags with Debian's rosbag (python3-rosbag) for bag/rosbag1_test.go.

usage: rosbag1_write.py OUT_DIR FRAMES [forward]
Writes OUT_DIR/{none,bz2,lz4}.bag with small chunks. The values follow samples_test.go's
sampleDrive exactly (only correctly rounded arithmetic), with Header.seq = frame + 1. Within a
frame the messages are written in reverse log-time order, so chunks overlap in time and the
reader must merge them; "forward" writes them in log-time order, as a recorder does.
"""
import os
import sys

import genpy
import rosbag
from geometry_msgs.msg import TransformStamped
from nav_msgs.msg import Odometry
from sensor_msgs.msg import CameraInfo, Image, PointCloud2, PointField, RegionOfInterest
from std_msgs.msg import Header
from tf2_msgs.msg import TFMessage

T0 = 1_700_000_000_000_000_000


def stamp(ns):
    return genpy.Time(ns // 10**9, ns % 10**9)


def header(i, frame):
    return Header(seq=i + 1, stamp=stamp(T0 + i * 50_000_000), frame_id=frame)


def frame(i):
    w, h = 8, 4
    img = Image(header=header(i, "camera_optical"), height=h, width=w, encoding="rgb8", is_bigendian=0,
                step=w * 3, data=bytes((k * 7 + i) & 0xFF for k in range(w * h * 3)))
    info = CameraInfo(header=header(i, "camera_optical"), height=4, width=8, distortion_model="plumb_bob",
                      D=[-0.1, 0.01, 0.001, -0.002, 0.0], K=[500.5, 0, 4, 0, 501.25, 2, 0, 0, 1],
                      R=[1, 0, 0, 0, 1, 0, 0, 0, 1], P=[500.5, 0, 4, 0.1 * i, 0, 501.25, 2, 0, 0, 0, 1, 0],
                      binning_x=1, binning_y=2,
                      roi=RegionOfInterest(x_offset=1, y_offset=2, height=3, width=4, do_rectify=True))
    fields = [PointField(name=n, offset=4 * k, datatype=PointField.FLOAT32, count=1) for k, n in enumerate("xyz")]
    cloud = PointCloud2(header=header(i, "camera_optical"), height=1, width=5, fields=fields, is_bigendian=False,
                        point_step=12, row_step=60, data=bytes((k * 13 + i) & 0xFF for k in range(60)),
                        is_dense=(i % 2 == 0))
    odom = Odometry(header=header(i, "odom"), child_frame_id="camera_optical")
    odom.pose.pose.position.x, odom.pose.pose.position.y, odom.pose.pose.position.z = 0.5 * i, -1.25, 3.14159
    odom.pose.pose.orientation.z, odom.pose.pose.orientation.w = i / 100, 1 - i / 1000
    odom.twist.twist.linear.x, odom.twist.twist.linear.y, odom.twist.twist.linear.z = 10.0, 0.001, -3.0
    odom.twist.twist.angular.z = 0.25
    odom.pose.covariance = [k / 7 for k in range(36)]
    odom.twist.covariance = [-k / 3 for k in range(36)]
    tfs = []
    for k, child in enumerate(["base_link", "camera_optical"]):
        ts = TransformStamped(header=header(i, "odom"), child_frame_id=child)
        ts.transform.translation.x, ts.transform.translation.y, ts.transform.translation.z = float(i), float(k), 0.125
        ts.transform.rotation.w = 1.0
        tfs.append(ts)
    base = T0 + i * 50_000_000
    return [("/camera/image_raw", img, base), ("/camera/camera_info", info, base + 1_000_000),
            ("/ssmde/points", cloud, base + 2_000_000), ("/ssmde/odom", odom, base + 3_000_000),
            ("/tf", TFMessage(transforms=tfs), base + 4_000_000)]


def main():
    out, frames = sys.argv[1], int(sys.argv[2])
    order = (lambda ms: ms) if sys.argv[3:] == ["forward"] else reversed
    for comp in ("none", "bz2", "lz4"):
        with rosbag.Bag(os.path.join(out, comp + ".bag"), "w", compression=comp, chunk_threshold=2048) as bag:
            for i in range(frames):
                for topic, msg, t in order(frame(i)):
                    bag.write(topic, msg, stamp(t))


if __name__ == "__main__":
    main()
