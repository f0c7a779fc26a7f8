#!/usr/bin/env bash
# Fetches one large, complete, signed CRL over loopback HTTP, once with a
# Content-Length and once delimited by the connection's close, and prints
# each fetch's peak memory against the CRL's size, beside that of the files
# collector reading the same CRL from disk, for comparison.
# Needs /usr/bin/time.
#   bench/crl-fetch-large.sh [ENTRIES]
set -euo pipefail
cd "$(dirname "$0")/.."
entries=${1:-1000000}
pkimm=${PKIMM:-./target/release/pkimm}
if [ -z "${PKIMM:-}" ]; then cargo build -q --release --bin pkimm -p pkimm; fi
cargo build -q --release -p pkimm-collectors --example crl_1m
cargo build -q --release -p pkimm-testkit --example large_crl_http
dir=$(mktemp -d)
server=
trap '[ -n "$server" ] && kill $server 2>/dev/null; rm -rf "$dir"' EXIT
./target/release/examples/crl_1m generate "$dir" "$entries" > /dev/null
crl="$dir/large.crl"
size=$(stat -c %s "$crl")
./target/release/examples/large_crl_http "$crl" > "$dir/addr" &
server=$!
for _ in $(seq 50); do [ -s "$dir/addr" ] && break; sleep 0.1; done
addr=$(cat "$dir/addr")

# Runs pkimm with ARGS, checks the CRL was read whole, prints "SECONDS KB".
measure() {
  /usr/bin/time -f "%e %M" -o "$dir/time" "$pkimm" "$@" -o "$dir/out.json" 2>/dev/null
  python3 - "$dir/out.json" "$entries" <<'PY'
import json, sys
crls = json.load(open(sys.argv[1]))["crls"]
assert len(crls) == 1 and crls[0]["entry_count"] == int(sys.argv[2]), "the CRL was not read whole"
PY
  cat "$dir/time"
}
read -r file_s file_kb < <(measure collect files "$crl")
awk -v n="$entries" -v size="$size" -v s="$file_s" -v kb="$file_kb" 'BEGIN {
  printf "CRL of %d entries, %.1f MiB\n", n, size / 1048576
  printf "  read from a file:          %5.1f s, peak RSS %4.0f MiB = %.2fx the CRL (files collector, for comparison)\n", s, kb / 1024, kb * 1024 / size
}'
for mode in announced unannounced; do
  read -r s kb < <(measure collect revocation "http://$addr/$mode.crl" --max-crl-size 1G)
  awk -v s="$s" -v kb="$kb" -v ref="$file_kb" -v size="$size" -v mode="$mode" 'BEGIN {
    printf "  fetched, length %-11s %5.1f s, peak RSS %4.0f MiB = %.2fx the CRL\n",
      (mode == "announced" ? "announced:" : "unannounced:"), s, kb / 1024, kb * 1024 / size
  }'
done
