#!/bin/sh
# PostgreSQL entrypoint honouring the official postgres image's environment, as far as
# testcontainers' PostgresContainer and LiteLLM need it:
#   POSTGRES_PASSWORD (required), POSTGRES_USER (default postgres), POSTGRES_DB (default $POSTGRES_USER),
#   PGDATA (default /var/lib/postgresql/data). Extra arguments go to postgres (-c name=value ...).
# Not supported: /docker-entrypoint-initdb.d, POSTGRES_INITDB_ARGS, POSTGRES_HOST_AUTH_METHOD.
# Readiness as the official image: TCP listens only once the user and database exist, so
# PostgresContainer's `psql --host 127.0.0.1 -c 'select version();'` succeeds only when ready.
set -eu
BIN=/usr/lib/postgresql/15/bin
PGDATA="${PGDATA:-/var/lib/postgresql/data}"
export PGDATA

if [ "$(id -u)" = 0 ]; then
  mkdir -p "$PGDATA" /var/run/postgresql
  chown -R postgres:postgres "$PGDATA" /var/run/postgresql
  chmod 700 "$PGDATA"
  exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" "$@"
fi

if [ -z "${POSTGRES_PASSWORD:-}" ]; then
  echo "error: POSTGRES_PASSWORD is not set (this image has no trust mode)" >&2
  exit 1
fi
user="${POSTGRES_USER:-postgres}"
db="${POSTGRES_DB:-$user}"

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  pwfile="$(mktemp)"
  printf '%s\n' "$POSTGRES_PASSWORD" >"$pwfile"
  "$BIN/initdb" --username="$user" --pwfile="$pwfile" --encoding=UTF8 --locale=C.UTF-8 \
    --auth-local=trust --auth-host=scram-sha-256 >/dev/null
  rm -f "$pwfile"
  echo "host all all all scram-sha-256" >>"$PGDATA/pg_hba.conf"
  if [ "$db" != postgres ]; then
    # Unix socket only while the database is created: nobody can connect over TCP before it exists.
    "$BIN/pg_ctl" -D "$PGDATA" -o "-c listen_addresses=''" -w start >/dev/null
    "$BIN/psql" -v ON_ERROR_STOP=1 -q --username="$user" --dbname=postgres \
      -c "CREATE DATABASE \"$db\"" >/dev/null
    "$BIN/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null
  fi
  echo "PostgreSQL init process complete; ready for start up."
fi

exec "$BIN/postgres" -c listen_addresses='*' "$@"
