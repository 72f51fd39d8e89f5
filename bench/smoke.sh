#!/usr/bin/env bash
# Runs every bench_* program in the given directory with --smoke: each must exit 0 and print
# at least one RESULT line. Used by ctest (bench_smoke) so the benchmarks cannot rot.
set -euo pipefail
bin=${1:?usage: smoke.sh BIN_DIR}
shopt -s nullglob
programs=("$bin"/bench_*)
if (( ${#programs[@]} == 0 )); then
    echo "no bench_* programs in $bin" >&2
    exit 1
fi
status=0
for program in "${programs[@]}"; do
    [[ -x $program ]] || continue
    start=$SECONDS
    if ! output=$("$program" --smoke); then
        echo "FAIL $(basename "$program"): exit status $?" >&2
        status=1
        continue
    fi
    printf '%s\n' "$output"
    if ! grep -q $'^RESULT\t' <<<"$output"; then
        echo "FAIL $(basename "$program"): no RESULT line" >&2
        status=1
        continue
    fi
    echo "ok $(basename "$program") ($((SECONDS - start)) s)"
done
exit $status
