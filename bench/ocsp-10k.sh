#!/usr/bin/env bash
# OCSP throughput: 10,000 queries from pkimm's OCSP client at concurrency 64
# against a local `openssl ocsp` responder, then `openssl ocsp` run once per
# query, sequentially, in the same run, for comparison.
#
#   bench/ocsp-10k.sh [N] [CONCURRENCY] [OPENSSL_N]    (defaults: 10000 64 500)
#
# The responder is openssl's own, which answers one request at a time, so the
# client's figure is bounded by it; the comparison shows what a script that
# calls `openssl ocsp` per certificate gets from the same responder.
set -euo pipefail
N=${1:-10000}
CONCURRENCY=${2:-64}
OPENSSL_N=${3:-500}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d)
PID=
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT

cd "$ROOT"
cargo build --release --quiet -p pkimm-collectors --example ocsp_load
PORT=$(( 30000 + RANDOM % 20000 ))
bash tests/e2e/scripts/revocation-pki.sh "$WORK" 1 "$PORT" >/dev/null
(cd "$WORK" && exec openssl ocsp -port "$PORT" -index index.txt -CA ca.pem \
    -rsigner responder.pem -rkey responder.key -ignore_err -nmin 60 >/dev/null 2>&1) &
PID=$!
for _ in $(seq 1 100); do
    grep -q ":$(printf '%04X' "$PORT") .* 0A " /proc/net/tcp /proc/net/tcp6 2>/dev/null && break
    sleep 0.05
done

echo "== pkimm: $N queries, concurrency $CONCURRENCY"
target/release/examples/ocsp_load "http://127.0.0.1:$PORT/" "$WORK/good.pem" "$WORK/ca.pem" "$N" "$CONCURRENCY"

echo "== openssl ocsp per query, sequential: $OPENSSL_N queries"
start=$(date +%s.%N)
for _ in $(seq 1 "$OPENSSL_N"); do
    openssl ocsp -issuer "$WORK/ca.pem" -cert "$WORK/good.pem" -url "http://127.0.0.1:$PORT/" \
        -CAfile "$WORK/ca.pem" >/dev/null 2>&1
done
end=$(date +%s.%N)
python3 -c "
d = $end - $start
print(f'   {$OPENSSL_N} queries in {d:.2f} s: {$OPENSSL_N / d:.0f} queries/s, {d / $OPENSSL_N * 1000:.1f} ms each')"
