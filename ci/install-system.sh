#!/usr/bin/env bash
# Install the system packages hukspy's hardware backends are tested against (Debian/Ubuntu): SoftHSM2,
# swtpm, libtss2; p11-kit (server and client module) for the fleet tests; tpm2-abrmd, its TCTI and dbus for
# tpm2:tabrmd:; zsh to check that `hukspy completion zsh` parses; python3-venv for the service tests'
# client venv of other uids (tests/service).
# Runs as root (CI) or through sudo. Installs only what is missing, but always refreshes the lists
# first when anything is missing (a fresh machine has none).
set -euo pipefail
packages=(softhsm2 swtpm swtpm-tools libtss2-dev pkg-config gcc openssl p11-kit p11-kit-modules tpm2-abrmd libtss2-tcti-tabrmd0 dbus postgresql zsh python3-venv)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "ci/install-system: all of ${packages[*]} already installed"
  exit 0
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "ci/install-system: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
