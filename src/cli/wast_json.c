/* wast_json.c - a small recursive-descent JSON reader (RFC 8259) for wast2json output.
 * Strings are decoded to UTF-8 bytes, keeping embedded NULs (\u0000) and their length. */
#include "cli/wast_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JSON_MAX_DEPTH 256

typedef struct parser {
    const char *p;
    const char *end;
    const char *start;
    char *err;
    size_t errlen;
    bool failed;
} parser_t;

static void fail(parser_t *ps, const char *what)
{
    if (ps->failed) return;
    ps->failed = true;
    if (ps->err && ps->errlen)
        snprintf(ps->err, ps->errlen, "%s at byte %zu", what, (size_t)(ps->p - ps->start));
}

static void skip_ws(parser_t *ps)
{
    while (ps->p < ps->end &&
           (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
        ps->p++;
}

static json_t *new_value(parser_t *ps, json_type_t t)
{
    json_t *v = calloc(1, sizeof *v);
    if (!v) fail(ps, "out of memory");
    else v->type = t;
    return v;
}

/* Appends bytes to a growing buffer; false on allocation failure. */
static bool buf_put(char **buf, size_t *len, size_t *cap, const char *bytes, size_t n)
{
    if (*len + n + 1 > *cap) {
        size_t ncap = *cap ? *cap * 2 : 32;
        while (ncap < *len + n + 1) ncap *= 2;
        char *nb = realloc(*buf, ncap);
        if (!nb) return false;
        *buf = nb;
        *cap = ncap;
    }
    memcpy(*buf + *len, bytes, n);
    *len += n;
    (*buf)[*len] = '\0';
    return true;
}

static int hex4(parser_t *ps, uint32_t *out)
{
    if (ps->end - ps->p < 4) return -1;
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        char c = ps->p[i];
        v <<= 4;
        if (c >= '0' && c <= '9') v |= (uint32_t)(c - '0');
        else if (c >= 'a' && c <= 'f') v |= (uint32_t)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') v |= (uint32_t)(c - 'A' + 10);
        else return -1;
    }
    ps->p += 4;
    *out = v;
    return 0;
}

static size_t utf8_encode(uint32_t cp, char out[4])
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Parses a string literal at ps->p (which is at the opening quote). */
static bool parse_string(parser_t *ps, char **out, size_t *out_len)
{
    char *buf = NULL;
    size_t len = 0, cap = 0;
    ps->p++; /* opening quote */
    if (!buf_put(&buf, &len, &cap, "", 0)) goto oom;
    for (;;) {
        if (ps->p >= ps->end) {
            fail(ps, "unterminated string");
            goto bad;
        }
        unsigned char c = (unsigned char)*ps->p;
        if (c == '"') {
            ps->p++;
            break;
        }
        if (c < 0x20) {
            fail(ps, "control character in string");
            goto bad;
        }
        if (c != '\\') {
            /* Copy a run of plain bytes at once. */
            const char *s = ps->p;
            while (ps->p < ps->end && *ps->p != '"' && *ps->p != '\\' &&
                   (unsigned char)*ps->p >= 0x20)
                ps->p++;
            if (!buf_put(&buf, &len, &cap, s, (size_t)(ps->p - s))) goto oom;
            continue;
        }
        ps->p++;
        if (ps->p >= ps->end) {
            fail(ps, "unterminated escape");
            goto bad;
        }
        char e = *ps->p++;
        char one;
        switch (e) {
        case '"': one = '"'; break;
        case '\\': one = '\\'; break;
        case '/': one = '/'; break;
        case 'b': one = '\b'; break;
        case 'f': one = '\f'; break;
        case 'n': one = '\n'; break;
        case 'r': one = '\r'; break;
        case 't': one = '\t'; break;
        case 'u': {
            uint32_t cp;
            if (hex4(ps, &cp) < 0) {
                fail(ps, "bad \\u escape");
                goto bad;
            }
            /* A surrogate pair encodes one code point beyond the BMP. */
            if (cp >= 0xD800 && cp <= 0xDBFF && ps->end - ps->p >= 6 && ps->p[0] == '\\' &&
                ps->p[1] == 'u') {
                const char *save = ps->p;
                uint32_t lo;
                ps->p += 2;
                if (hex4(ps, &lo) == 0 && lo >= 0xDC00 && lo <= 0xDFFF)
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                else
                    ps->p = save;
            }
            char enc[4];
            size_t n = utf8_encode(cp, enc);
            if (!buf_put(&buf, &len, &cap, enc, n)) goto oom;
            continue;
        }
        default:
            fail(ps, "bad escape");
            goto bad;
        }
        if (!buf_put(&buf, &len, &cap, &one, 1)) goto oom;
    }
    *out = buf;
    *out_len = len;
    return true;
oom:
    fail(ps, "out of memory");
bad:
    free(buf);
    return false;
}

static json_t *parse_value(parser_t *ps, int depth);

static bool push_item(parser_t *ps, json_t *arr, json_t *item, char *key, size_t key_len,
                      size_t *cap)
{
    if (arr->len == *cap) {
        size_t ncap = *cap ? *cap * 2 : 4;
        json_t **ni = realloc(arr->items, ncap * sizeof *ni);
        if (!ni) goto oom;
        arr->items = ni;
        if (arr->type == JSON_OBJECT) {
            char **nk = realloc(arr->keys, ncap * sizeof *nk);
            if (!nk) goto oom;
            arr->keys = nk;
            size_t *nl = realloc(arr->key_lens, ncap * sizeof *nl);
            if (!nl) goto oom;
            arr->key_lens = nl;
        }
        *cap = ncap;
    }
    arr->items[arr->len] = item;
    if (arr->type == JSON_OBJECT) {
        arr->keys[arr->len] = key;
        arr->key_lens[arr->len] = key_len;
    }
    arr->len++;
    return true;
oom:
    fail(ps, "out of memory");
    return false;
}

static json_t *parse_container(parser_t *ps, int depth, bool is_object)
{
    json_t *v = new_value(ps, is_object ? JSON_OBJECT : JSON_ARRAY);
    if (!v) return NULL;
    size_t cap = 0;
    char close = is_object ? '}' : ']';
    ps->p++; /* [ or { */
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == close) {
        ps->p++;
        return v;
    }
    for (;;) {
        char *key = NULL;
        size_t key_len = 0;
        skip_ws(ps);
        if (is_object) {
            if (ps->p >= ps->end || *ps->p != '"') {
                fail(ps, "expected a key");
                goto bad;
            }
            if (!parse_string(ps, &key, &key_len)) goto bad;
            skip_ws(ps);
            if (ps->p >= ps->end || *ps->p != ':') {
                free(key);
                fail(ps, "expected ':'");
                goto bad;
            }
            ps->p++;
        }
        json_t *item = parse_value(ps, depth + 1);
        if (!item) {
            free(key);
            goto bad;
        }
        if (!push_item(ps, v, item, key, key_len, &cap)) {
            free(key);
            weft__json_free(item);
            goto bad;
        }
        skip_ws(ps);
        if (ps->p < ps->end && *ps->p == ',') {
            ps->p++;
            continue;
        }
        if (ps->p < ps->end && *ps->p == close) {
            ps->p++;
            return v;
        }
        fail(ps, is_object ? "expected ',' or '}'" : "expected ',' or ']'");
        goto bad;
    }
bad:
    weft__json_free(v);
    return NULL;
}

static bool match_word(parser_t *ps, const char *w)
{
    size_t n = strlen(w);
    if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, w, n) != 0) return false;
    ps->p += n;
    return true;
}

static json_t *parse_number(parser_t *ps)
{
    const char *s = ps->p;
    if (ps->p < ps->end && *ps->p == '-') ps->p++;
    while (ps->p < ps->end &&
           ((*ps->p >= '0' && *ps->p <= '9') || *ps->p == '.' || *ps->p == 'e' ||
            *ps->p == 'E' || *ps->p == '+' || *ps->p == '-'))
        ps->p++;
    size_t n = (size_t)(ps->p - s);
    char tmp[64];
    if (n == 0 || n >= sizeof tmp) {
        fail(ps, "bad number");
        return NULL;
    }
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    char *endp;
    double d = strtod(tmp, &endp);
    if (*endp != '\0') {
        fail(ps, "bad number");
        return NULL;
    }
    json_t *v = new_value(ps, JSON_NUMBER);
    if (v) v->number = d;
    return v;
}

static json_t *parse_value(parser_t *ps, int depth)
{
    if (depth > JSON_MAX_DEPTH) {
        fail(ps, "nesting too deep");
        return NULL;
    }
    skip_ws(ps);
    if (ps->p >= ps->end) {
        fail(ps, "unexpected end of input");
        return NULL;
    }
    switch (*ps->p) {
    case '{': return parse_container(ps, depth, true);
    case '[': return parse_container(ps, depth, false);
    case '"': {
        char *s;
        size_t n;
        if (!parse_string(ps, &s, &n)) return NULL;
        json_t *v = new_value(ps, JSON_STRING);
        if (!v) {
            free(s);
            return NULL;
        }
        v->str = s;
        v->len = n;
        return v;
    }
    case 't':
    case 'f':
    case 'n': {
        json_type_t t = JSON_NULL;
        bool b = false;
        if (match_word(ps, "true")) t = JSON_BOOL, b = true;
        else if (match_word(ps, "false")) t = JSON_BOOL;
        else if (!match_word(ps, "null")) {
            fail(ps, "unexpected word");
            return NULL;
        }
        json_t *v = new_value(ps, t);
        if (v) v->boolean = b;
        return v;
    }
    default:
        if (*ps->p == '-' || (*ps->p >= '0' && *ps->p <= '9')) return parse_number(ps);
        fail(ps, "unexpected character");
        return NULL;
    }
}

json_t *weft__json_parse(const char *text, size_t len, char *errbuf, size_t errlen)
{
    parser_t ps = {text, text + len, text, errbuf, errlen, false};
    if (errbuf && errlen) errbuf[0] = '\0';
    json_t *v = parse_value(&ps, 0);
    if (!v) {
        fail(&ps, "syntax error");
        return NULL;
    }
    skip_ws(&ps);
    if (ps.p != ps.end) {
        fail(&ps, "trailing characters");
        weft__json_free(v);
        return NULL;
    }
    return v;
}

void weft__json_free(json_t *v)
{
    if (!v) return;
    for (size_t i = 0; i < v->len && v->items; i++) {
        weft__json_free(v->items[i]);
        if (v->keys) free(v->keys[i]);
    }
    free(v->items);
    free(v->keys);
    free(v->key_lens);
    free(v->str);
    free(v);
}

const json_t *weft__json_get(const json_t *obj, const char *key)
{
    if (!obj || obj->type != JSON_OBJECT) return NULL;
    size_t n = strlen(key);
    for (size_t i = 0; i < obj->len; i++)
        if (obj->key_lens[i] == n && memcmp(obj->keys[i], key, n) == 0) return obj->items[i];
    return NULL;
}

const char *weft__json_get_str(const json_t *obj, const char *key, size_t *len)
{
    const json_t *v = weft__json_get(obj, key);
    if (!v || v->type != JSON_STRING) return NULL;
    if (len) *len = v->len;
    return v->str;
}

long weft__json_get_int(const json_t *obj, const char *key, long dflt)
{
    const json_t *v = weft__json_get(obj, key);
    if (!v || v->type != JSON_NUMBER) return dflt;
    return (long)v->number;
}
