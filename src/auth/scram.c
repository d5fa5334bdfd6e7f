/* SCRAM-SHA-256 client (RFC 5802, RFC 7677) as PostgreSQL speaks it.
 *
 * PostgreSQL's differences from the RFC: the user name in client-first is
 * ignored by the server (it uses the startup packet's), so we send "n=" empty
 * as libpq does; and the server never sends extensions. We are stricter
 * than the RFC where PostgreSQL allows it: server-first must be exactly
 * r=,s=,i= and server-final exactly v= (or e=), which leaves a hostile
 * server no room to smuggle anything past the parser.
 *
 * Every server message is fully validated before any expensive work: a
 * server that names a huge iteration count is refused before PBKDF2 runs. */
#include <limits.h>

#include "auth/auth_int.h"
#include "common/common_int.h"
#include "crypto/crypto.h"

enum scram_step {
    STEP_WAIT_SERVER_FIRST,
    STEP_WAIT_SERVER_FINAL,
    STEP_DONE,
    STEP_FAILED,
};

struct pgw_scram {
    /* A copy, so the caller's allocator struct need not outlive us (its
     * hooks and ud must). A zeroed copy means libc. */
    pgw_allocator alloc;
    enum scram_step step;
    const char *error; /* static string, "" when none */
    uint32_t max_iterations;

    uint8_t *password; /* wiped and released as soon as it is not needed */
    size_t pw_len;

    char *client_first_bare; /* "n=<user>,r=<nonce>", part of AuthMessage */
    size_t bare_len;
    size_t nonce_off; /* our nonce inside client_first_bare */
    size_t nonce_len;

    char *cbind_b64; /* c= value: base64(gs2 header + channel-binding data) */
    size_t cbind_b64_len;

    uint8_t server_signature[PGWI_SHA256_LEN]; /* expected v=, a secret */
};

static const char *const gs2_headers[] = {
    [PGW_SCRAM_CBIND_NONE] = "n,,",
    [PGW_SCRAM_CBIND_UNUSED] = "y,,",
    [PGW_SCRAM_CBIND_TLS_ENDPOINT] = "p=tls-server-end-point,,",
};

void pgw_scram_options_init(pgw_scram_options *opt)
{
    if (opt == NULL)
        return;
    memset(opt, 0, sizeof *opt);
    opt->size = sizeof *opt;
    opt->max_iterations = PGW_SCRAM_DEFAULT_MAX_ITERATIONS;
    opt->cbind = PGW_SCRAM_CBIND_NONE;
}

/* ---- lifetime ---------------------------------------------------------- */

static void release_password(pgw_scram *s)
{
    if (s->password != NULL) {
        pgwi_wipe(s->password, s->pw_len);
        pgwi_free(&s->alloc, s->password, s->pw_len);
        s->password = NULL;
        s->pw_len = 0;
    }
}

void pgw_scram_free(pgw_scram *s)
{
    if (s == NULL)
        return;
    release_password(s);
    pgwi_free(&s->alloc, s->client_first_bare, s->bare_len);
    pgwi_free(&s->alloc, s->cbind_b64, s->cbind_b64_len);
    pgw_allocator a = s->alloc;
    pgwi_wipe(s, sizeof *s);
    pgwi_free(&a, s, sizeof *s);
}

/* Every failure is final: a SCRAM exchange cannot be resumed after a
 * rejected message, and keeping the password around would only widen the
 * window in which it sits in memory. */
static pgw_status scram_fail(pgw_scram *s, pgw_status rc, const char *why)
{
    s->step = STEP_FAILED;
    s->error = why;
    release_password(s);
    pgwi_wipe(s->server_signature, sizeof s->server_signature);
    return rc;
}

/* The step check shared by continue and finish. A call on a dead state
 * keeps the original reason, which is the one worth reporting. */
static pgw_status check_step(pgw_scram *s, enum scram_step want)
{
    if (s->step == STEP_FAILED)
        return PGW_E_STATE;
    if (s->step != want)
        return scram_fail(s, PGW_E_STATE, "SCRAM step called out of order");
    return PGW_OK;
}

/* Restore the caller's buffer after a failed build: encoders leave len
 * unchanged on failure. */
static pgw_status buf_settle(pgw_buf *b, size_t mark)
{
    pgw_status rc = pgw_buf_status(b);
    if (rc != PGW_OK)
        b->len = mark;
    return rc;
}

static const char *buf_reason(pgw_status rc)
{
    return rc == PGW_E_NOMEM ? "out of memory" : "output buffer limit reached";
}

/* Append base64(data) to b; failures are left sticky in b. */
static void append_base64(pgw_buf *b, const uint8_t *data, size_t n)
{
    size_t need, got;
    if (!pgwi_base64_encoded_len(n, &need) || pgw_buf_reserve(b, need) != PGW_OK)
        return;
    if (pgwi_base64_encode(data, n, (char *)b->data + b->len, b->cap - b->len, &got) == PGW_OK)
        b->len += got;
}

static void append_str(pgw_buf *b, const char *str)
{
    pgw_buf_append(b, str, strlen(str));
}

/* ---- begin ------------------------------------------------------------- */

/* RFC 5802's "printable": 0x21-0x7E except ','. */
static bool printable_nonce(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] < 0x21 || p[i] > 0x7E || p[i] == ',')
            return false;
    }
    return true;
}

static pgw_status scram_validate_options(const pgw_scram_options *opt)
{
    if (opt == NULL)
        return PGW_OK;
    /* Options from a newer header would be larger; a smaller one was not
     * filled by pgw_scram_options_init(). */
    if (opt->size < sizeof *opt)
        return PGW_E_INVALID;
    switch (opt->cbind) {
    case PGW_SCRAM_CBIND_NONE:
    case PGW_SCRAM_CBIND_UNUSED:
        return PGW_OK;
    case PGW_SCRAM_CBIND_TLS_ENDPOINT:
        if (opt->cbind_data == NULL || opt->cbind_len == 0 || opt->cbind_len > PGWI_SCRAM_MAX_CBIND)
            return PGW_E_INVALID;
        return PGW_OK;
    default:
        return PGW_E_INVALID;
    }
}

/* Build the c= value once: it depends only on the options, and keeping it
 * spares us a copy of the channel-binding data. */
static pgw_status make_cbind_attr(pgw_scram *s, const pgw_scram_options *opt)
{
    pgw_scram_cbind mode = opt != NULL ? opt->cbind : PGW_SCRAM_CBIND_NONE;
    const char *gs2 = gs2_headers[mode];
    size_t gs2_len = strlen(gs2);
    uint8_t raw[32 + PGWI_SCRAM_MAX_CBIND];
    size_t raw_len = gs2_len;
    memcpy(raw, gs2, gs2_len);
    /* Only -PLUS carries the binding data; "n" and "y" bind nothing. */
    if (mode == PGW_SCRAM_CBIND_TLS_ENDPOINT) {
        memcpy(raw + gs2_len, opt->cbind_data, opt->cbind_len);
        raw_len += opt->cbind_len;
    }
    size_t cap;
    if (!pgwi_base64_encoded_len(raw_len, &cap))
        return PGW_E_INVALID;
    s->cbind_b64 = pgwi_alloc(&s->alloc, cap);
    if (s->cbind_b64 == NULL)
        return PGW_E_NOMEM;
    size_t got = 0;
    pgw_status rc = pgwi_base64_encode(raw, raw_len, s->cbind_b64, cap, &got);
    s->cbind_b64_len = cap;
    return rc;
}

/* "n=" + saslname(user) + ",r=" + nonce. RFC 5802 escapes ',' and '=' in
 * a saslname as "=2C" and "=3D". */
static pgw_status make_client_first_bare(pgw_scram *s, const char *user, size_t user_len,
                                         const char *nonce, size_t nonce_len)
{
    size_t esc = 0;
    for (size_t i = 0; i < user_len; i++)
        esc += (user[i] == ',' || user[i] == '=') ? 3 : 1;
    /* Bounded by the callers' length checks, so this cannot wrap. */
    size_t len = 2 + esc + 3 + nonce_len;
    char *p = pgwi_alloc(&s->alloc, len);
    if (p == NULL)
        return PGW_E_NOMEM;
    size_t o = 0;
    memcpy(p + o, "n=", 2);
    o += 2;
    for (size_t i = 0; i < user_len; i++) {
        if (user[i] == ',') {
            memcpy(p + o, "=2C", 3);
            o += 3;
        } else if (user[i] == '=') {
            memcpy(p + o, "=3D", 3);
            o += 3;
        } else {
            p[o++] = user[i];
        }
    }
    memcpy(p + o, ",r=", 3);
    o += 3;
    s->nonce_off = o;
    s->nonce_len = nonce_len;
    memcpy(p + o, nonce, nonce_len);
    s->client_first_bare = p;
    s->bare_len = len;
    return PGW_OK;
}

static pgw_status begin_common(pgw_scram **out, const pgw_allocator *a, const char *password,
                               size_t pw_len, const pgw_scram_options *opt, const char *user,
                               size_t user_len, const char *nonce, size_t nonce_len,
                               pgw_buf *client_first)
{
    if (out == NULL)
        return PGW_E_INVALID;
    *out = NULL;
    if (client_first == NULL || (password == NULL && pw_len > 0) ||
        (user == NULL && user_len > 0) || user_len > PGWI_SCRAM_MAX_NONCE_LEN ||
        (user_len > 0 && memchr(user, 0, user_len) != NULL) || nonce == NULL || nonce_len == 0 ||
        nonce_len > PGWI_SCRAM_MAX_NONCE_LEN || !printable_nonce((const uint8_t *)nonce, nonce_len))
        return PGW_E_INVALID;
    pgw_status rc = scram_validate_options(opt);
    if (rc != PGW_OK)
        return rc;

    pgw_scram *s = pgwi_alloc_array(a, 1, sizeof *s);
    if (s == NULL)
        return PGW_E_NOMEM;
    if (a != NULL)
        s->alloc = *a;
    s->step = STEP_WAIT_SERVER_FIRST;
    s->error = "";
    uint32_t max = PGW_SCRAM_DEFAULT_MAX_ITERATIONS;
    if (opt != NULL && opt->max_iterations != 0)
        max = opt->max_iterations;
    /* The crypto seam takes at most INT_MAX iterations (OpenSSL's int). */
    s->max_iterations = max > INT_MAX ? (uint32_t)INT_MAX : max;

    /* The server ran SASLprep (RFC 4013) over the password before it
     * stored the SCRAM secret, falling back to the bytes as given where
     * SASLprep fails; pgwi_saslprep() makes the same choice, as libpq does. */
    char *prepared = NULL;
    size_t prepared_len = 0;
    rc = pgwi_saslprep(&s->alloc, password, pw_len, &prepared, &prepared_len);
    if (rc < 0) {
        pgw_scram_free(s);
        return rc;
    }
    if (rc == PGW_OK) {
        s->password = (uint8_t *)prepared;
        s->pw_len = prepared_len;
    } else {
        s->password = pgwi_alloc(&s->alloc, pw_len);
        if (s->password == NULL) {
            pgw_scram_free(s);
            return PGW_E_NOMEM;
        }
        if (pw_len > 0)
            memcpy(s->password, password, pw_len);
        s->pw_len = pw_len;
    }

    rc = make_cbind_attr(s, opt);
    if (rc == PGW_OK)
        rc = make_client_first_bare(s, user, user_len, nonce, nonce_len);
    if (rc != PGW_OK) {
        pgw_scram_free(s);
        return rc;
    }

    size_t mark = client_first->len;
    append_str(client_first, gs2_headers[opt != NULL ? opt->cbind : PGW_SCRAM_CBIND_NONE]);
    pgw_buf_append(client_first, s->client_first_bare, s->bare_len);
    rc = buf_settle(client_first, mark);
    if (rc != PGW_OK) {
        pgw_scram_free(s);
        return rc;
    }
    *out = s;
    return PGW_OK;
}

pgw_status pgwi_scram_begin_with_user(pgw_scram **out, const pgw_allocator *a, const char *password,
                                      size_t pw_len, const pgw_scram_options *opt, const char *user,
                                      size_t user_len, const char *nonce, size_t nonce_len,
                                      pgw_buf *client_first)
{
    return begin_common(out, a, password, pw_len, opt, user, user_len, nonce, nonce_len,
                        client_first);
}

pgw_status pgwi_scram_begin_with_nonce(pgw_scram **out, const pgw_allocator *a,
                                       const char *password, size_t pw_len,
                                       const pgw_scram_options *opt, const char *nonce,
                                       size_t nonce_len, pgw_buf *client_first)
{
    return begin_common(out, a, password, pw_len, opt, "", 0, nonce, nonce_len, client_first);
}

pgw_status pgw_scram_begin(pgw_scram **out, const pgw_allocator *allocator, const char *password,
                           size_t pw_len, const pgw_scram_options *opt, pgw_buf *client_first)
{
    if (out == NULL)
        return PGW_E_INVALID;
    *out = NULL;
    uint8_t raw[PGWI_SCRAM_RAW_NONCE_LEN];
    char nonce[4 * ((PGWI_SCRAM_RAW_NONCE_LEN + 2) / 3)];
    size_t nonce_len = 0;
    pgw_status rc = pgwi_random_bytes(raw, sizeof raw);
    if (rc != PGW_OK)
        return rc;
    rc = pgwi_base64_encode(raw, sizeof raw, nonce, sizeof nonce, &nonce_len);
    if (rc == PGW_OK)
        rc = begin_common(out, allocator, password, pw_len, opt, "", 0, nonce, nonce_len,
                          client_first);
    pgwi_wipe(raw, sizeof raw);
    pgwi_wipe(nonce, sizeof nonce);
    return rc;
}

/* ---- server-first-message ---------------------------------------------- */

/* Stands in for a NULL message of length 0, so the parsers never do
 * pointer arithmetic on NULL. */
static const uint8_t empty_msg[1] = {0};

/* A cursor over one server message: attributes are "<letter>=<value>"
 * separated by ','. Values are views into the caller's bytes. */
typedef struct attr_cursor {
    const uint8_t *p;
    const uint8_t *end;
} attr_cursor;

/* Read attribute `name`; the value runs to the next ',' (consumed) or the
 * end of the message. */
static bool read_attr(attr_cursor *c, char name, const uint8_t **val, size_t *val_len)
{
    if (c->end - c->p < 2 || c->p[0] != (uint8_t)name || c->p[1] != '=')
        return false;
    const uint8_t *v = c->p + 2;
    const uint8_t *comma = memchr(v, ',', (size_t)(c->end - v));
    const uint8_t *stop = comma != NULL ? comma : c->end;
    *val = v;
    *val_len = (size_t)(stop - v);
    c->p = comma != NULL ? comma + 1 : c->end;
    return true;
}

/* Did the previous read_attr stop at a ',' (another attribute follows)? */
static bool followed_by_comma(const attr_cursor *c, const uint8_t *val, size_t val_len)
{
    return val + val_len < c->end;
}

/* RFC 5802: iteration-count = posit-number, i.e. [1-9][0-9]*. No sign, no
 * space, no leading zero. Accumulation stops as soon as the value passes
 * the cap, so no digit string can overflow. */
static pgw_status parse_iterations(const uint8_t *p, size_t n, uint32_t max, uint32_t *out,
                                   const char **why)
{
    if (n == 0 || p[0] < '1' || p[0] > '9') {
        *why = "invalid iteration count in server-first-message";
        return PGW_E_AUTH;
    }
    for (size_t i = 1; i < n; i++) {
        if (p[i] < '0' || p[i] > '9') {
            *why = "invalid iteration count in server-first-message";
            return PGW_E_AUTH;
        }
    }
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        v = v * 10 + (uint64_t)(p[i] - '0');
        if (v > max) {
            *why = "server iteration count exceeds the configured maximum";
            return PGW_E_AUTH;
        }
    }
    *out = (uint32_t)v;
    return PGW_OK;
}

typedef struct server_first {
    const uint8_t *nonce;
    size_t nonce_len;
    uint8_t salt[PGWI_SCRAM_MAX_SALT];
    size_t salt_len;
    uint32_t iterations;
} server_first;

static pgw_status parse_server_first(const pgw_scram *s, const uint8_t *msg, size_t len,
                                     server_first *sf, const char **why)
{
    attr_cursor c = {msg, msg + len};
    const uint8_t *v;
    size_t vl;

    /* RFC 5802 lets a server demand a mandatory extension with a leading
     * m=; we know none, so the exchange cannot continue. */
    if (len >= 2 && msg[0] == 'm' && msg[1] == '=') {
        *why = "server requires an unsupported SCRAM extension";
        return PGW_E_AUTH;
    }
    if (!read_attr(&c, 'r', &v, &vl) || !followed_by_comma(&c, v, vl)) {
        *why = "malformed server-first-message: expected r= and s=";
        return PGW_E_AUTH;
    }
    if (!printable_nonce(v, vl)) {
        *why = "server nonce contains invalid characters";
        return PGW_E_AUTH;
    }
    /* The nonce must extend ours, or the server is replaying some other
     * exchange. libpq compares in constant time; so do we. */
    const uint8_t *ours = (const uint8_t *)s->client_first_bare + s->nonce_off;
    if (vl <= s->nonce_len || !pgwi_ct_equal(v, ours, s->nonce_len)) {
        *why = "server nonce does not extend the client nonce";
        return PGW_E_AUTH;
    }
    sf->nonce = v;
    sf->nonce_len = vl;

    if (!read_attr(&c, 's', &v, &vl) || !followed_by_comma(&c, v, vl)) {
        *why = "malformed server-first-message: expected s= and i=";
        return PGW_E_AUTH;
    }
    if (vl == 0) {
        *why = "empty salt in server-first-message";
        return PGW_E_AUTH;
    }
    pgw_status rc =
        pgwi_base64_decode((const char *)v, vl, sf->salt, sizeof sf->salt, &sf->salt_len);
    if (rc == PGW_E_TOO_LARGE) {
        *why = "salt in server-first-message is too long";
        return PGW_E_AUTH;
    }
    if (rc != PGW_OK || sf->salt_len == 0) {
        *why = "salt in server-first-message is not valid base64";
        return PGW_E_AUTH;
    }

    if (!read_attr(&c, 'i', &v, &vl)) {
        *why = "malformed server-first-message: expected i=";
        return PGW_E_AUTH;
    }
    if (followed_by_comma(&c, v, vl)) {
        /* PostgreSQL never sends extensions; libpq calls this garbage. */
        *why = "unexpected attribute after i= in server-first-message";
        return PGW_E_AUTH;
    }
    return parse_iterations(v, vl, s->max_iterations, &sf->iterations, why);
}

/* The client proof and the server signature we will expect (RFC 5802
 * section 3). AuthMessage is client-first-bare "," server-first ","
 * client-final-without-proof. */
static pgw_status compute_proof(pgw_scram *s, const server_first *sf, const uint8_t *server_msg,
                                size_t server_len, const uint8_t *final_wo_proof, size_t final_len,
                                uint8_t proof[PGWI_SHA256_LEN])
{
    uint8_t salted[PGWI_SHA256_LEN];
    uint8_t client_key[PGWI_SHA256_LEN];
    uint8_t stored_key[PGWI_SHA256_LEN];
    uint8_t server_key[PGWI_SHA256_LEN];
    uint8_t client_sig[PGWI_SHA256_LEN];

    /* All three parts are capped (bare and final by our own construction,
     * the server's by PGWI_SCRAM_MAX_SERVER_MSG), so the sum cannot wrap. */
    size_t am_len = s->bare_len + 1 + server_len + 1 + final_len;
    uint8_t *am = pgwi_alloc(&s->alloc, am_len);
    if (am == NULL)
        return PGW_E_NOMEM;
    size_t o = 0;
    memcpy(am + o, s->client_first_bare, s->bare_len);
    o += s->bare_len;
    am[o++] = ',';
    memcpy(am + o, server_msg, server_len);
    o += server_len;
    am[o++] = ',';
    memcpy(am + o, final_wo_proof, final_len);

    pgw_status rc = pgwi_pbkdf2_sha256(s->password, s->pw_len, sf->salt, sf->salt_len,
                                       sf->iterations, salted, sizeof salted);
    if (rc == PGW_OK)
        rc = pgwi_hmac_sha256(salted, sizeof salted, "Client Key", 10, client_key);
    if (rc == PGW_OK)
        rc = pgwi_sha256(client_key, sizeof client_key, stored_key);
    if (rc == PGW_OK)
        rc = pgwi_hmac_sha256(stored_key, sizeof stored_key, am, am_len, client_sig);
    if (rc == PGW_OK)
        rc = pgwi_hmac_sha256(salted, sizeof salted, "Server Key", 10, server_key);
    if (rc == PGW_OK)
        rc = pgwi_hmac_sha256(server_key, sizeof server_key, am, am_len, s->server_signature);
    if (rc == PGW_OK) {
        for (size_t i = 0; i < PGWI_SHA256_LEN; i++)
            proof[i] = client_key[i] ^ client_sig[i];
    }

    pgwi_free(&s->alloc, am, am_len);
    pgwi_wipe(salted, sizeof salted);
    pgwi_wipe(client_key, sizeof client_key);
    pgwi_wipe(stored_key, sizeof stored_key);
    pgwi_wipe(server_key, sizeof server_key);
    pgwi_wipe(client_sig, sizeof client_sig);
    return rc;
}

pgw_status pgw_scram_continue(pgw_scram *s, const uint8_t *server_first_msg, size_t len,
                              pgw_buf *client_final)
{
    if (s == NULL)
        return PGW_E_INVALID;
    pgw_status rc = check_step(s, STEP_WAIT_SERVER_FIRST);
    if (rc != PGW_OK)
        return rc;
    if (client_final == NULL || (server_first_msg == NULL && len > 0))
        return scram_fail(s, PGW_E_INVALID, "invalid argument");
    if (server_first_msg == NULL)
        server_first_msg = empty_msg;
    if (len > PGWI_SCRAM_MAX_SERVER_MSG)
        return scram_fail(s, PGW_E_AUTH, "server-first-message is too long");

    server_first sf;
    const char *why = "";
    rc = parse_server_first(s, server_first_msg, len, &sf, &why);
    if (rc != PGW_OK)
        return scram_fail(s, rc, why);

    size_t mark = client_final->len;
    append_str(client_final, "c=");
    pgw_buf_append(client_final, s->cbind_b64, s->cbind_b64_len);
    append_str(client_final, ",r=");
    pgw_buf_append(client_final, sf.nonce, sf.nonce_len);
    rc = buf_settle(client_final, mark);
    if (rc != PGW_OK)
        return scram_fail(s, rc, buf_reason(rc));

    uint8_t proof[PGWI_SHA256_LEN];
    rc = compute_proof(s, &sf, server_first_msg, len, client_final->data + mark,
                       client_final->len - mark, proof);
    pgwi_wipe(sf.salt, sizeof sf.salt);
    if (rc != PGW_OK) {
        client_final->len = mark;
        pgwi_wipe(proof, sizeof proof);
        return scram_fail(s, rc, rc == PGW_E_NOMEM ? "out of memory" : "crypto backend failure");
    }
    append_str(client_final, ",p=");
    append_base64(client_final, proof, sizeof proof);
    pgwi_wipe(proof, sizeof proof);
    rc = buf_settle(client_final, mark);
    if (rc != PGW_OK)
        return scram_fail(s, rc, buf_reason(rc));

    release_password(s);
    s->step = STEP_WAIT_SERVER_FINAL;
    return PGW_OK;
}

/* ---- server-final-message ---------------------------------------------- */

/* RFC 5802's server-error-value names, so a server's e= can be reported
 * without echoing its bytes. */
static const char *const server_errors[][2] = {
    {"invalid-encoding", "server rejected the SCRAM exchange: invalid-encoding"},
    {"extensions-not-supported", "server rejected the SCRAM exchange: extensions-not-supported"},
    {"invalid-proof", "server rejected the SCRAM exchange: invalid-proof"},
    {"channel-bindings-dont-match",
     "server rejected the SCRAM exchange: channel-bindings-dont-match"},
    {"server-does-support-channel-binding",
     "server rejected the SCRAM exchange: server-does-support-channel-binding"},
    {"channel-binding-not-supported",
     "server rejected the SCRAM exchange: channel-binding-not-supported"},
    {"unsupported-channel-binding-type",
     "server rejected the SCRAM exchange: unsupported-channel-binding-type"},
    {"unknown-user", "server rejected the SCRAM exchange: unknown-user"},
    {"invalid-username-encoding", "server rejected the SCRAM exchange: invalid-username-encoding"},
    {"no-resources", "server rejected the SCRAM exchange: no-resources"},
    {"other-error", "server rejected the SCRAM exchange: other-error"},
};

static const char *server_error_reason(const uint8_t *v, size_t n)
{
    for (size_t i = 0; i < sizeof server_errors / sizeof server_errors[0]; i++) {
        const char *name = server_errors[i][0];
        if (strlen(name) == n && memcmp(name, v, n) == 0)
            return server_errors[i][1];
    }
    return "server rejected the SCRAM exchange";
}

pgw_status pgw_scram_finish(pgw_scram *s, const uint8_t *server_final, size_t len)
{
    if (s == NULL)
        return PGW_E_INVALID;
    pgw_status rc = check_step(s, STEP_WAIT_SERVER_FINAL);
    if (rc != PGW_OK)
        return rc;
    if (server_final == NULL && len > 0)
        return scram_fail(s, PGW_E_INVALID, "invalid argument");
    if (server_final == NULL)
        server_final = empty_msg;
    if (len > PGWI_SCRAM_MAX_SERVER_MSG)
        return scram_fail(s, PGW_E_AUTH, "server-final-message is too long");

    attr_cursor c = {server_final, server_final + len};
    const uint8_t *v;
    size_t vl;
    if (read_attr(&c, 'e', &v, &vl))
        return scram_fail(s, PGW_E_AUTH, server_error_reason(v, vl));
    if (!read_attr(&c, 'v', &v, &vl))
        return scram_fail(s, PGW_E_AUTH, "malformed server-final-message: expected v=");
    if (followed_by_comma(&c, v, vl))
        return scram_fail(s, PGW_E_AUTH, "unexpected attribute after v= in server-final-message");

    uint8_t sig[PGWI_SHA256_LEN];
    size_t sig_len = 0;
    rc = pgwi_base64_decode((const char *)v, vl, sig, sizeof sig, &sig_len);
    if (rc == PGW_E_PROTOCOL)
        return scram_fail(s, PGW_E_AUTH, "server signature is not valid base64");
    if (rc != PGW_OK || sig_len != sizeof sig)
        return scram_fail(s, PGW_E_AUTH, "server signature has the wrong length");
    bool match = pgwi_ct_equal(sig, s->server_signature, sizeof sig);
    pgwi_wipe(sig, sizeof sig);
    if (!match)
        return scram_fail(s, PGW_E_AUTH, "server signature does not match");

    pgwi_wipe(s->server_signature, sizeof s->server_signature);
    s->step = STEP_DONE;
    return PGW_OK;
}

const char *pgw_scram_error(const pgw_scram *s)
{
    return s != NULL ? s->error : "";
}
