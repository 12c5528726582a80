// A ROS 2-style Fast DDS peer for cmd/ssmde's node tests (node_fastdds_test.go), built from
// fastddsgen output of ros2_msgs.idl. It plays what a ROS 2 graph built on rmw_fastrtps (ROS 2's
// default middleware) would put around the node: a camera driver, the node's consumers, and
// `ros2 node list`'s view of the graph. Each mode runs until stdin closes.
//
//   peer camera DOMAIN reliable|best_effort WIDTH HEIGHT HZ FRAME_ID
//     writes sensor_msgs Image (rgb8, a textured pattern that moves every frame) on rt/cam/image
//     and sensor_msgs CameraInfo on rt/cam/camera_info with the same stamp and frame_id, HZ times
//     a second (writer: KEEP_LAST 5, volatile, the given reliability). The camera_info's K is
//     fx = 0.58·WIDTH, fy = 1.92·HEIGHT, cx = WIDTH/2, cy = HEIGHT/2 (the test model's training
//     intrinsics, so focal scaling is 1). Prints "ready", then per frame
//     "pub N SEC NANOSEC WIDTH HEIGHT". Stdin lines change it: "size W H".
//   peer sub DOMAIN
//     reads, as a typical ROS 2 subscriber would (RELIABLE, volatile, KEEP_LAST 10; /tf KEEP_LAST
//     100), sensor_msgs Image on rt/cam/depth, PointCloud2 on rt/cam/points, nav_msgs Odometry on
//     rt/cam/odom and tf2_msgs TFMessage on rt/tf; prints "ready", then one line per sample:
//       depth W H ENCODING BIGENDIAN STEP SEC NANOSEC FRAME DATA_LEN N_FINITE MIN MAX
//       points W H POINT_STEP ROW_STEP IS_DENSE BIGENDIAN FIELDS DATA_LEN N_FINITE SEC NANOSEC FRAME
//         (FIELDS: name:offset:datatype:count joined by commas; N_FINITE counts points with finite
//         x, y and z read as float32 at the x, y, z offsets)
//       odom FRAME CHILD SEC NANOSEC PX PY PZ QX QY QZ QW
//       tf N FRAME CHILD SEC NANOSEC TX TY TZ QX QY QZ QW   (of the first transform)
//   peer graph DOMAIN
//     prints every remote participant, "participant GUID_PREFIX USER_DATA" (as text, "-" when
//     empty), and every remote endpoint that discovery reports, "writer GUID TOPIC TYPE" and
//     "reader GUID TOPIC TYPE" (GUID as 32 hex digits: prefix then entity id), and each
//     rmw_dds_common ParticipantEntitiesInfo read from ros_discovery_info (RELIABLE,
//     TRANSIENT_LOCAL), one line per node: "node PARTICIPANT_GID NAMESPACE NAME READERS WRITERS"
//     with the Gid lists as comma-joined hex ("-" when empty).
//
// With PEER_ENCLAVE set to an SROS2 enclave folder (cert.pem, key.pem, identity_ca.cert.pem,
// permissions_ca.cert.pem, governance.p7s, permissions.p7s), the participant uses DDS Security
// with Fast DDS's builtin plugins (PKI-DH, Access-Permissions, AES-GCM-GMAC), as rmw_fastrtps
// configures them from an enclave.
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>
#include <poll.h>
#include <unistd.h>

#include <fastdds/dds/domain/DomainParticipant.hpp>
#include <fastdds/dds/domain/DomainParticipantFactory.hpp>
#include <fastdds/dds/domain/DomainParticipantListener.hpp>
#include <fastdds/dds/publisher/DataWriter.hpp>
#include <fastdds/dds/publisher/Publisher.hpp>
#include <fastdds/dds/publisher/qos/DataWriterQos.hpp>
#include <fastdds/dds/subscriber/DataReader.hpp>
#include <fastdds/dds/subscriber/SampleInfo.hpp>
#include <fastdds/dds/subscriber/Subscriber.hpp>
#include <fastdds/dds/subscriber/qos/DataReaderQos.hpp>
#include <fastdds/dds/topic/TypeSupport.hpp>

#include "ros2_msgs.h"
#include "ros2_msgsPubSubTypes.h"

using namespace eprosima::fastdds::dds;

static std::mutex out_mu;

static void emit(const std::string &line) {
  std::lock_guard<std::mutex> lock(out_mu);
  fputs(line.c_str(), stdout);
  fputc('\n', stdout);
  fflush(stdout);
}

// StdinLines reads stdin without blocking: poll() returns the complete lines that arrived;
// closed() is true once stdin reached EOF.
struct StdinLines {
  std::string buf;
  bool eof = false;
  std::vector<std::string> poll_lines() {
    std::vector<std::string> lines;
    while (!eof) {
      struct pollfd p = {0, POLLIN, 0};
      if (poll(&p, 1, 0) <= 0)
        break;
      char tmp[256];
      ssize_t n = read(0, tmp, sizeof tmp);
      if (n <= 0) {
        eof = true;
        break;
      }
      buf.append(tmp, (size_t) n);
    }
    size_t nl;
    while ((nl = buf.find('\n')) != std::string::npos) {
      lines.push_back(buf.substr(0, nl));
      buf.erase(0, nl + 1);
    }
    return lines;
  }
};

static std::string hex(const uint8_t *b, size_t n) {
  static const char *digits = "0123456789abcdef";
  std::string s;
  for (size_t i = 0; i < n; i++) {
    s += digits[b[i] >> 4];
    s += digits[b[i] & 15];
  }
  return s;
}

static std::string guid_hex(const eprosima::fastrtps::rtps::GUID_t &g) {
  return hex(g.guidPrefix.value, 12) + hex(g.entityId.value, 4);
}

static std::string gids(const std::vector<rmw_dds_common::msg::dds_::Gid_> &v) {
  if (v.empty())
    return "-";
  std::string s;
  for (size_t i = 0; i < v.size(); i++) {
    if (i > 0)
      s += ",";
    s += hex(v[i].data().data(), v[i].data().size());
  }
  return s;
}

static float f32_at(const std::vector<uint8_t> &d, size_t off) {
  float f;
  memcpy(&f, d.data() + off, 4);
  return f;
}

static void fill_image(sensor_msgs::msg::dds_::Image_ &img, uint32_t w, uint32_t h, uint32_t n) {
  img.width(w);
  img.height(h);
  img.step(w * 3);
  std::vector<uint8_t> &data = img.data();
  data.resize((size_t) w * h * 3);
  for (uint32_t y = 0; y < h; y++) {
    for (uint32_t x = 0; x < w; x++) {
      uint8_t *p = &data[((size_t) y * w + x) * 3];
      p[0] = (uint8_t) (x * 255 / w + n * 4);
      p[1] = (uint8_t) (y * 255 / h);
      p[2] = (((x + n) / 8 + y / 8) & 1) ? 200 : 40;
    }
  }
}

static void fill_info(sensor_msgs::msg::dds_::CameraInfo_ &info, uint32_t w, uint32_t h) {
  double fx = 0.58 * w, fy = 1.92 * h, cx = w / 2.0, cy = h / 2.0;
  info.width(w);
  info.height(h);
  info.distortion_model("plumb_bob");
  info.d(std::vector<double>(5, 0.0));
  info.k({fx, 0, cx, 0, fy, cy, 0, 0, 1});
  info.r({1, 0, 0, 0, 1, 0, 0, 0, 1});
  info.p({fx, 0, cx, 0, 0, fy, cy, 0, 0, 0, 1, 0});
}

static int camera(DomainParticipant *part, bool reliable, uint32_t w, uint32_t h, int hz, const std::string &frame) {
  TypeSupport imageType(new sensor_msgs::msg::dds_::Image_PubSubType());
  TypeSupport infoType(new sensor_msgs::msg::dds_::CameraInfo_PubSubType());
  imageType.register_type(part);
  infoType.register_type(part);
  Topic *it = part->create_topic("rt/cam/image", imageType.get_type_name(), TOPIC_QOS_DEFAULT);
  Topic *ct = part->create_topic("rt/cam/camera_info", infoType.get_type_name(), TOPIC_QOS_DEFAULT);
  Publisher *pub = part->create_publisher(PUBLISHER_QOS_DEFAULT);
  DataWriterQos q = DATAWRITER_QOS_DEFAULT;
  q.reliability().kind = reliable ? RELIABLE_RELIABILITY_QOS : BEST_EFFORT_RELIABILITY_QOS;
  q.durability().kind = VOLATILE_DURABILITY_QOS;
  q.history().kind = KEEP_LAST_HISTORY_QOS;
  q.history().depth = 5;
  DataWriter *iw = pub->create_datawriter(it, q);
  DataWriter *cw = pub->create_datawriter(ct, q);
  if (iw == nullptr || cw == nullptr) {
    fprintf(stderr, "create_datawriter failed\n");
    return 1;
  }
  emit("ready");
  sensor_msgs::msg::dds_::Image_ img;
  sensor_msgs::msg::dds_::CameraInfo_ info;
  img.header().frame_id(frame);
  img.encoding("rgb8");
  img.is_bigendian(0);
  info.header().frame_id(frame);
  StdinLines in;
  const int64_t period = 1000000000LL / hz;
  auto next = std::chrono::steady_clock::now();
  for (uint32_t n = 0;; n++) {
    for (const std::string &l : in.poll_lines()) {
      unsigned nw, nh;
      if (sscanf(l.c_str(), "size %u %u", &nw, &nh) == 2) {
        w = nw;
        h = nh;
      }
    }
    if (in.eof)
      break;
    int64_t ns = 1700000000LL * 1000000000LL + (int64_t) n * period;
    builtin_interfaces::msg::dds_::Time_ stamp;
    stamp.sec((int32_t) (ns / 1000000000LL));
    stamp.nanosec((uint32_t) (ns % 1000000000LL));
    fill_image(img, w, h, n);
    fill_info(info, w, h);
    img.header().stamp(stamp);
    info.header().stamp(stamp);
    cw->write(&info);
    iw->write(&img);
    char line[128];
    snprintf(line, sizeof line, "pub %u %d %u %u %u", n, stamp.sec(), stamp.nanosec(), w, h);
    emit(line);
    next += std::chrono::nanoseconds(period);
    std::this_thread::sleep_until(next);
  }
  return 0;
}

static int subscriber(DomainParticipant *part) {
  TypeSupport imageType(new sensor_msgs::msg::dds_::Image_PubSubType());
  TypeSupport cloudType(new sensor_msgs::msg::dds_::PointCloud2_PubSubType());
  TypeSupport odomType(new nav_msgs::msg::dds_::Odometry_PubSubType());
  TypeSupport tfType(new tf2_msgs::msg::dds_::TFMessage_PubSubType());
  for (TypeSupport *t : {&imageType, &cloudType, &odomType, &tfType})
    t->register_type(part);
  Topic *dt = part->create_topic("rt/cam/depth", imageType.get_type_name(), TOPIC_QOS_DEFAULT);
  Topic *pt = part->create_topic("rt/cam/points", cloudType.get_type_name(), TOPIC_QOS_DEFAULT);
  Topic *ot = part->create_topic("rt/cam/odom", odomType.get_type_name(), TOPIC_QOS_DEFAULT);
  Topic *tt = part->create_topic("rt/tf", tfType.get_type_name(), TOPIC_QOS_DEFAULT);
  Subscriber *sub = part->create_subscriber(SUBSCRIBER_QOS_DEFAULT);
  DataReaderQos q = DATAREADER_QOS_DEFAULT; // rclcpp's default QoS profile
  q.reliability().kind = RELIABLE_RELIABILITY_QOS;
  q.durability().kind = VOLATILE_DURABILITY_QOS;
  q.history().kind = KEEP_LAST_HISTORY_QOS;
  q.history().depth = 10;
  DataReader *dr = sub->create_datareader(dt, q);
  DataReader *pr = sub->create_datareader(pt, q);
  DataReader *orr = sub->create_datareader(ot, q);
  q.history().depth = 100; // tf2_ros::TransformListener
  DataReader *tr = sub->create_datareader(tt, q);
  if (dr == nullptr || pr == nullptr || orr == nullptr || tr == nullptr) {
    fprintf(stderr, "create_datareader failed\n");
    return 1;
  }
  emit("ready");
  StdinLines in;
  char line[1024];
  while (true) {
    in.poll_lines();
    if (in.eof)
      break;
    SampleInfo si;
    sensor_msgs::msg::dds_::Image_ img;
    while (dr->take_next_sample(&img, &si) == ReturnCode_t::RETCODE_OK) {
      if (!si.valid_data)
        continue;
      size_t finite = 0;
      float lo = INFINITY, hi = -INFINITY;
      for (size_t off = 0; off + 4 <= img.data().size(); off += 4) {
        float f = f32_at(img.data(), off);
        if (std::isfinite(f)) {
          finite++;
          lo = std::min(lo, f);
          hi = std::max(hi, f);
        }
      }
      snprintf(line, sizeof line, "depth %u %u %s %u %u %d %u %s %zu %zu %.9g %.9g", img.width(), img.height(),
               img.encoding().c_str(), (unsigned) img.is_bigendian(), img.step(), img.header().stamp().sec(),
               img.header().stamp().nanosec(), img.header().frame_id().c_str(), img.data().size(), finite, lo, hi);
      emit(line);
    }
    sensor_msgs::msg::dds_::PointCloud2_ pc;
    while (pr->take_next_sample(&pc, &si) == ReturnCode_t::RETCODE_OK) {
      if (!si.valid_data)
        continue;
      std::string fields;
      long xo = -1, yo = -1, zo = -1;
      for (const auto &f : pc.fields()) {
        if (!fields.empty())
          fields += ",";
        fields += f.name() + ":" + std::to_string(f.offset()) + ":" + std::to_string((unsigned) f.datatype()) + ":" +
                  std::to_string(f.count());
        if (f.name() == "x")
          xo = f.offset();
        if (f.name() == "y")
          yo = f.offset();
        if (f.name() == "z")
          zo = f.offset();
      }
      size_t finite = 0;
      if (xo >= 0 && yo >= 0 && zo >= 0 && pc.point_step() > 0) {
        for (size_t base = 0; base + pc.point_step() <= pc.data().size(); base += pc.point_step()) {
          if (std::isfinite(f32_at(pc.data(), base + xo)) && std::isfinite(f32_at(pc.data(), base + yo)) &&
              std::isfinite(f32_at(pc.data(), base + zo)))
            finite++;
        }
      }
      snprintf(line, sizeof line, "points %u %u %u %u %d %d %s %zu %zu %d %u %s", pc.width(), pc.height(),
               pc.point_step(), pc.row_step(), (int) pc.is_dense(), (int) pc.is_bigendian(),
               fields.empty() ? "-" : fields.c_str(), pc.data().size(), finite, pc.header().stamp().sec(),
               pc.header().stamp().nanosec(), pc.header().frame_id().c_str());
      emit(line);
    }
    nav_msgs::msg::dds_::Odometry_ od;
    while (orr->take_next_sample(&od, &si) == ReturnCode_t::RETCODE_OK) {
      if (!si.valid_data)
        continue;
      const auto &p = od.pose().pose();
      snprintf(line, sizeof line, "odom %s %s %d %u %.9g %.9g %.9g %.9g %.9g %.9g %.9g", od.header().frame_id().c_str(),
               od.child_frame_id().c_str(), od.header().stamp().sec(), od.header().stamp().nanosec(),
               p.position().x(), p.position().y(), p.position().z(), p.orientation().x(), p.orientation().y(),
               p.orientation().z(), p.orientation().w());
      emit(line);
    }
    tf2_msgs::msg::dds_::TFMessage_ tf;
    while (tr->take_next_sample(&tf, &si) == ReturnCode_t::RETCODE_OK) {
      if (!si.valid_data)
        continue;
      if (tf.transforms().empty()) {
        emit("tf 0 - - 0 0 0 0 0 0 0 0 0");
        continue;
      }
      const auto &t = tf.transforms()[0];
      const auto &tr3 = t.transform().translation();
      const auto &q4 = t.transform().rotation();
      snprintf(line, sizeof line, "tf %zu %s %s %d %u %.9g %.9g %.9g %.9g %.9g %.9g %.9g", tf.transforms().size(),
               t.header().frame_id().c_str(), t.child_frame_id().c_str(), t.header().stamp().sec(),
               t.header().stamp().nanosec(), tr3.x(), tr3.y(), tr3.z(), q4.x(), q4.y(), q4.z(), q4.w());
      emit(line);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return 0;
}

// GraphListener prints the remote participants and endpoints that discovery reports.
class GraphListener : public DomainParticipantListener {
public:
  void on_participant_discovery(DomainParticipant *, eprosima::fastrtps::rtps::ParticipantDiscoveryInfo &&info) override {
    if (info.status != eprosima::fastrtps::rtps::ParticipantDiscoveryInfo::DISCOVERED_PARTICIPANT)
      return;
    const auto &ud = info.info.m_userData;
    std::string text(ud.begin(), ud.end());
    for (char &c : text)
      if (c < 33 || c > 126)
        c = '?';
    emit("participant " + hex(info.info.m_guid.guidPrefix.value, 12) + " " + (text.empty() ? "-" : text));
  }
  void on_publisher_discovery(DomainParticipant *, eprosima::fastrtps::rtps::WriterDiscoveryInfo &&info) override {
    if (info.status == eprosima::fastrtps::rtps::WriterDiscoveryInfo::DISCOVERED_WRITER)
      emit("writer " + guid_hex(info.info.guid()) + " " + info.info.topicName().to_string() + " " +
           info.info.typeName().to_string());
  }
  void on_subscriber_discovery(DomainParticipant *, eprosima::fastrtps::rtps::ReaderDiscoveryInfo &&info) override {
    if (info.status == eprosima::fastrtps::rtps::ReaderDiscoveryInfo::DISCOVERED_READER)
      emit("reader " + guid_hex(info.info.guid()) + " " + info.info.topicName().to_string() + " " +
           info.info.typeName().to_string());
  }
};

static int graph(DomainParticipant *part) {
  TypeSupport infoType(new rmw_dds_common::msg::dds_::ParticipantEntitiesInfo_PubSubType());
  infoType.register_type(part);
  Topic *t = part->create_topic("ros_discovery_info", infoType.get_type_name(), TOPIC_QOS_DEFAULT);
  Subscriber *sub = part->create_subscriber(SUBSCRIBER_QOS_DEFAULT);
  DataReaderQos q = DATAREADER_QOS_DEFAULT;
  q.reliability().kind = RELIABLE_RELIABILITY_QOS;
  q.durability().kind = TRANSIENT_LOCAL_DURABILITY_QOS;
  q.history().kind = KEEP_LAST_HISTORY_QOS;
  q.history().depth = 10;
  DataReader *r = sub->create_datareader(t, q);
  if (r == nullptr) {
    fprintf(stderr, "create_datareader failed\n");
    return 1;
  }
  emit("ready");
  StdinLines in;
  while (true) {
    in.poll_lines();
    if (in.eof)
      break;
    SampleInfo si;
    rmw_dds_common::msg::dds_::ParticipantEntitiesInfo_ m;
    while (r->take_next_sample(&m, &si) == ReturnCode_t::RETCODE_OK) {
      if (!si.valid_data)
        continue;
      std::string pg = hex(m.gid().data().data(), m.gid().data().size());
      if (m.node_entities_info_seq().empty())
        emit("node " + pg + " - - - -");
      for (const auto &n : m.node_entities_info_seq())
        emit("node " + pg + " " + n.node_namespace() + " " + n.node_name() + " " + gids(n.reader_gid_seq()) + " " +
             gids(n.writer_gid_seq()));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: peer camera|sub|graph DOMAIN ...\n");
    return 1;
  }
  std::string mode = argv[1];
  int domain = atoi(argv[2]);
  static GraphListener listener;
  StatusMask mask = StatusMask::none();
  DomainParticipantQos pqos = PARTICIPANT_QOS_DEFAULT;
  if (const char *enclave = getenv("PEER_ENCLAVE")) {
    // Fast DDS wants "file://" + path (rmw_fastrtps passes that prefix to get_security_files).
    std::string dir = std::string("file://") + enclave + "/";
    auto &props = pqos.properties().properties();
    props.emplace_back("dds.sec.auth.plugin", "builtin.PKI-DH");
    props.emplace_back("dds.sec.auth.builtin.PKI-DH.identity_ca", dir + "identity_ca.cert.pem");
    props.emplace_back("dds.sec.auth.builtin.PKI-DH.identity_certificate", dir + "cert.pem");
    props.emplace_back("dds.sec.auth.builtin.PKI-DH.private_key", dir + "key.pem");
    props.emplace_back("dds.sec.access.plugin", "builtin.Access-Permissions");
    props.emplace_back("dds.sec.access.builtin.Access-Permissions.permissions_ca", dir + "permissions_ca.cert.pem");
    props.emplace_back("dds.sec.access.builtin.Access-Permissions.governance", dir + "governance.p7s");
    props.emplace_back("dds.sec.access.builtin.Access-Permissions.permissions", dir + "permissions.p7s");
    props.emplace_back("dds.sec.crypto.plugin", "builtin.AES-GCM-GMAC");
  }
  DomainParticipant *part = DomainParticipantFactory::get_instance()->create_participant(
      domain, pqos, mode == "graph" ? &listener : nullptr, mask);
  if (part == nullptr) {
    fprintf(stderr, "create_participant failed\n");
    return 1;
  }
  int rc;
  if (mode == "camera" && argc == 8) {
    rc = camera(part, std::string(argv[3]) == "reliable", (uint32_t) atoi(argv[4]), (uint32_t) atoi(argv[5]),
                atoi(argv[6]), argv[7]);
  } else if (mode == "sub" && argc == 3) {
    rc = subscriber(part);
  } else if (mode == "graph" && argc == 3) {
    rc = graph(part);
  } else {
    fprintf(stderr, "bad arguments for mode %s\n", mode.c_str());
    rc = 1;
  }
  part->delete_contained_entities();
  DomainParticipantFactory::get_instance()->delete_participant(part);
  return rc;
}
