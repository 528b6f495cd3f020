#!/usr/bin/env bash
# Start a throwaway PostgreSQL cluster (Debian's binaries) for the tests: initdb in a new
# temp folder, trust auth, listening on 127.0.0.1 at a free port. scripts/pg/pg-stop.sh DIR
# stops it and removes the folder.
#
# Usage:  eval "$(bash scripts/pg/pg-start.sh)"
#   stdout: only `export REPRISE_TEST_PG_URL=...` and `export REPRISE_PG_DIR=...`; progress
#   goes to stderr.
#         bash scripts/pg/pg-start.sh --missing-packages
#   prints the Debian packages a start needs (empty when none) and starts nothing: .ci/run
#   installs them together with its other packages after one apt-get update.
#
# initdb and postgres refuse to run as root: as root, the cluster belongs to and runs as
# REPRISE_PG_USER (default `postgres`, which Debian's package creates, else `nobody`).
#
# Environment (all optional):
#   REPRISE_PG_BIN        folder of initdb/pg_ctl/postgres (default: the newest /usr/lib/postgresql/*/bin)
#   REPRISE_PG_PORT       port (default: a free one the kernel picks)
#   REPRISE_PG_USER       the user to run as when root (see above)
#   REPRISE_PG_OWNER_PID  the process the cluster serves (default: the caller). A later start
#                         stops and removes the clusters whose owner has died (a killed test run).
#   REPRISE_PG_TIMEOUT    seconds to wait for readiness (default 60)
set -euo pipefail

MODE=start
if [ "${1:-}" = --missing-packages ]; then MODE=missing; fi
PKGS="postgresql"
PARENT=/tmp
PREFIX=reprise-pg.

log() { echo "pg-start: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# Debian's server binaries: /usr/lib/postgresql/<version>/bin, the newest version first.
find_bin() {
  if [ -n "${REPRISE_PG_BIN:-}" ]; then echo "$REPRISE_PG_BIN"; return; fi
  local d
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k4 -V -r); do
    if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && [ -x "$d/postgres" ]; then echo "$d"; return; fi
  done
}
BIN="$(find_bin)"

if [ "$MODE" = missing ]; then
  if [ -n "$BIN" ]; then echo ""; else echo "$PKGS"; fi
  exit 0
fi
[ -n "$BIN" ] && [ -x "$BIN/initdb" ] || die "no PostgreSQL server binaries (/usr/lib/postgresql/*/bin): apt-get install $PKGS"

# As root, run the cluster's commands as an unprivileged user; otherwise as ourselves.
RUN_USER="$(id -un)"
if [ "$(id -u)" = 0 ]; then
  RUN_USER="${REPRISE_PG_USER:-}"
  if [ -z "$RUN_USER" ]; then
    if id -u postgres >/dev/null 2>&1; then RUN_USER=postgres; else RUN_USER=nobody; fi
  fi
fi
as_user() {
  if [ "$(id -u)" = 0 ]; then
    # setpriv keeps the environment and needs no login shell; HOME for tools that look at it.
    HOME=/tmp setpriv --reuid="$RUN_USER" --regid="$(id -g "$RUN_USER")" --clear-groups -- "$@"
  else
    "$@"
  fi
}

# ---------- sweep clusters whose test run died before stopping them ----------
for dir in "$PARENT/$PREFIX"*; do
  [ -f "$dir/owner.pid" ] || continue
  owner="$(cat "$dir/owner.pid")"
  if [ -n "$owner" ] && kill -0 "$owner" 2>/dev/null; then continue; fi
  # Only our own (or, as root, any): another user's folder is theirs to remove.
  [ "$(id -u)" = 0 ] || [ -O "$dir" ] || continue
  log "removing the cluster of a run that ended without stopping it: $dir"
  bash "$(dirname "$0")/pg-stop.sh" "$dir" || true
done

# ---------- a new cluster ----------
DIR="$(mktemp -d "$PARENT/${PREFIX}XXXXXX")"
echo "${REPRISE_PG_OWNER_PID:-$PPID}" > "$DIR/owner.pid"
# Anything that fails from here on leaves no folder behind.
trap 'bash "$(dirname "$0")/pg-stop.sh" "$DIR" >&2 || true' ERR
trap 'bash "$(dirname "$0")/pg-stop.sh" "$DIR" >&2 || true; exit 1' INT TERM
chmod 755 "$DIR"
mkdir "$DIR/data"
if [ "$(id -u)" = 0 ]; then chown "$RUN_USER" "$DIR" "$DIR/data"; fi

t0=$(date +%s%3N)
# --no-sync and fsync=off: a throwaway cluster needs no crash safety; it saves seconds.
as_user "$BIN/initdb" -D "$DIR/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync >"$DIR/initdb.log" 2>&1 \
  || { tail -n 20 "$DIR/initdb.log" >&2; false; }

free_port() {
  node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"
}
# The kernel's free port may be taken before postgres binds it: try again with another one.
started=0
for attempt in 1 2 3; do
  PORT="${REPRISE_PG_PORT:-$(free_port)}"
  # -k: the socket goes in our folder (Debian's /var/run/postgresql may not exist or be writable).
  if as_user "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/postgres.log" -w -t "${REPRISE_PG_TIMEOUT:-60}" \
       -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off" start >"$DIR/pg_ctl.log" 2>&1; then
    started=1
    break
  fi
  if [ -n "${REPRISE_PG_PORT:-}" ] || ! grep -q 'could not bind\|already in use' "$DIR/postgres.log" 2>/dev/null; then break; fi
  log "port $PORT was taken meanwhile, trying another"
done
if [ "$started" != 1 ]; then
  tail -n 20 "$DIR/pg_ctl.log" "$DIR/postgres.log" >&2 2>/dev/null || true
  false
fi
trap - ERR INT TERM

log "throwaway PostgreSQL ($("$BIN/postgres" --version | awk '{print $3}')) ready at 127.0.0.1:$PORT in $(( $(date +%s%3N) - t0 ))ms, folder $DIR"
printf 'export REPRISE_TEST_PG_URL=%q\n' "postgres://postgres@127.0.0.1:$PORT/postgres"
printf 'export REPRISE_PG_DIR=%q\n' "$DIR"
