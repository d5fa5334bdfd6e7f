/* Internals of the fake server shared by its files: the script builder
 * (fs_script.c), the walker (fakeserver.c), the SCRAM server (fs_scram.c)
 * and the socket driver (fs_socket.c). Only these files include it.
 *
 * A script is an array of steps; a server owns one script and walks it
 * with `step`. Only the walker moves `step` (fsi_hang_up jumps to the end). */
#ifndef PGWIRE_TESTS_SUPPORT_FS_INT_H
#define PGWIRE_TESTS_SUPPORT_FS_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fakeserver.h"

/* One step of a script. */
typedef enum step_kind {
    ST_SEND,
    ST_EXPECT,
    ST_CHECK_PARAM,
    ST_CALLBACK,
    ST_SLEEP,
    ST_CLOSE,
    ST_RESET /* hang up with a TCP reset (socket mode); a close in memory */
} step_kind;

typedef enum expect_kind {
    EX_STARTUP,
    EX_SSL,
    EX_GSSENC,
    EX_CANCEL,
    EX_PASSWORD,
    EX_SASL_INITIAL,
    EX_SASL_RESPONSE,
    EX_TAGGED /* any other tagged message, by tag */
} expect_kind;

typedef struct fs_step {
    step_kind kind;
    expect_kind ex;
    char label[64];
    uint8_t tag;     /* EX_TAGGED */
    char kind_byte;  /* Describe/Close 'S'/'P'; 0 = any */
    uint8_t *data;   /* send: the bytes; expect: wanted text/bytes */
    size_t len;
    bool has_data;   /* expectation checks `data` */
    char *a, *b;     /* startup user/database; param name/value */
    int32_t pid;
    fs_callback_fn fn;
    void *ud;
    void (*free_ud)(void *);
    unsigned ms;
} fs_step;

struct fs_script {
    fs_step *steps;
    size_t n, cap;
    char err[256];
    bool has_err;
};

/* What the script is waiting for after fsi_advance(). */
typedef enum fsi_wait {
    FSI_WANT_INPUT, /* an expectation needs a message from the client */
    FSI_SLEEP,      /* a sleep step (socket mode only); fsi_sleep_ms() says how long */
    FSI_STOPPED     /* done, failed or closed: nothing more will happen */
} fsi_wait;

struct fs_server {
    fs_script *script;
    size_t step;         /* next step to run */
    pgw_buf in;          /* client bytes not yet framed, from in_off */
    size_t in_off;
    pgw_buf out;         /* bytes for the client */
    bool startup_phase;  /* frame untagged packets until a StartupMessage */
    bool failed;
    char err[512];
    bool closed;
    bool reset;          /* the hang-up was fs_reset(): abort the connection */
    bool sleeping_ok;    /* socket mode: the current sleep step has been served */
    bool socket_mode;
    fs_msg *recv;
    size_t n_recv, cap_recv;
    size_t last_startup; /* index into recv, or SIZE_MAX */

    /* socket mode */
    int listen_fd;
    int conn_fd;
    unsigned timeout_ms;
    pthread_t thread;
    bool thread_started;
};

/* Run every step that needs no input; report what blocks. */
fsi_wait fsi_advance(fs_server *fs);
/* The current step is a sleep: its duration. */
unsigned fsi_sleep_ms(const fs_server *fs);
/* The current sleep step was served: move past it. */
void fsi_sleep_done(fs_server *fs);
/* Append client bytes without running the script (during a sleep). */
void fsi_buffer_input(fs_server *fs, const uint8_t *p, size_t n);
/* Hang up now and treat the script as finished (the SCRAM server after a
 * bad proof, as a real server closes after FATAL). */
void fsi_hang_up(fs_server *fs);

/* Allocation for test support: abort on out of memory. */
void *fsi_xmalloc(size_t n);
uint8_t *fsi_xmemdup(const void *p, size_t n);
/* "Query", "Parse", ... for a frontend tag. */
const char *fsi_fe_name(uint8_t tag);

/* Socket-mode cleanup, called by fs_free. */
void fsi_socket_close(fs_server *fs);

#endif
