/* In-memory PKI and TLS server for the src/tls tests.
 *
 * Everything is made with the OpenSSL API inside the test process: keys,
 * CA and leaf certificates (with any SAN, CN, validity, signature hash,
 * RSA-PSS or Ed25519), CRLs, PEM/DER encodings. The server is an OpenSSL
 * SSL over memory BIOs, pumped against a client pgw_tls by moving bytes
 * between the two; no socket, no file, no thread.
 *
 * Helpers abort the test on an OpenSSL failure of the fixture itself
 * (fx_check), so a test only ever asserts on the behaviour of src/tls. */
#ifndef PGWIRE_TESTS_TLS_TLS_FIXTURE_H
#define PGWIRE_TESTS_TLS_TLS_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "pgwire/tls.h"

/* ---- bytes ------------------------------------------------------------- */

typedef struct fx_blob {
    uint8_t *p; /* malloc'd, NUL-terminated one past n */
    size_t n;
} fx_blob;

void fx_blob_free(fx_blob *b);
/* a followed by b (both freed). */
fx_blob fx_blob_cat(fx_blob a, fx_blob b);
fx_blob fx_blob_str(const char *s);

/* ---- keys and certificates -------------------------------------------- */

EVP_PKEY *fx_ec_key(void);
EVP_PKEY *fx_ed25519_key(void);
EVP_PKEY *fx_rsa_key(unsigned bits);

typedef struct fx_cert_spec {
    const char *cn;       /* subject CN; NULL = none */
    const char *san;      /* "DNS:a,IP:192.0.2.1" (OpenSSL syntax); NULL = no SAN */
    bool ca;              /* basicConstraints CA:TRUE, keyCertSign + cRLSign */
    X509 *issuer;         /* NULL = self-signed */
    EVP_PKEY *issuer_key; /* the issuer's (or, self-signed, the subject's) key */
    const EVP_MD *md;     /* NULL = SHA-256 (none for Ed25519) */
    bool pss;             /* RSA-PSS signature with md */
    long not_before;      /* seconds from now; 0 = one day ago */
    long not_after;       /* seconds from now; 0 = in one year */
    long serial;          /* 0 = a fresh one */
} fx_cert_spec;

/* A certificate for key, made and signed as spec says. */
X509 *fx_cert(EVP_PKEY *key, const fx_cert_spec *spec);

/* A CRL from ca revoking n certificates. */
X509_CRL *fx_crl(X509 *ca, EVP_PKEY *ca_key, X509 *const *revoked, size_t n);

fx_blob fx_pem_cert(X509 *x);
fx_blob fx_pem_crl(X509_CRL *crl);
/* PKCS#8 PEM, encrypted with AES-256-CBC when password is not NULL. */
fx_blob fx_pem_key(EVP_PKEY *k, const char *password);
/* PKCS#8 DER, encrypted when password is not NULL. */
fx_blob fx_der_key(EVP_PKEY *k, const char *password);
/* The DER encoding of a certificate. */
fx_blob fx_der_cert(X509 *x);

/* ---- the standard PKI (built once by fx_pki_get) ----------------------- */

typedef struct fx_pki {
    EVP_PKEY *root_key, *server_ca_key, *client_ca_key;
    X509 *root;                 /* self-signed root */
    X509 *server_ca;            /* intermediate for servers, signed by root */
    X509 *client_ca;            /* intermediate for clients, signed by root */
    EVP_PKEY *leaf_key;         /* shared by every leaf certificate below */
    X509 *localhost;            /* SAN DNS:localhost, IP:127.0.0.1, IP:::1 (server_ca) */
    X509 *client;               /* CN=ssltestuser (client_ca) */
    fx_blob root_pem;           /* root only */
    fx_blob root_and_server_ca; /* root + server_ca: libpq's root+server_ca.crt */
} fx_pki;

const fx_pki *fx_pki_get(void);
void fx_pki_free(void);

/* A leaf from server_ca with the shared leaf key. */
X509 *fx_server_cert(const char *cn, const char *san);

/* ---- the server -------------------------------------------------------- */

typedef struct fx_server_spec {
    X509 *cert;     /* NULL = pki localhost */
    EVP_PKEY *key;  /* NULL = pki leaf key */
    X509 *chain[2]; /* sent after cert; default: server_ca when cert is NULL */
    size_t nchain;
    int min_version, max_version; /* 0 = OpenSSL's defaults */
    const char *cipher_list;      /* e.g. "DEFAULT:@SECLEVEL=0" for old versions */
    bool request_client_cert;     /* SSL_VERIFY_PEER, trusting root + client_ca */
    bool require_client_cert;     /* ... | FAIL_IF_NO_PEER_CERT */
    bool trust_root_only;         /* ... trusting the root alone (client_ca must be sent) */
    const char *alpn;             /* select this when offered; NULL = no ALPN */
    bool alpn_other;              /* select a protocol the client did not offer */
} fx_server_spec;

typedef struct fx_server {
    SSL_CTX *ctx;
    SSL *ssl;
    BIO *rbio, *wbio;
    bool done;     /* server handshake finished */
    bool failed;   /* server handshake failed */
    char sni[256]; /* SNI the client sent ("" = none) */
    const char *alpn;
    bool alpn_other;
} fx_server;

void fx_server_init(fx_server *s, const fx_server_spec *spec);
void fx_server_free(fx_server *s);

/* Move every byte of client output to the server; returns the count. */
size_t fx_to_server(fx_server *s, pgw_tls *c);
/* Move server output to the client in pieces of at most chunk bytes
 * (0 = all at once); returns the count. */
size_t fx_to_client(fx_server *s, pgw_tls *c, size_t chunk);

/* Run both handshakes until the client's ends (OK or failure) or nothing
 * moves. Asserts after every client call that OpenSSL's error queue is
 * empty. Returns the client's last status. */
pgw_status fx_handshake(fx_server *s, pgw_tls *c);

/* A client config with the given mode, host and the standard roots. */
void fx_client_config(pgw_tls_config *cfg, pgw_tls_verify verify, const char *host);

/* New client + server + handshake in one go: returns the handshake status;
 * *out is the client (free it). */
pgw_status fx_connect(const pgw_tls_config *cfg, const fx_server_spec *spec, fx_server *s,
                      pgw_tls **out);

/* Server side application data. */
void fx_server_write(fx_server *s, const uint8_t *p, size_t n);
/* Read what the server can; returns the number of bytes. */
size_t fx_server_read(fx_server *s, uint8_t *buf, size_t cap);

#endif
