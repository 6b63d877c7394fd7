#!/usr/bin/env bash
# The README's second command: install everything and pass every check, over every backend.
#   system packages (SoftHSM2, swtpm, libtss2, PostgreSQL, p11-kit, tpm2-abrmd) → a virtual environment →
#   the core (with its psycopg extra) and both plug-ins → ruff → mypy --strict → the documentation site
#   (mkdocs --strict) → the whole test suite with SoftHSM2 and swtpm required (never skipped).
set -euo pipefail
cd "$(dirname "$0")/.."
export HUKSPY_REQUIRE="${HUKSPY_REQUIRE-pkcs11,tpm2,openssl,postgresql}"
PY="${PYTHON:-python3}"

bash ci/install-system.sh

[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
plugins=()
for d in backends/pkcs11 backends/tpm2; do
  [ -f "$d/pyproject.toml" ] && plugins+=(-e "$d")
done
.venv/bin/python -m pip install -q -e '.[test,docs,postgresql]' "${plugins[@]}"

echo "== ruff"
.venv/bin/ruff check .
echo "== mypy --strict"
targets=(hukspy)
for d in backends/pkcs11/hukspy_pkcs11 backends/tpm2/hukspy_tpm2; do [ -d "$d" ] && targets+=("$d"); done
.venv/bin/mypy --strict "${targets[@]}"
echo "== mkdocs build --strict (docs/ and the API reference from the docstrings)"
.venv/bin/mkdocs build --strict --quiet
echo "== pytest (HUKSPY_REQUIRE=$HUKSPY_REQUIRE)"
set +e
.venv/bin/python -m pytest -q -p no:cacheprovider "$@"
rc=$?
set -e
if [ "$rc" -eq 5 ]; then
  echo "pytest collected no tests: that is a failure here" >&2
  exit 1
fi
exit "$rc"
