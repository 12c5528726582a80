// Wrappers around Cyclone DDS calls that take or return C structs, so that Go passes only
// handles, integers and pointers to plain bytes across cgo.
#include <stdlib.h>
#include <string.h>
#include <dds/dds.h>
#include "cyclone.h"

dds_entity_t ssmde_participant(uint32_t domain, const char *user_data, size_t user_data_size, int nprops,
                               const char *const *names, const char *const *values) {
  // rmw announces the security enclave in USER_DATA ("enclave=/;" by default) and, for SROS2, sets
  // the DDS Security files and plugins as QoS properties (security.go).
  dds_qos_t *q = dds_create_qos();
  dds_qset_userdata(q, user_data, user_data_size);
  for (int i = 0; i < nprops; i++)
    dds_qset_prop(q, names[i], values[i]);
  dds_entity_t p = dds_create_participant(domain, q, NULL);
  dds_delete_qos(q);
  return p;
}

dds_qos_t *ssmde_endpoint_qos(int reliable, int transient_local, int depth, int64_t lifespan_ns) {
  dds_qos_t *q = dds_create_qos();
  dds_qset_reliability(q, reliable ? DDS_RELIABILITY_RELIABLE : DDS_RELIABILITY_BEST_EFFORT, DDS_MSECS(100));
  dds_qset_durability(q, transient_local ? DDS_DURABILITY_TRANSIENT_LOCAL : DDS_DURABILITY_VOLATILE);
  dds_history_kind_t hk = depth > 0 ? DDS_HISTORY_KEEP_LAST : DDS_HISTORY_KEEP_ALL;
  int32_t hd = depth > 0 ? depth : DDS_LENGTH_UNLIMITED;
  dds_qset_history(q, hk, hd);
  // Cyclone keeps a transient-local writer's history for late readers by the DURABILITY_SERVICE
  // history (default KEEP_LAST 1), not by HISTORY; rmw_cyclonedds sets it to the same (see
  // create_readwrite_qos in rmw_cyclonedds_cpp/src/rmw_node.cpp), so a late reader gets depth samples.
  if (transient_local)
    dds_qset_durability_service(q, 0, hk, hd, DDS_LENGTH_UNLIMITED, DDS_LENGTH_UNLIMITED, DDS_LENGTH_UNLIMITED);
  if (lifespan_ns > 0)
    dds_qset_lifespan(q, (dds_duration_t) lifespan_ns);
  return q;
}

dds_return_t ssmde_guid(dds_entity_t e, void *out16) {
  dds_guid_t g;
  dds_return_t rc = dds_get_guid(e, &g);
  if (rc == DDS_RETCODE_OK)
    memcpy(out16, g.v, 16);
  return rc;
}

int32_t ssmde_publication_matched(dds_entity_t writer) {
  dds_publication_matched_status_t st;
  dds_return_t rc = dds_get_publication_matched_status(writer, &st);
  return rc < 0 ? rc : (int32_t) st.current_count;
}

int32_t ssmde_subscription_matched(dds_entity_t reader) {
  dds_subscription_matched_status_t st;
  dds_return_t rc = dds_get_subscription_matched_status(reader, &st);
  return rc < 0 ? rc : (int32_t) st.current_count;
}

ssmde_reader *ssmde_reader_new(dds_entity_t participant, dds_entity_t reader, uint32_t max, dds_return_t *rc) {
  ssmde_reader *r = calloc(1, sizeof(*r));
  if (r == NULL) {
    dds_delete(reader);
    *rc = DDS_RETCODE_OUT_OF_RESOURCES;
    return NULL;
  }
  r->reader = reader;
  r->max = max;
  r->bufs = calloc(max, sizeof(*r->bufs));
  r->infos = calloc(max, sizeof(*r->infos));
  if (r->bufs == NULL || r->infos == NULL) {
    *rc = DDS_RETCODE_OUT_OF_RESOURCES;
    goto fail;
  }
  if ((*rc = r->readcond = dds_create_readcondition(reader, DDS_ANY_STATE)) < 0)
    goto fail;
  if ((*rc = r->guard = dds_create_guardcondition(participant)) < 0)
    goto fail;
  if ((*rc = r->waitset = dds_create_waitset(participant)) < 0)
    goto fail;
  if ((*rc = dds_waitset_attach(r->waitset, r->readcond, 0)) < 0)
    goto fail;
  if ((*rc = dds_waitset_attach(r->waitset, r->guard, 1)) < 0)
    goto fail;
  *rc = DDS_RETCODE_OK;
  return r;
fail:
  ssmde_reader_free(r);
  return NULL;
}

dds_return_t ssmde_reader_wait(ssmde_reader *r) {
  return dds_waitset_wait(r->waitset, NULL, 0, DDS_INFINITY);
}

dds_return_t ssmde_reader_take(ssmde_reader *r) {
  return dds_takecdr(r->reader, r->bufs, r->max, r->infos, DDS_ANY_STATE);
}

void ssmde_reader_wake(ssmde_reader *r) {
  dds_set_guardcondition(r->guard, true);
}

void ssmde_reader_free(ssmde_reader *r) {
  // Deleting the reader deletes its read condition; waitset and guard belong to the participant.
  if (r->waitset > 0)
    dds_delete(r->waitset);
  if (r->guard > 0)
    dds_delete(r->guard);
  if (r->reader > 0)
    dds_delete(r->reader);
  free(r->bufs);
  free(r->infos);
  free(r);
}

void ssmde_endpoint_infos_free(ssmde_endpoint_info *v, int32_t n) {
  for (int32_t i = 0; i < n; i++) {
    free(v[i].topic_name);
    free(v[i].type_name);
    free(v[i].user_data);
  }
  free(v);
}

// endpoint_qos_of copies the policies discovery announced into e; ones it did not announce keep
// their DDS defaults (a writer's reliability is RELIABLE by default, a reader's BEST_EFFORT).
static void endpoint_qos_of(const dds_qos_t *q, ssmde_endpoint_info *e) {
  dds_reliability_kind_t rel;
  dds_durability_kind_t dur;
  dds_history_kind_t hist;
  int32_t depth;
  dds_duration_t d;
  e->reliability = e->durability = e->history = e->depth = -1;
  e->lifespan_ns = -1;
  if (q == NULL)
    return;
  dds_duration_t blocking;
  if (dds_qget_reliability(q, &rel, &blocking))
    e->reliability = rel == DDS_RELIABILITY_RELIABLE;
  if (dds_qget_durability(q, &dur))
    e->durability = (int) dur;
  if (dds_qget_history(q, &hist, &depth)) {
    e->history = hist == DDS_HISTORY_KEEP_ALL;
    e->depth = depth;
  }
  if (dds_qget_lifespan(q, &d))
    e->lifespan_ns = d;
}

int32_t ssmde_discovered_endpoints(dds_entity_t participant, int writers, ssmde_endpoint_info **out) {
  *out = NULL;
  // A new reader of a built-in topic starts with one sample per endpoint discovery knows now.
  dds_entity_t rd = dds_create_reader(participant,
      writers ? DDS_BUILTIN_TOPIC_DCPSPUBLICATION : DDS_BUILTIN_TOPIC_DCPSSUBSCRIPTION, NULL, NULL);
  if (rd < 0)
    return rd;
  int32_t n = 0, cap = 0;
  ssmde_endpoint_info *v = NULL;
  dds_return_t rc = DDS_RETCODE_OK;
  enum { batch = 32 };
  for (;;) {
    void *buf[batch] = {NULL};
    dds_sample_info_t si[batch];
    dds_return_t k = dds_take(rd, buf, si, batch, batch);
    if (k <= 0) {
      rc = k;
      break;
    }
    for (dds_return_t i = 0; i < k && rc == DDS_RETCODE_OK; i++) {
      const dds_builtintopic_endpoint_t *s = buf[i];
      if (!si[i].valid_data || si[i].instance_state != DDS_ALIVE_INSTANCE_STATE)
        continue;
      if (n == cap) {
        int32_t ncap = cap ? 2 * cap : 16;
        ssmde_endpoint_info *nv = realloc(v, (size_t) ncap * sizeof(*v));
        if (nv == NULL) {
          rc = DDS_RETCODE_OUT_OF_RESOURCES;
          break;
        }
        v = nv;
        cap = ncap;
      }
      ssmde_endpoint_info *e = &v[n++];
      memset(e, 0, sizeof(*e));
      memcpy(e->key, s->key.v, 16);
      memcpy(e->participant_key, s->participant_key.v, 16);
      e->topic_name = strdup(s->topic_name ? s->topic_name : "");
      e->type_name = strdup(s->type_name ? s->type_name : "");
      void *ud;
      size_t udsz;
      if (s->qos != NULL && dds_qget_userdata(s->qos, &ud, &udsz)) {
        if (ud != NULL && udsz > 0 && (e->user_data = malloc(udsz)) != NULL) {
          memcpy(e->user_data, ud, udsz);
          e->user_data_size = udsz;
        }
        dds_free(ud);
      }
      endpoint_qos_of(s->qos, e);
      if (e->topic_name == NULL || e->type_name == NULL)
        rc = DDS_RETCODE_OUT_OF_RESOURCES;
    }
    dds_return_loan(rd, buf, k);
    if (rc != DDS_RETCODE_OK)
      break;
  }
  dds_delete(rd);
  if (rc < 0) {
    ssmde_endpoint_infos_free(v, n);
    return rc;
  }
  *out = v;
  return n;
}

dds_return_t ssmde_instance_handle(dds_entity_t e, uint64_t *ih) {
  dds_instance_handle_t h;
  dds_return_t rc = dds_get_instance_handle(e, &h);
  *ih = (uint64_t) h;
  return rc;
}

// userdata_value finds key's value in "k=v;k=v;" USER_DATA; *len is its length.
static const unsigned char *userdata_value(const unsigned char *ud, size_t n, const char *key, size_t *len) {
  size_t klen = strlen(key);
  size_t i = 0;
  while (i < n) {
    size_t end = i;
    while (end < n && ud[end] != ';')
      end++;
    if (end - i > klen && memcmp(ud + i, key, klen) == 0 && ud[i + klen] == '=') {
      *len = end - (i + klen + 1);
      return ud + i + klen + 1;
    }
    i = end + 1;
  }
  return NULL;
}

int ssmde_matched_publication_key(dds_entity_t reader, uint64_t ih, const char *key, char *buf, int cap) {
  dds_builtintopic_endpoint_t *ep = dds_get_matched_publication_data(reader, (dds_instance_handle_t) ih);
  if (ep == NULL)
    return -1;
  int ret = -2;
  void *ud;
  size_t udsz;
  if (ep->qos != NULL && dds_qget_userdata(ep->qos, &ud, &udsz)) {
    size_t len;
    const unsigned char *v = ud ? userdata_value(ud, udsz, key, &len) : NULL;
    if (v != NULL && cap > 0) {
      size_t c = len < (size_t) cap - 1 ? len : (size_t) cap - 1;
      memcpy(buf, v, c);
      buf[c] = 0;
      ret = (int) c;
    }
    dds_free(ud);
  }
  dds_builtintopic_free_endpoint(ep);
  return ret;
}

int ssmde_writer_matched_key(dds_entity_t writer, const char *key, const char *value) {
  dds_instance_handle_t hs[64];
  dds_return_t n = dds_get_matched_subscriptions(writer, hs, 64);
  if (n < 0)
    return n;
  size_t vlen = strlen(value);
  int found = 0;
  for (dds_return_t i = 0; i < n && i < 64 && !found; i++) {
    dds_builtintopic_endpoint_t *ep = dds_get_matched_subscription_data(writer, hs[i]);
    if (ep == NULL)
      continue;
    void *ud;
    size_t udsz, len;
    if (ep->qos != NULL && dds_qget_userdata(ep->qos, &ud, &udsz)) {
      const unsigned char *v = ud ? userdata_value(ud, udsz, key, &len) : NULL;
      found = v != NULL && len == vlen && memcmp(v, value, len) == 0;
      dds_free(ud);
    }
    dds_builtintopic_free_endpoint(ep);
  }
  return found;
}
