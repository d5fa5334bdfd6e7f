#!/usr/bin/env bash
# The integration suite in one go: build, start a throwaway PostgreSQL
# (scripts/pg-fixture.sh), run `meson test --suite integration`, stop it.
# The command of the compose services (docker/integration.Dockerfile), and
# usable as it is on any machine with the build dependencies and a
# PostgreSQL server installation (PGW_PG_BINDIR picks one).
#
# Environment: PGW_DOCKER_BUILD (build directory, default build-integration).
set -euo pipefail
cd "$(dirname "$0")/.."

build=${PGW_DOCKER_BUILD:-build-integration}
[ -d "$build" ] || meson setup "$build" --werror -Dbench=disabled -Dfuzzing=none
ninja -C "$build"

dir=$(bash scripts/pg-fixture.sh start)
trap 'bash scripts/pg-fixture.sh stop "$dir" >/dev/null 2>&1 || true' EXIT
eval "$(bash scripts/pg-fixture.sh env "$dir")"
meson test -C "$build" --no-rebuild --print-errorlogs --suite integration
