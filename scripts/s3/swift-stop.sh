#!/usr/bin/env bash
# Stop the Swift processes started by swift-start.sh (by their recorded pids /
# process groups only), unmount the XFS image if one was mounted, and remove the
# state dir unless REPRISE_SWIFT_KEEP_DATA=1.
set -uo pipefail

BASE="${REPRISE_SWIFT_DIR:-/tmp/reprise-swift}"
KEEP="${REPRISE_SWIFT_KEEP_DATA:-0}"
log() { echo "swift-stop: $*" >&2; }

pids=()
# running and not a zombie (PID 1 here may reap orphans late; a zombie is already dead)
running() { kill -0 "$1" 2>/dev/null && ! grep -qs '^[0-9]* ([^)]*) Z' "/proc/$1/stat"; }
for f in "$BASE"/run/*.pid; do
  [ -f "$f" ] || continue
  pid="$(cat "$f")"
  name="$(basename "$f" .pid)"
  case "$name" in memcached) want="memcached";; *) want="$BASE/etc/$name-server.conf";; esac
  # only a pid that is still that server (a stale pid file may name a reused pid)
  if [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' < "/proc/$pid/cmdline" | grep -qF -- "$want"; then
    # each server was started with setsid, so its pid is also its process-group id
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null
    pids+=("$pid")
  fi
  rm -f "$f"
done

for _ in $(seq 1 50); do
  left=0
  for pid in "${pids[@]}"; do running "$pid" && left=1; done
  [ "$left" = 0 ] && break
  sleep 0.1
done
for pid in "${pids[@]}"; do
  if running "$pid"; then kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null; fi
done
[ "${#pids[@]}" -gt 0 ] && log "stopped ${#pids[@]} process(es)"

if [ "$KEEP" != 1 ]; then
  if mountpoint -q "$BASE/devices/d1" 2>/dev/null; then
    umount "$BASE/devices/d1" || umount -l "$BASE/devices/d1" || log "could not unmount $BASE/devices/d1"
  fi
  if ! mountpoint -q "$BASE/devices/d1" 2>/dev/null; then
    rm -rf "$BASE"
    log "removed $BASE"
  fi
fi
exit 0
