#!/usr/bin/env python3
"""Agreement of `pkimm collect tls` with sslyze (and, with --testssl,
testssl.sh) on loopback `openssl s_server` configurations.

    bench/tls-agreement.py [--pkimm target/release/pkimm] [--sslyze PATH] [--testssl]

Each configuration is one server; every tool scans all of them. For every
(server, fact) both tools report, the script counts whether they agree:
protocol versions, accepted suites of each version, ECDH groups, the DH
prime size of DHE suites, client-certificate authentication (none, optional,
required), secure renegotiation, extended master secret, TLS_FALLBACK_SCSV
and the length of the served chain. It prints each disagreement, the
agreement per fact and overall, and each tool's wall time for the same
servers. The peers are the reference: a disagreement is reported, never
explained away.
"""

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

VERSIONS = ["SSLv3", "TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3"]
SSLYZE_VERSION_KEYS = {
    "SSLv3": "ssl_3_0_cipher_suites",
    "TLSv1.0": "tls_1_0_cipher_suites",
    "TLSv1.1": "tls_1_1_cipher_suites",
    "TLSv1.2": "tls_1_2_cipher_suites",
    "TLSv1.3": "tls_1_3_cipher_suites",
}
# sslyze (OpenSSL) curve names -> IANA TLS group names.
CURVES = {
    "X25519": "x25519",
    "X448": "x448",
    "prime256v1": "secp256r1",
    "secp256r1": "secp256r1",
    "secp384r1": "secp384r1",
    "secp521r1": "secp521r1",
    "brainpoolP256r1": "brainpoolP256r1",
    "brainpoolP384r1": "brainpoolP384r1",
    "brainpoolP512r1": "brainpoolP512r1",
    "secp256k1": "secp256k1",
    "secp224r1": "secp224r1",
    "secp224k1": "secp224k1",
    "secp192r1": "secp192r1",
    "prime192v1": "secp192r1",
    "secp192k1": "secp192k1",
}
ECDH_GROUPS = set(CURVES.values()) | {
    "brainpoolP256r1tls13",
    "brainpoolP384r1tls13",
    "brainpoolP512r1tls13",
}


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kw)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port):
    for _ in range(400):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.025)
    raise SystemExit(f"nothing listens on {port}")


def make_pki(d):
    def p(name):
        return os.path.join(d, name)

    run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", p("root.key"),
         "-out", p("root.pem"), "-days", "7", "-subj", "/CN=pkimm agreement root",
         "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign"])
    with open(p("ext.cnf"), "w") as f:
        f.write("subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n")
    for name, key in [("rsa", ["-newkey", "rsa:2048"]),
                      ("ec", ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"])]:
        run(["openssl", "req", *key, "-nodes", "-keyout", p(f"{name}.key"), "-out", p(f"{name}.csr"),
             "-subj", "/CN=localhost"])
        run(["openssl", "x509", "-req", "-in", p(f"{name}.csr"), "-CA", p("root.pem"), "-CAkey",
             p("root.key"), "-CAcreateserial", "-out", p(f"{name}.pem"), "-days", "7", "-extfile",
             p("ext.cnf")])
    run(["openssl", "dhparam", "-out", p("dh1024.pem"), "1024"])
    run(["openssl", "genpkey", "-genparam", "-algorithm", "DH", "-pkeyopt", "group:ffdhe2048",
         "-out", p("dh2048.pem")])
    return p


def configurations(p):
    rsa = ["-cert", p("rsa.pem"), "-key", p("rsa.key"), "-cert_chain", p("root.pem")]
    ec = ["-cert", p("ec.pem"), "-key", p("ec.key"), "-cert_chain", p("root.pem")]
    return {
        "default": rsa,
        "legacy-all": rsa + ["-cipher", "ALL:@SECLEVEL=0", "-min_protocol", "TLSv1"],
        "tls12-ecdhe": rsa + ["-no_tls1_3", "-cipher",
                              "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384",
                              "-groups", "P-256:P-384"],
        "dhe-1024": rsa + ["-no_tls1_3", "-cipher", "DHE-RSA-AES128-GCM-SHA256:@SECLEVEL=0",
                           "-dhparam", p("dh1024.pem")],
        "dhe-2048-ecdhe": rsa + ["-cipher", "DHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384",
                                 "-dhparam", p("dh2048.pem"), "-serverpref"],
        "tls13-only": ec + ["-tls1_3", "-ciphersuites",
                            "TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256",
                            "-groups", "X25519:P-384"],
        "mtls-required": rsa + ["-Verify", "1", "-CAfile", p("root.pem")],
        "mtls-optional": rsa + ["-verify", "1", "-CAfile", p("root.pem")],
        "static-rsa": rsa + ["-no_tls1_3", "-cipher", "AES128-GCM-SHA256:AES256-SHA"],
        "cbc-tls10-12": rsa + ["-min_protocol", "TLSv1", "-max_protocol", "TLSv1.2", "-cipher",
                               "ECDHE-RSA-AES128-SHA:AES128-SHA:DES-CBC3-SHA:@SECLEVEL=0"],
        "ecdsa-x448": ec + ["-groups", "X448:X25519:P-521"],
        "tls11-12-scsv": rsa + ["-min_protocol", "TLSv1.1", "-max_protocol", "TLSv1.2",
                                "-cipher", "ECDHE-RSA-AES128-SHA:@SECLEVEL=0"],
    }


def pkimm_facts(bundle):
    chains = {c["provenance"]["source"]: len(c["certificates"]) for c in bundle["chains"]}
    out = {}
    for e in bundle["tls_endpoints"]:
        t = e["target"]
        f = {"versions": sorted(e.get("versions", []))}
        for s in e.get("suites", []):
            f[f"suites {s['version']}"] = sorted(s["suites"])
        f["ecdh groups"] = sorted(g for g in e.get("groups", []) if g in ECDH_GROUPS)
        if e.get("dh_bits") is not None:
            f["dh bits"] = e["dh_bits"]
        auth = e.get("client_auth")
        f["client auth"] = "none" if not auth else ("required" if auth.get("required") else "optional")
        f["client auth requested"] = bool(auth)
        if any(v != "TLSv1.3" for v in e.get("versions", [])):
            f["secure renegotiation"] = e.get("secure_renegotiation")
            f["extended master secret"] = e.get("extended_master_secret")
        if e.get("fallback_scsv") is not None:
            f["fallback scsv"] = e["fallback_scsv"]
        f["chain length"] = chains.get(t)
        out[t] = f
    return out


def sslyze_facts(data):
    out = {}
    for r in data["server_scan_results"]:
        loc = r["server_location"]
        t = f"{loc['ip_address']}:{loc['port']}"
        if r["connectivity_status"] != "COMPLETED":
            out[t] = {}
            continue
        sr = r["scan_result"]
        f = {}
        versions, dh = [], []
        for v, key in SSLYZE_VERSION_KEYS.items():
            res = (sr.get(key) or {}).get("result")
            if not res or not res["is_tls_version_supported"]:
                continue
            versions.append(v)
            f[f"suites {v}"] = sorted(c["cipher_suite"]["name"] for c in res["accepted_cipher_suites"])
            for c in res["accepted_cipher_suites"]:
                k = c.get("ephemeral_key")
                if k and k.get("type_name") == "DH":
                    dh.append(k["size"])
        f["versions"] = sorted(versions)
        curves = (sr.get("elliptic_curves") or {}).get("result")
        if curves and curves.get("supports_ecdh_key_exchange"):
            f["ecdh groups"] = sorted(CURVES.get(c["name"], c["name"])
                                      for c in curves["supported_curves"] or [])
        if dh:
            f["dh bits"] = min(dh)
        f["client auth"] = {"DISABLED": "none", "OPTIONAL": "optional", "REQUIRED": "required"}[
            r["connectivity_result"]["client_auth_requirement"]]
        reneg = (sr.get("session_renegotiation") or {}).get("result")
        if reneg:
            f["secure renegotiation"] = reneg["supports_secure_renegotiation"]
        ems = (sr.get("tls_extended_master_secret") or {}).get("result")
        if ems:
            f["extended master secret"] = ems["supports_ems_extension"]
        fallback = (sr.get("tls_fallback_scsv") or {}).get("result")
        if fallback:
            f["fallback scsv"] = fallback["supports_fallback_scsv"]
        info = (sr.get("certificate_info") or {}).get("result")
        if info:
            f["chain length"] = len(info["certificate_deployments"][0]["received_certificate_chain"])
        out[t] = f
    return out


def testssl_facts(path):
    """Versions, suites per version, DH size, client-auth request,
    renegotiation, fallback and ECDH curves from a testssl.sh 3.0 JSON file
    (flat format). testssl.sh 3.0 says only whether a client certificate is
    requested, not whether it is required."""
    ids = {}
    items = json.load(open(path))
    for item in items:
        ids.setdefault(item["id"], item["finding"])
    f = {}
    names = {"SSLv3": "SSLv3", "TLS1": "TLSv1.0", "TLS1_1": "TLSv1.1", "TLS1_2": "TLSv1.2",
             "TLS1_3": "TLSv1.3"}
    f["versions"] = sorted(v for k, v in names.items()
                           if ids.get(k, "").startswith("offered"))
    # "cipher-tls1_2_xc030": "TLS 1.2   xc030   ECDHE-RSA-...   ECDH 253   AESGCM   256   TLS_ECDHE_..."
    per_version = {v: [] for v in f["versions"]}
    dh = []
    for item in items:
        m = re.match(r"cipher-(ssl3|tls1|tls1_1|tls1_2|tls1_3)_x", item["id"])
        if not m:
            continue
        version = {"ssl3": "SSLv3", "tls1": "TLSv1.0", "tls1_1": "TLSv1.1", "tls1_2": "TLSv1.2",
                   "tls1_3": "TLSv1.3"}[m.group(1)]
        per_version.setdefault(version, []).append(item["finding"].split()[-1])
        kx = re.search(r"\s(DH|EDH) (\d+)\s", item["finding"])
        if kx:
            dh.append(int(kx.group(2)))
    for version, suites in per_version.items():
        f[f"suites {version}"] = sorted(suites)
    if dh:
        f["dh bits"] = min(dh)
    f["client auth requested"] = "client x509-based authentication" in ids.get("secure_client_renego", "")
    renego = ids.get("secure_renego", "")
    if renego in ("supported", "VULNERABLE") or renego.lower().startswith("not supported"):
        f["secure renegotiation"] = renego == "supported"
    scsv = ids.get("fallback_SCSV", "")
    if scsv == "supported" or scsv.startswith("NOT supported"):
        f["fallback scsv"] = scsv == "supported"
    if "PFS_ECDHE_curves" in ids:
        f["ecdh groups"] = sorted(CURVES.get(c, c) for c in ids["PFS_ECDHE_curves"].split())
    return f


def compare(name, ours, theirs, names, tally, disagreements):
    for target, facts in ours.items():
        peer = theirs.get(target, {})
        for fact, value in facts.items():
            if fact not in peer:
                continue
            agree = value == peer[fact]
            a, n = tally.setdefault(fact, [0, 0])
            tally[fact] = [a + agree, n + 1]
            if not agree and isinstance(value, list) and isinstance(peer[fact], list):
                only_ours = sorted(set(value) - set(peer[fact]))
                only_theirs = sorted(set(peer[fact]) - set(value))
                disagreements.append(f"{names[target]} {fact}: only pkimm {only_ours}, only {name} {only_theirs}")
            elif not agree:
                disagreements.append(f"{names[target]} {fact}: pkimm {value!r}, {name} {peer[fact]!r}")


def report(name, tally, disagreements, seconds):
    print(f"== pkimm against {name}")
    for line in disagreements:
        print(f"   disagree: {line}")
    total_a = sum(a for a, _ in tally.values())
    total_n = sum(n for _, n in tally.values())
    for fact, (a, n) in sorted(tally.items()):
        print(f"   {fact:26} {a}/{n}")
    pct = 100.0 * total_a / total_n if total_n else 0.0
    print(f"   overall: {total_a}/{total_n} facts agree ({pct:.1f} %); {name} took {seconds:.1f} s")


def main():
    parser = argparse.ArgumentParser()
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser.add_argument("--pkimm", default=os.path.join(root, "target/release/pkimm"))
    parser.add_argument("--sslyze", default=os.path.join(root, "target/bench-venv/bin/sslyze"))
    parser.add_argument("--testssl", action="store_true", help="also compare with testssl.sh")
    parser.add_argument("--testssl-jobs", type=int, default=4,
                        help="testssl.sh runs at once (it takes minutes per target)")
    args = parser.parse_args()
    work = tempfile.mkdtemp()
    servers = []
    try:
        p = make_pki(work)
        names = {}
        for name, extra in configurations(p).items():
            port = free_port()
            servers.append(subprocess.Popen(
                ["openssl", "s_server", "-accept", f"127.0.0.1:{port}", "-www", "-quiet", *extra],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            wait_port(port)
            names[f"127.0.0.1:{port}"] = name
        targets = list(names)
        print(f"{len(targets)} openssl s_server configurations: {', '.join(names.values())}")

        start = time.time()
        subprocess.run([args.pkimm, "collect", "tls", *targets, "--trust", p("root.pem"), "-o",
                        os.path.join(work, "pkimm.json")], check=True, stderr=subprocess.DEVNULL)
        pkimm_seconds = time.time() - start
        ours = pkimm_facts(json.load(open(os.path.join(work, "pkimm.json"))))
        print(f"== pkimm took {pkimm_seconds:.2f} s")

        if os.path.exists(args.sslyze):
            start = time.time()
            subprocess.run([args.sslyze, "--quiet", "--certinfo", "--certinfo_ca_file", p("root.pem"),
                            "--sslv3", "--tlsv1", "--tlsv1_1", "--tlsv1_2", "--tlsv1_3",
                            "--elliptic_curves", "--fallback", "--reneg", "--ems",
                            "--json_out", os.path.join(work, "sslyze.json"), *targets],
                           check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            seconds = time.time() - start
            theirs = sslyze_facts(json.load(open(os.path.join(work, "sslyze.json"))))
            tally, disagreements = {}, []
            compare("sslyze", ours, theirs, names, tally, disagreements)
            report("sslyze", tally, disagreements, seconds)
        else:
            print(f"no sslyze at {args.sslyze}; skipped")

        testssl = shutil.which("testssl") or shutil.which("testssl.sh")
        if args.testssl and testssl:
            def one(target):
                out = os.path.join(work, f"testssl-{target.replace(':', '_')}.json")
                subprocess.run([testssl, "--quiet", "--warnings", "off", "--color", "0",
                                "--protocols", "--server-defaults", "--fs", "--renegotiation",
                                "--tls-fallback", "--cipher-per-proto", "--jsonfile", out, target],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                return target, (testssl_facts(out) if os.path.exists(out) else {})

            start = time.time()
            with ThreadPoolExecutor(args.testssl_jobs) as pool:
                theirs = dict(pool.map(one, targets))
            seconds = time.time() - start
            tally, disagreements = {}, []
            compare("testssl.sh", ours, theirs, names, tally, disagreements)
            report(f"testssl.sh ({args.testssl_jobs} at once)", tally, disagreements, seconds)
    finally:
        for s in servers:
            s.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
