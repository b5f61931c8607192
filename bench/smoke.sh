#!/usr/bin/env bash
# Every benchmark once, at sizes that take seconds, so CI notices a benchmark that no longer runs
# (two stopped at their first batch for months before anyone ran them). The figures at these
# sizes mean nothing; run `npm run bench:<name>` for those. Each bench's output goes to a log that
# is printed only when it fails.
set -euo pipefail
cd "$(dirname "$0")/.."
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT

run() {
  local name=$1 started
  shift
  started=$(date +%s)
  if env "$@" npm run -s "bench:$name" >"$logs/$name.log" 2>&1; then
    printf 'bench:%-8s ran in %ss\n' "$name" "$(($(date +%s) - started))"
  else
    printf 'bench:%-8s FAILED after %ss; its output:\n' "$name" "$(($(date +%s) - started))"
    tr '\r' '\n' <"$logs/$name.log" | grep -v '\[[#.]*\]' | tail -n 40
    return 1
  fi
}

run model BENCH_ROUNDS=1
run records BENCH_ROUNDS=1 BENCH_RECORDS=200 BENCH_WARMUP=20 BENCH_LOG_SIZE=1000 BENCH_PROOFS=10 \
  BENCH_GENERATIONS=1 BENCH_GENERATION_WARMUP=1 BENCH_TOKENS=8
run portal BENCH_RECORDS=2000 BENCH_REQUESTS=3
run reports BENCH_REPORT_SIZES=100 BENCH_CASE_RECORDS=3 BENCH_TOKENS=8
