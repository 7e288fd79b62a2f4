/* tools/json.h — JSON in and out, once for the whole tool.
 *
 * Writing: request bodies are built with these (escaping, numbers as the
 * protobuf JSON mapping wants them: NaN/Infinity as strings, -0.0 kept).
 * Reading: typed getters that check type and range, so that a value from a
 * server or from the state file is never used unchecked. A getter that fails
 * leaves *out unchanged and returns -1. */
#ifndef MLL_TOOLS_JSON_H
#define MLL_TOOLS_JSON_H

#include "util.h"

#include <cjson/cJSON.h>

/* 1 when s is valid UTF-8 (what Python decodes with errors="strict"), else 0. */
int json_utf8_valid(const char *s);
void json_str(sbuf *b, const char *s);         /* "escaped" (invalid UTF-8 is escaped as \ufffd) */
void json_double(sbuf *b, double v);           /* shortest round trip; "NaN", "Infinity", "-Infinity" */
void json_kv_array(sbuf *b, const kvlist *l);  /* [{"key":..,"value":..},...] */
void json_kv_object(sbuf *b, const kvlist *l); /* {"key":"value",...} */

/* Parses text as JSON with a depth and size limit; NULL when not JSON. */
cJSON *json_parse(const char *text, size_t len);

/* Typed getters: 0 found and valid, -1 missing or wrong type/range. */
int json_get_str(const cJSON *o, const char *k, const char **out);         /* borrowed */
int json_get_ll(const cJSON *o, const char *k, long long lo, long long hi, long long *out); /* number or decimal string (int64 in proto JSON) */
int json_value_ll(const cJSON *v, long long lo, long long hi, long long *out);   /* the same for a value (an array element) */
int json_get_int(const cJSON *o, const char *k, int lo, int hi, int *out);
int json_get_bool(const cJSON *o, const char *k, int *out);
const cJSON *json_get_obj(const cJSON *o, const char *k);                  /* NULL unless an object */
const cJSON *json_get_arr(const cJSON *o, const char *k);                  /* NULL unless an array */
/* A string that is a valid id (1..256 bytes of [A-Za-z0-9_.:/-]): for ids and numbers from a server. */
int json_get_id(const cJSON *o, const char *k, const char **out);
#endif
