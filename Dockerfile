# A minimal image holding only a static `pgw` (docs/docker.md).
#
#   docker build -t pgw .
#   docker run --rm pgw -h db -U app -d app -c 'select 1'
#   docker run --rm pgw --wait --timeout 30 -h db -p 5432
#
# Stage 1 builds pgw with musl through scripts/static-build.sh (TLS
# disabled, builtin crypto: the binary needs no library at all). Stage 2 is
# an empty image with that one file. Not built where it was written (no
# Docker there); the build stage's command was run there and works.

FROM debian:bookworm-slim AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
        gcc libc6-dev musl-tools meson ninja-build pkg-config python3 binutils \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN bash scripts/static-build.sh musl -o /out

FROM scratch
COPY --from=build /out/pgw-musl /pgw
# No /etc/passwd here: pgw cannot look up the OS user name, so give the
# user with -U, PGUSER or the connection string.
USER 65534:65534
ENTRYPOINT ["/pgw"]
