// The C side of package ros2. blob.c: a keyless "blob" sertype for Cyclone DDS 0.10 whose serdata
// is one C allocation holding the serialized sample exactly as it travels (4-byte encapsulation
// header, then the XCDR1 body), so Go writes and reads ROS 2 CDR it encodes and decodes itself.
// cyclone.c: small wrappers that keep C structs and pointers on the C side of cgo.
#ifndef SSMDE_ROS2_CYCLONE_H
#define SSMDE_ROS2_CYCLONE_H

#include <stddef.h>
#include <stdint.h>
#include <dds/dds.h>

struct ddsi_sertype;

// ssmde_blob_sample is the application sample of a blob topic, for dds_write/dds_take; the Go
// side uses the serdata calls below instead.
typedef struct ssmde_blob_sample {
  uint32_t size;
  unsigned char *data;
} ssmde_blob_sample;

// ssmde_blob_topic creates a keyless topic of type type_name carrying blobs. On success *st is
// the sertype the topic uses (owned by the domain; valid while the topic exists).
dds_entity_t ssmde_blob_topic(dds_entity_t participant, const char *topic_name, const char *type_name,
                              const dds_qos_t *qos, struct ddsi_sertype **st);

// ssmde_blob_write writes size bytes at data (encapsulation header included), copying them once
// into a serdata that owns them.
dds_return_t ssmde_blob_write(dds_entity_t writer, const struct ddsi_sertype *st, const void *data, size_t size);

// ssmde_serdata_size and ssmde_serdata_copy read any serdata dds_takecdr returned; ssmde_serdata_unref
// releases it.
uint32_t ssmde_serdata_size(struct ddsi_serdata *d);
void ssmde_serdata_copy(struct ddsi_serdata *d, void *dst, size_t size);
void ssmde_serdata_unref(struct ddsi_serdata *d);

// ssmde_blob_live counts blob serdata alive in this process (for leak tests).
int64_t ssmde_blob_live(void);

// ---- cyclone.c ----

dds_entity_t ssmde_participant(uint32_t domain, const char *user_data, size_t user_data_size, int nprops,
                               const char *const *names, const char *const *values);
// ssmde_endpoint_qos: depth 0 is KEEP_ALL; lifespan_ns 0 is none (DDS's infinite lifespan).
dds_qos_t *ssmde_endpoint_qos(int reliable, int transient_local, int depth, int64_t lifespan_ns);
dds_return_t ssmde_guid(dds_entity_t e, void *out16);
int32_t ssmde_publication_matched(dds_entity_t writer);
int32_t ssmde_subscription_matched(dds_entity_t reader);

// ssmde_reader is one subscription's reader side: a waitset woken by data or by a guard condition.
typedef struct ssmde_reader {
  dds_entity_t reader, readcond, guard, waitset;
  uint32_t max;                // capacity of bufs and infos
  struct ddsi_serdata **bufs;  // filled by ssmde_reader_take
  dds_sample_info_t *infos;
} ssmde_reader;

// ssmde_reader_new attaches a read condition and a guard condition to a new waitset; it owns reader
// from then on and deletes it on error (returning NULL, *rc says why).
ssmde_reader *ssmde_reader_new(dds_entity_t participant, dds_entity_t reader, uint32_t max, dds_return_t *rc);
// ssmde_reader_wait blocks until data or the guard; returns <0 on error.
dds_return_t ssmde_reader_wait(ssmde_reader *r);
// ssmde_reader_take takes up to max samples into bufs/infos; returns the count or <0.
dds_return_t ssmde_reader_take(ssmde_reader *r);
// ssmde_reader_wake fires the guard condition (from any thread).
void ssmde_reader_wake(ssmde_reader *r);
// ssmde_reader_free deletes the reader, its conditions and the waitset.
void ssmde_reader_free(ssmde_reader *r);

// ssmde_endpoint_info is one reader or writer as DDS discovery knows it (DCPSPublication or
// DCPSSubscription): its GUID, its participant's GUID, names, USER_DATA and the QoS it announced
// (-1 where it announced none of a policy).
typedef struct ssmde_endpoint_info {
  unsigned char key[16], participant_key[16];
  char *topic_name, *type_name;
  unsigned char *user_data; // NULL when the endpoint has none
  size_t user_data_size;
  int reliability;          // 1 reliable, 0 best effort
  int durability;           // dds_durability_kind_t: 0 volatile, 1 transient local, ...
  int history, depth;       // history 1 keep all, 0 keep last (depth)
  int64_t lifespan_ns;      // DDS_INFINITY when none
} ssmde_endpoint_info;

// ssmde_discovered_endpoints lists the writers (writers != 0) or readers the participant knows of,
// its own included, into a new array *out of the returned length (<0: an error); free it with
// ssmde_endpoint_infos_free.
int32_t ssmde_discovered_endpoints(dds_entity_t participant, int writers, ssmde_endpoint_info **out);
void ssmde_endpoint_infos_free(ssmde_endpoint_info *v, int32_t n);


// ---- services (cyclone.c) ----

// ssmde_instance_handle is the entity's instance handle (what rmw_cyclonedds puts in a request's
// header as the client's "guid").
dds_return_t ssmde_instance_handle(dds_entity_t e, uint64_t *ih);
// ssmde_matched_publication_key copies into buf (at most cap bytes, NUL-terminated) the value of
// key in the USER_DATA ("k=v;k=v;") of the writer that reader matched under instance handle ih;
// it returns the value's length, -1 when no such writer is matched (any more), -2 when the writer
// has no such key.
int ssmde_matched_publication_key(dds_entity_t reader, uint64_t ih, const char *key, char *buf, int cap);
// ssmde_writer_matched_key reports 1 when writer has matched a reader whose USER_DATA holds
// key=value, 0 when none, <0 on error.
int ssmde_writer_matched_key(dds_entity_t writer, const char *key, const char *value);

#endif
