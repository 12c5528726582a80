"""Serializes the messages of sampleMessages (samples_test.go) with Debian's genpy ROS 1 message
classes and prints one line per message: "<name> <hex>". With "defs" as argument it prints, per
type, its MD5 sum and full definition text as JSON instead."""
import io
import json
import sys

import genpy
from diagnostic_msgs.msg import DiagnosticArray, DiagnosticStatus, KeyValue
from geometry_msgs.msg import (Point, Pose, PoseWithCovariance, Quaternion, Transform,
                               TransformStamped, Twist, TwistWithCovariance, Vector3)
from nav_msgs.msg import Odometry
from rosgraph_msgs.msg import Clock
from sensor_msgs.msg import CameraInfo, CompressedImage, Image, PointCloud2, PointField, RegionOfInterest
from std_msgs.msg import Header
from stereo_msgs.msg import DisparityImage
from tf2_msgs.msg import TFMessage

ALL = [Header, Clock, Vector3, Point, Quaternion, Pose, PoseWithCovariance, Twist, TwistWithCovariance,
       Transform, TransformStamped, Image, CompressedImage, RegionOfInterest, CameraInfo, PointField,
       PointCloud2, DisparityImage, Odometry, TFMessage, KeyValue, DiagnosticStatus, DiagnosticArray]


def hdr(sec, nsec, frame, seq=0):
    # ROS 1 time is unsigned: a negative int32 second travels as its two's complement.
    return Header(seq=seq, stamp=genpy.Time(sec % (1 << 32), nsec), frame_id=frame)


def samples():
    ci = CameraInfo(header=hdr(-5, 999999999, "cam"), height=480, width=640, distortion_model="plumb_bob",
                    D=[-0.1, 0.01, 0.001, -0.0005, 0.0], K=[i + 0.5 for i in range(9)],
                    R=[i * -1.25 for i in range(9)], P=[i * 3.0 + 0.125 for i in range(12)],
                    binning_x=1, binning_y=2, roi=RegionOfInterest(10, 20, 30, 40, True))
    ci_empty = CameraInfo(header=hdr(7, 8, "ab"), height=480, width=640, distortion_model="", D=[],
                          K=ci.K, R=ci.R, P=ci.P, binning_x=1, binning_y=2, roi=ci.roi)
    odom = Odometry(header=hdr(100, 200, "odom"), child_frame_id="base_link")
    odom.pose.pose = Pose(Point(1, 2, 3), Quaternion(0.1, 0.2, 0.3, 0.9))
    odom.pose.covariance = [0.5 * i for i in range(36)]
    odom.twist.twist = Twist(Vector3(4, 5, 6), Vector3(7, 8, 9))
    odom.twist.covariance = [-0.25 * i for i in range(36)]
    cov = [0.0] * 36
    cov[0] = cov[7] = cov[14] = 1.0
    cov[21] = cov[28] = cov[35] = 0.1
    f32 = PointField.FLOAT32
    return [
        ("image", Image(header=hdr(1700000000, 123456789, "camera_optical"), height=2, width=3,
                        encoding="rgb8", is_bigendian=0, step=9, data=bytes((7 * i + 1) % 256 for i in range(18)))),
        ("camera_info", ci),
        ("camera_info_empty_d", ci_empty),
        ("point_cloud2", PointCloud2(header=hdr(1, 2, "lidar"), height=1, width=2,
                                     fields=[PointField("x", 0, f32, 1), PointField("y", 4, f32, 1),
                                             PointField("z", 8, f32, 1), PointField("intensity", 12, PointField.UINT8, 1)],
                                     is_bigendian=False, point_step=13, row_step=26,
                                     data=bytes(3 * i for i in range(26)), is_dense=True)),
        ("odometry", odom),
        ("tf_message", TFMessage([
            TransformStamped(hdr(10, 20, "map"), "odom", Transform(Vector3(1, 2, 3), Quaternion(0, 0, 0, 1))),
            TransformStamped(hdr(11, 21, "odom"), "camera_link",
                             Transform(Vector3(-1, -2, -3), Quaternion(0.5, 0.5, 0.5, 0.5))),
        ])),
        ("compressed_image", CompressedImage(header=hdr(3, 4, "c", seq=42), format="jpeg",
                                             data=bytes([0xff, 0xd8, 0xff, 0xd9, 0]))),
        ("clock", Clock(genpy.Time(12, 500000000))),
        ("diagnostic_array", DiagnosticArray(header=hdr(9, 10, ""), status=[
            DiagnosticStatus(level=DiagnosticStatus.WARN, name="ssmde: depth", message="slow", hardware_id="gpu0",
                             values=[KeyValue("fps", "9.5"), KeyValue("latency_ms", "105")]),
            DiagnosticStatus(level=DiagnosticStatus.OK, name="ssmde: pose", message="", hardware_id="", values=[]),
        ])),
        ("disparity_image", DisparityImage(
            header=hdr(5, 6, "left"),
            image=Image(header=hdr(5, 6, "left"), height=2, width=2, encoding="32FC1", is_bigendian=0, step=8,
                        data=bytes(200 - i for i in range(16))),
            f=500.5, T=0.12, valid_window=RegionOfInterest(1, 2, 3, 4, False),
            min_disparity=1, max_disparity=64, delta_d=0.0625)),
        ("pose_with_covariance", PoseWithCovariance(Pose(Point(-1, 0, 1), Quaternion(0, 0, 0, 1)), cov)),
    ]


def main():
    if sys.argv[1:] == ["defs"]:
        print(json.dumps({c._type: {"md5": c._md5sum, "full_text": c._full_text} for c in ALL}))
        return
    for name, msg in samples():
        buf = io.BytesIO()
        msg.serialize(buf)
        print(name, buf.getvalue().hex())


if __name__ == "__main__":
    main()
