/* tag.c - tag instances and exceptions (Wasm 3.0 exception handling, core spec 4.2 "tag
 * instances" and "exception instances").
 *
 * A tag's identity is its address: an imported tag is the exporting instance's object, so
 * `catch` compares pointers. Exceptions are allocated by the throwing instance and live until
 * that instance is freed (an exnref may be kept in a global or a table, and the runtime has no
 * collector). */
#include <string.h>

#include "core/runtime.h"

weft_error_t *weft__instance_make_tags(weft_instance_t *inst)
{
    const weft_module_t *m = inst->module;
    const weft_alloc_t *a = &inst->store->alloc;
    if (m->ntags == 0) return NULL;
    inst->tags = weft__calloc(a, m->ntags, sizeof *inst->tags);
    if (!inst->tags) return weft__error_oom();
    uint32_t ndef = m->ntags - m->ntag_imports;
    if (ndef == 0) return NULL;
    inst->own_tags = weft__calloc(a, ndef, sizeof *inst->own_tags);
    if (!inst->own_tags) return weft__error_oom();
    for (uint32_t i = 0; i < ndef; i++) {
        weft_tag_t *t = &inst->own_tags[i];
        t->type = &m->types[m->tag_types[m->ntag_imports + i]];
        t->inst = inst;
        inst->tags[m->ntag_imports + i] = t;
    }
    return NULL;
}

void weft__instance_free_tags(weft_instance_t *inst)
{
    const weft_module_t *m = inst->module;
    const weft_alloc_t *a = &inst->store->alloc;
    weft_exn_t *e = inst->exns;
    while (e) {
        weft_exn_t *next = e->next;
        weft__free(a, e, sizeof *e + (size_t)e->nslots * sizeof e->slots[0]);
        e = next;
    }
    inst->exns = NULL;
    if (inst->tags) weft__free(a, inst->tags, (size_t)m->ntags * sizeof *inst->tags);
    if (inst->own_tags) {
        weft__free(a, inst->own_tags,
                   (size_t)(m->ntags - m->ntag_imports) * sizeof *inst->own_tags);
    }
    inst->tags = NULL;
    inst->own_tags = NULL;
}

weft_exn_t *weft__exn_new(weft_instance_t *inst, weft_tag_t *tag, const uint64_t *slots)
{
    uint32_t n = tag->type->param_slots;
    weft_exn_t *e = weft__malloc(&inst->store->alloc, sizeof *e + (size_t)n * sizeof e->slots[0]);
    if (!e) return NULL;
    e->tag = tag;
    e->nslots = n;
    if (n) memcpy(e->slots, slots, (size_t)n * sizeof e->slots[0]);
    e->next = inst->exns;
    inst->exns = e;
    return e;
}
