#!/usr/bin/env bash
# Stop a cluster started by pg-start.sh and remove its folder.
#
# Usage:  bash scripts/pg/pg-stop.sh DIR      (DIR: the REPRISE_PG_DIR that pg-start.sh printed)
set -uo pipefail

DIR="${1:-${REPRISE_PG_DIR:-}}"
log() { echo "pg-stop: $*" >&2; }
# Only a folder pg-start.sh made: this script deletes what it is given.
case "$(basename "${DIR:-/}")" in
  reprise-pg.*) ;;
  *) log "not a pg-start.sh folder: '${DIR}'"; exit 2 ;;
esac
[ -d "$DIR" ] || exit 0

# running and not a zombie
running() { kill -0 "$1" 2>/dev/null && ! grep -qs '^[0-9]* ([^)]*) Z' "/proc/$1/stat"; }

pid="$(head -n 1 "$DIR/data/postmaster.pid" 2>/dev/null || true)"
# Only a pid that is still this cluster's postmaster (a stale file may name a reused pid).
if [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' < "/proc/$pid/cmdline" | grep -qF -- "$DIR/data"; then
  # SIGINT = fast shutdown: ends the sessions, no waiting for clients.
  kill -INT "$pid" 2>/dev/null
  for _ in $(seq 1 100); do running "$pid" || break; sleep 0.1; done
  # SIGQUIT = immediate shutdown, for a server that did not stop in 10 s.
  if running "$pid"; then kill -QUIT "$pid" 2>/dev/null; sleep 1; fi
  if running "$pid"; then kill -KILL "$pid" 2>/dev/null; fi
  log "stopped the cluster at $DIR"
fi
rm -rf "$DIR"
exit 0
