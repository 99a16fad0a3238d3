/* inspect.c - `weft inspect FILE`: what a binary holds. Its kind (core module or component),
 * its sections with offsets and sizes, its imports and exports with their types, counts of its
 * index spaces and, for a component, its canonical definitions (Binary.md "Canonical
 * Definitions"). The binary is decoded and validated first, so everything shown is valid. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "component/instance.h"
#include "core/module.h"
#include "util/error.h"

/* ---- sections (both kinds share the framing: preamble, then id byte + u32 size) ------------- */

static bool read_u32(const uint8_t *p, size_t len, size_t *pos, uint32_t *out)
{
    uint32_t v = 0;
    for (unsigned shift = 0; shift < 35; shift += 7) {
        if (*pos >= len) return false;
        uint8_t b = p[(*pos)++];
        v |= (uint32_t)(b & 0x7F) << shift;
        if (!(b & 0x80)) {
            *out = v;
            return true;
        }
    }
    return false;
}

static const char *core_section_name(uint8_t id)
{
    static const char *const n[] = {"custom", "type",   "import", "function", "table",
                                    "memory", "global", "export", "start",    "element",
                                    "code",   "data",   "datacount", "tag"};
    return id < sizeof n / sizeof n[0] ? n[id] : "unknown";
}

static const char *component_section_name(uint8_t id)
{
    static const char *const n[] = {"custom",    "core module", "core instance", "core type",
                                    "component", "instance",    "alias",         "type",
                                    "canon",     "start",       "import",        "export",
                                    "value"};
    return id < sizeof n / sizeof n[0] ? n[id] : "unknown";
}

static void print_sections(const uint8_t *b, size_t len, bool component)
{
    puts("sections:");
    size_t pos = 8;
    while (pos < len) {
        size_t start = pos;
        uint8_t id = b[pos++];
        uint32_t size;
        if (!read_u32(b, len, &pos, &size) || size > len - pos) break;
        size_t body = pos;
        printf("  %-14s offset 0x%06zx  size %8" PRIu32, component ? component_section_name(id)
                                                                  : core_section_name(id),
               start, size);
        if (id == 0) {
            /* a custom section's name */
            size_t q = body;
            uint32_t nl;
            if (read_u32(b, body + size, &q, &nl) && nl <= body + size - q)
                printf("  \"%.*s\"", (int)nl, (const char *)b + q);
        }
        putchar('\n');
        pos = body + size;
    }
}

/* ---- core modules ---------------------------------------------------------------------------- */

static const char *valtype_name(weft_valtype_t t)
{
    switch (t & 0xFF) {
    case 0x7F: return "i32";
    case 0x7E: return "i64";
    case 0x7D: return "f32";
    case 0x7C: return "f64";
    case 0x7B: return "v128";
    case 0x70: return "funcref";
    case 0x6F: return "externref";
    case 0x69: return "exnref";
    default: return "ref";
    }
}

static void print_functype(const weft_module_t *m, uint32_t ti)
{
    if (ti >= m->ntypes) {
        printf("(type %" PRIu32 ")", ti);
        return;
    }
    const weft_functype_t *f = &m->types[ti];
    fputs("(func", stdout);
    if (f->nparams) {
        fputs(" (param", stdout);
        for (uint32_t i = 0; i < f->nparams; i++) printf(" %s", valtype_name(f->params[i]));
        putchar(')');
    }
    if (f->nresults) {
        fputs(" (result", stdout);
        for (uint32_t i = 0; i < f->nresults; i++) printf(" %s", valtype_name(f->results[i]));
        putchar(')');
    }
    putchar(')');
}

static void print_limits(const weft_limits_t *l)
{
    printf(" %" PRIu64, l->min);
    if (l->has_max) printf(" %" PRIu64, l->max);
    if (l->is64) fputs(" i64", stdout);
    if (l->shared) fputs(" shared", stdout);
}

static void print_core_extern(const weft_module_t *m, uint8_t kind, uint32_t index,
                              const weft_import_t *imp)
{
    switch (kind) {
    case WEFT_EXTERN_FUNC:
        print_functype(m, imp ? imp->desc.func_type : m->func_types[index]);
        break;
    case WEFT_EXTERN_TABLE: {
        const weft_tabletype_t *t = imp ? &imp->desc.table : &m->tables[index];
        fputs("(table", stdout);
        print_limits(&t->limits);
        printf(" %s)", valtype_name(t->elem));
        break;
    }
    case WEFT_EXTERN_MEMORY: {
        const weft_memtype_t *t = imp ? &imp->desc.memory : &m->memories[index];
        fputs("(memory", stdout);
        print_limits(&t->limits);
        putchar(')');
        break;
    }
    case WEFT_EXTERN_GLOBAL: {
        const weft_globaltype_t *g = imp ? &imp->desc.global : &m->globals[index];
        printf(g->mut ? "(global (mut %s))" : "(global %s)", valtype_name(g->type));
        break;
    }
    default: {
        fputs("(tag ", stdout);
        print_functype(m, imp ? imp->desc.tag_type : m->tag_types[index]);
        putchar(')');
        break;
    }
    }
}

static void inspect_module(const weft_module_t *m)
{
    puts("kind: core module");
    print_sections(m->bytes, m->len, false);
    printf("imports: %" PRIu32 "\n", m->nimports);
    for (uint32_t i = 0; i < m->nimports; i++) {
        const weft_import_t *im = &m->imports[i];
        printf("  \"%.*s\" \"%.*s\" ", (int)im->module.len, im->module.ptr, (int)im->name.len,
               im->name.ptr);
        print_core_extern(m, im->kind, 0, im);
        putchar('\n');
    }
    printf("exports: %" PRIu32 "\n", m->nexports);
    for (uint32_t i = 0; i < m->nexports; i++) {
        const weft_export_t *ex = &m->exports[i];
        printf("  \"%.*s\" ", (int)ex->name.len, ex->name.ptr);
        print_core_extern(m, ex->kind, ex->index, NULL);
        putchar('\n');
    }
    puts("counts:");
    printf("  types %" PRIu32 "\n", m->ntypes);
    printf("  functions %" PRIu32 " (%" PRIu32 " imported)\n", m->nfuncs, m->nfunc_imports);
    printf("  tables %" PRIu32 " (%" PRIu32 " imported)\n", m->ntables, m->ntable_imports);
    printf("  memories %" PRIu32 " (%" PRIu32 " imported)\n", m->nmemories, m->nmemory_imports);
    printf("  globals %" PRIu32 " (%" PRIu32 " imported)\n", m->nglobals, m->nglobal_imports);
    printf("  tags %" PRIu32 " (%" PRIu32 " imported)\n", m->ntags, m->ntag_imports);
    printf("  element segments %" PRIu32 ", data segments %" PRIu32 "\n", m->nelems, m->ndatas);
    if (m->has_start) printf("start: function %" PRIu32 "\n", m->start);
}

/* ---- components ------------------------------------------------------------------------------ */

static void print_valtype(weft_cval_arena_t *ar, const weft_ty_val_t *t)
{
    const char *s;
    size_t n;
    weft_error_t *e = weft_wave_print_type(ar, t, &s, &n);
    if (e) {
        fputs("?", stdout);
        weft_error_delete(e);
        return;
    }
    fwrite(s, 1, n, stdout);
}

static void print_cfunc(weft_cval_arena_t *ar, const weft_ty_func_t *f)
{
    fputs(f->is_async ? "async func(" : "func(", stdout);
    for (uint32_t i = 0; i < f->nparams; i++) {
        printf("%s%.*s: ", i ? ", " : "", (int)f->params[i].name.len, f->params[i].name.ptr);
        print_valtype(ar, f->params[i].type);
    }
    putchar(')');
    if (f->result) {
        fputs(" -> ", stdout);
        print_valtype(ar, f->result);
    }
}

static void print_cextern(weft_cval_arena_t *ar, const weft_ty_extern_t *e, const char *indent)
{
    switch (e->kind) {
    case WEFT_CEXT_FUNC: print_cfunc(ar, e->u.func); break;
    case WEFT_CEXT_VALUE:
        fputs("value ", stdout);
        print_valtype(ar, e->u.value);
        break;
    case WEFT_CEXT_TYPE:
        if (e->u.type.kind == WEFT_TYD_RESOURCE) {
            fputs("type (resource)", stdout);
        } else if (e->u.type.kind == WEFT_TYD_VAL) {
            fputs("type = ", stdout);
            print_valtype(ar, e->u.type.u.val);
        } else {
            fputs("type", stdout);
        }
        break;
    case WEFT_CEXT_MODULE:
        printf("core module (%" PRIu32 " imports, %" PRIu32 " exports)", e->u.module->nimports,
               e->u.module->nexports);
        break;
    case WEFT_CEXT_COMPONENT:
        printf("component (%" PRIu32 " imports, %" PRIu32 " exports)",
               e->u.component->nimports, e->u.component->nexports);
        break;
    case WEFT_CEXT_INSTANCE: {
        const weft_ty_instance_t *it = e->u.instance;
        printf("instance (%" PRIu32 " exports)", it->nexports);
        for (uint32_t i = 0; i < it->nexports; i++) {
            printf("\n%s  \"%.*s\" ", indent, (int)it->exports[i].name.len,
                   it->exports[i].name.ptr);
            if (it->exports[i].type.kind == WEFT_CEXT_INSTANCE)
                printf("instance (%" PRIu32 " exports)",
                       it->exports[i].type.u.instance->nexports);
            else
                print_cextern(ar, &it->exports[i].type, indent);
        }
        break;
    }
    default: fputs("?", stdout); break;
    }
}

static void print_canon_opts(const weft_canon_t *c)
{
    for (uint32_t i = 0; i < c->nopts; i++) {
        const weft_copt_t *o = &c->opts[i];
        switch (o->kind) {
        case WEFT_COPT_UTF8: fputs(" string-encoding=utf8", stdout); break;
        case WEFT_COPT_UTF16: fputs(" string-encoding=utf16", stdout); break;
        case WEFT_COPT_LATIN1_UTF16: fputs(" string-encoding=latin1+utf16", stdout); break;
        case WEFT_COPT_MEMORY: printf(" (memory %" PRIu32 ")", o->index); break;
        case WEFT_COPT_REALLOC: printf(" (realloc %" PRIu32 ")", o->index); break;
        case WEFT_COPT_POST_RETURN: printf(" (post-return %" PRIu32 ")", o->index); break;
        case WEFT_COPT_ASYNC: fputs(" async", stdout); break;
        case WEFT_COPT_CALLBACK: printf(" (callback %" PRIu32 ")", o->index); break;
        default: printf(" (option 0x%x)", o->kind); break;
        }
    }
}

static void inspect_component(const weft_component_t *comp, weft_cval_arena_t *ar)
{
    const weft_component_def_t *d = comp->def;
    const weft_ty_component_t *ct = comp->valid->type;
    puts("kind: component");
    print_sections(d->bytes, d->bytes_len, true);
    printf("imports: %" PRIu32 "\n", ct->nimports);
    for (uint32_t i = 0; i < ct->nimports; i++) {
        printf("  \"%.*s\" ", (int)ct->imports[i].name.len, ct->imports[i].name.ptr);
        print_cextern(ar, &ct->imports[i].type, "  ");
        putchar('\n');
    }
    printf("exports: %" PRIu32 "\n", ct->nexports);
    for (uint32_t i = 0; i < ct->nexports; i++) {
        printf("  \"%.*s\" ", (int)ct->exports[i].name.len, ct->exports[i].name.ptr);
        print_cextern(ar, &ct->exports[i].type, "  ");
        putchar('\n');
    }
    puts("counts:");
    printf("  nested core modules %" PRIu32 ", nested components %" PRIu32 "\n",
           d->modules.count, d->components.count);
    printf("  core instances %" PRIu32 ", component instances %" PRIu32 "\n",
           d->spaces[WEFT_CSORT_CORE_INSTANCE].count, d->spaces[WEFT_CSORT_INSTANCE].count);
    printf("  functions %" PRIu32 ", core functions %" PRIu32 "\n",
           d->spaces[WEFT_CSORT_FUNC].count, d->spaces[WEFT_CSORT_CORE_FUNC].count);
    printf("  core memories %" PRIu32 ", core tables %" PRIu32 ", core globals %" PRIu32 "\n",
           d->spaces[WEFT_CSORT_CORE_MEMORY].count, d->spaces[WEFT_CSORT_CORE_TABLE].count,
           d->spaces[WEFT_CSORT_CORE_GLOBAL].count);
    printf("  types %" PRIu32 ", core types %" PRIu32 ", aliases %" PRIu32 "\n",
           d->spaces[WEFT_CSORT_TYPE].count, d->spaces[WEFT_CSORT_CORE_TYPE].count,
           d->aliases.count);
    printf("canon definitions: %" PRIu32 "\n", d->canons.count);
    for (uint32_t i = 0; i < d->canons.count; i++) {
        const weft_canon_t *c = &d->canons.items[i];
        printf("  offset 0x%06" PRIx32 "  %s", c->offset, weft__canon_name(c->op));
        switch (c->op) {
        case WEFT_CANON_LIFT:
            printf(" (core func %" PRIu32 ") (type %" PRIu32 ")", c->func, c->type);
            break;
        case WEFT_CANON_LOWER: printf(" (func %" PRIu32 ")", c->func); break;
        case WEFT_CANON_RESOURCE_NEW:
        case WEFT_CANON_RESOURCE_DROP:
        case WEFT_CANON_RESOURCE_REP: printf(" (type %" PRIu32 ")", c->type); break;
        default: break;
        }
        print_canon_opts(c);
        if (c->op == WEFT_CANON_LIFT && comp->valid->canons && comp->valid->canons[i].func) {
            fputs(": ", stdout);
            print_cfunc(ar, comp->valid->canons[i].func);
        }
        putchar('\n');
    }
}

static void inspect_usage(FILE *f)
{
    fputs("Usage: weft inspect FILE\n"
          "Describes the core module or component FILE: its kind, its sections (offset and\n"
          "size), its imports and exports with their types, the counts of its index spaces\n"
          "(functions, memories, nested modules and components, instances) and, for a\n"
          "component, its canonical definitions (canon lift/lower/resource.* ...) with\n"
          "their options. Exit status: 0, 1 if FILE is malformed or invalid (the error and\n"
          "its byte offset are printed on stderr), 3 if it cannot be read.\n",
          f);
}

int weft__cli_inspect(int argc, char **argv)
{
    if (argc == 1 && (!strcmp(argv[0], "-h") || !strcmp(argv[0], "--help"))) {
        inspect_usage(stdout);
        return WEFT_CLI_OK;
    }
    if (argc != 1 || (argv[0][0] == '-' && argv[0][1])) {
        if (argc == 1) fprintf(stderr, "weft: inspect: unknown option '%s'\n", argv[0]);
        inspect_usage(stderr);
        return WEFT_CLI_USAGE;
    }
    const weft_alloc_t a = {weft__default_alloc, NULL};
    size_t len = 0;
    uint8_t *bytes = weft__cli_read_file(&a, argv[0], &len);
    if (!bytes) return WEFT_CLI_IO;
    weft_engine_t *engine = weft_engine_new(NULL);
    if (!engine) {
        weft__free(&a, bytes, len + 1);
        fputs("weft: out of memory\n", stderr);
        return WEFT_CLI_FAILURE;
    }
    int status = WEFT_CLI_OK;
    weft_error_t *err;
    if (weft_is_component(bytes, len)) {
        weft_component_t *comp = NULL;
        err = weft_component_new(engine, bytes, len, &comp);
        if (!err) {
            weft_cval_arena_t *ar = weft_cval_arena_new(engine);
            if (ar) inspect_component(comp, ar);
            else err = weft__error_oom();
            weft_cval_arena_delete(ar);
            weft_component_delete(comp);
        }
    } else {
        weft_module_t *m = NULL;
        err = weft_module_new(engine, bytes, len, &m);
        if (!err) {
            inspect_module(m);
            weft_module_delete(m);
        }
    }
    weft__free(&a, bytes, len + 1);
    if (err) {
        weft__cli_print_module_error(argv[0], err);
        status = weft_error_kind(err) == WEFT_ERROR_OOM ? WEFT_CLI_FAILURE : WEFT_CLI_INVALID;
        weft_error_delete(err);
    }
    fflush(stdout);
    weft_engine_delete(engine);
    return status;
}
