#!/usr/bin/env bash
# The soak lane: run the e2e fault test N times in a row (default 20), each in a fresh pytest
# session (its own Kafka, Redis and services), and report how many passed. Exit 1 if any failed.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
N="${1:-20}"
TEST="${SOAK_TEST:-tests/e2e/test_faults.py}"
LOGS="${SOAK_LOGS:-.data/soak}"
mkdir -p "$LOGS"
passed=0
for i in $(seq 1 "$N"); do
  started=$(date +%s)
  rm -rf "$LOGS/run-$i"  # the services' logs of this run are kept under it
  if .venv/bin/pytest -q -p no:cacheprovider --basetemp="$LOGS/run-$i" "$TEST" \
      >"$LOGS/run-$i.log" 2>&1; then
    passed=$((passed + 1)); verdict=pass
  else
    verdict=FAIL
  fi
  echo "soak run $i/$N: $verdict in $(( $(date +%s) - started )) s (log: $LOGS/run-$i.log)"
done
echo "soak: $passed/$N passed"
[ "$passed" = "$N" ]
