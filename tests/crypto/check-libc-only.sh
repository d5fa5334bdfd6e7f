#!/usr/bin/env bash
# With -Dcrypto=builtin -Dtls=disabled, libpgwire.so must need nothing but
# libc: its DT_NEEDED entries are libc (and the dynamic loader) only, and
# no undefined symbol names OpenSSL.
# usage: check-libc-only.sh LIBPGWIRE_SO
set -euo pipefail
so=$1
READELF=${READELF:-readelf}
NM=${NM:-nm}
echo "1..2"
needed=$("$READELF" -d "$so" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
extra=$(printf '%s\n' "$needed" | grep -Ev '^(libc\.so\.[0-9]+|ld-linux[-a-z0-9_.]*\.so\.[0-9]+|libc\.musl-[a-z0-9_]+\.so\.1)$' | grep -v '^$' || true)
if [ -z "$extra" ]; then
    echo "ok 1 - $so needs only libc: $(echo $needed)"
else
    echo "not ok 1 - $so needs more than libc: $(echo $extra)"
fi
ssl=$("$NM" -D --undefined-only "$so" | awk '{ print $NF }' |
      grep -E '^(EVP_|HMAC|PKCS5_|RAND_|ERR_|OPENSSL_|CRYPTO_|SSL_|BIO_|X509)' || true)
if [ -z "$ssl" ]; then
    echo "ok 2 - no OpenSSL symbol is undefined"
else
    echo "not ok 2 - undefined OpenSSL symbols: $(echo $ssl)"
fi
