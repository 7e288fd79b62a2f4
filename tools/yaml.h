/* tools/yaml.h — read a meta.yaml (MLflow's, PyYAML's or mlflow_lite.h's)
 * into a small tree of mappings with libyaml. Scalars keep their text;
 * a plain `null`, `~` or empty scalar is recorded as null. Sequences are
 * skipped (MLflow's only sequence, the legacy `tags: []`, carries nothing). */
#ifndef MLL_TOOLS_YAML_H
#define MLL_TOOLS_YAML_H
#include <stddef.h>

typedef struct ymap {
    size_t n, cap;
    char **keys;
    char **vals;          /* NULL for null scalars and for sub-mappings */
    struct ymap **subs;   /* non-NULL when the value is a mapping */
} ymap;

/* Returns 0 and *out, or -1 with a message in err (file, line, problem). */
int ymap_load(const char *path, ymap **out, char *err, size_t errn);
/* Value of key, NULL when missing or null. */
const char *ymap_get(const ymap *m, const char *key);
int ymap_has(const ymap *m, const char *key);
const ymap *ymap_sub(const ymap *m, const char *key);
void ymap_free(ymap *m);
#endif
