#!/usr/bin/env bash
# Fetches endless CRL streams from a loopback server, N at once, with the
# release binary and prints the peak memory against the per-fetch size cap
# (target: peak RSS within 1.2x the caps of the fetches that may download a
# large body at once). Needs /usr/bin/time.
#   bench/crl-fetch-memory.sh [PARALLEL] [CAP]
set -euo pipefail
cd "$(dirname "$0")/.."
parallel=${1:-8}
cap=${2:-200M}
pkimm=${PKIMM:-./target/release/pkimm}
if [ -z "${PKIMM:-}" ]; then cargo build -q --release --bin pkimm -p pkimm; fi
cargo build -q --release -p pkimm-testkit --example endless_http
dir=$(mktemp -d)
./target/release/examples/endless_http > "$dir/addr" &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 50); do [ -s "$dir/addr" ] && break; sleep 0.1; done
addr=$(cat "$dir/addr")
urls=()
for i in $(seq "$parallel"); do urls+=("http://$addr/endless-$i.crl"); done
/usr/bin/time -f "%e %M" -o "$dir/time" "$pkimm" collect revocation "${urls[@]}" \
  --max-crl-size "$cap" -o "$dir/out.json" 2>/dev/null
read -r seconds kb < "$dir/time"
cap_bytes=$(python3 -c "import sys; u={'K':1024,'M':1024**2,'G':1024**3}; s=sys.argv[1]; print(int(s[:-1])*u[s[-1].upper()] if s[-1].upper() in u else int(s))" "$cap")
failures=$(python3 -c "import json,sys; print(sum(1 for f in json.load(open(sys.argv[1]))['failures'] if f['kind']=='too_large'))" "$dir/out.json")
# At most LARGE_BODIES (collectors/src/http/mod.rs) = 2 bodies past 1 MiB
# download at once.
slots=$(( parallel < 2 ? parallel : 2 ))
awk -v kb="$kb" -v cap="$cap_bytes" -v n="$parallel" -v s="$seconds" -v f="$failures" -v slots="$slots" 'BEGIN {
  printf "%d endless CRL fetches (%d cut at the %.0f MiB cap) in %.1f s: peak RSS %.0f MiB = %.2fx the %d caps that may download at once (target 1.2x)\n",
    n, f, cap / 1048576, s, kb / 1024, kb * 1024 / (cap * slots), slots
}'
