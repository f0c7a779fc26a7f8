#!/usr/bin/env bash
# Collects 100,000 certificates from one PEM file with the release binary and
# prints the time and peak memory against the file size (target: under 5 s,
# peak RSS under 3x the input). Needs /usr/bin/time.
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-100000}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cargo build -q --release --bin pkimm -p pkimm
cargo build -q --release -p pkimm-collectors --example many_certs
./target/release/examples/many_certs "$dir" "$count"
size=$(stat -c %s "$dir/many.pem")
/usr/bin/time -f "%e %M" -o "$dir/time" ./target/release/pkimm collect files "$dir/many.pem" -o "$dir/bundle.json" >/dev/null
read -r seconds kb < "$dir/time"
collected=$(python3 -c "import json,sys; print(len(json.load(open(sys.argv[1]))['certificates']))" "$dir/bundle.json")
awk -v n="$collected" -v s="$seconds" -v kb="$kb" -v size="$size" 'BEGIN {
  printf "collected %d certificates from one %.1f MB PEM in %.2f s (%.0f certs/s); peak RSS %.1f MB = %.2fx the input\n",
    n, size / 1e6, s, n / (s > 0 ? s : 0.001), kb / 1024, kb * 1024 / size
}'
