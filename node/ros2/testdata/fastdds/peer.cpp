// A ROS 2-style Fast DDS peer for fastdds_test.go, built from fastddsgen output of ros2_msgs.idl.
//
//   peer pub DOMAIN reliable|best_effort SECONDS
//     writes sensor_msgs Image 320x240 rgb8 on rt/cam/image_raw every 20 ms (data[i] = i*7 + i/613,
//     stamp {100, n}, frame_id "fastdds_cam") until SECONDS pass or stdin closes.
//   peer sub DOMAIN reliable|best_effort SECONDS
//     reads Image on rt/ssmde/depth and nav_msgs Odometry on rt/ssmde/odom, prints one line per
//     sample, exits 0 after one of each or 2 when SECONDS pass.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <atomic>
#include <unistd.h>
#include <poll.h>

#include <fastdds/dds/domain/DomainParticipant.hpp>
#include <fastdds/dds/domain/DomainParticipantFactory.hpp>
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

static uint64_t fnv1a(const std::vector<uint8_t> &v) {
  uint64_t h = 14695981039346656037ull;
  for (uint8_t b : v) {
    h ^= b;
    h *= 1099511628211ull;
  }
  return h;
}

static bool stdin_closed() {
  struct pollfd p = {0, POLLIN, 0};
  if (poll(&p, 1, 0) <= 0)
    return false;
  char c;
  return read(0, &c, 1) <= 0;
}

int main(int argc, char **argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: peer pub|sub DOMAIN reliable|best_effort SECONDS\n");
    return 1;
  }
  std::string mode = argv[1];
  int domain = atoi(argv[2]);
  bool reliable = std::string(argv[3]) == "reliable";
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(atoi(argv[4]));

  DomainParticipant *part = DomainParticipantFactory::get_instance()->create_participant(domain, PARTICIPANT_QOS_DEFAULT);
  if (part == nullptr) {
    fprintf(stderr, "create_participant failed\n");
    return 1;
  }
  TypeSupport imageType(new sensor_msgs::msg::dds_::Image_PubSubType());
  TypeSupport odomType(new nav_msgs::msg::dds_::Odometry_PubSubType());
  imageType.register_type(part);
  odomType.register_type(part);

  if (mode == "pub") {
    Topic *topic = part->create_topic("rt/cam/image_raw", imageType.get_type_name(), TOPIC_QOS_DEFAULT);
    Publisher *pub = part->create_publisher(PUBLISHER_QOS_DEFAULT);
    DataWriterQos q = DATAWRITER_QOS_DEFAULT;
    q.reliability().kind = reliable ? RELIABLE_RELIABILITY_QOS : BEST_EFFORT_RELIABILITY_QOS;
    q.durability().kind = VOLATILE_DURABILITY_QOS;
    q.history().kind = KEEP_LAST_HISTORY_QOS;
    q.history().depth = 5;
    DataWriter *w = pub->create_datawriter(topic, q);
    if (w == nullptr) {
      fprintf(stderr, "create_datawriter failed\n");
      return 1;
    }
    sensor_msgs::msg::dds_::Image_ img;
    img.header().frame_id("fastdds_cam");
    img.header().stamp().sec(100);
    img.width(320);
    img.height(240);
    img.encoding("rgb8");
    img.is_bigendian(0);
    img.step(320 * 3);
    std::vector<uint8_t> data(320 * 240 * 3);
    for (size_t i = 0; i < data.size(); i++)
      data[i] = (uint8_t) (i * 7 + i / 613);
    img.data(data);
    for (uint32_t n = 0; std::chrono::steady_clock::now() < deadline && !stdin_closed(); n++) {
      img.header().stamp().nanosec(n);
      w->write(&img);
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  } else if (mode == "sub") {
    Topic *it = part->create_topic("rt/ssmde/depth", imageType.get_type_name(), TOPIC_QOS_DEFAULT);
    Topic *ot = part->create_topic("rt/ssmde/odom", odomType.get_type_name(), TOPIC_QOS_DEFAULT);
    Subscriber *sub = part->create_subscriber(SUBSCRIBER_QOS_DEFAULT);
    DataReaderQos q = DATAREADER_QOS_DEFAULT;
    q.reliability().kind = reliable ? RELIABLE_RELIABILITY_QOS : BEST_EFFORT_RELIABILITY_QOS;
    q.durability().kind = VOLATILE_DURABILITY_QOS;
    q.history().kind = KEEP_LAST_HISTORY_QOS;
    q.history().depth = 5;
    DataReader *ir = sub->create_datareader(it, q);
    DataReader *orr = sub->create_datareader(ot, q);
    if (ir == nullptr || orr == nullptr) {
      fprintf(stderr, "create_datareader failed\n");
      return 1;
    }
    printf("ready\n");
    fflush(stdout);
    bool gotImage = false, gotOdom = false;
    while (!(gotImage && gotOdom)) {
      if (std::chrono::steady_clock::now() > deadline) {
        fprintf(stderr, "timed out: image %d odom %d\n", gotImage, gotOdom);
        return 2;
      }
      SampleInfo info;
      sensor_msgs::msg::dds_::Image_ img;
      while (ir->take_next_sample(&img, &info) == ReturnCode_t::RETCODE_OK) {
        if (!info.valid_data)
          continue;
        printf("image %u %u %s %u %u %d %u %s %zu %016llx\n", img.width(), img.height(), img.encoding().c_str(),
               (unsigned) img.is_bigendian(), img.step(), img.header().stamp().sec(), img.header().stamp().nanosec(),
               img.header().frame_id().c_str(), img.data().size(), (unsigned long long) fnv1a(img.data()));
        gotImage = true;
      }
      nav_msgs::msg::dds_::Odometry_ od;
      while (orr->take_next_sample(&od, &info) == ReturnCode_t::RETCODE_OK) {
        if (!info.valid_data)
          continue;
        const auto &p = od.pose().pose();
        const auto &tw = od.twist().twist();
        printf("odom %s %s %d %u %g %g %g %g %g %g %g %g %g %g %g %g %g %g %g %g\n", od.header().frame_id().c_str(),
               od.child_frame_id().c_str(), od.header().stamp().sec(), od.header().stamp().nanosec(),
               p.position().x(), p.position().y(), p.position().z(),
               p.orientation().x(), p.orientation().y(), p.orientation().z(), p.orientation().w(),
               od.pose().covariance()[0], od.pose().covariance()[35],
               tw.linear().x(), tw.linear().y(), tw.linear().z(),
               tw.angular().x(), tw.angular().y(), tw.angular().z(), od.twist().covariance()[7]);
        gotOdom = true;
      }
      fflush(stdout);
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  } else {
    fprintf(stderr, "unknown mode %s\n", mode.c_str());
    return 1;
  }
  part->delete_contained_entities();
  DomainParticipantFactory::get_instance()->delete_participant(part);
  return 0;
}
