#!/usr/bin/env bash
# Install BiznesPilot with its dev tools into .venv and run every check CI runs:
# lint, types, layer contracts, translations, then the test suite on SQLite and PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[dev]'
.venv/bin/biznespilot i18n compile >/dev/null

echo "== ruff";          .venv/bin/ruff check .
echo "== mypy";          .venv/bin/mypy
echo "== import-linter"; .venv/bin/lint-imports
echo "== i18n";          .venv/bin/biznespilot i18n check

echo "== pytest"
set +e
.venv/bin/python -m pytest tests -q -ra "$@"
status=$?
set -e
# pytest exits 5 when it collected no tests: that must never pass (or fail) by accident.
if [ "$status" -eq 5 ]; then
  echo "pytest collected no tests: failing the run" >&2
  exit 1
fi
exit "$status"
