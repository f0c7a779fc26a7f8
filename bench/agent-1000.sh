#!/usr/bin/env bash
# The agent under load: N loopback TLS endpoints (one Python asyncio process
# listening on N ports), scanned by `pkimm agent` every INTERVAL seconds for
# CYCLES cycles. Prints the scan duration per cycle, the agent's RSS after
# each cycle (it must not grow), and the SQLite history size per scan.
#
#   bench/agent-1000.sh [N] [CYCLES] [INTERVAL_SECONDS]   (defaults: 1000 10 60)
#
# Each cycle checks the chain and protocol versions (legacy probe included) of
# every endpoint; cipher enumeration is off so the Python server is not the
# bottleneck.
set -euo pipefail
N=${1:-1000}
CYCLES=${2:-10}
INTERVAL=${3:-60}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT
cd "$ROOT"
cargo build --release --quiet
PKIMM="$ROOT/target/release/pkimm"

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$WORK/key.pem" \
    -out "$WORK/cert.pem" -days 7 -subj "/CN=localhost" \
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" 2>/dev/null
BASE=$(( 20000 + RANDOM % 20000 ))
python3 - "$WORK" "$BASE" "$N" <<'PY' &
import asyncio, ssl, sys
work, base, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(f"{work}/cert.pem", f"{work}/key.pem")
async def handle(reader, writer):
    try:
        await asyncio.wait_for(reader.read(1024), 5)
    except Exception:
        pass
    writer.close()
async def main():
    servers = [await asyncio.start_server(handle, "127.0.0.1", base + i, ssl=ctx, backlog=256) for i in range(n)]
    open(f"{work}/ready", "w").close()
    await asyncio.gather(*(s.serve_forever() for s in servers))
asyncio.run(main())
PY
PIDS+=($!)
for _ in $(seq 1 600); do [ -e "$WORK/ready" ] && break; sleep 0.1; done

: > "$WORK/targets.txt"
for i in $(seq 0 $((N - 1))); do echo "127.0.0.1:$((BASE + i)) sni=localhost" >> "$WORK/targets.txt"; done
HTTP=$(( 40000 + RANDOM % 10000 ))
cat > "$WORK/scan.toml" <<TOML
store = "history.sqlite"
agent = "bench"
[[job]]
name = "loopback"
schedule = "*/$INTERVAL * * * * *"
tls = { targets_files = ["targets.txt"], trust = ["cert.pem"], ciphers = false, concurrency = 200 }
TOML
if [ "$INTERVAL" -ge 60 ]; then
    sed -i "s|^schedule = .*|schedule = \"*/$((INTERVAL / 60)) * * * *\"|" "$WORK/scan.toml"
fi
"$PKIMM" agent --config "$WORK/scan.toml" --listen "127.0.0.1:$HTTP" 2>"$WORK/agent.log" &
AGENT=$!
PIDS+=($AGENT)

echo "cycle  scan_s  endpoints  rss_mb  sqlite_mb  sqlite_mb_per_scan"
last=0
for cycle in $(seq 1 "$CYCLES"); do
    while :; do
        json=$(curl -s "http://127.0.0.1:$HTTP/api/latest" || true)
        id=$(python3 -c "import json,sys; d=json.loads(sys.argv[1] or '{}'); print(d.get('jobs',{}).get('loopback',{}).get('scan_id',0))" "$json" 2>/dev/null || echo 0)
        [ "$id" -gt "$last" ] && break
        sleep 1
    done
    last=$id
    python3 - "$json" "$AGENT" "$WORK/history.sqlite" "$cycle" <<'PY'
import json, os, sys
d = json.loads(sys.argv[1])["jobs"]["loopback"]
rss = 0
for line in open(f"/proc/{sys.argv[2]}/status"):
    if line.startswith("VmRSS:"):
        rss = int(line.split()[1]) / 1024
size = sum(os.path.getsize(p) for p in (sys.argv[3], sys.argv[3] + "-wal") if os.path.exists(p)) / 1e6
cycle = int(sys.argv[4])
print(f"{cycle:5d}  {d['duration_seconds']:6.1f}  {d['tls_endpoints']:9d}  {rss:6.1f}  {size:9.1f}  {size / d['scan_id']:18.2f}")
PY
done
kill -TERM "$AGENT"
wait "$AGENT" 2>/dev/null || true
