#!/bin/sh
# Create a fresh SoftHSM2 token in DIR and print its hukspy keystore URI on stdout.
#
#   softhsm/make-token.sh DIR [LABEL] [PIN] [SO_PIN]
#
# DIR gets softhsm2.conf (from softhsm2.conf.in) and tokens/ (the token's files). Use the token with
#   SOFTHSM2_CONF=DIR/softhsm2.conf
# (SoftHSM reads that variable at C_Initialize, so it must be set before the library is loaded).
# Running the script again on the same DIR adds another token next to the first (labels must differ).
# Environment: SOFTHSM2_MODULE overrides the module path (default: searched in the usual places).
set -eu

if [ $# -lt 1 ] || [ $# -gt 4 ]; then
    echo "usage: $0 DIR [LABEL] [PIN] [SO_PIN]" >&2
    exit 2
fi
dir=$1
label=${2:-hukspy}
pin=${3:-1234}
so_pin=${4:-5678}
here=$(cd "$(dirname "$0")" && pwd)

if ! command -v softhsm2-util >/dev/null 2>&1; then
    echo "make-token.sh: softhsm2-util not found (Debian: apt-get install softhsm2)" >&2
    exit 3
fi

module=${SOFTHSM2_MODULE:-}
if [ -z "$module" ]; then
    for candidate in \
        /usr/lib/softhsm/libsofthsm2.so \
        /usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so \
        /usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so \
        /usr/lib64/pkcs11/libsofthsm2.so \
        /usr/lib/pkcs11/libsofthsm2.so \
        /usr/local/lib/softhsm/libsofthsm2.so \
        /opt/homebrew/lib/softhsm/libsofthsm2.so; do
        if [ -f "$candidate" ]; then module=$candidate; break; fi
    done
fi
if [ -z "$module" ] || [ ! -f "$module" ]; then
    echo "make-token.sh: libsofthsm2.so not found (set SOFTHSM2_MODULE)" >&2
    exit 3
fi

mkdir -p "$dir/tokens"
dir=$(cd "$dir" && pwd)
chmod 0700 "$dir" "$dir/tokens"
conf=$dir/softhsm2.conf
if [ ! -f "$conf" ]; then
    sed "s|^directories.tokendir = @TOKENDIR@|directories.tokendir = $dir/tokens|" "$here/softhsm2.conf.in" >"$conf"
    chmod 0600 "$conf"
fi

SOFTHSM2_CONF=$conf softhsm2-util --init-token --free --label "$label" --pin "$pin" --so-pin "$so_pin" >&2

# The URI names the token by label (slot ids change at every init). pin-value is fine for a test token;
# use pin-source=file:... for anything real.
printf 'pkcs11:token=%s?module-path=%s&pin-value=%s\n' "$label" "$module" "$pin"
