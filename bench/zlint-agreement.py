#!/usr/bin/env python3
"""Agreement of pkimm's certificate rules with zlint's own test expectations.

For every zlint lint that has a pkimm equivalent (MAPPING below), reads the
expected result of each test certificate from the lint's *_test.go, runs
pkimm over zlint's v3/testdata certificates, and prints a table: per lint,
the (certificate, expectation) pairs, how many pkimm agrees with, and the
total. A pair agrees when zlint expects Error or Warn and pkimm reports a
failing finding of the mapped rule on that certificate, or zlint expects
Pass and pkimm reports none. NA and NE expectations are not counted (they
say the lint does not apply, which pkimm reports as no finding either way).

zlint assumes every certificate is publicly trusted; pkimm judges
public-trust (CA/B Forum) rules only where the policy says so. The script
runs pkimm with a policy that lists every issuer of the corpus under
`profiles.tls_br_issuers`, which is zlint's assumption made explicit.

usage: bench/zlint-agreement.py [ZLINT_REPO] [--pkimm BINARY]
ZLINT_REPO is a zlint checkout or bare mirror (default: $ZLINT_REPO, then
/work/.mirror/zmap+zlint/repo); the binary defaults to target/release/pkimm.
"""

import collections
import json
import os
import re
import subprocess
import sys
import tempfile

# zlint lint -> pkimm rule.
MAPPING = {
    "e_ext_duplicate_extension": "extension.unique",
    "e_dnsname_wildcard_only_in_left_label": "name.wildcard-leftmost",
    "e_rfc_dnsname_label_too_long": "name.dns-length",
    "e_dnsname_label_too_long": "name.dns-length",
    "e_dnsname_bad_character_in_label": "name.dns-syntax",
    "e_dnsname_empty_label": "name.dns-syntax",
    "e_rfc_dnsname_empty_label": "name.dns-syntax",
    "e_dnsname_hyphen_in_sld": "name.dns-syntax",
    "e_rfc_dnsname_hyphen_in_sld": "name.dns-syntax",
    "e_dnsname_underscore_in_sld": "name.dns-underscore",
    "e_dnsname_underscore_in_trd": "name.dns-underscore",
    "e_rfc_dnsname_underscore_in_sld": "name.dns-syntax",
    "e_rfc_dnsname_underscore_in_trd": "name.dns-syntax",
    "e_dnsname_not_valid_tld": "name.internal-name",
    "e_ext_san_contains_reserved_ip": "name.reserved-ip",
    "e_sub_cert_key_usage_cert_sign_bit_set": "keyusage.cert-sign-needs-ca",
    "e_ext_key_usage_without_bits": "keyusage.not-empty",
    "e_ext_san_no_entries": "name.san-not-empty",
    "e_cert_extensions_version_not_3": "cert.extensions-need-v3",
    "e_subject_common_name_max_length": "name.cn-length",
    "e_tls_server_cert_valid_time_longer_than_398_days": "cabf.tls-validity-398",
    "e_ext_authority_key_identifier_critical": "interop.extension-must-not-be-critical",
    "e_ext_aia_marked_critical": "interop.extension-must-not-be-critical",
    "e_ext_subject_key_identifier_critical": "interop.extension-must-not-be-critical",
    "e_ext_crl_distribution_marked_critical": "interop.extension-must-not-be-critical",
    "w_ext_key_usage_not_critical": "interop.key-usage-critical",
    "e_ext_name_constraints_not_critical": "interop.name-constraints-critical",
    "e_subject_common_name_not_exactly_from_san": "cert.cn-not-in-san",
    "e_ext_san_missing": "cert.missing-san",
    "e_serial_number_longer_than_20_octets": "interop.serial-length",
    "e_serial_number_not_positive": "interop.serial-positive",
    "e_sub_cert_aia_missing": "cert.missing-aia",
    "e_sub_cert_or_sub_ca_using_sha1": "crypto.signature-sha1",
    "e_rsa_mod_less_than_2048_bits": "crypto.rsa-min-size",
}

# Disagreements that are pkimm's policy, not defects: rule -> why.
INTENDED = {
    "name.internal-name": "pkimm flags internal and reserved names (single labels, .local, .internal, .test, …) and carries no snapshot of the IANA root zone, so a TLD that was removed or not yet delegated is not flagged",
    "crypto.signature-sha1": "pkimm does not judge the self-signature of a self-signed certificate (no relying party checks it; TLS BRs §7.1.3.2)",
    "name.dns-underscore": "pkimm applies the BR underscore ban from 1 April 2019 (ballot SC12); name.dns-syntax flags underscores under RFC 5280 at any date",
    "crypto.rsa-min-size": "pkimm judges end-entity keys against the policy minimum (2048) and CA keys by crypto.ca-rsa-min-size (3072)",
    "interop.name-constraints-critical": "informational in pkimm: the TLS BRs allow non-critical name constraints",
}

STATUS = re.compile(r"lint\.(Pass|Error|Warn|NA|NE|Notice|Fatal)\b")
PATH = re.compile(r'"([^"\s]+\.(?:pem|der|crt))"')
LINT = re.compile(r'TestLint\(\s*"([a-z0-9_]+)"')


def git(repo, *args):
    return subprocess.run(["git", "--git-dir", repo, *args], check=True, capture_output=True).stdout


def git_dir(repo):
    for candidate in (repo, os.path.join(repo, ".git")):
        if os.path.exists(os.path.join(candidate, "HEAD")):
            return candidate
    sys.exit(f"{repo} is not a zlint repository")


def expectations(repo):
    """(lint, certificate file) -> expected status, from every *_test.go."""
    found = {}
    names = git(repo, "ls-tree", "-r", "--name-only", "HEAD", "v3/lints").decode().split()
    for name in names:
        if not name.endswith("_test.go"):
            continue
        text = git(repo, "show", f"HEAD:{name}").decode(errors="replace")
        every = set(LINT.findall(text))
        if not every & MAPPING.keys():
            continue
        # A block (a test function, or one row of a test table) pairs one
        # certificate with one status; its lint is the one the block calls,
        # or the file's only lint for table rows.
        for block in re.split(r"\n\s*(?:func |\},?\s*\n\s*\{)", text):
            paths = PATH.findall(block)
            statuses = STATUS.findall(block)
            called = set(LINT.findall(block))
            lint = called.pop() if len(called) == 1 else (next(iter(every)) if len(every) == 1 and not called else None)
            if lint in MAPPING and len(paths) == 1 and statuses:
                found[(lint, paths[0])] = statuses[0]
    return found


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    binary = "target/release/pkimm"
    if "--pkimm" in sys.argv:
        binary = sys.argv[sys.argv.index("--pkimm") + 1]
        args = [a for a in args if a != binary]
    repo = git_dir(args[0] if args else os.environ.get("ZLINT_REPO", "/work/.mirror/zmap+zlint/repo"))
    expected = expectations(repo)
    with tempfile.TemporaryDirectory() as work:
        archive = subprocess.run(["git", "--git-dir", repo, "archive", "HEAD", "v3/testdata"], check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", work], input=archive, check=True)
        testdata = os.path.join(work, "v3", "testdata")
        bundle = os.path.join(work, "bundle.json")
        subprocess.run([binary, "collect", "files", testdata, "-o", bundle], check=True, capture_output=True)
        data = json.load(open(bundle))
        parsed = set()
        issuers = set()
        for cert in data["certificates"]:
            issuers.add(cert["issuer"])
            for o in cert["observations"]:
                parsed.add(os.path.basename(o["source"].split("#")[0]))
        policy = os.path.join(work, "policy.yaml")
        default = subprocess.run([binary, "policy", "init"], check=True, capture_output=True).stdout.decode()
        listed = "tls_br_issuers: [" + ", ".join(json.dumps(i) for i in sorted(issuers)) + "]"
        if "tls_br_issuers: []" not in default:
            sys.exit("the default policy has no profiles.tls_br_issuers to fill")
        with open(policy, "w") as out:
            out.write(default.replace("tls_br_issuers: []", listed))
        run = subprocess.run(
            [binary, "evaluate", bundle, "--format", "json", "--policy", policy, "--now", "2026-12-01T00:00:00Z"],
            capture_output=True,
        )
        if run.returncode not in (0, 1):
            sys.exit(run.stderr.decode())
        evaluation = json.loads(run.stdout)
    failing = collections.defaultdict(set)
    for finding in evaluation["findings"]:
        if finding["outcome"] != "fail":
            continue
        for source in finding["record"].get("sources", []):
            failing[finding["rule"]].add(os.path.basename(source.split("#")[0]))
    table = collections.defaultdict(lambda: [0, 0, []])
    for (lint, path), status in sorted(expected.items()):
        if status in ("NA", "NE", "Fatal", "Notice"):
            continue
        rule = MAPPING[lint]
        name = os.path.basename(path)
        zlint_fails = status in ("Error", "Warn")
        pkimm_fails = name in failing[rule]
        row = table[lint]
        row[0] += 1
        if name not in parsed and zlint_fails:
            row[2].append(f"{name}: not parsed by pkimm")
        elif zlint_fails == pkimm_fails:
            row[1] += 1
        else:
            row[2].append(f"{name}: zlint {status}, pkimm {'fail' if pkimm_fails else 'no failure'}")
    pairs = sum(r[0] for r in table.values())
    agreed = sum(r[1] for r in table.values())
    intended = sum(len(r[2]) for lint, r in table.items() if MAPPING[lint] in INTENDED)
    print(f"{'zlint lint':58} {'pkimm rule':42} agree")
    for lint, (count, agree, misses) in sorted(table.items()):
        print(f"{lint:58} {MAPPING[lint]:42} {agree}/{count}")
        for miss in misses:
            note = INTENDED.get(MAPPING[lint])
            print(f"    {miss}" + (f" (intended: {note})" if note else ""))
    share = 100.0 * agreed / pairs if pairs else 0.0
    print(f"\n{agreed} of {pairs} (lint, certificate) pairs agree: {share:.1f} % over {len(table)} lints")
    if pairs - intended:
        print(f"without the {intended} intended disagreements: {agreed} of {pairs - intended}, {100.0 * agreed / (pairs - intended):.1f} %")


if __name__ == "__main__":
    main()
