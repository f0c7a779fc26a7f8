#!/usr/bin/env bash
# Throughput of `pkimm collect tls` against N loopback TLS endpoints, compared
# with sslyze on the same targets in the same run.
#
#   bench/tls-endpoints.sh [N] [CONCURRENCY]      (defaults: 200 and 100)
#
# Each endpoint is an `openssl s_server` (TLS 1.0 to 1.3, a permissive cipher
# list, RSA 2048 leaf under a local root). Both tools run the same checks:
# the served chain, every protocol version (SSLv3 to TLS 1.3), and the
# accepted cipher suites. sslyze comes from PyPI into a private virtualenv
# (set SSLYZE=/path/to/sslyze to use another, or SSLYZE=skip to skip it).
set -euo pipefail

N=${1:-200}
CONCURRENCY=${2:-100}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d)
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    rm -rf "$WORK"
}
trap cleanup EXIT

cd "$ROOT"
cargo build --release --quiet
PKIMM="$ROOT/target/release/pkimm"

# A root and one leaf for 127.0.0.1, shared by every endpoint.
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$WORK/root.key" -out "$WORK/root.pem" \
    -days 7 -subj "/CN=pkimm bench root" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout "$WORK/leaf.key" -out "$WORK/leaf.csr" \
    -subj "/CN=localhost" 2>/dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' > "$WORK/ext.cnf"
openssl x509 -req -in "$WORK/leaf.csr" -CA "$WORK/root.pem" -CAkey "$WORK/root.key" \
    -CAcreateserial -out "$WORK/leaf.pem" -days 7 -extfile "$WORK/ext.cnf" 2>/dev/null

BASE=$(( 20000 + RANDOM % 20000 ))
: > "$WORK/targets.txt"
for i in $(seq 0 $((N - 1))); do
    port=$((BASE + i))
    openssl s_server -accept "127.0.0.1:$port" -cert "$WORK/leaf.pem" -key "$WORK/leaf.key" \
        -cert_chain "$WORK/root.pem" -cipher 'ALL:@SECLEVEL=0' -min_protocol TLSv1 \
        -www -quiet </dev/null >/dev/null 2>&1 &
    PIDS+=($!)
    echo "127.0.0.1:$port" >> "$WORK/targets.txt"
done
# Wait until every endpoint accepts connections.
for i in $(seq 0 $((N - 1))); do
    port=$((BASE + i))
    for attempt in $(seq 1 200); do
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
        if [ "$attempt" = 200 ]; then echo "endpoint $port did not start" >&2; exit 1; fi
        sleep 0.05
    done
done

now() { date +%s.%N; }
rate() { python3 -c "print(f'{$1 / ($3 - $2):.1f}')"; }

echo "== pkimm collect tls: $N endpoints, concurrency $CONCURRENCY"
start=$(now)
"$PKIMM" collect tls -f "$WORK/targets.txt" --concurrency "$CONCURRENCY" \
    --trust "$WORK/root.pem" -o "$WORK/bundle.json"
end=$(now)
pkimm_rate=$(rate "$N" "$start" "$end")
python3 - "$WORK/bundle.json" <<'PY'
import json, sys
b = json.load(open(sys.argv[1]))
eps = b["tls_endpoints"]
ok = [e for e in eps if e.get("versions")]
print(f"   endpoints with versions: {len(ok)}/{len(eps)}; failures: {len(b['failures'])}")
if ok:
    e = ok[0]
    print(f"   e.g. versions {e['versions']}, {len(e.get('accepted_ciphers', []))} suites accepted")
PY
echo "   $(python3 -c "print(f'{$end - $start:.2f}')") s, $pkimm_rate endpoints/s"

SSLYZE=${SSLYZE:-}
if [ "$SSLYZE" = skip ]; then
    exit 0
fi
if [ -z "$SSLYZE" ]; then
    if [ ! -x "$ROOT/target/bench-venv/bin/sslyze" ]; then
        python3 -m venv "$ROOT/target/bench-venv"
        "$ROOT/target/bench-venv/bin/pip" install --quiet sslyze
    fi
    SSLYZE="$ROOT/target/bench-venv/bin/sslyze"
fi
echo "== sslyze $("$SSLYZE" --help | sed -n 's/^SSLyze version //p'): same targets, chain + versions + ciphers"
start=$(now)
"$SSLYZE" --quiet --mozilla_config disable --certinfo --certinfo_ca_file "$WORK/root.pem" \
    --sslv2 --sslv3 --tlsv1 --tlsv1_1 --tlsv1_2 --tlsv1_3 \
    --targets_in "$WORK/targets.txt" --json_out "$WORK/sslyze.json"
end=$(now)
sslyze_rate=$(rate "$N" "$start" "$end")
echo "   $(python3 -c "print(f'{$end - $start:.2f}')") s, $sslyze_rate endpoints/s"
echo "== pkimm / sslyze: $(python3 -c "print(f'{$pkimm_rate / $sslyze_rate:.1f}')")x"
