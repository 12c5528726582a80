// The blob sertype/serdata: see blob.h. Cyclone's generic code calls these operations from its
// own threads; none of them calls into Go.
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <dds/dds.h>
#include <dds/ddsrt/atomics.h>
#include <dds/ddsi/ddsi_sertype.h>
#include <dds/ddsi/ddsi_serdata.h>
#include <dds/ddsi/q_radmin.h>
#include "cyclone.h"

struct blob_serdata {
  struct ddsi_serdata c;
  uint32_t size; // serialized size, encapsulation header included
  // size bytes, then zeros up to a multiple of 4 (to_ser may be asked for those)
  unsigned char data[];
};

static ddsrt_atomic_uint32_t live_count = DDSRT_ATOMIC_UINT32_INIT(0);

int64_t ssmde_blob_live(void) { return (int64_t) ddsrt_atomic_ld32(&live_count); }

static struct blob_serdata *blob_new(const struct ddsi_sertype *type, enum ddsi_serdata_kind kind, size_t size) {
  size_t padded = (size + 3) & ~(size_t) 3;
  struct blob_serdata *d = malloc(sizeof(*d) + padded);
  if (d == NULL)
    return NULL;
  ddsi_serdata_init(&d->c, type, kind);
  // Keyless: every sample is the one instance, so every serdata hashes alike.
  d->c.hash = type->serdata_basehash;
  d->size = (uint32_t) size;
  if (padded > size)
    memset(d->data + size, 0, padded - size);
  ddsrt_atomic_inc32(&live_count);
  return d;
}

// ---- serdata operations ----

static bool sd_eqkey(const struct ddsi_serdata *a, const struct ddsi_serdata *b) {
  (void) a; (void) b;
  return true;
}

static uint32_t sd_get_size(const struct ddsi_serdata *dcmn) {
  return ((const struct blob_serdata *) dcmn)->size;
}

static struct ddsi_serdata *sd_from_ser(const struct ddsi_sertype *type, enum ddsi_serdata_kind kind,
                                        const struct nn_rdata *fragchain, size_t size) {
  struct blob_serdata *d = blob_new(type, kind, size);
  if (d == NULL)
    return NULL;
  // Fragments arrive in order and may overlap; copy each byte once.
  uint32_t off = 0;
  for (const struct nn_rdata *f = fragchain; f != NULL && off < size; f = f->nextfrag) {
    if (f->maxp1 <= off)
      continue;
    if (f->min > off) { // a hole cannot happen for a complete sample; refuse it rather than guess
      ddsi_serdata_unref(&d->c);
      return NULL;
    }
    uint32_t end = f->maxp1 < size ? f->maxp1 : (uint32_t) size;
    const unsigned char *payload = NN_RMSG_PAYLOADOFF(f->rmsg, NN_RDATA_PAYLOAD_OFF(f));
    memcpy(d->data + off, payload + (off - f->min), end - off);
    off = end;
  }
  if (off != size) {
    ddsi_serdata_unref(&d->c);
    return NULL;
  }
  return &d->c;
}

static struct ddsi_serdata *sd_from_ser_iov(const struct ddsi_sertype *type, enum ddsi_serdata_kind kind,
                                            ddsrt_msg_iovlen_t niov, const ddsrt_iovec_t *iov, size_t size) {
  struct blob_serdata *d = blob_new(type, kind, size);
  if (d == NULL)
    return NULL;
  size_t off = 0;
  for (ddsrt_msg_iovlen_t i = 0; i < niov && off < size; i++) {
    size_t n = iov[i].iov_len;
    if (n > size - off)
      n = size - off;
    memcpy(d->data + off, iov[i].iov_base, n);
    off += n;
  }
  if (off != size) {
    ddsi_serdata_unref(&d->c);
    return NULL;
  }
  return &d->c;
}

static struct ddsi_serdata *sd_from_keyhash(const struct ddsi_sertype *type, const struct ddsi_keyhash *keyhash) {
  (void) keyhash;
  struct blob_serdata *d = blob_new(type, SDK_KEY, 0);
  return d ? &d->c : NULL;
}

static struct ddsi_serdata *sd_from_sample(const struct ddsi_sertype *type, enum ddsi_serdata_kind kind, const void *sample) {
  const ssmde_blob_sample *s = sample;
  size_t size = kind == SDK_DATA ? s->size : 0;
  struct blob_serdata *d = blob_new(type, kind, size);
  if (d == NULL)
    return NULL;
  if (size > 0)
    memcpy(d->data, s->data, size);
  return &d->c;
}

static void sd_to_ser(const struct ddsi_serdata *dcmn, size_t off, size_t sz, void *buf) {
  const struct blob_serdata *d = (const struct blob_serdata *) dcmn;
  memcpy(buf, d->data + off, sz);
}

static struct ddsi_serdata *sd_to_ser_ref(const struct ddsi_serdata *dcmn, size_t off, size_t sz, ddsrt_iovec_t *ref) {
  const struct blob_serdata *d = (const struct blob_serdata *) dcmn;
  ref->iov_base = (void *) (d->data + off);
  ref->iov_len = (ddsrt_iov_len_t) sz;
  return ddsi_serdata_ref(dcmn);
}

static void sd_to_ser_unref(struct ddsi_serdata *d, const ddsrt_iovec_t *ref) {
  (void) ref;
  ddsi_serdata_unref(d);
}

static bool sd_to_sample(const struct ddsi_serdata *dcmn, void *sample, void **bufptr, void *buflim) {
  (void) bufptr; (void) buflim;
  const struct blob_serdata *d = (const struct blob_serdata *) dcmn;
  ssmde_blob_sample *s = sample;
  free(s->data);
  s->data = NULL;
  s->size = 0;
  if (d->c.kind != SDK_DATA || d->size == 0)
    return true;
  if ((s->data = malloc(d->size)) == NULL)
    return false;
  memcpy(s->data, d->data, d->size);
  s->size = d->size;
  return true;
}

static struct ddsi_serdata *sd_to_untyped(const struct ddsi_serdata *dcmn) {
  // The instance map keeps an untyped key-only serdata; a keyless one carries nothing.
  struct blob_serdata *d = blob_new(dcmn->type, SDK_KEY, 0);
  if (d == NULL)
    return NULL;
  d->c.type = NULL;
  return &d->c;
}

static bool sd_untyped_to_sample(const struct ddsi_sertype *type, const struct ddsi_serdata *d, void *sample, void **bufptr, void *buflim) {
  (void) type; (void) d; (void) bufptr; (void) buflim;
  if (sample != NULL) {
    ssmde_blob_sample *s = sample;
    free(s->data);
    s->data = NULL;
    s->size = 0;
  }
  return true;
}

static void sd_free(struct ddsi_serdata *d) {
  ddsrt_atomic_dec32(&live_count);
  free(d);
}

static size_t sd_print(const struct ddsi_sertype *type, const struct ddsi_serdata *dcmn, char *buf, size_t size) {
  (void) type;
  const struct blob_serdata *d = (const struct blob_serdata *) dcmn;
  return (size_t) snprintf(buf, size, "blob(%u bytes)", (unsigned) d->size);
}

static void sd_get_keyhash(const struct ddsi_serdata *d, struct ddsi_keyhash *buf, bool force_md5) {
  (void) d; (void) force_md5;
  memset(buf, 0, sizeof(*buf));
}

static const struct ddsi_serdata_ops blob_serdata_ops = {
  .eqkey = sd_eqkey,
  .get_size = sd_get_size,
  .from_ser = sd_from_ser,
  .from_ser_iov = sd_from_ser_iov,
  .from_keyhash = sd_from_keyhash,
  .from_sample = sd_from_sample,
  .to_ser = sd_to_ser,
  .to_ser_ref = sd_to_ser_ref,
  .to_ser_unref = sd_to_ser_unref,
  .to_sample = sd_to_sample,
  .to_untyped = sd_to_untyped,
  .untyped_to_sample = sd_untyped_to_sample,
  .free = sd_free,
  .print = sd_print,
  .get_keyhash = sd_get_keyhash,
  // get_sample_size and from_iox_buffer stay NULL: no shared memory (iceoryx) path.
};

// ---- sertype operations ----

static void st_free(struct ddsi_sertype *tp) {
  ddsi_sertype_fini(tp);
  free(tp);
}

static void st_zero_samples(const struct ddsi_sertype *tp, void *samples, size_t count) {
  (void) tp;
  memset(samples, 0, count * sizeof(ssmde_blob_sample));
}

static void st_realloc_samples(void **ptrs, const struct ddsi_sertype *tp, void *old, size_t oldcount, size_t count) {
  (void) tp;
  ssmde_blob_sample *s = realloc(old, count * sizeof(*s));
  if (s != NULL && count > oldcount)
    memset(s + oldcount, 0, (count - oldcount) * sizeof(*s));
  for (size_t i = 0; i < count; i++)
    ptrs[i] = s ? &s[i] : NULL;
}

static void st_free_samples(const struct ddsi_sertype *tp, void **ptrs, size_t count, dds_free_op_t op) {
  (void) tp;
  if (count == 0)
    return;
  if (op & DDS_FREE_CONTENTS_BIT) {
    for (size_t i = 0; i < count; i++) {
      ssmde_blob_sample *s = ptrs[i];
      free(s->data);
      s->data = NULL;
      s->size = 0;
    }
  }
  if (op & DDS_FREE_ALL_BIT)
    free(ptrs[0]);
}

static bool st_equal(const struct ddsi_sertype *a, const struct ddsi_sertype *b) {
  // Called only when type name, keylessness and operations already agree: then they are the same.
  (void) a; (void) b;
  return true;
}

static uint32_t st_hash(const struct ddsi_sertype *tp) {
  (void) tp;
  return 0;
}

static size_t st_get_serialized_size(const struct ddsi_sertype *tp, const void *sample) {
  (void) tp;
  return ((const ssmde_blob_sample *) sample)->size;
}

static bool st_serialize_into(const struct ddsi_sertype *tp, const void *sample, void *dst, size_t dst_size) {
  (void) tp;
  const ssmde_blob_sample *s = sample;
  if (dst_size < s->size)
    return false;
  memcpy(dst, s->data, s->size);
  return true;
}

static const struct ddsi_sertype_ops blob_sertype_ops = {
  .version = ddsi_sertype_v0,
  .arg = NULL,
  .free = st_free,
  .zero_samples = st_zero_samples,
  .realloc_samples = st_realloc_samples,
  .free_samples = st_free_samples,
  .equal = st_equal,
  .hash = st_hash,
  // No type_id, type_map, type_info: no XTypes type information is sent, so peers match by
  // type name, as every ROS 2 middleware does. No derive_sertype: the blob carries XCDR1 only.
  .get_serialized_size = st_get_serialized_size,
  .serialize_into = st_serialize_into,
};

dds_entity_t ssmde_blob_topic(dds_entity_t participant, const char *topic_name, const char *type_name,
                              const dds_qos_t *qos, struct ddsi_sertype **st) {
  struct ddsi_sertype *tp = calloc(1, sizeof(*tp));
  if (tp == NULL)
    return DDS_RETCODE_OUT_OF_RESOURCES;
  ddsi_sertype_init_flags(tp, type_name, &blob_sertype_ops, &blob_serdata_ops, DDSI_SERTYPE_FLAG_TOPICKIND_NO_KEY);
  tp->allowed_data_representation = DDS_DATA_REPRESENTATION_FLAG_XCDR1;
  struct ddsi_sertype *used = tp;
  dds_entity_t topic = dds_create_topic_sertype(participant, topic_name, &used, qos, NULL, NULL);
  if (topic < 0) {
    st_free(tp); // not taken over on failure
    return topic;
  }
  *st = used;
  return topic;
}

dds_return_t ssmde_blob_write(dds_entity_t writer, const struct ddsi_sertype *st, const void *data, size_t size) {
  ddsrt_iovec_t iov = { .iov_base = (void *) data, .iov_len = (ddsrt_iov_len_t) size };
  struct ddsi_serdata *d = ddsi_serdata_from_ser_iov(st, SDK_DATA, 1, &iov, size);
  if (d == NULL)
    return DDS_RETCODE_OUT_OF_RESOURCES;
  // dds_writecdr consumes our reference.
  return dds_writecdr(writer, d);
}

uint32_t ssmde_serdata_size(struct ddsi_serdata *d) { return ddsi_serdata_size(d); }

void ssmde_serdata_copy(struct ddsi_serdata *d, void *dst, size_t size) { ddsi_serdata_to_ser(d, 0, size, dst); }

void ssmde_serdata_unref(struct ddsi_serdata *d) { ddsi_serdata_unref(d); }
