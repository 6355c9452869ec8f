#!/usr/bin/env bash
# Build the integration tier's images locally, without any container registry:
#
#   litellm-smoke/litellm:1.108.7  LiteLLM in /opt/venv, entrypoint `litellm`, CMD --port 4000  (LITELLM_SMOKE_IMAGE)
#   litellm-smoke/upstream:bookworm  Debian's python3 as `python`, for fake_upstream.py        (LITELLM_SMOKE_UPSTREAM_IMAGE)
#   litellm-smoke/postgres:15      PostgreSQL 15, POSTGRES_USER/PASSWORD/DB like postgres:16     (LITELLM_SMOKE_POSTGRES_IMAGE)
#
# All three start from one Debian rootfs (debootstrap, from the mirror apt already uses) and are
# loaded with `docker import`. Every step is cached by the content hash of its inputs (the recipe
# functions below, the files under docker/, the mirror and suite): a run whose inputs did not change
# only compares labels, a run with a new Docker data root re-imports cached tarballs, and only a
# changed input rebuilds. The cache lives outside the repository ($LITELLM_SMOKE_CACHE, default
# /var/cache/litellm-smoke as root, else ~/.cache/litellm-smoke), so fresh clones reuse it.
#
# Needs: root (debootstrap, chroot), debootstrap, python3 with pip (PyPI reachable on first build),
# a Docker engine (DOCKER_HOST honoured; docker/engine.sh starts one).
#
# Usage: docker/build-images.sh [--print-env]
#   --print-env  after building, print `export NAME=image` lines for eval (progress goes to stderr)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SUITE=bookworm
BASE_PACKAGES=python3,python3-venv,ca-certificates
LABEL=org.litellm-smoke.inputs
LITELLM_VERSION="$(sed -n 's/^litellm\[proxy\]==\([0-9.]*\)$/\1/p' "$HERE/litellm/requirements.txt")"
LITELLM_TAG="litellm-smoke/litellm:$LITELLM_VERSION"
UPSTREAM_TAG="litellm-smoke/upstream:$SUITE"
POSTGRES_TAG="litellm-smoke/postgres:15"

if [[ -n "${LITELLM_SMOKE_CACHE:-}" ]]; then
  CACHE="$LITELLM_SMOKE_CACHE"
elif [[ "$(id -u)" == 0 ]]; then
  CACHE=/var/cache/litellm-smoke
else
  CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/litellm-smoke"
fi

# Progress goes to fd 3 (the caller's stderr); the tools' own output to $BUILD_LOG, shown on failure.
exec 3>&2
log() { printf '[build-images %(%H:%M:%S)T] %s\n' -1 "$*" >&3; }
die() { printf 'build-images: %s\n' "$*" >&3; exit 1; }
BUILD_LOG=""
show_log_on_failure() {
  local status=$?
  if ((status != 0)) && [[ -n "$BUILD_LOG" && -s "$BUILD_LOG" ]]; then
    printf 'build-images: failed (exit %s); last lines of %s:\n' "$status" "$BUILD_LOG" >&3
    tail -n 30 "$BUILD_LOG" >&3
  fi
}
trap show_log_on_failure EXIT

debian_mirror() {
  # The first Debian mirror apt is configured with (deb822 .sources or one-line .list).
  if [[ -n "${LITELLM_SMOKE_DEBIAN_MIRROR:-}" ]]; then echo "$LITELLM_SMOKE_DEBIAN_MIRROR"; return; fi
  local url
  url="$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '/^URIs:/ {print $2}' | grep -m1 '/debian/*$' || true)"
  [[ -n "$url" ]] || url="$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null \
    | awk '$1 == "deb" {for (i = 2; i <= NF; i++) if ($i ~ /^https?:/) {print $i; break}}' \
    | grep -m1 '/debian/*$' || true)"
  echo "${url:-http://deb.debian.org/debian}"
}

hash_of() { sha256sum | cut -c1-16; }

# -- recipes: each function's own text is part of its image's hash -------------------------------

build_base() { # $1 = empty directory
  debootstrap --variant=minbase --include="$BASE_PACKAGES" "$SUITE" "$1" "$MIRROR" >&2
  rm -rf "$1"/var/cache/apt/archives/*.deb "$1"/var/lib/apt/lists/*
}

build_litellm() { # $1 = rootfs
  local wheels="$CACHE/wheels/$WHEELS_HASH"
  if [[ ! -d "$wheels" ]]; then
    log "pip download $(grep -v '^#' "$HERE/litellm/requirements.txt" | xargs) (first build only)"
    rm -rf "$wheels.partial"
    python3 -m pip download --quiet --disable-pip-version-check --dest "$wheels.partial" \
      -r "$HERE/litellm/requirements.txt" >&2
    mv "$wheels.partial" "$wheels"
  fi
  chroot "$1" /usr/bin/python3 -m venv /opt/venv
  cp -r "$wheels" "$1/tmp/wheels"
  cp "$HERE/litellm/requirements.txt" "$1/tmp/wheels/requirements.txt"
  env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root chroot "$1" /opt/venv/bin/pip install --quiet \
    --no-index --find-links /tmp/wheels --disable-pip-version-check -r /tmp/wheels/requirements.txt >&2
  rm -rf "$1/tmp/wheels" "$1/root/.cache"
  mkdir -p "$1/app"
}
LITELLM_CHANGES=(
  --change 'ENV PATH=/opt/venv/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
  --change 'ENV PYTHONUNBUFFERED=1'
  --change 'WORKDIR /app'
  --change 'EXPOSE 4000/tcp'
  --change 'ENTRYPOINT ["litellm"]'
  --change 'CMD ["--port", "4000"]'
)

build_upstream() { # $1 = rootfs
  ln -sf /usr/bin/python3 "$1/usr/local/bin/python"
}
UPSTREAM_CHANGES=(
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
  --change 'CMD ["python3"]'
)

build_postgres() { # $1 = rootfs
  cp /etc/resolv.conf "$1/etc/resolv.conf"
  printf '#!/bin/sh\nexit 101\n' >"$1/usr/sbin/policy-rc.d"
  chmod +x "$1/usr/sbin/policy-rc.d"
  env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive chroot "$1" sh -c \
    'apt-get -qq update && apt-get -qq install -y --no-install-recommends postgresql-15 >/dev/null' >&2
  # No cluster from the package: the entrypoint runs initdb with the container's environment.
  rm -rf "$1/var/lib/postgresql/15" "$1/etc/postgresql/15" "$1/usr/sbin/policy-rc.d" \
    "$1"/var/cache/apt/archives/*.deb "$1"/var/lib/apt/lists/*
  : >"$1/etc/resolv.conf"
  install -m 0755 "$HERE/postgres/entrypoint.sh" "$1/usr/local/bin/docker-entrypoint.sh"
}
POSTGRES_CHANGES=(
  --change 'ENV PATH=/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
  --change 'ENV PGDATA=/var/lib/postgresql/data'
  --change 'EXPOSE 5432/tcp'
  --change 'ENTRYPOINT ["docker-entrypoint.sh"]'
)

# -- machinery ---------------------------------------------------------------------------------

ensure_base() {
  BASE_TAR="$CACHE/rootfs/base-$BASE_HASH.tar"
  [[ -f "$BASE_TAR" ]] && return
  command -v debootstrap >/dev/null || die "debootstrap is not installed (apt-get install -y debootstrap)"
  log "debootstrap $SUITE from $MIRROR (first build only)"
  local dir="$CACHE/tmp/base-$BASE_HASH"
  rm -rf "$dir" && mkdir -p "$dir" "$CACHE/rootfs"
  build_base "$dir" 2>>"$BUILD_LOG"
  tar -C "$dir" --numeric-owner -cf "$BASE_TAR.partial" .
  rm -rf "$dir" && mv "$BASE_TAR.partial" "$BASE_TAR"
  find "$CACHE/rootfs" -name 'base-*.tar' ! -name "base-$BASE_HASH.tar" -delete
}

ensure_image() { # name tag hash recipe changes-array-name
  local name="$1" tag="$2" hash="$3" recipe="$4"
  local -n changes="$5"
  local have
  have="$(docker image inspect --format "{{ index .Config.Labels \"$LABEL\" }}" "$tag" 2>/dev/null || true)"
  if [[ "$have" == "$hash" ]]; then
    log "$tag is up to date ($hash)"
    return
  fi
  local tar="$CACHE/images/$name-$hash.tar"
  if [[ ! -f "$tar" ]]; then
    ensure_base
    log "building $tag ($hash)"
    local dir="$CACHE/tmp/$name-$hash"
    rm -rf "$dir" && mkdir -p "$dir" "$CACHE/images"
    tar -C "$dir" -xf "$BASE_TAR"
    "$recipe" "$dir" 2>>"$BUILD_LOG"
    tar -C "$dir" --numeric-owner -cf "$tar.partial" .
    rm -rf "$dir" && mv "$tar.partial" "$tar"
    find "$CACHE/images" -name "$name-*.tar" ! -name "$name-$hash.tar" -delete
  fi
  log "docker import $tag"
  docker import "${changes[@]}" --change "LABEL $LABEL=$hash" "$tar" "$tag" >/dev/null
}

main() {
  local print_env=0
  case "${1:-}" in
    --print-env) print_env=1 ;;
    "") ;;
    *) die "unknown argument ${1} (usage: docker/build-images.sh [--print-env])" ;;
  esac
  [[ -n "$LITELLM_VERSION" ]] || die "no litellm[proxy]==X.Y.Z line in $HERE/litellm/requirements.txt"
  command -v docker >/dev/null || die "the docker CLI is not installed"
  docker version >/dev/null 2>&1 || die "no Docker engine answers${DOCKER_HOST:+ at $DOCKER_HOST}; start one (docker/engine.sh start)"
  MIRROR="$(debian_mirror)"
  mkdir -p "$CACHE"
  exec 9>"$CACHE/build.lock"
  flock 9 # one build at a time per cache
  BUILD_LOG="$CACHE/build.log"
  : >"$BUILD_LOG"

  BASE_HASH="$( { echo "$SUITE $MIRROR $BASE_PACKAGES $(dpkg --print-architecture)"; declare -f build_base; } | hash_of)"
  WHEELS_HASH="$(hash_of <"$HERE/litellm/requirements.txt")"
  local litellm upstream postgres
  litellm="$( { echo "$BASE_HASH"; cat "$HERE/litellm/requirements.txt"; declare -f build_litellm
    printf '%s\n' "${LITELLM_CHANGES[@]}"; } | hash_of)"
  upstream="$( { echo "$BASE_HASH"; declare -f build_upstream; printf '%s\n' "${UPSTREAM_CHANGES[@]}"; } | hash_of)"
  postgres="$( { echo "$BASE_HASH"; cat "$HERE/postgres/entrypoint.sh"; declare -f build_postgres
    printf '%s\n' "${POSTGRES_CHANGES[@]}"; } | hash_of)"

  ensure_image upstream "$UPSTREAM_TAG" "$upstream" build_upstream UPSTREAM_CHANGES
  ensure_image postgres "$POSTGRES_TAG" "$postgres" build_postgres POSTGRES_CHANGES
  ensure_image litellm "$LITELLM_TAG" "$litellm" build_litellm LITELLM_CHANGES
  rm -rf "$CACHE/tmp"

  if ((print_env)); then
    printf 'export LITELLM_SMOKE_IMAGE=%s\n' "$LITELLM_TAG"
    printf 'export LITELLM_SMOKE_UPSTREAM_IMAGE=%s\n' "$UPSTREAM_TAG"
    printf 'export LITELLM_SMOKE_POSTGRES_IMAGE=%s\n' "$POSTGRES_TAG"
  fi
}

main "$@"
