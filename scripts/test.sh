#!/usr/bin/env bash
# The whole suite: unit tests once, then the store contract and end-to-end tests against SQLite and
# against PostgreSQL. PostgreSQL comes from SANDBANK_TEST_PG_URL (default: the role and database
# that .ci/run creates). Outside CI a missing PostgreSQL is skipped with a warning; in CI it fails.
set -euo pipefail
cd "$(dirname "$0")/.."

PG_URL="${SANDBANK_TEST_PG_URL:-postgres://sandbank:sandbank@127.0.0.1:5432/sandbank_test}"
LOG=$(mktemp)
trap 'rm -f "$LOG"' EXIT
run() { node --import tsx --test --test-concurrency=2 --test-reporter=spec "$@" | tee -a "$LOG"; }

unit=$(find test/unit -name '*.test.ts' | sort)
stateful=$(find test/contract test/e2e -name '*.test.ts' | sort)

echo "== unit"
run $unit

echo "== SQLite"
SANDBANK_TEST_DB=sqlite run $stateful

if node -e "const pg=require('pg');const c=new pg.Client(process.argv[1]);c.connect().then(()=>c.end()).catch(()=>process.exit(1))" "$PG_URL" 2>/dev/null; then
  echo "== PostgreSQL"
  SANDBANK_TEST_DB="$PG_URL" run $stateful
elif [ "${CI:-}" = "true" ]; then
  echo "PostgreSQL at $PG_URL is not reachable; CI must run the suite on both stores." >&2
  exit 1
else
  echo "WARNING: PostgreSQL at $PG_URL is not reachable; skipped the PostgreSQL run (see README)." >&2
fi

# One closing line over every pass above.
passed=$(grep -E '^ℹ pass [0-9]+' "$LOG" | awk '{s += $3} END {print s + 0}')
failed=$(grep -E '^ℹ fail [0-9]+' "$LOG" | awk '{s += $3} END {print s + 0}')
echo "${passed} passed, ${failed} failed"
