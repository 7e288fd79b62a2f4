/* tools/rest_registry.h — MLflow model-registry endpoints. Same rules as
 * rest_tracking.h: bodies built with json.h, answers checked (a version
 * number from the server is a positive decimal that fits an int; a version
 * or model in an answer must carry the name asked for), owned structs out,
 * EXIT_* class and a filled rest_err on failure. A model name may hold any
 * character: searches quote it with rest_eq_filter and compare the matches. */
#ifndef MLL_TOOLS_REST_REGISTRY_H
#define MLL_TOOLS_REST_REGISTRY_H

#include "rest.h"

typedef struct rest_version {
    int version;                       /* > 0 */
    char *source, *run_id, *description, *stage, *model_id, *status;
    kvlist tags;
} rest_version;
void rest_version_free(rest_version *v);
void rest_versions_free(rest_version *v, size_t n);

typedef struct rest_model {
    char *name, *description;
    kvlist tags;
    kvlist aliases;                    /* alias -> version (decimal text) */
} rest_model;
void rest_model_free(rest_model *m);

int rest_model_get(const rest_ctx *c, const char *name, rest_model *out, rest_err *e);   /* 1, 0, or -class */
int rest_model_create(const rest_ctx *c, const char *name, const char *description, const kvlist *tags,
                      rest_err *e);
int rest_model_update(const rest_ctx *c, const char *name, const char *description, rest_err *e);
int rest_model_set_tag(const rest_ctx *c, const char *name, const char *key, const char *value, rest_err *e);
int rest_model_delete_tag(const rest_ctx *c, const char *name, const char *key, rest_err *e);
int rest_model_set_alias(const rest_ctx *c, const char *name, const char *alias, int version, rest_err *e);
int rest_model_delete_alias(const rest_ctx *c, const char *name, const char *alias, rest_err *e);

/* Every version of a model (model-versions/search, all pages). */
int rest_version_search(const rest_ctx *c, const char *name, rest_version **out, size_t *n, rest_err *e);
typedef struct rest_version_create_req {
    const char *name, *source, *run_id, *description, *model_id;
    const kvlist *tags;                /* includes the marker */
} rest_version_create_req;
int rest_version_create(const rest_ctx *c, const rest_version_create_req *q, rest_version *out, rest_err *e);
int rest_version_update(const rest_ctx *c, const char *name, int version, const char *description, rest_err *e);
int rest_version_set_tag(const rest_ctx *c, const char *name, int version, const char *key, const char *value,
                         rest_err *e);
int rest_version_delete_tag(const rest_ctx *c, const char *name, int version, const char *key, rest_err *e);
int rest_version_transition(const rest_ctx *c, const char *name, int version, const char *stage, rest_err *e);
int rest_version_delete(const rest_ctx *c, const char *name, int version, rest_err *e);

/* Answer checks without I/O (tests, fuzz_json_resp.c); 0 or EXIT_REJECTED. */
int rest_parse_model(const cJSON *answer, const char *name, rest_model *out, rest_err *e);
int rest_parse_version(const cJSON *answer, const char *name, int write, rest_version *out, rest_err *e);
/* one page of model-versions/search: versions of exactly `name` appended, *token = next page or NULL */
int rest_parse_version_search(const cJSON *answer, const char *name, rest_version **v, size_t *n, char **token,
                              rest_err *e);

#endif
