/* Serializes known ROS 2 messages with Cyclone DDS's own CDR writer (dds_stream_write with the
 * idlc-generated type ops, XCDR1) and prints one line per message: "<name> <hex of the body>".
 * The values must stay in step with interopMessages in cdr_interop_test.go. */
#include <stdio.h>
#include <string.h>
#include <dds/dds.h>
#include <dds/ddsi/ddsi_cdrstream.h>
#include "ros2_dds.h"

#define CDR_XCDR1 1

static void emit(const char *name, const void *sample, const dds_topic_descriptor_t *desc) {
  dds_ostreamLE_t le;
  dds_ostreamBE_t be;
  dds_ostreamLE_init(&le, 0, CDR_XCDR1);
  dds_ostreamBE_init(&be, 0, CDR_XCDR1);
  dds_stream_writeLE(&le, (const char *)sample, desc->m_ops);
  dds_stream_writeBE(&be, (const char *)sample, desc->m_ops);
  printf("%s le ", name);
  for (uint32_t i = 0; i < le.x.m_index; i++) printf("%02x", le.x.m_buffer[i]);
  printf("\n%s be ", name);
  for (uint32_t i = 0; i < be.x.m_index; i++) printf("%02x", be.x.m_buffer[i]);
  printf("\n");
  dds_ostreamLE_fini(&le);
  dds_ostreamBE_fini(&be);
}

typedef std_msgs_msg_dds__Header_ Header;

static Header header(int32_t sec, uint32_t nsec, const char *frame) {
  Header h = {{sec, nsec}, (char *)frame};
  return h;
}

int main(void) {
  /* Image: 3x2 rgb8, data[i] = 7i+1 */
  uint8_t pixels[18];
  for (int i = 0; i < 18; i++) pixels[i] = (uint8_t)(7 * i + 1);
  sensor_msgs_msg_dds__Image_ img = {header(1700000000, 123456789, "camera_optical"), 2, 3, "rgb8", 0, 9,
                                     {18, 18, pixels, false}};
  emit("image", &img, &sensor_msgs_msg_dds__Image__desc);

  /* CameraInfo, with a plumb_bob D and with an empty D */
  double d[5] = {-0.1, 0.01, 0.001, -0.0005, 0.0};
  sensor_msgs_msg_dds__CameraInfo_ ci;
  memset(&ci, 0, sizeof ci);
  ci.header = header(-5, 999999999, "cam");
  ci.height = 480;
  ci.width = 640;
  ci.distortion_model = "plumb_bob";
  ci.d = (dds_sequence_double){5, 5, d, false};
  for (int i = 0; i < 9; i++) ci.k[i] = i + 0.5, ci.r[i] = i * -1.25;
  for (int i = 0; i < 12; i++) ci.p[i] = i * 3.0 + 0.125;
  ci.binning_x = 1;
  ci.binning_y = 2;
  ci.roi = (sensor_msgs_msg_dds__RegionOfInterest_){10, 20, 30, 40, true};
  emit("camera_info", &ci, &sensor_msgs_msg_dds__CameraInfo__desc);
  ci.header = header(7, 8, "ab");
  ci.distortion_model = "";
  ci.d = (dds_sequence_double){0, 0, NULL, false};
  emit("camera_info_empty_d", &ci, &sensor_msgs_msg_dds__CameraInfo__desc);

  /* PointCloud2: x y z float32 + intensity uint8, 2 points of 13 bytes, data[i] = 3i */
  sensor_msgs_msg_dds__PointField_ fields[4] = {
      {"x", 0, 7, 1}, {"y", 4, 7, 1}, {"z", 8, 7, 1}, {"intensity", 12, 2, 1}};
  uint8_t cloud[26];
  for (int i = 0; i < 26; i++) cloud[i] = (uint8_t)(3 * i);
  sensor_msgs_msg_dds__PointCloud2_ pc = {header(1, 2, "lidar"), 1, 2, {4, 4, fields, false}, false, 13, 26,
                                          {26, 26, cloud, false}, true};
  emit("point_cloud2", &pc, &sensor_msgs_msg_dds__PointCloud2__desc);

  /* Odometry: pose covariance[i] = 0.5i, twist covariance[i] = -0.25i */
  nav_msgs_msg_dds__Odometry_ odom;
  memset(&odom, 0, sizeof odom);
  odom.header = header(100, 200, "odom");
  odom.child_frame_id = "base_link";
  odom.pose.pose.position = (geometry_msgs_msg_dds__Point_){1, 2, 3};
  odom.pose.pose.orientation = (geometry_msgs_msg_dds__Quaternion_){0.1, 0.2, 0.3, 0.9};
  odom.twist.twist.linear = (geometry_msgs_msg_dds__Vector3_){4, 5, 6};
  odom.twist.twist.angular = (geometry_msgs_msg_dds__Vector3_){7, 8, 9};
  for (int i = 0; i < 36; i++) odom.pose.covariance[i] = 0.5 * i, odom.twist.covariance[i] = -0.25 * i;
  emit("odometry", &odom, &nav_msgs_msg_dds__Odometry__desc);

  /* TFMessage with two transforms */
  geometry_msgs_msg_dds__TransformStamped_ tfs[2] = {
      {header(10, 20, "map"), "odom", {{1, 2, 3}, {0, 0, 0, 1}}},
      {header(11, 21, "odom"), "camera_link", {{-1, -2, -3}, {0.5, 0.5, 0.5, 0.5}}},
  };
  tf2_msgs_msg_dds__TFMessage_ tf = {{2, 2, tfs, false}};
  emit("tf_message", &tf, &tf2_msgs_msg_dds__TFMessage__desc);
  return 0;
}
