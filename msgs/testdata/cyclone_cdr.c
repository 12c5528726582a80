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

  /* rcl_interfaces: a parameter event with a value of every type (rclSampleMessages) */
  typedef rcl_interfaces_msg_dds__Parameter_ Param;
  typedef rcl_interfaces_msg_dds__ParameterValue_ Value;
  double b2c[7] = {0.1, 0.2, 0.3, 0, 0, 0, 1};
  char *strs[2] = {"a", "bcd"};
  int64_t ints[2] = {-1, 7};
  bool bools[3] = {true, false, true};
  uint8_t bytes[3] = {1, 2, 3};
  Param params[9];
  memset(params, 0, sizeof params);
  for (int i = 0; i < 9; i++) params[i].value.string_value = "";
  params[0].name = "scale_mode", params[0].value.ptype = 4, params[0].value.string_value = "focal";
  params[1].name = "fixed_scale", params[1].value.ptype = 3, params[1].value.double_value = 1.5;
  params[2].name = "points_decimation", params[2].value.ptype = 2, params[2].value.integer_value = 2;
  params[3].name = "publish_points", params[3].value.ptype = 1, params[3].value.bool_value = true;
  params[4].name = "base_to_camera", params[4].value.ptype = 8,
  params[4].value.double_array_value = (dds_sequence_double){7, 7, b2c, false};
  params[5].name = "names", params[5].value.ptype = 9, params[5].value.string_array_value = (dds_sequence_string){2, 2, strs, false};
  params[6].name = "ints", params[6].value.ptype = 7, params[6].value.integer_array_value = (dds_sequence_int64){2, 2, ints, false};
  params[7].name = "bools", params[7].value.ptype = 6, params[7].value.bool_array_value = (dds_sequence_bool){3, 3, bools, false};
  params[8].name = "bytes", params[8].value.ptype = 5, params[8].value.byte_array_value = (dds_sequence_uint8){3, 3, bytes, false};
  Param gone;
  memset(&gone, 0, sizeof gone);
  gone.name = "gone", gone.value.string_value = "";
  rcl_interfaces_msg_dds__ParameterEvent_ ev = {{5, 6}, "/front/ssmde", {9, 9, params, false}, {0, 0, NULL, false}, {1, 1, &gone, false}};
  emit("parameter_event", &ev, &rcl_interfaces_msg_dds__ParameterEvent__desc);

  rcl_interfaces_msg_dds__FloatingPointRange_ fpr = {0, 1000, 0};
  rcl_interfaces_msg_dds__IntegerRange_ ir = {1, 64, 1};
  rcl_interfaces_msg_dds__ParameterDescriptor_ descs[3] = {
      {"fixed_scale", 3, "depth factor", "", false, false, {1, 1, &fpr, false}, {0, 0, NULL, false}},
      {"points_decimation", 2, "keep every k-th pixel", "", false, false, {0, 0, NULL, false}, {1, 1, &ir, false}},
      {"model", 4, "model folder", "read-only: restart the node", true, false, {0, 0, NULL, false}, {0, 0, NULL, false}},
  };
  emit("parameter_descriptor", &descs[0], &rcl_interfaces_msg_dds__ParameterDescriptor__desc);

  rcl_interfaces_msg_dds__Log_ log = {{1700000000, 5}, 30, "front.ssmde", "frame dropped", "node/node.go", "processFrame", 42};
  emit("log", &log, &rcl_interfaces_msg_dds__Log__desc);

  /* Service samples as rmw_cyclonedds frames them (rclServiceSamples) */
  char *names[2] = {"scale_mode", "min_depth"};
  rmw_wire_GetParametersRequest gpr = {0x0102030405060708ull, 7, {2, 2, names, false}};
  emit("get_parameters_request", &gpr, &rmw_wire_GetParametersRequest_desc);
  Param set[2];
  memset(set, 0, sizeof set);
  set[0].name = "min_depth", set[0].value.ptype = 3, set[0].value.double_value = 0.5, set[0].value.string_value = "";
  set[1].name = "publish_colormap", set[1].value.ptype = 4, set[1].value.string_value = "always";
  rmw_wire_SetParametersRequest spr = {0x1112131415161718ull, 9, {2, 2, set, false}};
  emit("set_parameters_request", &spr, &rmw_wire_SetParametersRequest_desc);
  rmw_wire_DescribeParametersResponse dpr = {0x2122232425262728ull, 11, {3, 3, descs, false}};
  emit("describe_parameters_response", &dpr, &rmw_wire_DescribeParametersResponse_desc);
  rmw_wire_SetParametersAtomicallyResponse sar = {0x3132333435363738ull, -3,
      {false, "parameter 'model' cannot be set because it is read-only"}};
  emit("set_parameters_atomically_response", &sar, &rmw_wire_SetParametersAtomicallyResponse_desc);
  return 0;
}
