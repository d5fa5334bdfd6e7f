/* LISTEN/NOTIFY in the engine: NotificationResponse messages copied into a
 * bounded FIFO (or handed to the user's handler) wherever they arrive —
 * during startup, between queries, or among a query's results — and taken
 * out one at a time. Nothing here touches a socket. */
#include "conn/conn_int.h"
#include "pgwire/notify.h"

/* One queued notification: the header, then "channel\0payload\0". A
 * single allocation so that a failure half way cannot leave a torn entry. */
typedef struct pgwi_note {
    struct pgwi_note *next;
    int32_t pid;
    size_t ch_len, pl_len;
    char text[];
} pgwi_note;

struct pgwi_notify {
    pgwi_note *head, *tail;
    size_t count, bytes;          /* queued entries and their text bytes */
    size_t max_count, max_bytes;
    uint64_t dropped;
    pgwi_note *current;           /* handed out last; freed on the next call */
    pgw_notification_fn fn;
    void *ud;
};

static size_t nq_note_size(const pgwi_note *n)
{
    return sizeof *n + n->ch_len + n->pl_len + 2;
}

static void nq_note_free(const pgw_conn *c, pgwi_note *n)
{
    if (n != NULL)
        pgwi_free(c->a, n, nq_note_size(n));
}

/* The queue's state, created on first use. NULL only when out of memory. */
static struct pgwi_notify *nq_get_queue(pgw_conn *c)
{
    if (c->notify != NULL)
        return c->notify;
    struct pgwi_notify *q = pgwi_alloc(c->a, sizeof *q);
    if (q == NULL)
        return NULL;
    memset(q, 0, sizeof *q);
    q->max_count = PGW_NOTIFY_DEFAULT_MAX_COUNT;
    q->max_bytes = PGW_NOTIFY_DEFAULT_MAX_BYTES;
    c->notify = q;
    return q;
}

void pgwi_notify_free(pgw_conn *c)
{
    struct pgwi_notify *q = c->notify;
    if (q == NULL)
        return;
    for (pgwi_note *n = q->head, *next; n != NULL; n = next) {
        next = n->next;
        nq_note_free(c, n);
    }
    nq_note_free(c, q->current);
    pgwi_free(c->a, q, sizeof *q);
    c->notify = NULL;
}

pgw_status pgwi_notify_push(pgw_conn *c, const pgw_frame *f)
{
    int32_t pid;
    const char *ch, *payload;
    if (pgw_parse_notification_response(f, &pid, &ch, &payload) != PGW_OK)
        return pgwi_conn_break(c, PGW_E_PROTOCOL, "NotificationResponse: malformed message");
    size_t ch_len = strlen(ch), pl_len = strlen(payload);
    struct pgwi_notify *q = nq_get_queue(c);
    if (q == NULL)
        return pgwi_conn_break(c, PGW_E_NOMEM, "out of memory");
    if (q->fn != NULL) {
        pgw_notification n = {pid, ch, ch_len, payload, pl_len};
        q->fn(q->ud, &n);
        return PGW_OK;
    }
    /* Both lengths are bounded by the frame, itself bounded by the
     * message size limit, so the sums cannot wrap; checked anyway. */
    size_t text, size;
    if (!pgwi_add_size(ch_len, pl_len + 2, &text) || !pgwi_add_size(sizeof(pgwi_note), text, &size))
        return pgwi_conn_break(c, PGW_E_PROTOCOL, "NotificationResponse: malformed message");
    /* Full: drop the newcomer and count it. The stream stays in sync and
     * the caller can see that it fell behind. */
    if (q->count >= q->max_count || text > q->max_bytes || q->bytes > q->max_bytes - text) {
        q->dropped++;
        return PGW_OK;
    }
    pgwi_note *n = pgwi_alloc(c->a, size);
    if (n == NULL) {
        /* A notification is not worth the session: count it as dropped. */
        q->dropped++;
        return PGW_OK;
    }
    n->next = NULL;
    n->pid = pid;
    n->ch_len = ch_len;
    n->pl_len = pl_len;
    memcpy(n->text, ch, ch_len + 1);
    memcpy(n->text + ch_len + 1, payload, pl_len + 1);
    if (q->tail != NULL)
        q->tail->next = n;
    else
        q->head = n;
    q->tail = n;
    q->count++;
    q->bytes += text;
    return PGW_OK;
}

bool pgwi_notify_pop(pgw_conn *c, pgw_notification *out)
{
    struct pgwi_notify *q = c->notify;
    if (q == NULL)
        return false;
    /* The previous one's strings were valid until now. */
    nq_note_free(c, q->current);
    q->current = NULL;
    pgwi_note *n = q->head;
    if (n == NULL)
        return false;
    q->head = n->next;
    if (q->head == NULL)
        q->tail = NULL;
    q->count--;
    q->bytes -= n->ch_len + n->pl_len + 2;
    n->next = NULL;
    q->current = n;
    out->pid = n->pid;
    out->channel = n->text;
    out->channel_len = n->ch_len;
    out->payload = n->text + n->ch_len + 1;
    out->payload_len = n->pl_len;
    return true;
}

pgw_status pgw_conn_notification_next(pgw_conn *c, pgw_notification *out)
{
    if (c == NULL || out == NULL)
        return PGW_E_INVALID;
    if (pgwi_notify_pop(c, out))
        return PGW_OK;
    /* Idle: input already buffered may hold more (an event loop fed it
     * with pgw_conn_input()). During a query the cursor reads it. */
    if (c->state == PGW_CONN_IDLE && c->active == NULL) {
        pgw_status rc = pgwi_conn_drain(c);
        if (pgwi_notify_pop(c, out))
            return PGW_OK;
        if (rc < 0)
            return rc;
    }
    if (c->state == PGW_CONN_BROKEN)
        return c->err.status;
    if (c->state == PGW_CONN_CLOSED)
        return PGW_E_CLOSED;
    return PGW_END;
}

size_t pgw_conn_notifications_pending(const pgw_conn *c)
{
    return c->notify != NULL ? c->notify->count : 0;
}

uint64_t pgw_conn_notifications_dropped(const pgw_conn *c)
{
    return c->notify != NULL ? c->notify->dropped : 0;
}

pgw_status pgw_conn_set_notification_limit(pgw_conn *c, size_t max_count, size_t max_bytes)
{
    struct pgwi_notify *q = nq_get_queue(c);
    if (q == NULL)
        return PGW_E_NOMEM;
    q->max_count = max_count != 0 ? max_count : PGW_NOTIFY_DEFAULT_MAX_COUNT;
    q->max_bytes = max_bytes != 0 ? max_bytes : PGW_NOTIFY_DEFAULT_MAX_BYTES;
    return PGW_OK;
}

pgw_status pgw_conn_set_notification_handler(pgw_conn *c, pgw_notification_fn fn, void *ud)
{
    struct pgwi_notify *q = nq_get_queue(c);
    if (q == NULL)
        return PGW_E_NOMEM;
    q->fn = fn;
    q->ud = fn != NULL ? ud : NULL;
    return PGW_OK;
}
