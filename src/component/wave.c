/* wave.c - WAVE, the WebAssembly Value Encoding: type-directed parsing of component values from
 * text and their canonical printing (the wasm-wave format of wasm-tools, crates/wasm-wave
 * README: tokens, keywords, `%` labels, escapes, multiline strings, the flat forms of option
 * and result, optional record fields, the function-argument appendix).
 *
 * The parser is a lexer plus a recursive descent driven by the expected type, so nothing
 * untyped is built: every value lands in the caller's arena. Recursion is bounded by the depth
 * of the (finite, validated) type, never by the text. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "component/instance.h"
#include "component/transcode.h"
#include "util/error.h"

/* ============================================================================================
 * Function types
 * ========================================================================================== */

const weft_cval_type_t *weft_component_func_param_type(const weft_component_func_t *func,
                                                       size_t i)
{
    if (!func || !func->type || i >= func->type->nparams) return NULL;
    return func->type->params[i].type;
}

const weft_cval_type_t *weft_component_func_result_type(const weft_component_func_t *func)
{
    return func && func->type ? func->type->result : NULL;
}

bool weft_component_func_param_name(const weft_component_func_t *func, size_t i,
                                    const char **name, size_t *len)
{
    if (!func || !func->type || i >= func->type->nparams) return false;
    if (name) *name = func->type->params[i].name.ptr;
    if (len) *len = func->type->params[i].name.len;
    return true;
}

/* ============================================================================================
 * Growable text buffer (engine allocator; copied into the arena at the end)
 * ========================================================================================== */

typedef struct wbuf {
    const weft_alloc_t *a;
    char *p;
    size_t len, cap;
    bool oom;
} wbuf_t;

static void wb_put(wbuf_t *b, const char *s, size_t n)
{
    if (b->oom) return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + n + 1) {
            if (cap > SIZE_MAX / 2) {
                b->oom = true;
                return;
            }
            cap *= 2;
        }
        char *np = weft__realloc(b->a, b->p, b->cap, cap);
        if (!np) {
            b->oom = true;
            return;
        }
        b->p = np;
        b->cap = cap;
    }
    if (n) memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = 0;
}

static void wb_str(wbuf_t *b, const char *s) { wb_put(b, s, strlen(s)); }

static void wb_fmt(wbuf_t *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static void wb_fmt(wbuf_t *b, const char *fmt, ...)
{
    char tmp[128];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    wb_put(b, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

static void wb_name(wbuf_t *b, weft_name_t n) { wb_put(b, n.ptr, n.len); }

static void wb_free(wbuf_t *b)
{
    weft__free(b->a, b->p, b->cap);
    b->p = NULL;
    b->len = b->cap = 0;
}

/* Moves the buffer's text into the arena (NUL-terminated). */
static weft_error_t *wb_finish(wbuf_t *b, weft_cval_arena_t *ar, const char **text, size_t *len)
{
    if (b->oom) {
        wb_free(b);
        return weft__error_new(&ar->alloc, WEFT_ERROR_OOM, UINT64_MAX, "out of memory");
    }
    char *p = weft__cval_alloc(ar, b->len + 1);
    if (!p) {
        wb_free(b);
        return weft__error_new(&ar->alloc, WEFT_ERROR_OOM, UINT64_MAX, "out of memory");
    }
    if (b->len) memcpy(p, b->p, b->len);
    p[b->len] = 0;
    if (text) *text = p;
    if (len) *len = b->len;
    wb_free(b);
    return NULL;
}

/* ============================================================================================
 * Types in WIT syntax (messages and weft_wave_print_type)
 * ========================================================================================== */

static void put_type(wbuf_t *b, const weft_ty_val_t *t, int depth)
{
    if (!t) {
        wb_str(b, "_");
        return;
    }
    if (depth > 8) {
        wb_str(b, "...");
        return;
    }
    switch (t->kind) {
    case WEFT_TY_LIST:
        wb_str(b, "list<");
        put_type(b, t->elem, depth + 1);
        wb_str(b, ">");
        return;
    case WEFT_TY_FIXED_LIST:
        wb_str(b, "list<");
        put_type(b, t->elem, depth + 1);
        wb_fmt(b, ", %" PRIu32 ">", t->len);
        return;
    case WEFT_TY_OPTION:
        wb_str(b, "option<");
        put_type(b, t->elem, depth + 1);
        wb_str(b, ">");
        return;
    case WEFT_TY_RESULT: {
        const weft_ty_val_t *ok = t->fields[0].type, *er = t->fields[1].type;
        wb_str(b, "result");
        if (!ok && !er) return;
        wb_str(b, "<");
        put_type(b, ok, depth + 1);
        if (er) {
            wb_str(b, ", ");
            put_type(b, er, depth + 1);
        }
        wb_str(b, ">");
        return;
    }
    case WEFT_TY_TUPLE:
        wb_str(b, "tuple<");
        for (uint32_t i = 0; i < t->count; i++) {
            if (i) wb_str(b, ", ");
            put_type(b, t->fields[i].type, depth + 1);
        }
        wb_str(b, ">");
        return;
    case WEFT_TY_MAP:
        wb_str(b, "map<");
        put_type(b, t->key, depth + 1);
        wb_str(b, ", ");
        put_type(b, t->value, depth + 1);
        wb_str(b, ">");
        return;
    case WEFT_TY_RECORD:
    case WEFT_TY_VARIANT:
        wb_str(b, t->kind == WEFT_TY_RECORD ? "record { " : "variant { ");
        for (uint32_t i = 0; i < t->count; i++) {
            if (i) wb_str(b, ", ");
            wb_name(b, t->fields[i].label);
            if (t->kind == WEFT_TY_RECORD) {
                wb_str(b, ": ");
                put_type(b, t->fields[i].type, depth + 1);
            } else if (t->fields[i].type) {
                wb_str(b, "(");
                put_type(b, t->fields[i].type, depth + 1);
                wb_str(b, ")");
            }
        }
        wb_str(b, " }");
        return;
    case WEFT_TY_ENUM:
    case WEFT_TY_FLAGS:
        wb_str(b, t->kind == WEFT_TY_ENUM ? "enum { " : "flags { ");
        for (uint32_t i = 0; i < t->count; i++) {
            if (i) wb_str(b, ", ");
            wb_name(b, t->kind == WEFT_TY_ENUM ? t->fields[i].label : t->labels[i]);
        }
        wb_str(b, " }");
        return;
    case WEFT_TY_OWN:
    case WEFT_TY_BORROW:
        wb_str(b, t->kind == WEFT_TY_OWN ? "own<" : "borrow<");
        if (t->resource && t->resource->name.len)
            wb_name(b, t->resource->name);
        else
            wb_str(b, "resource");
        wb_str(b, ">");
        return;
    case WEFT_TY_STREAM:
    case WEFT_TY_FUTURE:
        wb_str(b, t->kind == WEFT_TY_STREAM ? "stream" : "future");
        if (t->elem) {
            wb_str(b, "<");
            put_type(b, t->elem, depth + 1);
            wb_str(b, ">");
        }
        return;
    default:
        wb_str(b, weft_ty_kind_name(t->kind));
        return;
    }
}

weft_error_t *weft_wave_print_type(weft_cval_arena_t *arena, const weft_cval_type_t *type,
                                   const char **text, size_t *len)
{
    const weft_alloc_t dflt = {weft__default_alloc, NULL};
    if (!arena || !type)
        return weft__error_new(arena ? &arena->alloc : &dflt, WEFT_ERROR_INVALID_ARG,
                               UINT64_MAX, "weft_wave_print_type: invalid argument");
    wbuf_t b = {&arena->alloc, NULL, 0, 0, false};
    put_type(&b, type, 0);
    return wb_finish(&b, arena, text, len);
}

/* A short description of a type for messages: WIT syntax, but only the kind of a named type. */
static void short_type(wbuf_t *b, const weft_ty_val_t *t)
{
    switch (t->kind) {
    case WEFT_TY_RECORD: wb_str(b, "record"); return;
    case WEFT_TY_VARIANT: wb_str(b, "variant"); return;
    case WEFT_TY_ENUM: wb_str(b, "enum"); return;
    case WEFT_TY_FLAGS: wb_str(b, "flags"); return;
    default: put_type(b, t, 6); return;
    }
}

/* ============================================================================================
 * UTF-8
 * ========================================================================================== */

/* Decodes one scalar value of s[*pos..n): false (and *pos unchanged) if the bytes there are not
 * well-formed UTF-8 (overlong forms, surrogates and values past U+10FFFF are not). */
static bool utf8_next(const char *s, size_t n, size_t *pos, uint32_t *cp)
{
    size_t i = *pos;
    if (i >= n) return false;
    uint8_t c = (uint8_t)s[i];
    uint32_t v;
    size_t k;
    if (c < 0x80) {
        *cp = c;
        *pos = i + 1;
        return true;
    } else if (c >= 0xC2 && c <= 0xDF) {
        v = c & 0x1Fu;
        k = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
        v = c & 0x0Fu;
        k = 2;
    } else if (c >= 0xF0 && c <= 0xF4) {
        v = c & 0x07u;
        k = 3;
    } else {
        return false;
    }
    if (n - i - 1 < k) return false;
    for (size_t j = 1; j <= k; j++) {
        uint8_t d = (uint8_t)s[i + j];
        if ((d & 0xC0) != 0x80) return false;
        v = (v << 6) | (d & 0x3Fu);
    }
    if ((k == 2 && v < 0x800) || (k == 3 && v < 0x10000) || v > 0x10FFFF ||
        (v >= 0xD800 && v <= 0xDFFF))
        return false;
    *cp = v;
    *pos = i + 1 + k;
    return true;
}

static size_t utf8_put(char *o, uint32_t c)
{
    if (c < 0x80) {
        o[0] = (char)c;
        return 1;
    }
    if (c < 0x800) {
        o[0] = (char)(0xC0 | (c >> 6));
        o[1] = (char)(0x80 | (c & 0x3F));
        return 2;
    }
    if (c < 0x10000) {
        o[0] = (char)(0xE0 | (c >> 12));
        o[1] = (char)(0x80 | ((c >> 6) & 0x3F));
        o[2] = (char)(0x80 | (c & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | (c >> 18));
    o[1] = (char)(0x80 | ((c >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((c >> 6) & 0x3F));
    o[3] = (char)(0x80 | (c & 0x3F));
    return 4;
}

static bool is_scalar(uint32_t c) { return c <= 0x10FFFF && (c < 0xD800 || c > 0xDFFF); }

/* ============================================================================================
 * Lexer (README "Encoding": whitespace, comments, keywords, labels, numbers, chars, strings)
 * ========================================================================================== */

typedef enum tok {
    T_EOF = 0,
    T_LBRACE,
    T_RBRACE,
    T_LPAREN,
    T_RPAREN,
    T_LBRACK,
    T_RBRACK,
    T_COLON,
    T_COMMA,
    T_NUMBER, /* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)? or -inf */
    T_LABEL,  /* %?label, keywords included */
    T_CHAR,
    T_STRING,
    T_MLSTRING,
} tok_t;

typedef struct wparser {
    weft_cval_arena_t *ar;
    const char *s;
    size_t n;
    size_t pos;           /* lexer position */
    tok_t tk;             /* current token */
    size_t ts, te;        /* its bytes */
    bool pct;             /* a label written with `%` */
    weft_error_t *err;
    /* the place being parsed, for messages: "argument 2", "field `x` of record" */
    const char *ctx;
} wparser_t;

/* The character offset (Unicode scalars, counting each malformed byte as one) of byte `at`. */
static size_t char_offset(const char *s, size_t at)
{
    size_t c = 0;
    for (size_t i = 0; i < at; i++)
        if (((uint8_t)s[i] & 0xC0) != 0x80) c++;
    return c;
}

static bool fail(wparser_t *p, size_t at, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
static bool fail(wparser_t *p, size_t at, const char *fmt, ...)
{
    if (p->err) return false;
    char msg[384];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    p->err = weft__error_new(&p->ar->alloc, WEFT_ERROR_INVALID_ARG, at,
                             "%s%s%s (at character %zu)", p->ctx ? p->ctx : "",
                             p->ctx ? ": " : "", msg, char_offset(p->s, at));
    return false;
}

static bool oom(wparser_t *p)
{
    if (!p->err) p->err = weft__error_new(&p->ar->alloc, WEFT_ERROR_OOM, UINT64_MAX, "out of memory");
    return false;
}

/* A printable excerpt of the current token for messages. */
static void tok_desc(const wparser_t *p, char *out, size_t cap)
{
    if (p->tk == T_EOF) {
        snprintf(out, cap, "end of input");
        return;
    }
    size_t n = p->te - p->ts;
    if (n > 24) {
        /* Cut on a character boundary. */
        n = 24;
        while (n > 0 && ((uint8_t)p->s[p->ts + n] & 0xC0) == 0x80) n--;
        snprintf(out, cap, "`%.*s...`", (int)n, p->s + p->ts);
    } else {
        snprintf(out, cap, "`%.*s`", (int)n, p->s + p->ts);
    }
}

static bool is_label_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
}
static bool is_digit(char c) { return c >= '0' && c <= '9'; }
static bool is_lower(char c) { return c >= 'a' && c <= 'z'; }
static bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }

/* WIT identifier syntax: words separated by single `-`; a word is all lowercase-or-digits or
 * all uppercase-or-digits; the first word starts with a letter. */
static bool valid_label(const char *s, size_t n)
{
    size_t i = 0;
    bool first = true;
    while (i < n) {
        size_t w = i;
        bool lo = false, up = false;
        while (i < n && s[i] != '-') {
            if (is_lower(s[i])) lo = true;
            else if (is_upper(s[i])) up = true;
            else if (!is_digit(s[i])) return false;
            i++;
        }
        if (i == w || (lo && up)) return false;
        if (first && is_digit(s[w])) return false;
        first = false;
        if (i < n) {
            i++; /* '-' */
            if (i == n) return false;
        }
    }
    return n > 0;
}

/* Scans a char escape at s[i] (just after the backslash); returns its value or -1. *end gets
 * the position after it. */
static int64_t scan_escape(wparser_t *p, size_t i, size_t *end)
{
    if (i >= p->n) return -1;
    char c = p->s[i];
    *end = i + 1;
    switch (c) {
    case '\'': return '\'';
    case '"': return '"';
    case '\\': return '\\';
    case 't': return '\t';
    case 'n': return '\n';
    case 'r': return '\r';
    case 'u': {
        if (i + 1 >= p->n || p->s[i + 1] != '{') {
            fail(p, i - 1, "expected `{` after `\\u`");
            return -2;
        }
        size_t j = i + 2;
        uint32_t v = 0;
        size_t nd = 0;
        while (j < p->n && p->s[j] != '}') {
            char h = p->s[j];
            uint32_t d;
            if (is_digit(h)) d = (uint32_t)(h - '0');
            else if (h >= 'a' && h <= 'f') d = (uint32_t)(h - 'a' + 10);
            else if (h >= 'A' && h <= 'F') d = (uint32_t)(h - 'A' + 10);
            else {
                fail(p, j, "invalid hexadecimal digit in `\\u{...}` escape");
                return -2;
            }
            if (++nd > 6) {
                fail(p, i - 1, "more than 6 digits in `\\u{...}` escape");
                return -2;
            }
            v = v * 16 + d;
            j++;
        }
        if (j >= p->n) {
            fail(p, i - 1, "unterminated `\\u{...}` escape");
            return -2;
        }
        if (nd == 0) {
            fail(p, i - 1, "empty `\\u{}` escape");
            return -2;
        }
        if (!is_scalar(v)) {
            fail(p, i - 1, "`\\u{%" PRIX32 "}` is not a Unicode scalar value%s", v,
                 v >= 0xD800 && v <= 0xDFFF ? " (a surrogate)" : "");
            return -2;
        }
        *end = j + 1;
        return v;
    }
    default:
        fail(p, i - 1, "unknown escape `\\%c`", c >= 0x20 && c < 0x7f ? c : '?');
        return -2;
    }
}

/* Checks one single-line char or string body element at *i: an escape or a scalar. Returns
 * the scalar (>= 0), -1 at the closing quote `q`, or -2 on error. */
static int64_t body_elem(wparser_t *p, size_t *i, char q, size_t open)
{
    if (*i >= p->n) {
        fail(p, open, "unterminated %s", q == '"' ? "string" : "char");
        return -2;
    }
    char c = p->s[*i];
    if (c == q) return -1;
    if (c == '\n') {
        fail(p, *i, "line break in a %s (write `\\n`)", q == '"' ? "string" : "char");
        return -2;
    }
    if (c == '\\') {
        size_t end;
        int64_t v = scan_escape(p, *i + 1, &end);
        if (v == -1) {
            fail(p, open, "unterminated %s", q == '"' ? "string" : "char");
            return -2;
        }
        if (v < 0) return -2;
        *i = end;
        return v;
    }
    uint32_t cp;
    if (!utf8_next(p->s, p->n, i, &cp)) {
        fail(p, *i, "invalid UTF-8");
        return -2;
    }
    return cp;
}

static bool lex_multiline(wparser_t *p, size_t start)
{
    size_t i = start + 3;
    if (i < p->n && p->s[i] == '\n') i++;
    else if (i + 1 < p->n && p->s[i] == '\r' && p->s[i + 1] == '\n') i += 2;
    else return fail(p, start, "a multiline string must start with `\"\"\"` and a line break");
    for (; i + 2 < p->n; i++) {
        if (p->s[i] == '"' && p->s[i + 1] == '"' && p->s[i + 2] == '"') {
            p->te = i + 3;
            p->tk = T_MLSTRING;
            return true;
        }
    }
    return fail(p, start, "unterminated multiline string");
}

/* Reads the next token into p->tk / ts / te. */
static bool next(wparser_t *p)
{
    for (;;) {
        while (p->pos < p->n && (p->s[p->pos] == ' ' || p->s[p->pos] == '\t' ||
                                 p->s[p->pos] == '\n' || p->s[p->pos] == '\r'))
            p->pos++;
        if (p->pos + 1 < p->n && p->s[p->pos] == '/' && p->s[p->pos + 1] == '/') {
            while (p->pos < p->n && p->s[p->pos] != '\n') p->pos++;
            continue;
        }
        break;
    }
    size_t i = p->pos;
    p->ts = i;
    p->pct = false;
    if (i >= p->n) {
        p->tk = T_EOF;
        p->te = i;
        return true;
    }
    char c = p->s[i];
    static const char punct[] = "{}()[]:,";
    const char *pc = strchr(punct, c);
    if (pc && c) {
        static const tok_t kinds[] = {T_LBRACE, T_RBRACE, T_LPAREN, T_RPAREN,
                                      T_LBRACK, T_RBRACK, T_COLON,  T_COMMA};
        p->tk = kinds[pc - punct];
        p->te = p->pos = i + 1;
        return true;
    }
    if (c == '-' || is_digit(c)) {
        size_t j = i;
        if (c == '-') j++;
        if (j + 3 <= p->n && !memcmp(p->s + j, "inf", 3) && c == '-' &&
            (j + 3 == p->n || !is_label_char(p->s[j + 3]))) {
            p->tk = T_NUMBER;
            p->te = p->pos = j + 3;
            return true;
        }
        if (j >= p->n || !is_digit(p->s[j])) return fail(p, i, "expected a digit after `-`");
        if (p->s[j] == '0') {
            j++;
        } else {
            while (j < p->n && is_digit(p->s[j])) j++;
        }
        if (j < p->n && p->s[j] == '.') {
            j++;
            if (j >= p->n || !is_digit(p->s[j]))
                return fail(p, j, "expected a digit after `.` in a number");
            while (j < p->n && is_digit(p->s[j])) j++;
        }
        if (j < p->n && (p->s[j] == 'e' || p->s[j] == 'E')) {
            j++;
            if (j < p->n && (p->s[j] == '+' || p->s[j] == '-')) j++;
            if (j >= p->n || !is_digit(p->s[j]))
                return fail(p, j, "expected a digit in the exponent of a number");
            while (j < p->n && is_digit(p->s[j])) j++;
        }
        if (j < p->n && (is_label_char(p->s[j]) || p->s[j] == '.'))
            return fail(p, i, "malformed number");
        p->tk = T_NUMBER;
        p->te = p->pos = j;
        return true;
    }
    if (c == '%' || is_lower(c) || is_upper(c)) {
        size_t j = i + (c == '%');
        size_t w = j;
        while (j < p->n && is_label_char(p->s[j])) j++;
        if (!valid_label(p->s + w, j - w)) {
            p->te = j;
            return fail(p, i, "invalid label `%.*s` (labels are kebab-case words)",
                        (int)(j - i > 40 ? 40 : j - i), p->s + i);
        }
        p->tk = T_LABEL;
        p->pct = c == '%';
        p->te = p->pos = j;
        return true;
    }
    if (c == '\'') {
        size_t j = i + 1;
        int64_t v = body_elem(p, &j, '\'', i);
        if (v == -2) return false;
        if (v == -1) return fail(p, i, "empty char literal");
        if (j >= p->n || p->s[j] != '\'')
            return fail(p, i, "a char literal holds exactly one character");
        p->tk = T_CHAR;
        p->te = p->pos = j + 1;
        return true;
    }
    if (c == '"') {
        if (i + 2 < p->n && p->s[i + 1] == '"' && p->s[i + 2] == '"') {
            if (!lex_multiline(p, i)) return false;
            p->pos = p->te;
            return true;
        }
        size_t j = i + 1;
        for (;;) {
            int64_t v = body_elem(p, &j, '"', i);
            if (v == -2) return false;
            if (v == -1) break;
        }
        p->tk = T_STRING;
        p->te = p->pos = j + 1;
        return true;
    }
    uint32_t cp = '?';
    size_t k = i;
    if (utf8_next(p->s, p->n, &k, &cp))
        return fail(p, i, "unexpected character U+%04" PRIX32, cp);
    return fail(p, i, "invalid UTF-8");
}

static bool tok_is(const wparser_t *p, const char *kw)
{
    size_t n = strlen(kw);
    return p->tk == T_LABEL && !p->pct && p->te - p->ts == n && !memcmp(p->s + p->ts, kw, n);
}

static bool expect(wparser_t *p, tok_t k, const char *what)
{
    if (p->tk != k) {
        char d[64];
        tok_desc(p, d, sizeof d);
        return fail(p, p->ts, "expected %s, found %s", what, d);
    }
    return next(p);
}

/* The label text of the current token (without `%`). */
static weft_name_t tok_label(const wparser_t *p)
{
    weft_name_t n;
    n.ptr = p->s + p->ts + (p->pct ? 1 : 0);
    n.len = (uint32_t)(p->te - p->ts - (p->pct ? 1 : 0));
    return n;
}

static bool name_eq(weft_name_t a, weft_name_t b)
{
    return a.len == b.len && (a.len == 0 || !memcmp(a.ptr, b.ptr, a.len));
}

static bool is_keyword(weft_name_t n)
{
    static const char *const kws[] = {"true", "false", "some", "none", "ok", "err", "inf", "nan"};
    for (size_t i = 0; i < sizeof kws / sizeof kws[0]; i++)
        if (n.len == strlen(kws[i]) && !memcmp(n.ptr, kws[i], n.len)) return true;
    return false;
}

/* ============================================================================================
 * Decoding literals
 * ========================================================================================== */

/* Decodes the body of a single-line string or char token into the arena. */
static bool decode_quoted(wparser_t *p, char **out, size_t *outlen)
{
    size_t cap = p->te - p->ts;
    char *buf = weft__cval_alloc(p->ar, cap + 1);
    if (!buf) return oom(p);
    size_t n = 0, i = p->ts + 1;
    char q = p->s[p->ts];
    for (;;) {
        int64_t v = body_elem(p, &i, q, p->ts);
        if (v == -2) return false;
        if (v == -1) break;
        n += utf8_put(buf + n, (uint32_t)v);
    }
    buf[n] = 0;
    *out = buf;
    *outlen = n;
    return true;
}

/* README "Multiline Strings": the indent is the run of spaces before the closing `"""`; every
 * other line loses that many leading spaces; line breaks between lines become `\n`. */
static bool decode_multiline(wparser_t *p, char **out, size_t *outlen)
{
    size_t b = p->ts + 3;
    b += p->s[b] == '\r' ? 2 : 1; /* the opening line break */
    size_t close = p->te - 3;
    size_t k = close;
    while (k > b && p->s[k - 1] == ' ') k--;
    size_t indent = close - k;
    size_t body_end; /* the final line break */
    if (k > b && p->s[k - 1] == '\n') {
        body_end = k - 1;
        if (body_end > b && p->s[body_end - 1] == '\r') body_end--;
    } else if (k == b) {
        body_end = b; /* an empty string: `"""` NL spaces `"""` */
    } else {
        return fail(p, close, "the closing `\"\"\"` of a multiline string must be on its own line");
    }
    char *buf = weft__cval_alloc(p->ar, p->te - p->ts + 1);
    if (!buf) return oom(p);
    size_t n = 0, i = b;
    bool line_start = true;
    while (i < body_end) {
        if (line_start) {
            size_t sp = 0;
            while (sp < indent && i + sp < body_end && p->s[i + sp] == ' ') sp++;
            bool blank = i + sp >= body_end || p->s[i + sp] == '\n' ||
                         (p->s[i + sp] == '\r' && i + sp + 1 < p->n && p->s[i + sp + 1] == '\n');
            if (sp < indent && !blank)
                return fail(p, i, "a line of a multiline string is indented less than its "
                                  "closing `\"\"\"`");
            i += sp;
            line_start = false;
            continue;
        }
        char c = p->s[i];
        if (c == '\n' || (c == '\r' && i + 1 < body_end && p->s[i + 1] == '\n')) {
            i += c == '\r' ? 2 : 1;
            buf[n++] = '\n';
            line_start = true;
            continue;
        }
        if (c == '\\') {
            size_t end;
            int64_t v = scan_escape(p, i + 1, &end);
            if (v < 0) return v == -1 ? fail(p, i, "unterminated escape") : false;
            n += utf8_put(buf + n, (uint32_t)v);
            i = end;
            continue;
        }
        uint32_t cp;
        if (!utf8_next(p->s, body_end, &i, &cp)) return fail(p, i, "invalid UTF-8");
        n += utf8_put(buf + n, cp);
    }
    buf[n] = 0;
    *out = buf;
    *outlen = n;
    return true;
}

/* An integer token: magnitude and sign; false if it has a fraction or exponent. */
static bool int_token(wparser_t *p, bool *neg, uint64_t *mag, bool *overflow)
{
    const char *s = p->s + p->ts;
    size_t n = p->te - p->ts, i = 0;
    *neg = false;
    *overflow = false;
    *mag = 0;
    if (s[0] == '-') {
        *neg = true;
        i = 1;
    }
    if (i >= n || !is_digit(s[i])) return false;
    for (; i < n; i++) {
        if (!is_digit(s[i])) return false;
        uint64_t d = (uint64_t)(s[i] - '0');
        if (*mag > (UINT64_MAX - d) / 10) *overflow = true;
        else *mag = *mag * 10 + d;
    }
    return true;
}

static bool parse_int(wparser_t *p, const weft_ty_val_t *t, weft_cval_t *out)
{
    static const struct {
        uint8_t kind;
        bool is_signed;
        uint64_t max;
    } lim[] = {{WEFT_TY_S8, true, 0x7F},          {WEFT_TY_U8, false, 0xFF},
               {WEFT_TY_S16, true, 0x7FFF},       {WEFT_TY_U16, false, 0xFFFF},
               {WEFT_TY_S32, true, 0x7FFFFFFF},   {WEFT_TY_U32, false, 0xFFFFFFFF},
               {WEFT_TY_S64, true, INT64_MAX},    {WEFT_TY_U64, false, UINT64_MAX}};
    size_t k = 0;
    while (lim[k].kind != t->kind) k++;
    const char *name = weft_ty_kind_name(t->kind);
    bool neg, ovf;
    uint64_t mag;
    char d[64];
    if (p->tk != T_NUMBER || !int_token(p, &neg, &mag, &ovf)) {
        tok_desc(p, d, sizeof d);
        return fail(p, p->ts, "expected %s value (a base-10 integer), found %s", name, d);
    }
    if (neg && !lim[k].is_signed) {
        tok_desc(p, d, sizeof d);
        return fail(p, p->ts, "%s out of range for %s", d, name);
    }
    /* A negative magnitude may reach max + 1. */
    if (ovf || mag > lim[k].max + (neg ? 1u : 0u)) {
        tok_desc(p, d, sizeof d);
        return fail(p, p->ts, "%s out of range for %s", d, name);
    }
    out->kind = t->kind;
    if (lim[k].is_signed) {
        out->u.s = neg ? (mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)mag)
                       : (int64_t)mag;
    } else {
        out->u.u = mag;
    }
    return next(p);
}

static bool parse_float(wparser_t *p, const weft_ty_val_t *t, weft_cval_t *out)
{
    bool f32 = t->kind == WEFT_TY_F32;
    out->kind = t->kind;
    double d = 0;
    float f = 0;
    if (tok_is(p, "nan")) {
        if (f32) out->u.f32 = 0x7FC00000u;
        else out->u.f64 = 0x7FF8000000000000ull;
        return next(p);
    }
    if (tok_is(p, "inf") || (p->tk == T_NUMBER && p->te - p->ts == 4 &&
                             !memcmp(p->s + p->ts, "-inf", 4))) {
        bool neg = p->s[p->ts] == '-';
        d = neg ? -HUGE_VAL : HUGE_VAL;
        f = neg ? -HUGE_VALF : HUGE_VALF;
    } else if (p->tk == T_NUMBER) {
        size_t n = p->te - p->ts;
        char small[128];
        char *buf = small;
        if (n >= sizeof small) {
            buf = weft__cval_alloc(p->ar, n + 1);
            if (!buf) return oom(p);
        }
        memcpy(buf, p->s + p->ts, n);
        buf[n] = 0;
        /* The token grammar is a subset of strtod's; overflow gives an infinity, as in the
         * reference implementation (Rust's float parsing). */
        if (f32) f = strtof(buf, NULL);
        else d = strtod(buf, NULL);
    } else {
        char dd[64];
        tok_desc(p, dd, sizeof dd);
        return fail(p, p->ts, "expected %s value (a number, `nan`, `inf` or `-inf`), found %s",
                    f32 ? "f32" : "f64", dd);
    }
    if (f32) memcpy(&out->u.f32, &f, 4);
    else memcpy(&out->u.f64, &d, 8);
    return next(p);
}

/* ============================================================================================
 * Type-directed parsing
 * ========================================================================================== */

static bool parse_val(wparser_t *p, const weft_ty_val_t *t, weft_cval_t *out);

/* A growable array of value nodes (engine allocator), copied into the arena when complete. */
typedef struct nodes {
    weft_cval_t *v;
    size_t n, cap;
} nodes_t;

static weft_cval_t *nodes_push(wparser_t *p, nodes_t *ns)
{
    if (ns->n == ns->cap) {
        size_t cap = ns->cap;
        void *q = ns->v;
        if (weft__grow(&p->ar->alloc, &q, &cap, ns->n + 1, sizeof(weft_cval_t)) != 0) {
            oom(p);
            return NULL;
        }
        ns->v = q;
        ns->cap = cap;
    }
    weft_cval_t *v = &ns->v[ns->n++];
    memset(v, 0, sizeof *v);
    return v;
}

static void nodes_free(wparser_t *p, nodes_t *ns)
{
    weft__free(&p->ar->alloc, ns->v, ns->cap * sizeof(weft_cval_t));
    ns->v = NULL;
    ns->n = ns->cap = 0;
}

/* `[` v, v, ... `]` (trailing comma allowed) into the arena. */
static bool parse_seq(wparser_t *p, const weft_ty_val_t *elem, weft_cval_t *out, uint32_t kind,
                      tok_t open, tok_t close, const char *what)
{
    char d[64];
    if (p->tk != open) {
        tok_desc(p, d, sizeof d);
        return fail(p, p->ts, "expected %s, found %s", what, d);
    }
    if (!next(p)) return false;
    nodes_t ns = {NULL, 0, 0};
    bool ok = true;
    while (ok && p->tk != close) {
        if (ns.n >= UINT32_MAX) {
            ok = fail(p, p->ts, "too many elements");
            break;
        }
        weft_cval_t *v = nodes_push(p, &ns);
        if (!v) {
            ok = false;
            break;
        }
        /* Elements nest by reference into a stable copy below, so parse into a local. */
        weft_cval_t tmp;
        memset(&tmp, 0, sizeof tmp);
        ok = parse_val(p, elem, &tmp);
        if (!ok) break;
        ns.v[ns.n - 1] = tmp;
        if (p->tk == T_COMMA) {
            ok = next(p);
        } else if (p->tk != close) {
            tok_desc(p, d, sizeof d);
            ok = fail(p, p->ts, "expected `,` or `%c` in %s, found %s",
                      close == T_RBRACK ? ']' : ')', what, d);
        }
    }
    if (ok) {
        weft_cval_t *items = weft__cval_nodes(p->ar, ns.n);
        if (!items) ok = oom(p);
        else {
            if (ns.n) memcpy(items, ns.v, ns.n * sizeof *items);
            out->kind = (uint8_t)kind;
            out->u.agg.len = (uint32_t)ns.n;
            out->u.agg.items = items;
        }
    }
    nodes_free(p, &ns);
    return ok && next(p);
}

/* Parses `( payload )` of a case into a fresh arena node. */
static bool parse_payload(wparser_t *p, const weft_ty_val_t *t, weft_cval_t **payload,
                          const char *label)
{
    char d[64];
    if (p->tk != T_LPAREN) {
        tok_desc(p, d, sizeof d);
        return fail(p, p->ts, "expected `(` and the payload of `%s`, found %s", label, d);
    }
    if (!next(p)) return false;
    weft_cval_t *v = weft__cval_nodes(p->ar, 1);
    if (!v) return oom(p);
    if (!parse_val(p, t, v)) return false;
    *payload = v;
    return expect(p, T_RPAREN, "`)` after the payload");
}

/* A case label (variant, enum, option, result) and its payload. */
static bool parse_case(wparser_t *p, const weft_ty_val_t *t, weft_cval_t *out)
{
    char d[64];
    const char *kind = t->kind == WEFT_TY_ENUM ? "enum" : "variant";
    if (p->tk != T_LABEL) {
        tok_desc(p, d, sizeof d);
        return fail(p, p->ts, "expected %s case, found %s", kind, d);
    }
    weft_name_t l = tok_label(p);
    if (!p->pct && is_keyword(l))
        return fail(p, p->ts, "the %s case `%.*s` is a keyword: write `%%%.*s`", kind,
                    (int)l.len, l.ptr, (int)l.len, l.ptr);
    uint32_t i = 0;
    while (i < t->count && !name_eq(t->fields[i].label, l)) i++;
    if (i == t->count) return fail(p, p->ts, "unknown %s case `%.*s`", kind, (int)l.len, l.ptr);
    out->kind = t->kind;
    out->u.var.index = i;
    out->u.var.payload = NULL;
    if (!next(p)) return false;
    if (t->fields[i].type) {
        char lab[80];
        snprintf(lab, sizeof lab, "%.*s", (int)(l.len > 60 ? 60 : l.len), l.ptr);
        return parse_payload(p, t->fields[i].type, &out->u.var.payload, lab);
    }
    if (p->tk == T_LPAREN) return fail(p, p->ts, "the case `%.*s` has no payload", (int)l.len, l.ptr);
    return true;
}

/* README "Options" / "Results": a `some`/`ok` payload may be written flat unless it is itself an
 * option or result. */
static bool flat_ok(const weft_ty_val_t *t)
{
    return t && t->kind != WEFT_TY_OPTION && t->kind != WEFT_TY_RESULT;
}

static bool parse_option(wparser_t *p, const weft_ty_val_t *t, weft_cval_t *out)
{
    out->kind = WEFT_TY_OPTION;
    out->u.var.payload = NULL;
    if (tok_is(p, "none")) {
        out->u.var.index = 0;
        return next(p);
    }
    if (tok_is(p, "some")) {
        out->u.var.index = 1;
        if (!next(p)) return false;
        return parse_payload(p, t->elem, &out->u.var.payload, "some");
    }
    if (!flat_ok(t->elem)) {
        char d[64];
        tok_desc(p, d, sizeof d);
        return fail(p, p->ts, "expected `some(...)` or `none`, found %s", d);
    }
    weft_cval_t *v = weft__cval_nodes(p->ar, 1);
    if (!v) return oom(p);
    out->u.var.index = 1;
    out->u.var.payload = v;
    return parse_val(p, t->elem, v);
}

static bool parse_result(wparser_t *p, const weft_ty_val_t *t, weft_cval_t *out)
{
    out->kind = WEFT_TY_RESULT;
    out->u.var.payload = NULL;
    bool is_ok = tok_is(p, "ok"), is_err = tok_is(p, "err");
    if (is_ok || is_err) {
        uint32_t i = is_err ? 1 : 0;
        out->u.var.index = i;
        if (!next(p)) return false;
        if (t->fields[i].type)
            return parse_payload(p, t->fields[i].type, &out->u.var.payload, is_ok ? "ok" : "err");
        if (p->tk == T_LPAREN)
            return fail(p, p->ts, "this result's `%s` has no payload", is_ok ? "ok" : "err");
        return true;
    }
    if (!flat_ok(t->fields[0].type)) {
        char d[64];
        tok_desc(p, d, sizeof d);
        return fail(p, p->ts, "expected `ok%s` or `err%s`, found %s",
                    t->fields[0].type ? "(...)" : "", t->fields[1].type ? "(...)" : "", d);
    }
    weft_cval_t *v = weft__cval_nodes(p->ar, 1);
    if (!v) return oom(p);
    out->u.var.index = 0;
    out->u.var.payload = v;
    return parse_val(p, t->fields[0].type, v);
}

/* README "Records": `{a: 1, b: 2}` in any order; option fields may be left out (`{:}` when all
 * are). */
static bool parse_record(wparser_t *p, const weft_ty_val_t *t, weft_cval_t *out)
{
    char d[64];
    if (!expect(p, T_LBRACE, "`{` (a record)")) return false;
    weft_cval_t *items = weft__cval_nodes(p->ar, t->count);
    /* one "seen" flag per field */
    bool *seen = weft__cval_alloc(p->ar, t->count ? t->count : 1);
    if (!items || !seen) return oom(p);
    if (p->tk == T_COLON) {
        if (!next(p)) return false;
        if (p->tk != T_RBRACE) {
            tok_desc(p, d, sizeof d);
            return fail(p, p->ts, "expected `}` after `{:`, found %s", d);
        }
    }
    while (p->tk != T_RBRACE) {
        if (p->tk != T_LABEL) {
            tok_desc(p, d, sizeof d);
            return fail(p, p->ts, "expected a field name or `}` in a record, found %s", d);
        }
        weft_name_t l = tok_label(p);
        size_t at = p->ts;
        uint32_t i = 0;
        while (i < t->count && !name_eq(t->fields[i].label, l)) i++;
        if (i == t->count) return fail(p, at, "unknown record field `%.*s`", (int)l.len, l.ptr);
        if (seen[i]) return fail(p, at, "field `%.*s` given twice", (int)l.len, l.ptr);
        seen[i] = true;
        if (!next(p) || !expect(p, T_COLON, "`:` after the field name")) return false;
        if (!parse_val(p, t->fields[i].type, &items[i])) return false;
        if (p->tk == T_COMMA) {
            if (!next(p)) return false;
        } else if (p->tk != T_RBRACE) {
            tok_desc(p, d, sizeof d);
            return fail(p, p->ts, "expected `,` or `}` in a record, found %s", d);
        }
    }
    for (uint32_t i = 0; i < t->count; i++) {
        if (seen[i]) continue;
        if (t->fields[i].type->kind != WEFT_TY_OPTION)
            return fail(p, p->ts, "missing record field `%.*s`", (int)t->fields[i].label.len,
                        t->fields[i].label.ptr);
        items[i].kind = WEFT_TY_OPTION;
        items[i].u.var.index = 0;
    }
    out->kind = t->kind;
    out->u.agg.len = t->count;
    out->u.agg.items = items;
    return next(p);
}

static bool parse_flags(wparser_t *p, const weft_ty_val_t *t, weft_cval_t *out)
{
    char d[64];
    if (!expect(p, T_LBRACE, "`{` (flags)")) return false;
    uint32_t bits = 0;
    while (p->tk != T_RBRACE) {
        if (p->tk != T_LABEL) {
            tok_desc(p, d, sizeof d);
            return fail(p, p->ts, "expected a flag name or `}`, found %s", d);
        }
        weft_name_t l = tok_label(p);
        uint32_t i = 0;
        while (i < t->count && !name_eq(t->labels[i], l)) i++;
        if (i == t->count) return fail(p, p->ts, "unknown flag `%.*s`", (int)l.len, l.ptr);
        if (bits & (1u << i)) return fail(p, p->ts, "flag `%.*s` given twice", (int)l.len, l.ptr);
        bits |= 1u << i;
        if (!next(p)) return false;
        if (p->tk == T_COMMA) {
            if (!next(p)) return false;
        } else if (p->tk != T_RBRACE) {
            tok_desc(p, d, sizeof d);
            return fail(p, p->ts, "expected `,` or `}` in flags, found %s", d);
        }
    }
    out->kind = WEFT_TY_FLAGS;
    out->u.flags = bits;
    return next(p);
}

/* `own(N)`, `borrow(N)`, `stream(N)`, `future(N)`, `error-context(N)`: a u32 in parentheses. */
static bool parse_handle(wparser_t *p, const weft_ty_val_t *t, weft_cval_t *out)
{
    const char *kw = t->kind == WEFT_TY_OWN      ? "own"
                     : t->kind == WEFT_TY_BORROW ? "borrow"
                     : t->kind == WEFT_TY_STREAM ? "stream"
                     : t->kind == WEFT_TY_FUTURE ? "future"
                                                 : "error-context";
    char d[64];
    if (!tok_is(p, kw)) {
        tok_desc(p, d, sizeof d);
        return fail(p, p->ts, "expected `%s(N)`, found %s", kw, d);
    }
    if (!next(p) || !expect(p, T_LPAREN, "`(`")) return false;
    bool neg, ovf;
    uint64_t mag;
    if (p->tk != T_NUMBER || !int_token(p, &neg, &mag, &ovf) || neg || ovf || mag > UINT32_MAX) {
        tok_desc(p, d, sizeof d);
        return fail(p, p->ts, "expected a u32 handle value, found %s", d);
    }
    out->kind = t->kind;
    if (t->kind == WEFT_TY_OWN || t->kind == WEFT_TY_BORROW) out->u.rep = (uint32_t)mag;
    else out->u.handle = (uint32_t)mag;
    return next(p) && expect(p, T_RPAREN, "`)`");
}

static bool parse_val(wparser_t *p, const weft_ty_val_t *t, weft_cval_t *out)
{
    char d[64];
    memset(out, 0, sizeof *out);
    switch (t->kind) {
    case WEFT_TY_BOOL:
        if (tok_is(p, "true") || tok_is(p, "false")) {
            out->kind = WEFT_TY_BOOL;
            out->u.b = p->s[p->ts] == 't';
            return next(p);
        }
        tok_desc(p, d, sizeof d);
        return fail(p, p->ts, "expected bool value (`true` or `false`), found %s", d);
    case WEFT_TY_S8: case WEFT_TY_U8: case WEFT_TY_S16: case WEFT_TY_U16:
    case WEFT_TY_S32: case WEFT_TY_U32: case WEFT_TY_S64: case WEFT_TY_U64:
        return parse_int(p, t, out);
    case WEFT_TY_F32:
    case WEFT_TY_F64:
        return parse_float(p, t, out);
    case WEFT_TY_CHAR: {
        if (p->tk != T_CHAR) {
            tok_desc(p, d, sizeof d);
            return fail(p, p->ts, "expected char value (`'c'`), found %s", d);
        }
        char *s = NULL;
        size_t n = 0, k = 0;
        if (!decode_quoted(p, &s, &n)) return false;
        uint32_t cp = 0;
        utf8_next(s, n, &k, &cp);
        out->kind = WEFT_TY_CHAR;
        out->u.ch = cp;
        return next(p);
    }
    case WEFT_TY_STRING: {
        char *s = NULL;
        size_t n = 0;
        if (p->tk == T_STRING) {
            if (!decode_quoted(p, &s, &n)) return false;
        } else if (p->tk == T_MLSTRING) {
            if (!decode_multiline(p, &s, &n)) return false;
        } else {
            tok_desc(p, d, sizeof d);
            return fail(p, p->ts, "expected string value (`\"...\"`), found %s", d);
        }
        if (n > UINT32_MAX) return fail(p, p->ts, "string too long");
        out->kind = WEFT_TY_STRING;
        out->u.str.bytes = (const uint8_t *)s;
        out->u.str.tagged_code_units = (uint32_t)n;
        out->u.str.encoding = WEFT_STRENC_UTF8;
        return next(p);
    }
    case WEFT_TY_LIST:
        return parse_seq(p, t->elem, out, WEFT_TY_LIST, T_LBRACK, T_RBRACK, "`[` (a list)");
    case WEFT_TY_MAP:
        return parse_seq(p, t->elem, out, WEFT_TY_MAP, T_LBRACK, T_RBRACK,
                         "`[` (a map: a list of (key, value) tuples)");
    case WEFT_TY_FIXED_LIST: {
        size_t at = p->ts;
        if (!parse_seq(p, t->elem, out, WEFT_TY_FIXED_LIST, T_LBRACK, T_RBRACK, "`[` (a list)"))
            return false;
        if (out->u.agg.len != t->len)
            return fail(p, at, "expected a list of exactly %" PRIu32 " elements, found %" PRIu32,
                        t->len, out->u.agg.len);
        return true;
    }
    case WEFT_TY_TUPLE: {
        if (!expect(p, T_LPAREN, "`(` (a tuple)")) return false;
        weft_cval_t *items = weft__cval_nodes(p->ar, t->count);
        if (!items) return oom(p);
        for (uint32_t i = 0; i < t->count; i++) {
            if (p->tk == T_RPAREN)
                return fail(p, p->ts, "expected %" PRIu32 " tuple elements, found %" PRIu32,
                            t->count, i);
            if (!parse_val(p, t->fields[i].type, &items[i])) return false;
            if (p->tk == T_COMMA) {
                if (!next(p)) return false;
            } else if (p->tk != T_RPAREN) {
                tok_desc(p, d, sizeof d);
                return fail(p, p->ts, "expected `,` or `)` in a tuple, found %s", d);
            }
        }
        if (p->tk != T_RPAREN) {
            tok_desc(p, d, sizeof d);
            return fail(p, p->ts, "expected `)` after %" PRIu32 " tuple elements, found %s",
                        t->count, d);
        }
        out->kind = WEFT_TY_TUPLE;
        out->u.agg.len = t->count;
        out->u.agg.items = items;
        return next(p);
    }
    case WEFT_TY_RECORD:
        return parse_record(p, t, out);
    case WEFT_TY_VARIANT:
    case WEFT_TY_ENUM:
        return parse_case(p, t, out);
    case WEFT_TY_OPTION:
        return parse_option(p, t, out);
    case WEFT_TY_RESULT:
        return parse_result(p, t, out);
    case WEFT_TY_FLAGS:
        return parse_flags(p, t, out);
    case WEFT_TY_OWN: case WEFT_TY_BORROW: case WEFT_TY_STREAM: case WEFT_TY_FUTURE:
    case WEFT_TY_ERROR_CONTEXT:
        return parse_handle(p, t, out);
    default:
        return fail(p, p->ts, "unsupported value type");
    }
}

static void parser_init(wparser_t *p, weft_cval_arena_t *ar, const char *text, size_t len)
{
    memset(p, 0, sizeof *p);
    p->ar = ar;
    p->s = text ? text : "";
    p->n = text ? len : 0;
}

weft_error_t *weft_wave_parse(weft_cval_arena_t *arena, const weft_cval_type_t *type,
                              const char *text, size_t len, weft_cval_t *out)
{
    const weft_alloc_t dflt = {weft__default_alloc, NULL};
    if (!arena || !type || !out || (!text && len))
        return weft__error_new(arena ? &arena->alloc : &dflt, WEFT_ERROR_INVALID_ARG,
                               UINT64_MAX, "weft_wave_parse: invalid argument");
    wparser_t p;
    parser_init(&p, arena, text, len);
    if (next(&p) && parse_val(&p, type, out) && p.tk != T_EOF) {
        char d[64];
        tok_desc(&p, d, sizeof d);
        fail(&p, p.ts, "unexpected %s after the value", d);
    }
    return p.err;
}

weft_error_t *weft_wave_parse_args(weft_cval_arena_t *arena, const weft_component_func_t *func,
                                   const char *text, size_t len, weft_cval_t *args,
                                   size_t nargs)
{
    const weft_alloc_t dflt = {weft__default_alloc, NULL};
    if (!arena || !func || !func->type || (!text && len) || (nargs && !args))
        return weft__error_new(arena ? &arena->alloc : &dflt, WEFT_ERROR_INVALID_ARG,
                               UINT64_MAX, "weft_wave_parse_args: invalid argument");
    const weft_ty_func_t *ft = func->type;
    if (nargs != ft->nparams)
        return weft__error_new(&arena->alloc, WEFT_ERROR_INVALID_ARG, UINT64_MAX,
                               "weft_wave_parse_args: the function has %" PRIu32
                               " parameters, not %zu",
                               ft->nparams, nargs);
    wparser_t p;
    parser_init(&p, arena, text, len);
    char ctx[96];
    char d[64];
    if (!next(&p) || !expect(&p, T_LPAREN, "`(` and the arguments")) return p.err;
    uint32_t i = 0;
    for (; i < ft->nparams && p.tk != T_RPAREN; i++) {
        snprintf(ctx, sizeof ctx, "argument %" PRIu32 " (`%.*s`)", i + 1,
                 (int)(ft->params[i].name.len > 40 ? 40 : ft->params[i].name.len),
                 ft->params[i].name.ptr);
        p.ctx = ctx;
        if (!parse_val(&p, ft->params[i].type, &args[i])) return p.err;
        p.ctx = NULL;
        if (p.tk == T_COMMA) {
            if (!next(&p)) return p.err;
        } else if (p.tk != T_RPAREN) {
            tok_desc(&p, d, sizeof d);
            fail(&p, p.ts, "expected `,` or `)` after argument %" PRIu32 ", found %s", i + 1, d);
            return p.err;
        }
    }
    if (p.tk != T_RPAREN) {
        tok_desc(&p, d, sizeof d);
        fail(&p, p.ts, "too many arguments: the function takes %" PRIu32 ", found %s",
             ft->nparams, d);
        return p.err;
    }
    /* README appendix "Function arguments": trailing `none` arguments may be left out. */
    for (uint32_t j = i; j < ft->nparams; j++) {
        if (ft->params[j].type->kind != WEFT_TY_OPTION) {
            wbuf_t b = {&arena->alloc, NULL, 0, 0, false};
            short_type(&b, ft->params[j].type);
            fail(&p, p.ts, "missing argument %" PRIu32 " (`%.*s: %s`); the function takes %" PRIu32,
                 j + 1, (int)ft->params[j].name.len, ft->params[j].name.ptr,
                 b.p && !b.oom ? b.p : "?", ft->nparams);
            wb_free(&b);
            return p.err;
        }
        memset(&args[j], 0, sizeof args[j]);
        args[j].kind = WEFT_TY_OPTION;
    }
    if (!next(&p)) return p.err;
    if (p.tk != T_EOF) {
        tok_desc(&p, d, sizeof d);
        fail(&p, p.ts, "unexpected %s after the arguments", d);
    }
    return p.err;
}

/* ============================================================================================
 * Printing
 * ========================================================================================== */

typedef struct wprinter {
    wbuf_t b;
    weft_cval_arena_t *ar;
    weft_error_t *err;
} wprinter_t;

/* README "Chars": `\\`, `'`/`"` and line breaks are escaped, as are tab and carriage return;
 * other control characters are written as `\u{...}`. */
static void put_char(wbuf_t *b, uint32_t c)
{
    switch (c) {
    case '\\': wb_str(b, "\\\\"); return;
    case '\'': wb_str(b, "\\'"); return;
    case '"': wb_str(b, "\\\""); return;
    case '\t': wb_str(b, "\\t"); return;
    case '\n': wb_str(b, "\\n"); return;
    case '\r': wb_str(b, "\\r"); return;
    default: break;
    }
    if (c < 0x20 || (c >= 0x7F && c <= 0x9F)) {
        wb_fmt(b, "\\u{%" PRIx32 "}", c);
        return;
    }
    char o[4];
    wb_put(b, o, utf8_put(o, c));
}

/* Shortest decimal digits that read back to the same value, written without an exponent
 * (as the reference implementation does: Rust's Display for floats). */
static void put_float(wbuf_t *b, double v, bool f32)
{
    if (isnan(v)) {
        wb_str(b, "nan");
        return;
    }
    if (isinf(v)) {
        wb_str(b, v < 0 ? "-inf" : "inf");
        return;
    }
    if (v == 0) {
        wb_str(b, signbit(v) ? "-0" : "0");
        return;
    }
    char e[40];
    int prec;
    for (prec = 1; prec <= 17; prec++) {
        snprintf(e, sizeof e, "%.*e", prec - 1, v);
        if (f32 ? (strtof(e, NULL) == (float)v) : (strtod(e, NULL) == v)) break;
    }
    /* e: [-]D[.DDD]e[+-]XX */
    char digits[24];
    size_t nd = 0;
    const char *q = e;
    bool neg = *q == '-';
    if (neg) q++;
    for (; *q && *q != 'e'; q++)
        if (is_digit(*q) && nd < sizeof digits) digits[nd++] = *q;
    int exp10 = atoi(q + 1);
    while (nd > 1 && digits[nd - 1] == '0') nd--;
    if (neg) wb_str(b, "-");
    /* value = 0.d1d2... * 10^(exp10 + 1) */
    int point = exp10 + 1; /* digits before the decimal point */
    if (point <= 0) {
        wb_str(b, "0.");
        for (int i = 0; i < -point; i++) wb_str(b, "0");
        wb_put(b, digits, nd);
    } else if ((size_t)point >= nd) {
        wb_put(b, digits, nd);
        for (size_t i = nd; i < (size_t)point; i++) wb_str(b, "0");
    } else {
        wb_put(b, digits, (size_t)point);
        wb_str(b, ".");
        wb_put(b, digits + point, nd - (size_t)point);
    }
}

static bool pfail(wprinter_t *w, const char *where, const weft_ty_val_t *t, const weft_cval_t *v)
{
    if (w->err) return false;
    wbuf_t tb = {w->b.a, NULL, 0, 0, false};
    short_type(&tb, t);
    const char *vk = v->kind >= WEFT_TY_BOOL && v->kind <= WEFT_TY_MAP
                         ? weft_ty_kind_name(v->kind)
                         : "an unknown kind";
    w->err = weft__error_new(&w->ar->alloc, WEFT_ERROR_INVALID_ARG, UINT64_MAX,
                             "%s%sexpected %s value, found %s", where ? where : "",
                             where ? ": " : "", tb.p && !tb.oom ? tb.p : "?", vk);
    wb_free(&tb);
    return false;
}

static bool put_val(wprinter_t *w, const weft_ty_val_t *t, const weft_cval_t *v);

static bool put_label(wbuf_t *b, weft_name_t l, bool keyword_prefix)
{
    if (keyword_prefix && is_keyword(l)) wb_str(b, "%");
    wb_name(b, l);
    return true;
}

static bool put_string(wprinter_t *w, const weft_cstring_t *s)
{
    wb_str(&w->b, "\"");
    if (s->encoding == WEFT_STRENC_UTF8) {
        const char *c = (const char *)s->bytes;
        size_t n = s->tagged_code_units, i = 0;
        while (i < n) {
            uint32_t cp;
            if (!utf8_next(c, n, &i, &cp)) {
                w->err = weft__error_new(&w->ar->alloc, WEFT_ERROR_INVALID_ARG, UINT64_MAX,
                                         "string value is not valid UTF-8 (at byte %zu)", i);
                return false;
            }
            put_char(&w->b, cp);
        }
    } else {
        uint32_t n = weft__cstring_byte_length(s), pos = 0;
        while (pos < n) put_char(&w->b, weft__cstring_next(s, &pos));
    }
    wb_str(&w->b, "\"");
    return true;
}

static bool put_items(wprinter_t *w, const weft_ty_val_t *elem, const weft_cval_t *v,
                      const char *open, const char *close)
{
    wb_str(&w->b, open);
    for (uint32_t i = 0; i < v->u.agg.len; i++) {
        if (i) wb_str(&w->b, ", ");
        if (!put_val(w, elem, &v->u.agg.items[i])) return false;
    }
    wb_str(&w->b, close);
    return true;
}

static bool put_val(wprinter_t *w, const weft_ty_val_t *t, const weft_cval_t *v)
{
    wbuf_t *b = &w->b;
    if (!v || v->kind != t->kind) {
        weft_cval_t none;
        memset(&none, 0, sizeof none);
        return pfail(w, v ? NULL : "missing value", t, v ? v : &none);
    }
    switch (t->kind) {
    case WEFT_TY_BOOL: wb_str(b, v->u.b ? "true" : "false"); return true;
    case WEFT_TY_S8: case WEFT_TY_S16: case WEFT_TY_S32: case WEFT_TY_S64:
        wb_fmt(b, "%" PRId64, v->u.s);
        return true;
    case WEFT_TY_U8: case WEFT_TY_U16: case WEFT_TY_U32: case WEFT_TY_U64:
        wb_fmt(b, "%" PRIu64, v->u.u);
        return true;
    case WEFT_TY_F32: {
        float f;
        memcpy(&f, &v->u.f32, 4);
        put_float(b, (double)f, true);
        return true;
    }
    case WEFT_TY_F64: {
        double d;
        memcpy(&d, &v->u.f64, 8);
        put_float(b, d, false);
        return true;
    }
    case WEFT_TY_CHAR:
        if (!is_scalar(v->u.ch)) {
            w->err = weft__error_new(&w->ar->alloc, WEFT_ERROR_INVALID_ARG, UINT64_MAX,
                                     "char value U+%" PRIX32 " is not a Unicode scalar value",
                                     v->u.ch);
            return false;
        }
        wb_str(b, "'");
        put_char(b, v->u.ch);
        wb_str(b, "'");
        return true;
    case WEFT_TY_STRING: return put_string(w, &v->u.str);
    case WEFT_TY_LIST:
    case WEFT_TY_MAP:
        if (v->u.agg.len && !v->u.agg.items) return pfail(w, "list without items", t, v);
        return put_items(w, t->elem, v, "[", "]");
    case WEFT_TY_FIXED_LIST:
        if (v->u.agg.len != t->len || (t->len && !v->u.agg.items)) {
            w->err = weft__error_new(&w->ar->alloc, WEFT_ERROR_INVALID_ARG, UINT64_MAX,
                                     "fixed-length list value has %" PRIu32
                                     " elements, its type %" PRIu32,
                                     v->u.agg.len, t->len);
            return false;
        }
        return put_items(w, t->elem, v, "[", "]");
    case WEFT_TY_TUPLE:
        if (v->u.agg.len != t->count || (t->count && !v->u.agg.items)) {
            w->err = weft__error_new(&w->ar->alloc, WEFT_ERROR_INVALID_ARG, UINT64_MAX,
                                     "tuple value has %" PRIu32 " elements, its type %" PRIu32,
                                     v->u.agg.len, t->count);
            return false;
        }
        wb_str(b, "(");
        for (uint32_t i = 0; i < t->count; i++) {
            if (i) wb_str(b, ", ");
            if (!put_val(w, t->fields[i].type, &v->u.agg.items[i])) return false;
        }
        wb_str(b, ")");
        return true;
    case WEFT_TY_RECORD: {
        if (v->u.agg.len != t->count || (t->count && !v->u.agg.items)) {
            w->err = weft__error_new(&w->ar->alloc, WEFT_ERROR_INVALID_ARG, UINT64_MAX,
                                     "record value has %" PRIu32 " fields, its type %" PRIu32,
                                     v->u.agg.len, t->count);
            return false;
        }
        wb_str(b, "{");
        bool first = true;
        for (uint32_t i = 0; i < t->count; i++) {
            const weft_cval_t *f = &v->u.agg.items[i];
            if (t->fields[i].type->kind == WEFT_TY_OPTION && f->kind == WEFT_TY_OPTION &&
                f->u.var.index == 0)
                continue; /* README "Records": `none` fields are left out */
            if (!first) wb_str(b, ", ");
            first = false;
            wb_name(b, t->fields[i].label);
            wb_str(b, ": ");
            if (!put_val(w, t->fields[i].type, f)) {
                if (w->err && !strstr(weft_error_message(w->err), "field `")) {
                    weft_error_t *e = w->err;
                    w->err = weft__error_new(&w->ar->alloc, WEFT_ERROR_INVALID_ARG, UINT64_MAX,
                                             "field `%.*s` of record: %s",
                                             (int)t->fields[i].label.len,
                                             t->fields[i].label.ptr, weft_error_message(e));
                    weft_error_delete(e);
                }
                return false;
            }
        }
        if (first) wb_str(b, ":");
        wb_str(b, "}");
        return true;
    }
    case WEFT_TY_VARIANT:
    case WEFT_TY_ENUM:
    case WEFT_TY_OPTION:
    case WEFT_TY_RESULT: {
        uint32_t i = v->u.var.index;
        if (i >= t->count) {
            w->err = weft__error_new(&w->ar->alloc, WEFT_ERROR_INVALID_ARG, UINT64_MAX,
                                     "%s value has case %" PRIu32 ", its type %" PRIu32 " cases",
                                     weft_ty_kind_name(t->kind), i, t->count);
            return false;
        }
        const weft_ty_val_t *ct = t->fields[i].type;
        if (t->kind == WEFT_TY_OPTION) wb_str(b, i ? "some" : "none");
        else if (t->kind == WEFT_TY_RESULT) wb_str(b, i ? "err" : "ok");
        else put_label(b, t->fields[i].label, true);
        if (ct) {
            wb_str(b, "(");
            if (!put_val(w, ct, v->u.var.payload)) return false;
            wb_str(b, ")");
        }
        return true;
    }
    case WEFT_TY_FLAGS: {
        wb_str(b, "{");
        bool first = true;
        for (uint32_t i = 0; i < t->count; i++) {
            if (!(v->u.flags & (1u << i))) continue;
            if (!first) wb_str(b, ", ");
            first = false;
            wb_name(b, t->labels[i]);
        }
        if (t->count < 32 && (v->u.flags >> t->count)) {
            w->err = weft__error_new(&w->ar->alloc, WEFT_ERROR_INVALID_ARG, UINT64_MAX,
                                     "flags value 0x%" PRIx32 " sets bits past its %" PRIu32
                                     " flags",
                                     v->u.flags, t->count);
            return false;
        }
        wb_str(b, "}");
        return true;
    }
    case WEFT_TY_OWN: wb_fmt(b, "own(%" PRIu32 ")", v->u.rep); return true;
    case WEFT_TY_BORROW: wb_fmt(b, "borrow(%" PRIu32 ")", v->u.rep); return true;
    case WEFT_TY_STREAM: wb_fmt(b, "stream(%" PRIu32 ")", v->u.handle); return true;
    case WEFT_TY_FUTURE: wb_fmt(b, "future(%" PRIu32 ")", v->u.handle); return true;
    case WEFT_TY_ERROR_CONTEXT: wb_fmt(b, "error-context(%" PRIu32 ")", v->u.handle); return true;
    default: return pfail(w, NULL, t, v);
    }
}

weft_error_t *weft_wave_print(weft_cval_arena_t *arena, const weft_cval_type_t *type,
                              const weft_cval_t *value, const char **text, size_t *len)
{
    const weft_alloc_t dflt = {weft__default_alloc, NULL};
    if (!arena || !type || !value)
        return weft__error_new(arena ? &arena->alloc : &dflt, WEFT_ERROR_INVALID_ARG,
                               UINT64_MAX, "weft_wave_print: invalid argument");
    wprinter_t w;
    memset(&w, 0, sizeof w);
    w.b.a = &arena->alloc;
    w.ar = arena;
    if (!put_val(&w, type, value)) {
        wb_free(&w.b);
        return w.err ? w.err : weft__error_oom();
    }
    return wb_finish(&w.b, arena, text, len);
}
