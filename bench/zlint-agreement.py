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
`profiles.tls_br_issuers`, `smime_br_issuers` and `code_signing_br_issuers`,
which is zlint's assumption made explicit.

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

# zlint lint -> pkimm rule, or rules (pkimm fails when any of them fails:
# zlint reports MUST and SHOULD of one lint as Error and Warn, pkimm as two
# rules of different severity).
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
    # Encoding and structure (rules/packs/encoding.yaml).
    "e_wrong_time_format_pre2050": "cert.validity-time-type",
    "e_utc_time_not_in_zulu": "cert.validity-time-conforming",
    "e_utc_time_does_not_include_seconds": "cert.validity-time-conforming",
    "e_generalized_time_not_in_zulu": "cert.validity-time-conforming",
    "e_generalized_time_includes_fraction_seconds": "cert.validity-time-conforming",
    "e_generalized_time_does_not_include_seconds": "cert.validity-time-conforming",
    "e_cert_contains_unique_identifier": "cert.no-unique-identifiers",
    "e_validity_time_not_positive": "cert.validity-positive",
    "e_ext_cannot_be_empty_sequence": "extension.value-not-empty",
    "e_ext_authority_key_identifier_no_key_identifier": "extension.aki-has-key-id",
    "e_ext_name_constraints_not_in_ca": "nc.only-in-ca",
    "e_name_constraint_empty": "nc.not-empty",
    "e_name_constraint_minimum_non_zero": "nc.minimum-zero",
    "e_name_constraint_maximum_not_absent": "nc.no-maximum",
    "e_issuer_field_empty": "name.issuer-not-empty",
    "e_subject_country_not_iso": "name.subject-country-code",
    "e_subject_dn_country_not_printable_string": "name.country-printable",
    "e_issuer_dn_country_not_printable_string": "name.country-printable",
    "n_multiple_subject_rdn": "name.subject-single-valued-rdns",
    "w_multiple_issuer_rdn": "name.issuer-single-valued-rdns",
    "e_subject_printable_string_badalpha": "name.printable-string-characters",
    "e_subject_dn_serial_number_not_printable_string": "name.serial-number-printable",
    "e_subject_organization_name_max_length": "name.organization-length",
    "e_subject_organizational_unit_name_max_length": "name.organizational-unit-length",
    "e_subject_locality_name_max_length": "name.locality-length",
    "e_subject_state_name_max_length": "name.state-length",
    "e_subject_street_address_max_length": "name.street-length",
    "e_subject_postal_code_max_length": "name.postal-code-length",
    "e_subject_email_max_length": "name.email-length",
    "e_subject_dn_serial_number_max_length": "name.serial-number-length",
    "e_san_dns_name_includes_null_char": "name.san-no-control-characters",
    "e_aia_unique_access_locations": "url.unique",
    "w_distribution_point_missing_ldap_or_uri": "url.cdp-has-uri",
    # Keys and algorithms (rules/packs/keys.yaml).
    "w_rsa_mod_not_odd": "key.rsa-modulus-odd",
    "w_rsa_mod_factors_smaller_than_752": "key.rsa-no-small-factors",
    "e_rsa_fermat_factorization": "key.rsa-not-fermat-factorable",
    "e_spki_rsa_encryption_parameter_not_null": "key.rsa-parameters-null",
    "e_mp_modulus_must_be_divisible_by_8": "key.rsa-modulus-multiple-of-8",
    "e_tbs_signature_rsa_encryption_parameter_not_null": "crypto.signature-parameters",
    "e_cert_sig_alg_not_match_tbs_sig_alg": "crypto.signature-algorithm-consistent",
    # CRL profile (rules/packs/revocation.yaml).
    "e_crl_empty_revoked_certificates": "crl.revoked-list-omitted-when-empty",
    "e_crl_has_valid_reason_code": ("crl.reason-codes-valid", "crl.reason-unspecified-absent"),
    "e_crl_revocation_time_after_this_update": "crl.revocation-not-after-this-update",
    "e_cab_crl_reason_code_not_critical": "crl.no-critical-reason-code",
    "e_crl_sigalgo_missing_null_params": "crl.signature-parameters",
    "e_cab_crl_has_valid_reason_code": ("crl.reason-unspecified-absent", "cabf.crl-reason-codes-allowed", "crl.no-certificate-hold"),
    "e_crl_has_next_update": "crl.next-update-missing",
    "e_crl_missing_crl_number": "crl.number-present",
    "e_crl_has_authority_key_identifier": "crl.authority-key-id",
    # CA/B Forum profiles (rules/packs/cabf.yaml).
    "e_aia_ocsp_must_have_http_only": "cabf.aia-ocsp-http",
    "e_aia_ca_issuers_must_have_http_only": "cabf.aia-ca-issuers-http",
    "e_crl_distrib_points_not_http": "cabf.crl-url-http",
    "w_sub_cert_aia_contains_internal_names": "cabf.urls-public-hosts",
    "e_smime_strict_eku_check": "smime.eku",
    "e_san_shall_be_present": "smime.mailbox-in-san",
    "e_subscribers_crl_distribution_points_are_http": "smime.crl-http",
    "e_subscribers_shall_have_crl_distribution_points": "smime.crl-distribution-point",
    "e_cs_max_validity_period_39_months": "cs.validity-39-months",
    "e_cs_max_validity_period_460_days": "cs.validity-460",
    "e_cs_rsa_key_size": "cs.rsa-3072",
    "e_cs_eku_required": "cs.eku",
    "e_cs_key_usage_required": ("cs.key-usage", "cs.key-usage-digital-signature-only"),
    "e_cs_aia_ocsp_not_http": "cs.revocation-urls-http",
    "e_cs_crl_distribution_points": "cs.revocation-urls-http",
    "e_ocsp_id_pkix_ocsp_nocheck_ext_not_included_server_auth": "cabf.ocsp-responder-nocheck",
    "e_ocsp_cert_cdp_forbidden": "cabf.ocsp-responder-no-cdp",
    "e_ocsp_cert_cp_forbidden": "cabf.ocsp-responder-no-policies",
    "e_ocsp_cert_invalid_ku": "cabf.ocsp-responder-key-usage",
    "e_international_dns_name_not_unicode": "name.idn-punycode-valid",
    "e_international_dns_name_not_nfc": "name.idn-nfc",
}

# Disagreements that are pkimm's policy, not defects: rule -> why.
INTENDED = {
    "name.internal-name": "pkimm flags internal and reserved names (single labels, .local, .internal, .test, …) and carries no snapshot of the IANA root zone, so a TLD that was removed or not yet delegated is not flagged",
    "crypto.signature-sha1": "pkimm does not judge the self-signature of a self-signed certificate (no relying party checks it; TLS BRs §7.1.3.2)",
    "name.dns-underscore": "pkimm applies the BR underscore ban from 1 April 2019 (ballot SC12); name.dns-syntax flags underscores under RFC 5280 at any date",
    "crypto.rsa-min-size": "pkimm judges end-entity keys against the policy minimum (2048) and CA keys by crypto.ca-rsa-min-size (3072)",
    "crl.signature-parameters": "pkimm also checks ECDSA signature parameters (RFC 5758 §3.2: they MUST be omitted, so NULL is wrong); zlint's lint covers RSA only",
    "cabf.crl-reason-codes-allowed": "cACompromise is allowed on CRLs of a root (they cover CA certificates); the test CRL's issuer is the empty name, which matches self-signed certificates of the corpus, so pkimm takes it for a root's CRL",
    "url.unique": "pkimm compares URLs as RFC 3986 does: the path is case-sensitive, so /caissuer and /caIssuer are two locations; zlint compares them ignoring case",
    "interop.name-constraints-critical": "informational in pkimm: the TLS BRs allow non-critical name constraints",
    "cabf.urls-public-hosts": "pkimm counts a reserved address (here the 198.51.100.0/24 documentation range) as unreachable by relying parties, as it does an internal name; zlint checks names only",
}

STATUS = re.compile(r"lint\.(Pass|Error|Warn|NA|NE|Notice|Fatal)\b")
PATH = re.compile(r'"([^"\s]+\.(?:pem|der|crt))"')
LINT = re.compile(r'Test(?:RevocationList)?Lint\(\s*(?:t,\s*)?"([a-z0-9_]+)"')


def rules_of(lint):
    """The pkimm rules a zlint lint maps to."""
    mapped = MAPPING[lint]
    return (mapped,) if isinstance(mapped, str) else mapped


def intended_reason(lint):
    """Why pkimm intentionally differs on this lint, if it does."""
    return next((INTENDED[r] for r in rules_of(lint) if r in INTENDED), None)


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
        for block in re.split(r"\n\s*(?:func |\},?\s*\{)", text):
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
        for crl in data.get("crls", []):
            issuers.add(crl["issuer"])
            for o in crl["observations"]:
                parsed.add(os.path.basename(o["source"].split("#")[0]))
        for cert in data["certificates"]:
            issuers.add(cert["issuer"])
            for o in cert["observations"]:
                parsed.add(os.path.basename(o["source"].split("#")[0]))
        policy = os.path.join(work, "policy.yaml")
        default = subprocess.run([binary, "policy", "init"], check=True, capture_output=True).stdout.decode()
        every_issuer = "[" + ", ".join(json.dumps(i) for i in sorted(issuers)) + "]"
        for profile in ("tls_br_issuers", "smime_br_issuers", "code_signing_br_issuers"):
            if f"{profile}: []" not in default:
                sys.exit(f"the default policy has no profiles.{profile} to fill")
            default = default.replace(f"{profile}: []", f"{profile}: {every_issuer}")
        with open(policy, "w") as out:
            out.write(default)
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
        if status in ("NA", "NE", "Fatal"):
            continue
        rules = rules_of(lint)
        name = os.path.basename(path)
        zlint_fails = status in ("Error", "Warn", "Notice")
        pkimm_fails = any(name in failing[rule] for rule in rules)
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
    intended = sum(len(r[2]) for lint, r in table.items() if intended_reason(lint))
    print(f"{'zlint lint':58} {'pkimm rule':42} agree")
    for lint, (count, agree, misses) in sorted(table.items()):
        print(f"{lint:58} {' + '.join(rules_of(lint)):42} {agree}/{count}")
        for miss in misses:
            note = intended_reason(lint)
            print(f"    {miss}" + (f" (intended: {note})" if note else ""))
    share = 100.0 * agreed / pairs if pairs else 0.0
    print(f"\n{agreed} of {pairs} (lint, certificate) pairs agree: {share:.1f} % over {len(table)} lints")
    if pairs - intended:
        print(f"without the {intended} intended disagreements: {agreed} of {pairs - intended}, {100.0 * agreed / (pairs - intended):.1f} %")


if __name__ == "__main__":
    main()
