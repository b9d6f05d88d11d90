#!/usr/bin/env bash
# Local certificates, made with the JDK's keytool (no openssl needed): one CA per directory and
# certificates it signs, as PKCS12 keystores (for Java: the Kafka broker) and PEM files (for
# Node: kafkajs and pg; and for PostgreSQL).
#
#   deploy/local/tls/certs.sh ca DIR                       DIR/ca.p12 (the CA's key), DIR/ca.crt,
#                                                          DIR/truststore.p12 (the CA, trusted)
#   deploy/local/tls/certs.sh issue DIR NAME CN SAN        DIR/NAME.p12 (key + chain), DIR/NAME.crt,
#                                                          DIR/NAME.key (PKCS#8 PEM, mode 600)
#
# SAN is keytool's form, e.g. dns:localhost,ip:127.0.0.1. Every store's password is in
# DIR/store.pass (made once). Existing files are kept: a command is a no-op when its outputs exist.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

keytool_bin() {
  if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/keytool" ]]; then echo "$JAVA_HOME/bin/keytool"; else command -v keytool; fi
}
java_bin() {
  if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]]; then echo "$JAVA_HOME/bin/java"; else command -v java; fi
}
KEYTOOL=$(keytool_bin) || { echo "keytool not found (install a JDK 17+ or set JAVA_HOME)" >&2; exit 1; }
# keytool is a JVM: a small heap and no C2 keep each call quick on a small machine.
kt() { "$KEYTOOL" -J-Xmx128m -J-XX:TieredStopAtLevel=1 "$@"; }

password() {
  local dir=$1
  if [[ ! -s "$dir/store.pass" ]]; then
    (umask 077 && head -c 18 /dev/urandom | base64 | tr -d '/+=' >"$dir/store.pass")
  fi
  cat "$dir/store.pass"
}

cmd_ca() {
  local dir=$1
  mkdir -p "$dir"
  local pass
  pass=$(password "$dir")
  if [[ ! -s "$dir/ca.p12" ]]; then
    kt -genkeypair -alias ca -keyalg RSA -keysize 2048 -validity 3650 -dname "CN=Flowline local CA" \
      -ext bc:c -ext KeyUsage=keyCertSign,cRLSign \
      -keystore "$dir/ca.p12" -storetype PKCS12 -storepass "$pass" -keypass "$pass" 2>/dev/null
    rm -f "$dir/ca.crt" "$dir/truststore.p12"
  fi
  if [[ ! -s "$dir/ca.crt" ]]; then
    kt -exportcert -rfc -alias ca -keystore "$dir/ca.p12" -storepass "$pass" -file "$dir/ca.crt" 2>/dev/null
  fi
  if [[ ! -s "$dir/truststore.p12" ]]; then
    kt -importcert -noprompt -alias ca -file "$dir/ca.crt" \
      -keystore "$dir/truststore.p12" -storetype PKCS12 -storepass "$pass" 2>/dev/null
  fi
}

cmd_issue() {
  local dir=$1 name=$2 cn=$3 san=$4
  [[ -s "$dir/ca.p12" ]] || cmd_ca "$dir"
  local pass
  pass=$(password "$dir")
  if [[ -s "$dir/$name.p12" && -s "$dir/$name.crt" && -s "$dir/$name.key" ]]; then return 0; fi
  rm -f "$dir/$name.p12" "$dir/$name.csr"
  kt -genkeypair -alias "$name" -keyalg RSA -keysize 2048 -validity 825 -dname "CN=$cn" \
    -keystore "$dir/$name.p12" -storetype PKCS12 -storepass "$pass" -keypass "$pass" 2>/dev/null
  kt -certreq -alias "$name" -keystore "$dir/$name.p12" -storepass "$pass" -file "$dir/$name.csr" 2>/dev/null
  kt -gencert -rfc -alias ca -keystore "$dir/ca.p12" -storepass "$pass" -validity 825 \
    -ext "SAN=$san" -ext KeyUsage=digitalSignature,keyEncipherment -ext ExtendedKeyUsage=serverAuth,clientAuth \
    -infile "$dir/$name.csr" -outfile "$dir/$name.crt" 2>/dev/null
  # The keystore entry gets its whole chain (the CA first, so keytool can link the reply).
  kt -importcert -noprompt -alias ca -file "$dir/ca.crt" -keystore "$dir/$name.p12" -storepass "$pass" 2>/dev/null
  kt -importcert -noprompt -alias "$name" -file "$dir/$name.crt" -keystore "$dir/$name.p12" -storepass "$pass" 2>/dev/null
  (umask 077 && "$(java_bin)" -Xmx128m -XX:TieredStopAtLevel=1 "$HERE/PemKey.java" "$dir/$name.p12" "$pass" "$name" >"$dir/$name.key")
  rm -f "$dir/$name.csr"
}

case "${1:-}" in
  ca) cmd_ca "$2" ;;
  issue) cmd_issue "$2" "$3" "$4" "$5" ;;
  *) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
