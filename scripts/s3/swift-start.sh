#!/usr/bin/env bash
# Start a one-node OpenStack Swift (Debian packages) with the s3api middleware,
# as plain background processes (no systemd needed). Idempotent: a second run
# with everything installed and running takes about a second.
#
# Usage:  eval "$(bash scripts/s3/swift-start.sh [BUCKET])"
#   stdout: only `export REPRISE_S3_...=...` lines; progress goes to stderr.
#         bash scripts/s3/swift-start.sh --missing-packages
#   prints the Debian packages a start would install (empty when none), installs and starts
#   nothing: .ci/run installs them together with its other packages after one apt-get update.
#
# Environment (all optional):
#   REPRISE_SWIFT_PORT      proxy / S3 port (default 18080); object/container/account
#                           servers use +1/+2/+3 and memcached +4, all on 127.0.0.1
#   REPRISE_SWIFT_DIR       state dir: configs, rings, data, logs, pids (default /tmp/reprise-swift)
#   REPRISE_SWIFT_STORAGE   auto | xfs | dir (default auto: loop-mounted XFS image if
#                           mkfs.xfs + mount work, else a plain directory)
#   REPRISE_SWIFT_XFS_SIZE  size of the XFS image (default 1G, sparse)
#   REPRISE_SWIFT_BUCKET    bucket to create (same as the first argument)
#   REPRISE_SWIFT_REGION    s3api `location` (default us-east-1)
#   REPRISE_SWIFT_TIMEOUT   seconds to wait for readiness (default 60)
set -euo pipefail

MODE=start
if [ "${1:-}" = --missing-packages ]; then MODE=missing; shift; fi
PORT="${REPRISE_SWIFT_PORT:-18080}"
BASE="${REPRISE_SWIFT_DIR:-/tmp/reprise-swift}"
STORAGE="${REPRISE_SWIFT_STORAGE:-auto}"
XFS_SIZE="${REPRISE_SWIFT_XFS_SIZE:-1G}"
BUCKET="${1:-${REPRISE_SWIFT_BUCKET:-}}"
REGION="${REPRISE_SWIFT_REGION:-us-east-1}"
TIMEOUT="${REPRISE_SWIFT_TIMEOUT:-60}"
HOST=127.0.0.1
OBJ_PORT=$((PORT + 1)); CONT_PORT=$((PORT + 2)); ACCT_PORT=$((PORT + 3)); MC_PORT=$((PORT + 4))
# tempauth user "test:tester" with key "testing" -> S3 access key id "test:tester", secret "testing"
ACCESS_KEY=test:tester
SECRET_KEY=testing
ENDPOINT="http://$HOST:$PORT"
# tempauth refuses to work without a memcache client ("Memcache required"), hence memcached
SERVERS="memcached account container object proxy"
PKGS="swift swift-proxy swift-object swift-container swift-account memcached"

log() { echo "swift-start: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# The packages to install: all of PKGS when a server binary is missing, plus xfsprogs when the
# XFS storage mode may be used (root, REPRISE_SWIFT_STORAGE not `dir`) and mkfs.xfs is missing.
missing_packages() {
  local out="" b
  for b in swift-proxy-server swift-object-server swift-container-server swift-account-server swift-ring-builder memcached; do
    command -v "$b" >/dev/null 2>&1 || { out="$PKGS"; break; }
  done
  if [ "$STORAGE" != dir ] && [ "$(id -u)" = 0 ] && ! command -v mkfs.xfs >/dev/null 2>&1; then out="${out:+$out }xfsprogs"; fi
  echo "$out"
}
if [ "$MODE" = missing ]; then missing_packages; exit 0; fi

emit() {
  printf 'export REPRISE_S3_ENDPOINT=%q\n' "$ENDPOINT"
  printf 'export REPRISE_S3_REGION=%q\n' "$REGION"
  printf 'export REPRISE_S3_ACCESS_KEY_ID=%q\n' "$ACCESS_KEY"
  printf 'export REPRISE_S3_SECRET_ACCESS_KEY=%q\n' "$SECRET_KEY"
  printf 'export REPRISE_S3_FORCE_PATH_STYLE=true\n'
  if [ -n "$BUCKET" ]; then printf 'export REPRISE_S3_BUCKET=%q\n' "$BUCKET"; fi
}

# Signed S3 request with curl. The access key contains ':' so it goes in the URL
# userinfo percent-encoded (curl -u would split it at the first colon). s3api
# requires x-amz-content-sha256, which curl 7.88 does not add by itself.
s3curl() { # METHOD PATH [curl args...]
  local method="$1" path="$2"; shift 2
  curl -sS -o /dev/null -m 10 -w '%{http_code}' -X "$method" \
    --aws-sigv4 "aws:amz:$REGION:s3" -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' \
    "http://test%3Atester:$SECRET_KEY@$HOST:$PORT$path" "$@"
}

healthy() { # PORT
  [ "$(curl -s -o /dev/null -m 2 -w '%{http_code}' "http://$HOST:$1/healthcheck" 2>/dev/null)" = 200 ]
}

# NAME: the pid this run started is still running (not exited, not a zombie). Unlike alive(), it
# does not look at the command line: right after the fork, before setsid execs the server, the
# child still shows this script's command line, and under load the first check can see that.
started() {
  local pid
  pid="$(cat "$BASE/run/$1.pid" 2>/dev/null)" || return 1
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && ! grep -qs '^[0-9]* ([^)]*) Z' "/proc/$pid/stat"
}

alive() { # NAME: its recorded pid is running and is really that server (pids get reused)
  local pidf="$BASE/run/$1.pid" pid want
  [ -f "$pidf" ] || return 1
  pid="$(cat "$pidf")"
  case "$1" in memcached) want="memcached";; *) want="$BASE/etc/$1-server.conf";; esac
  [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' < "/proc/$pid/cmdline" | grep -qF -- "$want"
}

create_bucket() {
  [ -n "$BUCKET" ] || return 0
  local code
  code="$(s3curl PUT "/$BUCKET")"
  case "$code" in
    200|409) log "bucket '$BUCKET' ready (HTTP $code)";;
    *) die "creating bucket '$BUCKET' failed: HTTP $code";;
  esac
}

# Stamp of everything that shapes the rings/configs; a change forces a rebuild.
STAMP="v1 port=$PORT region=$REGION storage=$STORAGE user=$(id -un)"

# ---------- fast path: already running with the same settings ----------
if [ -f "$BASE/stamp" ] && [ "$(cat "$BASE/stamp")" = "$STAMP" ]; then
  all_up=1
  for s in $SERVERS; do alive "$s" || all_up=0; done
  if [ "$all_up" = 1 ] && [ "$(s3curl GET / 2>/dev/null)" = 200 ]; then
    log "already running at $ENDPOINT"
    create_bucket
    emit
    exit 0
  fi
fi

# ---------- install (only what is missing) ----------
want_xfs=0
if [ "$STORAGE" != dir ] && [ "$(id -u)" = 0 ]; then want_xfs=1; fi
PKGS="$(missing_packages)"
if [ -n "$PKGS" ]; then
  [ "$(id -u)" = 0 ] || die "Swift packages missing and not root: apt-get install $PKGS"
  log "installing: $PKGS"
  t0=$(date +%s)
  # Package postinsts try to start the services; without systemd that only makes
  # noise or leaves stray daemons on the default ports. Deny it for the install.
  added_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; added_policy=1
  fi
  trap '[ "$added_policy" = 1 ] && rm -f /usr/sbin/policy-rc.d' EXIT
  aptlog="${TMPDIR:-/tmp}/reprise-swift-apt.log"
  # shellcheck disable=SC2086
  if ! { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $PKGS; } >"$aptlog" 2>&1; then
    tail -n 40 "$aptlog" >&2; die "apt-get failed (full log: $aptlog)"
  fi
  if [ "$added_policy" = 1 ]; then rm -f /usr/sbin/policy-rc.d; fi
  trap - EXIT
  log "installed in $(( $(date +%s) - t0 ))s"
fi

# ---------- stop leftovers from a previous run, then lay out state ----------
if [ -d "$BASE/run" ]; then
  REPRISE_SWIFT_DIR="$BASE" REPRISE_SWIFT_KEEP_DATA=1 bash "$(dirname "$0")/swift-stop.sh" >&2 || true
fi
mkdir -p "$BASE/etc" "$BASE/devices/d1" "$BASE/run" "$BASE/log" "$BASE/cache"
RUN_USER="$(id -un)"

# ---------- storage: loop-mounted XFS if possible, else plain directory ----------
mount_check=false
if mountpoint -q "$BASE/devices/d1"; then
  mount_check=true
elif [ "$want_xfs" = 1 ]; then
  img="$BASE/xfs.img"
  if { [ -f "$img" ] || { truncate -s "$XFS_SIZE" "$img" && mkfs.xfs -q "$img"; }; } 2>"$BASE/log/xfs.err" \
     && mount -o loop,noatime "$img" "$BASE/devices/d1" 2>>"$BASE/log/xfs.err"; then
    mount_check=true
    log "storage: XFS image $img loop-mounted on $BASE/devices/d1"
  else
    [ "$STORAGE" = xfs ] && die "XFS requested but failed: $(cat "$BASE/log/xfs.err")"
    log "storage: XFS loop mount unavailable ($(tr '\n' ' ' < "$BASE/log/xfs.err")), using a plain directory"
    rm -f "$img"
  fi
fi
chown -R "$RUN_USER" "$BASE/devices" "$BASE/cache" 2>/dev/null || true

# ---------- configs ----------
cat > "$BASE/etc/swift.conf" <<EOF
[swift-hash]
swift_hash_path_suffix = reprise-test
swift_hash_path_prefix = reprise-test

[storage-policy:0]
name = Policy-0
default = yes
EOF

common() { # PORT
  cat <<EOF
[DEFAULT]
bind_ip = $HOST
bind_port = $1
workers = 0
user = $RUN_USER
swift_dir = $BASE/etc
devices = $BASE/devices
mount_check = $mount_check
recon_cache_path = $BASE/cache
log_level = INFO
# No syslog here: servers run with -v, which logs to stdout (-> $BASE/log/*.log)
log_facility = LOG_LOCAL0
EOF
}

storage_server_conf() { # NAME PORT: account, container and object servers differ only in these
  common "$2"
  cat <<EOF

[pipeline:main]
pipeline = healthcheck $1-server

[app:$1-server]
use = egg:swift#$1

[filter:healthcheck]
use = egg:swift#healthcheck
EOF
}
storage_server_conf account "$ACCT_PORT" > "$BASE/etc/account-server.conf"
storage_server_conf container "$CONT_PORT" > "$BASE/etc/container-server.conf"
storage_server_conf object "$OBJ_PORT" > "$BASE/etc/object-server.conf"

{ common "$PORT"; cat <<EOF

[pipeline:main]
pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats s3api tempauth copy slo dlo versioned_writes proxy-logging proxy-server

[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true

[filter:s3api]
use = egg:swift#s3api
location = $REGION
# Path-style only (no storage_domain => no virtual-hosted buckets).

[filter:tempauth]
use = egg:swift#tempauth
user_test_tester = $SECRET_KEY .admin

[filter:cache]
use = egg:swift#memcache
memcache_servers = $HOST:$MC_PORT

[filter:catch_errors]
use = egg:swift#catch_errors

[filter:gatekeeper]
use = egg:swift#gatekeeper

[filter:healthcheck]
use = egg:swift#healthcheck

[filter:proxy-logging]
use = egg:swift#proxy_logging

[filter:listing_formats]
use = egg:swift#listing_formats

[filter:copy]
use = egg:swift#copy

[filter:slo]
use = egg:swift#slo

[filter:dlo]
use = egg:swift#dlo

[filter:versioned_writes]
use = egg:swift#versioned_writes
EOF
} > "$BASE/etc/proxy-server.conf"

# ---------- rings (replicas 1, one device) ----------
if [ ! -f "$BASE/stamp" ] || [ "$(cat "$BASE/stamp")" != "$STAMP" ] || [ ! -f "$BASE/etc/object.ring.gz" ]; then
  log "building rings"
  rm -rf "$BASE/etc/"*.builder "$BASE/etc/"*.ring.gz "$BASE/etc/backups"
  # Same as `swift-ring-builder X.builder create 6 1 1; add r1z1-IP:PORT/d1 100;
  # rebalance` for the three rings, in one Python process (3 s faster).
  # part_power 6 (64 partitions) is plenty for one device. Debian's python3, not
  # whatever python3 is first on PATH (pyenv etc. lack the swift module).
  /usr/bin/python3 - "$BASE/etc" "$HOST" "$OBJ_PORT" "$CONT_PORT" "$ACCT_PORT" <<'PY'
import sys
from swift.common.ring import RingBuilder
etc, host = sys.argv[1], sys.argv[2]
for name, port in zip(("object", "container", "account"), map(int, sys.argv[3:6])):
    b = RingBuilder(6, 1, 1)
    b.add_dev({"region": 1, "zone": 1, "ip": host, "port": port,
               "replication_ip": host, "replication_port": port,
               "device": "d1", "weight": 100, "meta": ""})
    b.rebalance()
    b.save("%s/%s.builder" % (etc, name))
    b.get_ring().save("%s/%s.ring.gz" % (etc, name))
PY
  for name in object container account; do
    [ -f "$BASE/etc/$name.ring.gz" ] || die "ring $name not built"
  done
fi

# ---------- start ----------
t0=$(date +%s%3N)
rm -f "$BASE/stamp"
# setsid: own process group, so swift-stop.sh can end each server and its children by id
setsid memcached -u "$RUN_USER" -l "$HOST" -p "$MC_PORT" -U 0 -m 64 >"$BASE/log/memcached.log" 2>&1 </dev/null &
echo $! > "$BASE/run/memcached.pid"
for s in account container object proxy; do
  setsid "swift-$s-server" "$BASE/etc/$s-server.conf" -v >"$BASE/log/$s.log" 2>&1 </dev/null &
  echo $! > "$BASE/run/$s.pid"
done

deadline=$(( $(date +%s) + TIMEOUT ))
for p in "$ACCT_PORT" "$CONT_PORT" "$OBJ_PORT" "$PORT"; do
  until healthy "$p"; do
    for s in $SERVERS; do
      started "$s" || {
        if [ -s "$BASE/log/$s.log" ]; then tail -n 30 "$BASE/log/$s.log" >&2; else log "(its log is empty)"; fi
        st=0; wait "$(cat "$BASE/run/$s.pid")" 2>/dev/null || st=$?
        die "the $s server exited with status $st (log: $BASE/log/$s.log)"
      }
    done
    [ "$(date +%s)" -lt "$deadline" ] || die "timed out waiting for port $p (logs: $BASE/log)"
    sleep 0.2
  done
done
# Ready means an authenticated S3 request succeeds end to end (ListBuckets).
until [ "$(s3curl GET / 2>/dev/null)" = 200 ]; do
  [ "$(date +%s)" -lt "$deadline" ] || die "S3 ListBuckets never returned 200 (logs: $BASE/log)"
  sleep 0.2
done
echo "$STAMP" > "$BASE/stamp"
log "ready at $ENDPOINT in $(( $(date +%s%3N) - t0 ))ms"

create_bucket
emit
