/* wast_json.h - a small JSON reader for the script files wast2json writes (RFC 8259).
 * Strings keep their length, since names in the spec tests may contain NUL characters. */
#ifndef WAST_JSON_H
#define WAST_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum json_type {
    JSON_NULL,
    JSON_BOOL,
    JSON_NUMBER,
    JSON_STRING,
    JSON_ARRAY,
    JSON_OBJECT,
} json_type_t;

typedef struct json json_t;
struct json {
    json_type_t type;
    bool boolean;
    double number;
    char *str;      /* JSON_STRING: decoded bytes, NUL-terminated (may contain NULs) */
    size_t len;     /* JSON_STRING: byte length; JSON_ARRAY/OBJECT: element count */
    json_t **items; /* JSON_ARRAY elements, JSON_OBJECT values */
    char **keys;    /* JSON_OBJECT keys (NUL-terminated) */
    size_t *key_lens;
};

/* Parses `text` (len bytes). Returns NULL on a syntax error or allocation failure, writing a
 * description with the byte offset into errbuf. */
json_t *weft__json_parse(const char *text, size_t len, char *errbuf, size_t errlen);
void weft__json_free(json_t *v);

/* Object member by key (NULL if absent or `obj` is not an object). */
const json_t *weft__json_get(const json_t *obj, const char *key);
/* The string of member `key`, or NULL when absent or not a string. */
const char *weft__json_get_str(const json_t *obj, const char *key, size_t *len);
/* The number of member `key` as an integer, or `dflt`. */
long weft__json_get_int(const json_t *obj, const char *key, long dflt);

#endif
