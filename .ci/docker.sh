#!/usr/bin/env bash
# CI: the integration tier for real, on a machine without a running Docker engine or a reachable
# registry (called by .ci/run after `make test`). Installs Debian's docker.io and debootstrap when
# missing, starts a dockerd unless one answers (docker/engine.sh; stopped again on exit), builds or
# reuses the local images (docker/build-images.sh, cached outside the repo), then runs
# `pytest -m integration` with CI_REQUIRE_DOCKER=1: a missing engine or image fails, never skips.
# Where Docker and a registry are available (GitHub's runners) .github/workflows/integration.yml
# runs the official images instead.
set -euo pipefail
cd "$(dirname "$0")/.."

phase() { printf '[ci/docker %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
started=$SECONDS

missing=()
command -v dockerd >/dev/null || missing+=(docker.io)
command -v debootstrap >/dev/null || missing+=(debootstrap)
if ((${#missing[@]})); then
  if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null; then
    phase "apt-get install ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null \
      || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null; }
  else
    phase "cannot install ${missing[*]} (needs root and apt-get); the steps below say what is missing"
  fi
fi

test -x .venv/bin/python || make venv

engine_env="$(docker/engine.sh start)"
eval "$engine_env"
trap 'docker/engine.sh stop' EXIT
phase "engine ready after $((SECONDS - started)) s"

images_env="$(docker/build-images.sh --print-env)"
eval "$images_env"
phase "images ready after $((SECONDS - started)) s: $LITELLM_SMOKE_IMAGE $LITELLM_SMOKE_UPSTREAM_IMAGE $LITELLM_SMOKE_POSTGRES_IMAGE"

mkdir -p reports
export LITELLM_LOCAL_MODEL_COST_MAP=True
CI_REQUIRE_DOCKER=1 .venv/bin/python -m pytest -m integration -ra -p no:randomly \
  --junitxml=reports/junit-integration.xml "$@"
phase "integration tier done after $((SECONDS - started)) s"
