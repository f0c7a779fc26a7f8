#!/usr/bin/env bash
# Generates a signed CRL with 1,000,000 entries, then parses it in a fresh
# process and prints the parse time and peak memory against the file size.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cargo build -q --release -p pkimm-collectors --example crl_1m
./target/release/examples/crl_1m generate "$dir" "${1:-1000000}"
./target/release/examples/crl_1m parse "$dir"
