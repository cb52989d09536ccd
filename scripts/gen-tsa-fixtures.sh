#!/usr/bin/env bash
# Generates the RFC 3161 test PKI under fixtures/tsa/ with openssl (run once; the output is committed).
# Every private key written here is test-only and public: see fixtures/tsa/README.md.
#
#   ca            root CA (ECDSA P-256), 20 years
#   int-ca        intermediate CA under ca
#   tsa           TSA signer under ca: critical EKU id-kp-timeStamping only (RFC 3161 §2.3)
#   tsa-rsa       same, RSA 2048 key
#   tsa-int       TSA signer under int-ca (chain of three)
#   tsa-noeku     no extended key usage at all
#   tsa-eku-noncritical   EKU timeStamping, not critical
#   tsa-eku-multi         critical EKU timeStamping + serverAuth
#   tsa-expired   valid 2000-01-01 .. 2001-01-01 only
#   tsa-notyet    valid 2099-01-01 .. 2100-01-01 only
#   untrusted-ca  a root nobody trusts; tsa-untrusted is a perfect TSA signer under it
set -euo pipefail

out="$(cd "$(dirname "$0")/.." && pwd)/fixtures/tsa"
mkdir -p "$out"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
days=7300

ec_key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$out/$1.key"; }
rsa_key() { openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$out/$1.key" 2>/dev/null; }
serial() { echo "0x$(openssl rand -hex 12)"; }

cat >"$work/ext.cnf" <<'CNF'
[root]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[intermediate]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[tsa]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = critical, timeStamping
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[noeku]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[eku_noncritical]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = timeStamping
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[eku_multi]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = critical, timeStamping, serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
CNF

# root NAME CN
root() {
  ec_key "$1"
  openssl req -new -x509 -key "$out/$1.key" -subj "/O=Remembrancer tests/CN=$2" -days "$days" \
    -sha256 -set_serial "$(serial)" -config "$work/ext.cnf" -extensions root -out "$out/$1.pem"
}

# leaf NAME CN ISSUER EXT [rsa]
leaf() {
  if [ "${5:-}" = rsa ]; then rsa_key "$1"; else ec_key "$1"; fi
  openssl req -new -key "$out/$1.key" -subj "/O=Remembrancer tests/CN=$2" -out "$work/$1.csr"
  openssl x509 -req -in "$work/$1.csr" -CA "$out/$3.pem" -CAkey "$out/$3.key" -set_serial "$(serial)" \
    -days "$days" -sha256 -extfile "$work/ext.cnf" -extensions "$4" -out "$out/$1.pem" 2>/dev/null
}

# dated NAME CN START END: a TSA signer under ca with an explicit validity window (openssl ca).
dated() {
  ec_key "$1"
  openssl req -new -key "$out/$1.key" -subj "/O=Remembrancer tests/CN=$2" -out "$work/$1.csr"
  mkdir -p "$work/ca-$1"
  : >"$work/ca-$1/index.txt"
  cat >"$work/ca-$1/ca.cnf" <<CNF
[ca]
default_ca = dated
[dated]
database = $work/ca-$1/index.txt
new_certs_dir = $work/ca-$1
serial = $work/ca-$1/serial
certificate = $out/ca.pem
private_key = $out/ca.key
default_md = sha256
policy = any
unique_subject = no
copy_extensions = none
[any]
organizationName = optional
commonName = supplied
CNF
  openssl rand -hex 12 >"$work/ca-$1/serial"
  openssl ca -batch -notext -config "$work/ca-$1/ca.cnf" -startdate "$3" -enddate "$4" \
    -extfile "$work/ext.cnf" -extensions tsa -in "$work/$1.csr" -out "$out/$1.pem" 2>/dev/null
}

root ca "Remembrancer Test TSA Root CA"
root untrusted-ca "Remembrancer Untrusted Test CA"
leaf int-ca "Remembrancer Test TSA Intermediate CA" ca intermediate
leaf tsa "Remembrancer Test TSA" ca tsa
leaf tsa-rsa "Remembrancer Test TSA (RSA)" ca tsa rsa
leaf tsa-int "Remembrancer Test TSA (under intermediate)" int-ca tsa
leaf tsa-noeku "Remembrancer Test signer without EKU" ca noeku
leaf tsa-eku-noncritical "Remembrancer Test signer with non-critical EKU" ca eku_noncritical
leaf tsa-eku-multi "Remembrancer Test signer with extra EKU" ca eku_multi
leaf tsa-untrusted "Remembrancer Test TSA under untrusted CA" untrusted-ca tsa
dated tsa-expired "Remembrancer Test TSA (expired)" 20000101000000Z 20010101000000Z
dated tsa-notyet "Remembrancer Test TSA (not yet valid)" 20990101000000Z 21000101000000Z

chmod 0644 "$out"/*.key "$out"/*.pem
echo "wrote $(ls "$out" | wc -l) files to $out"
