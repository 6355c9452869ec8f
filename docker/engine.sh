#!/usr/bin/env bash
# Start (or reuse) a Docker engine for the integration tier, and stop it again.
#
#   eval "$(docker/engine.sh start)"   # prints the export lines to use the engine
#   ...                                # docker/build-images.sh, pytest -m integration
#   docker/engine.sh stop              # stops the engine only if `start` started it
#
# If an engine already answers (DOCKER_HOST, or the default socket), `start` uses it and `stop`
# leaves it alone: machines with Docker change nothing. Otherwise, as root, it starts Debian's
# dockerd (apt-get install -y docker.io) the way that works inside an unprivileged-network machine:
#   --storage-driver overlay2 when an overlay mount works in the data root, else vfs (no overlayfs
#                           needed, but every container copies its whole image: a 1 GB copy per
#                           LiteLLM container to create and to delete); LITELLM_SMOKE_DOCKER_STORAGE
#                           forces one
#   --iptables=false        no NAT: containers reach each other on their bridge, and nothing else
#   --ip 127.0.0.1          published ports listen on loopback only
# on its own socket (/run/litellm-smoke/docker.sock, never the system's /var/run/docker.sock) with
# a persistent data root in the build cache, so imported images survive between runs.
#
# The exports also pin testcontainers to 127.0.0.1 and mapped ports (TC_HOST,
# TESTCONTAINERS_CONNECTION_MODE): inside a container testcontainers would otherwise use the
# default gateway's address. Ryuk is disabled (TESTCONTAINERS_RYUK_DISABLED): its image comes
# from Docker Hub; DockerProxy removes its own containers and network, also on Ctrl-C.
set -euo pipefail

RUN_DIR=/run/litellm-smoke
SOCKET="unix://$RUN_DIR/docker.sock"
if [[ -n "${LITELLM_SMOKE_CACHE:-}" ]]; then
  CACHE="$LITELLM_SMOKE_CACHE"
else
  CACHE=/var/cache/litellm-smoke
fi
DATA_ROOT="$CACHE/docker"
PIDFILE="$RUN_DIR/started-by-engine-sh.pid"
LOG="$RUN_DIR/dockerd.log"
START_TIMEOUT="${LITELLM_SMOKE_DOCKERD_TIMEOUT:-60}"

log() { printf '[engine %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { printf 'engine.sh: %s\n' "$*" >&2; exit 1; }

exports_for_our_engine() {
  printf 'export DOCKER_HOST=%s\n' "$SOCKET"
  printf 'export TC_HOST=127.0.0.1\n'
  printf 'export TESTCONTAINERS_CONNECTION_MODE=docker_host\n'
  printf 'export TESTCONTAINERS_RYUK_DISABLED=true\n'
}

storage_driver() {
  if [[ -n "${LITELLM_SMOKE_DOCKER_STORAGE:-}" ]]; then
    echo "$LITELLM_SMOKE_DOCKER_STORAGE"
    return
  fi
  local probe driver=vfs
  probe="$(mktemp -d "$DATA_ROOT/.overlay-probe.XXXXXX")"
  mkdir -p "$probe/lower" "$probe/upper" "$probe/work" "$probe/merged"
  if mount -t overlay overlay -o "lowerdir=$probe/lower,upperdir=$probe/upper,workdir=$probe/work" \
    "$probe/merged" 2>/dev/null; then
    umount "$probe/merged"
    driver=overlay2
  fi
  rm -rf "$probe"
  echo "$driver"
}

our_pid() { # the dockerd this script started, if it still runs
  [[ -f "$PIDFILE" ]] || return 1
  local pid
  pid="$(cat "$PIDFILE")"
  [[ -n "$pid" && "$(cat "/proc/$pid/comm" 2>/dev/null)" == dockerd ]] || return 1
  echo "$pid"
}

start() {
  command -v docker >/dev/null || die "the docker CLI is not installed (apt-get install -y docker.io)"
  if our_pid >/dev/null; then
    DOCKER_HOST="$SOCKET" docker version >/dev/null 2>&1 || die "dockerd (pid $(our_pid)) runs but does not answer; see $LOG"
    log "reusing the dockerd started earlier (pid $(our_pid))"
    exports_for_our_engine
    return
  fi
  if docker version >/dev/null 2>&1; then
    log "a Docker engine already answers${DOCKER_HOST:+ at $DOCKER_HOST}; using it, and leaving it running"
    printf 'export TESTCONTAINERS_RYUK_DISABLED=%s\n' "${TESTCONTAINERS_RYUK_DISABLED:-false}"
    return
  fi
  [[ "$(id -u)" == 0 ]] || die "no Docker engine answers and starting one needs root (sudo $0 start)"
  command -v dockerd >/dev/null || die "no Docker engine answers and dockerd is not installed (apt-get install -y docker.io)"
  mkdir -p "$RUN_DIR" "$DATA_ROOT"
  local driver
  driver="$(storage_driver)"
  log "starting dockerd (storage driver $driver, data root $DATA_ROOT, log $LOG)"
  # setsid: its own session, so a Ctrl-C in the calling shell reaches pytest, not the engine.
  setsid dockerd --host "$SOCKET" --data-root "$DATA_ROOT" --exec-root "$RUN_DIR/exec" \
    --pidfile "$RUN_DIR/dockerd.pid" --storage-driver "$driver" --iptables=false --ip 127.0.0.1 \
    >"$LOG" 2>&1 </dev/null &
  echo $! >"$PIDFILE"
  local deadline=$((SECONDS + START_TIMEOUT))
  until DOCKER_HOST="$SOCKET" docker version >/dev/null 2>&1; do
    if ! our_pid >/dev/null; then
      rm -f "$PIDFILE"
      die "dockerd exited during start; last lines of $LOG:
$(tail -n 15 "$LOG")"
    fi
    if ((SECONDS > deadline)); then
      stop
      die "dockerd did not answer within ${START_TIMEOUT}s; see $LOG"
    fi
    sleep 0.5
  done
  log "dockerd $(DOCKER_HOST="$SOCKET" docker version --format '{{.Server.Version}}') answers at $SOCKET (pid $(our_pid))"
  exports_for_our_engine
}

stop() {
  local pid
  if ! pid="$(our_pid)"; then
    rm -f "$PIDFILE"
    log "no dockerd started by this script is running; nothing to stop"
    return
  fi
  log "stopping dockerd (pid $pid)"
  kill -TERM "$pid"
  for _ in $(seq 60); do
    [[ -d "/proc/$pid" ]] || break
    sleep 0.5
  done
  if [[ -d "/proc/$pid" ]]; then
    log "dockerd (pid $pid) ignored SIGTERM for 30 s; killing it"
    kill -KILL "$pid"
  fi
  rm -f "$PIDFILE"
}

status() {
  if pid="$(our_pid)"; then
    echo "dockerd started by this script: pid $pid, $SOCKET"
  elif docker version >/dev/null 2>&1; then
    echo "a Docker engine answers${DOCKER_HOST:+ at $DOCKER_HOST} (not started by this script)"
  else
    echo "no Docker engine answers"
    return 1
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) die "usage: docker/engine.sh start|stop|status" ;;
esac
