/* A fault-injecting TCP proxy for tests against the real server (issue 8).
 *
 * fp_start() listens on 127.0.0.1 (a port the kernel chooses) and relays
 * each accepted connection to the upstream server, one connection at a
 * time, on a thread of its own. Each direction follows a rule taken when
 * the connection is accepted: pass everything through, or after a chosen
 * byte offset stall (stop forwarding, sockets stay open), trickle (one
 * byte per write, a pause between bytes), reset (close with SO_LINGER 0,
 * so the client gets a TCP RST), or cut (an orderly close of both ends).
 *
 * Under TLS the offsets are opaque; a rule may instead count TLS records
 * of type application_data (23) in its direction after a plaintext prefix
 * (the 8-byte SSLRequest, the server's 1-byte 'S'), which finds "the k-th
 * encrypted message" without decrypting anything.
 *
 * Thread safety: the fp_* calls may be made from the test thread while
 * the relay runs; a rule set by fp_set() applies from the next accepted
 * connection. */
#ifndef PGWIRE_TESTS_FAULT_FAULTPROXY_H
#define PGWIRE_TESTS_FAULT_FAULTPROXY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct fp_proxy fp_proxy;

/** A direction of the relay. */
typedef enum fp_dir {
    FP_C2S = 0, /**< client to server */
    FP_S2C = 1  /**< server to client */
} fp_dir;

/** What happens once a direction reaches its offset. */
typedef enum fp_action {
    FP_PASS = 0,    /**< forward everything (the offset is ignored) */
    FP_DROP = 1,    /**< forward nothing more; keep both sockets open (a stall) */
    FP_TRICKLE = 2, /**< forward one byte per write, trickle_ms apart */
    FP_RESET = 3,   /**< close both ends; the client's with SO_LINGER 0 (RST) */
    FP_CUT = 4      /**< close both ends normally (the client reads EOF) */
} fp_action;

/** A direction's rule. */
typedef struct fp_rule {
    fp_action action;
    uint64_t offset;       /**< bytes forwarded before the action starts */
    int trickle_ms;        /**< FP_TRICKLE: pause between bytes (0 = none, still 1 byte a write) */
    unsigned tls_records;  /**< when > 0, the action starts instead at the
                                tls_records-th application_data record
                                (none of it is forwarded) after a plaintext
                                prefix of `offset` bytes */
} fp_rule;

/** Start a proxy to upstream host:port (a numeric IPv4 address).
 * @return the proxy, or NULL (socket errors, out of memory).
 * *listen_port receives its port. Ownership: release with fp_stop(). */
fp_proxy *fp_start(const char *host, uint16_t port, uint16_t *listen_port);

/** Stop the relay thread, close every socket, free the proxy. NULL-safe. */
void fp_stop(fp_proxy *fp);

/** Set a direction's rule for connections accepted from now on. */
void fp_set(fp_proxy *fp, fp_dir dir, fp_rule rule);

/** Both directions back to pass-through. */
void fp_reset_rules(fp_proxy *fp);

/** Bytes forwarded in `dir` on the current (or last) connection. */
uint64_t fp_bytes(fp_proxy *fp, fp_dir dir);

/** Whether `dir`'s action has started on the current (or last) connection. */
bool fp_triggered(fp_proxy *fp, fp_dir dir);

/** Connections finished (both sockets closed by the relay) so far. */
unsigned fp_done(fp_proxy *fp);

/** Wait until at least n connections are finished.
 * @return true, or false after timeout_ms. */
bool fp_wait_done(fp_proxy *fp, unsigned n, int timeout_ms);

#endif
