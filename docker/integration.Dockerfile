# The integration suite inside an official postgres image (docs/docker.md).
# The image supplies PostgreSQL's server binaries (initdb, pg_ctl, postgres,
# pg_basebackup) of the chosen major version; scripts/pg-fixture.sh starts
# its own throwaway cluster with them, exactly as on a developer machine.
# The image's entrypoint and its default server are not used.
ARG PG_MAJOR=17
FROM postgres:${PG_MAJOR}-bookworm
ARG PG_MAJOR
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
        gcc libc6-dev meson ninja-build pkg-config python3 binutils \
        libcmocka-dev libssl-dev openssl iproute2 pgbouncer \
 && rm -rf /var/lib/apt/lists/*
ENV PGW_PG_BINDIR=/usr/lib/postgresql/${PG_MAJOR}/bin
WORKDIR /src
COPY . .
ENTRYPOINT []
CMD ["bash", "scripts/docker-integration.sh"]
