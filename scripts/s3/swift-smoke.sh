#!/usr/bin/env bash
# Smoke test of the S3 endpoint started by swift-start.sh, with curl's SigV4
# signer only (no SDK). Prints one line per check and a closing
# "N passed, N failed" line; exits non-zero if any check failed.
#   bash scripts/s3/swift-smoke.sh            # starts Swift if needed
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
eval "$(bash "$here/swift-start.sh" "${REPRISE_S3_BUCKET:-reprise-smoke}")" || exit 1

B="$REPRISE_S3_BUCKET"
HOSTPORT="${REPRISE_S3_ENDPOINT#http://}"
# access key "test:tester" has a colon: pass it percent-encoded in the URL userinfo
URLBASE="http://${REPRISE_S3_ACCESS_KEY_ID//:/%3A}:$REPRISE_S3_SECRET_ACCESS_KEY@$HOSTPORT"
SIG=(--aws-sigv4 "aws:amz:$REPRISE_S3_REGION:s3")
UNSIGNED=(-H 'x-amz-content-sha256: UNSIGNED-PAYLOAD')
# curl 7.88 signs the query string as written: give parameters sorted by name and
# values percent-encoded (%2F for /), or the signature will not match.
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
pass=0; fail=0
check() { # NAME CONDITION-RESULT(0/1) DETAIL
  if [ "$2" = 0 ]; then pass=$((pass + 1)); echo "ok   $1 ${3:-}"; else fail=$((fail + 1)); echo "FAIL $1 ${3:-}"; fi
}
req() { # METHOD PATH [curl args...] -> status on stdout, headers in $tmp/h, body in $tmp/b
  local m="$1" p="$2"; shift 2
  curl -sS -X "$m" "${SIG[@]}" -D "$tmp/h" -o "$tmp/b" -w '%{http_code}' "$@" "$URLBASE$p"
}
hdr() { grep -i "^$1:" "$tmp/h" | head -1 | cut -d' ' -f2- | tr -d '\r"'; }

head -c 102400 /dev/urandom > "$tmp/obj"
md5="$(md5sum < "$tmp/obj" | cut -d' ' -f1)"
sha="$(sha256sum < "$tmp/obj" | cut -d' ' -f1)"
K="smoke/dir/obj-100k.bin"

code=$(req PUT "/$B/$K" -H "x-amz-content-sha256: $sha" -H 'Content-Type: application/octet-stream' --data-binary @"$tmp/obj")
check "PUT object (signed payload sha256)" $([ "$code" = 200 ] && [ "$(hdr ETag)" = "$md5" ]; echo $?) "status=$code etag=$(hdr ETag) md5=$md5"

code=$(req PUT "/$B/$K-bad" -H "x-amz-content-sha256: $(printf x | sha256sum | cut -d' ' -f1)" --data-binary @"$tmp/obj")
check "PUT with wrong x-amz-content-sha256 rejected" $([ "$code" = 400 ]; echo $?) "status=$code $(grep -o '<Code>[^<]*' "$tmp/b")"

code=$(req HEAD "/$B/$K" "${UNSIGNED[@]}" -I)
check "HEAD object" $([ "$code" = 200 ] && [ "$(hdr Content-Length)" = 102400 ] && [ "$(hdr ETag)" = "$md5" ]; echo $?) "len=$(hdr Content-Length) etag=$(hdr ETag)"

code=$(req GET "/$B/$K" "${UNSIGNED[@]}")
check "GET object" $([ "$code" = 200 ] && cmp -s "$tmp/b" "$tmp/obj" && [ "$(hdr Content-Length)" = 102400 ] && [ "$(hdr ETag)" = "$md5" ]; echo $?) "len=$(hdr Content-Length) etag=$(hdr ETag)"

code=$(req GET "/$B/$K" "${UNSIGNED[@]}" -H 'Range: bytes=0-9')
check "GET range" $([ "$code" = 206 ] && [ "$(stat -c %s "$tmp/b")" = 10 ]; echo $?) "status=$code"

req PUT "/$B/other/x.txt" "${UNSIGNED[@]}" --data-binary 'x' >/dev/null
code=$(req GET "/$B?prefix=smoke%2F" "${UNSIGNED[@]}")
check "ListObjects v1 prefix" $([ "$code" = 200 ] && grep -q "<Key>$K</Key>" "$tmp/b" && ! grep -q 'other/x.txt' "$tmp/b"; echo $?) "status=$code"

code=$(req GET "/$B?delimiter=%2F&list-type=2&prefix=smoke%2F" "${UNSIGNED[@]}")
check "ListObjectsV2 prefix+delimiter" $([ "$code" = 200 ] && grep -q '<KeyCount>1</KeyCount>' "$tmp/b" && grep -q '<Prefix>smoke/dir/</Prefix>' "$tmp/b"; echo $?) "status=$code"

code=$(req GET "/$B?list-type=2&prefix=smoke%2F" "${UNSIGNED[@]}")
check "ListObjectsV2 prefix" $([ "$code" = 200 ] && grep -q "<Key>$K</Key>" "$tmp/b" && grep -q '<KeyCount>1</KeyCount>' "$tmp/b"; echo $?) "status=$code"

code=$(req GET "/$B?list-type=2&max-keys=1" "${UNSIGNED[@]}")
tok="$(grep -o '<NextContinuationToken>[^<]*' "$tmp/b" | cut -d'>' -f2)"
code2=$(req GET "/$B?continuation-token=${tok//=/%3D}&list-type=2&max-keys=1" "${UNSIGNED[@]}")
check "ListObjectsV2 continuation-token" $([ "$code" = 200 ] && [ -n "$tok" ] && [ "$code2" = 200 ] && grep -q '<Key>smoke/' "$tmp/b"; echo $?) "token=$tok"

code=$(req PUT "/$B/$K" "${UNSIGNED[@]}" -H 'If-None-Match: *' --data-binary 'new')
check "conditional PUT If-None-Match:* -> 501 NotImplemented (unsupported in Swift 2.30)" $([ "$code" = 501 ]; echo $?) "status=$code $(grep -o '<Message>[^<]*' "$tmp/b")"

code=$(req PUT "/$B/sdk-style" "${UNSIGNED[@]}" -H 'x-amz-sdk-checksum-algorithm: CRC32' -H 'x-amz-checksum-crc32: AAAAAA==' --data-binary 'hello')
check "PUT with x-amz-checksum-crc32 (wrong value) accepted, not verified, not echoed" $([ "$code" = 200 ] && [ -z "$(hdr x-amz-checksum-crc32)" ]; echo $?) "status=$code"

code=$(req PUT "/$B/chunked" -H 'x-amz-content-sha256: STREAMING-UNSIGNED-PAYLOAD-TRAILER' -H 'Content-Encoding: aws-chunked' -H 'x-amz-decoded-content-length: 5' -H 'x-amz-trailer: x-amz-checksum-crc32' --data-binary $'5\r\nhello\r\n0\r\nx-amz-checksum-crc32:NhCmhg==\r\n\r\n')
check "aws-chunked upload -> 501 NotImplemented" $([ "$code" = 501 ]; echo $?) "status=$code $(grep -o '<Message>[^<]*' "$tmp/b")"

code=$(req DELETE "/$B/$K" "${UNSIGNED[@]}")
code2=$(req GET "/$B/$K" "${UNSIGNED[@]}")
check "DELETE object then GET -> 404 NoSuchKey" $([ "$code" = 204 ] && [ "$code2" = 404 ] && grep -q NoSuchKey "$tmp/b"; echo $?) "delete=$code get=$code2"

code=$(req DELETE "/$B/$K" "${UNSIGNED[@]}")
check "DELETE missing object -> 204" $([ "$code" = 204 ]; echo $?) "status=$code"

# latency: 20 PUT/GET of the 100 KB object, median of curl's time_total
for i in $(seq 1 20); do
  curl -sS -o /dev/null -w '%{time_total}\n' -X PUT "${SIG[@]}" "${UNSIGNED[@]}" --data-binary @"$tmp/obj" "$URLBASE/$B/lat/$i" >> "$tmp/put.t"
  curl -sS -o /dev/null -w '%{time_total}\n' "${SIG[@]}" "${UNSIGNED[@]}" "$URLBASE/$B/lat/$i" >> "$tmp/get.t"
done
med() { sort -n "$1" | sed -n 10p | awk '{printf "%.1f ms", $1*1000}'; }
echo "latency 100 KB (median of 20, curl incl. connect): PUT $(med "$tmp/put.t"), GET $(med "$tmp/get.t")"
for i in $(seq 1 20); do req DELETE "/$B/lat/$i" "${UNSIGNED[@]}" >/dev/null; done
for k in other/x.txt sdk-style; do req DELETE "/$B/$k" "${UNSIGNED[@]}" >/dev/null; done

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
