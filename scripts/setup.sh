#!/usr/bin/env bash
# Create .venv with Python 3.11 and install the checker with its test dependencies (idempotent).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3.11}
if ! command -v "$PY" >/dev/null 2>&1; then
  echo "setup: $PY not found; durable-rules 2.0.28 needs Python 3.11 (set PYTHON=/path/to/python3.11)" >&2
  exit 2
fi
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
stamp=.venv/.installed-$(cat pyproject.toml | sha1sum | cut -c1-12)
if [ ! -f "$stamp" ]; then
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[test,web]'
  rm -f .venv/.installed-*
  touch "$stamp"
fi
# The JUnit XML schema CI servers read (Jenkins xunit junit-10.xsd) ships in pytest's source
# distribution; the regression tests validate `checker regress --junit` output against it.
if [ ! -f .venv/share/junit-10.xsd ]; then
  tmp=$(mktemp -d)
  if .venv/bin/python -m pip download --quiet --disable-pip-version-check --no-deps --no-binary :all: \
       "pytest==8.3.5" -d "$tmp" >/dev/null 2>&1; then
    mkdir -p .venv/share
    tar -xzf "$tmp"/pytest-8.3.5.tar.gz -O pytest-8.3.5/testing/example_scripts/junit-10.xsd > .venv/share/junit-10.xsd
  else
    echo "setup: could not fetch the JUnit schema; the JUnit validation test will report it" >&2
  fi
  rm -rf "$tmp"
fi
