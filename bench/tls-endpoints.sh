#!/usr/bin/env bash
# Throughput of `pkimm collect tls` against N loopback TLS endpoints, compared
# with sslyze on the same targets in the same run.
#
#   bench/tls-endpoints.sh [N] [CONCURRENCY]      (defaults: 200 and 100)
#
# Each endpoint is an `openssl s_server` (TLS 1.0 to 1.3, a permissive cipher
# list, an RSA 2048 and an ECDSA P-256 leaf under a local root). Both tools
# run the same checks: the served chain, every protocol version (SSLv3 to
# TLS 1.3), the accepted cipher suites of every version and the key-exchange
# groups (sslyze --elliptic_curves). pkimm also reads DH sizes, client-auth
# requests, renegotiation, EMS and fallback SCSV on the way. Then pkimm's
# --discovery mode (one handshake per endpoint) runs over the same endpoints,
# each listed DISCOVERY_ROUNDS times (default 10). sslyze comes from PyPI
# into a private virtualenv (set SSLYZE=/path/to/sslyze to use another, or
# SSLYZE=skip to skip it).
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
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$WORK/leaf-ec.key" \
    -out "$WORK/leaf-ec.csr" -subj "/CN=localhost" 2>/dev/null
openssl x509 -req -in "$WORK/leaf-ec.csr" -CA "$WORK/root.pem" -CAkey "$WORK/root.key" \
    -CAcreateserial -out "$WORK/leaf-ec.pem" -days 7 -extfile "$WORK/ext.cnf" 2>/dev/null

BASE=$(( 20000 + RANDOM % 20000 ))
: > "$WORK/targets.txt"
for i in $(seq 0 $((N - 1))); do
    port=$((BASE + i))
    openssl s_server -accept "127.0.0.1:$port" -cert "$WORK/leaf.pem" -key "$WORK/leaf.key" \
        -cert_chain "$WORK/root.pem" -dcert "$WORK/leaf-ec.pem" -dkey "$WORK/leaf-ec.key" \
        -dcert_chain "$WORK/root.pem" -cipher 'ALL:@SECLEVEL=0' -min_protocol TLSv1 \
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
    per_version = ", ".join(f"{s['version']} {len(s['suites'])}" for s in e.get("suites", []))
    print(f"   e.g. versions {e['versions']}; suites per version: {per_version}; groups {e.get('groups')}")
    conns = sorted(x.get("connections", 0) for x in ok)
    print(f"   connections per endpoint: median {conns[len(conns) // 2]}, max {conns[-1]}")
PY
echo "   $(python3 -c "print(f'{$end - $start:.2f}')") s, $pkimm_rate endpoints/s"

ROUNDS=${DISCOVERY_ROUNDS:-10}
: > "$WORK/discovery.txt"
for round in $(seq 1 "$ROUNDS"); do
    # A distinct SNI per round keeps every line a separate endpoint scan.
    sed "s/\$/ sni=r$round.localhost/" "$WORK/targets.txt" >> "$WORK/discovery.txt"
done
D=$((N * ROUNDS))
echo "== pkimm collect tls --discovery: $D endpoint scans (ECDSA handshakes), concurrency $CONCURRENCY"
start=$(now)
"$PKIMM" collect tls --discovery -f "$WORK/discovery.txt" --concurrency "$CONCURRENCY" \
    --trust "$WORK/root.pem" -o "$WORK/discovery.json"
end=$(now)
python3 - "$WORK/discovery.json" <<'PY'
import json, sys
b = json.load(open(sys.argv[1]))
eps = b["tls_endpoints"]
ok = [e for e in eps if e.get("versions")]
conns = sorted(x.get("connections", 0) for x in eps)
print(f"   endpoints with versions: {len(ok)}/{len(eps)}; connections per endpoint: max {conns[-1] if conns else 0}")
PY
echo "   $(python3 -c "print(f'{$end - $start:.2f}')") s, $(rate "$D" "$start" "$end") endpoints/s (target: 1000)"

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
echo "== sslyze $("$SSLYZE" --help | sed -n 's/^SSLyze version //p'): same targets, chain + versions + ciphers + groups"
start=$(now)
"$SSLYZE" --quiet --mozilla_config disable --certinfo --certinfo_ca_file "$WORK/root.pem" \
    --sslv2 --sslv3 --tlsv1 --tlsv1_1 --tlsv1_2 --tlsv1_3 --elliptic_curves \
    --targets_in "$WORK/targets.txt" --json_out "$WORK/sslyze.json"
end=$(now)
sslyze_rate=$(rate "$N" "$start" "$end")
echo "   $(python3 -c "print(f'{$end - $start:.2f}')") s, $sslyze_rate endpoints/s"
echo "== pkimm / sslyze: $(python3 -c "print(f'{$pkimm_rate / $sslyze_rate:.1f}')")x"
