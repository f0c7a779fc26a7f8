#!/usr/bin/env bash
# Builds a small PKI for the revocation tests with openssl:
#   revocation-pki.sh DIR HTTP_PORT OCSP_PORT
# ca.pem/ca.key (root), good.pem, revoked.pem (revoked: keyCompromise),
# unknown.pem (issued, not in the responder's index), responder.pem (delegated,
# id-kp-OCSPSigning, id-pkix-ocsp-nocheck), responder-plain.pem (delegated,
# without nocheck), rogue.pem (OCSPSigning, self-signed: not authorised),
# index.txt, and CRLs: fresh.crl, stale.crl, wrongsig.crl (same issuer name,
# other key). Leaves point their AIA and CDP at 127.0.0.1.
set -euo pipefail
DIR=$1 HTTP=$2 OCSP=$3
cd "$DIR"
mkdir -p db other/db
: > db/index.txt; echo 1000 > db/serial; echo 1000 > db/crlnumber
: > other/db/index.txt; echo 2000 > other/db/serial; echo 2000 > other/db/crlnumber
cat > ca.cnf <<CNF
[ ca ]
default_ca = CA_default
[ CA_default ]
dir = .
database = \$dir/db/index.txt
serial = \$dir/db/serial
crlnumber = \$dir/db/crlnumber
new_certs_dir = \$dir/db
default_md = sha256
policy = policy_any
unique_subject = no
copy_extensions = none
default_days = 365
default_crl_days = 7
[ policy_any ]
commonName = supplied
organizationName = optional
[ req ]
distinguished_name = dn
prompt = no
[ dn ]
CN = unused
[ v3_ca ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ v3_leaf ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
authorityInfoAccess = OCSP;URI:http://127.0.0.1:$OCSP/,caIssuers;URI:http://127.0.0.1:$HTTP/ca.der
crlDistributionPoints = URI:http://127.0.0.1:$HTTP/fresh.crl
[ v3_responder ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = OCSPSigning
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
noCheck = ignored
[ v3_responder_plain ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = OCSPSigning
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[ crl_ext ]
authorityKeyIdentifier = keyid:always
CNF
sed 's#dir = \.#dir = ./other#' ca.cnf > other/ca.cnf
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 30 \
  -subj "/CN=pkimm Revocation Test CA" -config ca.cnf -extensions v3_ca 2>/dev/null
openssl x509 -in ca.pem -outform DER -out ca.der
# Another key under the same name signs the wrong-signature CRL.
openssl req -x509 -newkey rsa:2048 -nodes -keyout other/ca.key -out other/ca.pem -days 30 \
  -subj "/CN=pkimm Revocation Test CA" -config ca.cnf -extensions v3_ca 2>/dev/null
issue() { # name extensions
  openssl req -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.csr" -subj "/CN=$1.test" 2>/dev/null
  openssl ca -batch -config ca.cnf -cert ca.pem -keyfile ca.key -in "$1.csr" -out "$1.pem" \
    -extensions "$2" -notext 2>/dev/null
}
issue good v3_leaf
issue revoked v3_leaf
issue responder v3_responder
cp db/index.txt index.txt
issue unknown v3_leaf
issue responder-plain v3_responder_plain
# The responder's index does not know "unknown"; the CA database does.
openssl ca -config ca.cnf -cert ca.pem -keyfile ca.key -revoke revoked.pem -crl_reason keyCompromise 2>/dev/null
openssl ca -config ca.cnf -cert ca.pem -keyfile ca.key -revoke revoked.pem -crl_reason keyCompromise 2>/dev/null || true
grep -v "CN=unknown.test" db/index.txt > index.txt
# A responder index that wrongly says the revoked certificate is good.
sed 's/^R\t\([^\t]*\)\t[^\t]*\t/V\t\1\t\t/' index.txt > index-lying.txt
openssl req -x509 -newkey rsa:2048 -nodes -keyout rogue.key -out rogue.pem -days 30 \
  -subj "/CN=rogue responder" -addext "extendedKeyUsage=OCSPSigning" 2>/dev/null
openssl ca -gencrl -config ca.cnf -cert ca.pem -keyfile ca.key -crlexts crl_ext -out fresh.crl.pem 2>/dev/null
openssl crl -in fresh.crl.pem -outform DER -out fresh.crl
openssl ca -gencrl -config ca.cnf -cert ca.pem -keyfile ca.key -crlexts crl_ext \
  -crl_lastupdate 20250101000000Z -crl_nextupdate 20250108000000Z -out stale.crl.pem 2>/dev/null
openssl crl -in stale.crl.pem -outform DER -out stale.crl
openssl ca -gencrl -config other/ca.cnf -cert other/ca.pem -keyfile other/ca.key -out wrongsig.crl.pem 2>/dev/null
openssl crl -in wrongsig.crl.pem -outform DER -out wrongsig.crl
