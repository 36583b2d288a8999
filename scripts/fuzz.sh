#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz preset: clang, ASan + UBSan) and runs each for a bounded time on a
# copy of its committed seed corpus (tests/fuzz/corpus/<target>), so the committed corpus does not grow.
# Any finding — a crash, an exception other than nnfs::Error, a leak, undefined behaviour, an input
# slower than 10 s, more than 2 GB of memory — fails the script; the input is kept in
# build/fuzz/findings/ (replay it: build/fuzz/tests/fuzz/fuzz_<target> <file>).
# Usage: scripts/fuzz.sh [seconds per target]   (default 60)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
targets=(load csv model_file)

cmake --preset fuzz >/dev/null
cmake --build --preset fuzz

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
findings=build/fuzz/findings
mkdir -p "$findings"
export ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
status=0
for t in "${targets[@]}"; do
  cp -r "tests/fuzz/corpus/$t" "$work/$t"
  dict=tests/fuzz/state_dict.dict
  [ "$t" = csv ] && dict=tests/fuzz/csv.dict
  log="$work/$t.log"
  start=$SECONDS
  if "build/fuzz/tests/fuzz/fuzz_$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
       -dict="$dict" -artifact_prefix="$findings/$t-" -print_final_stats=1 "$work/$t" >"$log" 2>&1; then
    # The last status line: executions, coverage, corpus size.
    echo "fuzz_$t: no finding in $((SECONDS - start)) s: $(grep -E '^#[0-9]+' "$log" | tail -1)"
  else
    echo "fuzz_$t: FINDING (input kept in $findings/):"
    tail -n 60 "$log"
    status=1
  fi
done
exit $status
