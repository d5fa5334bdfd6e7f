/* Internals of the fake server shared by its files: the script walker
 * (fakeserver.c), the SCRAM server (fs_scram.c) and the socket driver
 * (fs_socket.c). Only these three files include it. */
#ifndef PGWIRE_TESTS_SUPPORT_FS_INT_H
#define PGWIRE_TESTS_SUPPORT_FS_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fakeserver.h"

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

/* Socket-mode cleanup, called by fs_free. */
void fsi_socket_close(fs_server *fs);

#endif
