/* The connection's type registry: what the client knows of types that are
 * not built in (extension types such as hstore, enums, composites, domains,
 * ranges), as pgw_type_info rows. The renderer of this connection looks
 * types up here; src/io fills it from pg_type on demand
 * (pgw_conn_load_types), and users may register rows themselves. */
#include "conn/conn_int.h"

typedef struct pgwi_type_entry {
    pgw_type_info info;
    char *name;
    size_t name_len;
    uint32_t *attr_types;
    char **attr_names;
} pgwi_type_entry;

const pgw_type_info *pgw_conn_type_info(const pgw_conn *c, uint32_t oid)
{
    if (c == NULL)
        return NULL;
    for (size_t i = 0; i < c->ntypes; i++)
        if (c->types[i].info.oid == oid)
            return &c->types[i].info;
    return NULL;
}

static const pgw_type_info *lookup_cb(void *ud, uint32_t oid)
{
    return pgw_conn_type_info(ud, oid);
}

void pgwi_registry_init(pgw_conn *c)
{
    c->rctx.lookup = lookup_cb;
    c->rctx.lookup_ud = c;
}

static void reg_free_entry(const pgw_allocator *a, pgwi_type_entry *e)
{
    if (e->attr_names != NULL)
        for (uint16_t i = 0; i < e->info.nattrs; i++)
            if (e->attr_names[i] != NULL)
                pgwi_free(a, e->attr_names[i], strlen(e->attr_names[i]) + 1);
    pgwi_free(a, e->attr_names, (size_t)e->info.nattrs * sizeof *e->attr_names);
    pgwi_free(a, e->attr_types, (size_t)e->info.nattrs * sizeof *e->attr_types);
    if (e->name != NULL)
        pgwi_free(a, e->name, e->name_len + 1);
    memset(e, 0, sizeof *e);
}

void pgwi_registry_free(pgw_conn *c)
{
    for (size_t i = 0; i < c->ntypes; i++)
        reg_free_entry(c->a, &c->types[i]);
    pgwi_free(c->a, c->types, c->types_cap * sizeof *c->types);
    c->types = NULL;
    c->ntypes = c->types_cap = 0;
}

pgw_status pgw_conn_register_type(pgw_conn *c, const pgw_type_info *ti)
{
    if (c == NULL || ti == NULL || ti->oid == 0 || (ti->nattrs && ti->attr_types == NULL))
        return PGW_E_INVALID;
    pgwi_type_entry e;
    memset(&e, 0, sizeof e);
    e.info = *ti;
    const char *name = ti->name ? ti->name : "";
    e.name_len = strlen(name);
    e.name = pgwi_strndup(c->a, name, e.name_len);
    e.info.name = e.name;
    if (ti->nattrs) {
        e.attr_types = pgwi_alloc_array(c->a, ti->nattrs, sizeof *e.attr_types);
        e.attr_names = pgwi_alloc_array(c->a, ti->nattrs, sizeof *e.attr_names);
        if (e.attr_names != NULL)
            memset(e.attr_names, 0, (size_t)ti->nattrs * sizeof *e.attr_names);
    }
    bool ok = e.name != NULL && (ti->nattrs == 0 || (e.attr_types && e.attr_names));
    for (uint16_t i = 0; ok && i < ti->nattrs; i++) {
        e.attr_types[i] = ti->attr_types[i];
        const char *an = ti->attr_names && ti->attr_names[i] ? ti->attr_names[i] : "";
        e.attr_names[i] = pgwi_strndup(c->a, an, strlen(an));
        ok = e.attr_names[i] != NULL;
    }
    if (!ok) {
        reg_free_entry(c->a, &e);
        return PGW_E_NOMEM;
    }
    e.info.attr_types = e.attr_types;
    e.info.attr_names = (const char *const *)e.attr_names;
    /* A newer description replaces the old one (ALTER TYPE, a reload). */
    for (size_t i = 0; i < c->ntypes; i++) {
        if (c->types[i].info.oid == ti->oid) {
            reg_free_entry(c->a, &c->types[i]);
            c->types[i] = e;
            return PGW_OK;
        }
    }
    if (c->ntypes == c->types_cap) {
        size_t ncap = c->types_cap ? c->types_cap * 2 : 16;
        pgwi_type_entry *n = pgwi_realloc(c->a, c->types, c->types_cap * sizeof *n,
                                          ncap * sizeof *n);
        if (n == NULL) {
            reg_free_entry(c->a, &e);
            return PGW_E_NOMEM;
        }
        c->types = n;
        c->types_cap = ncap;
    }
    c->types[c->ntypes++] = e;
    return PGW_OK;
}
