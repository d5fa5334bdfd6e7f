/* tls-server-end-point channel binding (RFC 5929 section 4.1): the hash of
 * the server certificate's DER encoding, with the hash function of the
 * certificate's signature algorithm, except that MD5 and SHA-1 are replaced
 * by SHA-256.
 *
 * X509_get_signature_info() rather than the signature NID alone, because
 * for RSA-PSS the hash lives in the algorithm parameters (libpq bug
 * #17760). Algorithms that sign without a separate hash (Ed25519, Ed448)
 * have no defined binding: we report PGW_E_UNSUPPORTED so that
 * channel_binding=require fails closed instead of binding to nothing
 * (pgjdbc CVE-2026-54291). */
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>

#include "tls/tls_int.h"

/* The largest digest we may produce (SHA-512); the API asks for this much
 * room whatever the certificate, so callers need no second guess. */
#define END_POINT_MAX 64

pgw_status pgwi_tls_end_point_hash(X509 *cert, uint8_t *out, size_t cap, size_t *len)
{
    *len = 0;
    if (cap < END_POINT_MAX)
        return PGW_E_TOO_LARGE;

    int md_nid = NID_undef;
    if (!X509_get_signature_info(cert, &md_nid, NULL, NULL, NULL)) {
        ERR_clear_error();
        return PGW_E_UNSUPPORTED;
    }
    const EVP_MD *md;
    switch (md_nid) {
    case NID_md5:
    case NID_sha1:
        md = EVP_sha256();
        break;
    case NID_undef:
        return PGW_E_UNSUPPORTED;
    default:
        md = EVP_get_digestbynid(md_nid);
        break;
    }
    if (md == NULL || EVP_MD_get_size(md) <= 0 || EVP_MD_get_size(md) > END_POINT_MAX)
        return PGW_E_UNSUPPORTED;

    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    ERR_clear_error();
    if (!X509_digest(cert, md, digest, &n) || n > END_POINT_MAX) {
        ERR_clear_error();
        return PGW_E_TLS;
    }
    memcpy(out, digest, n);
    *len = n;
    return PGW_OK;
}
