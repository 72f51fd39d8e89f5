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
    # One retry, said out loud: the smoke run guards against benchmarks that no longer run at
    # all; an intermittent failure is reported with its status and output so it can be chased.
    rc=1
    for attempt in 1 2; do
        set +e
        output=$("$program" --smoke)
        rc=$?
        set -e
        (( rc == 0 )) && break
        echo "bench_smoke: $(basename "$program") exited with status $rc (attempt $attempt); its last output:" >&2
        printf '%s\n' "$output" | tail -n 15 >&2
    done
    if (( rc != 0 )); then
        echo "FAIL $(basename "$program"): exit status $rc" >&2
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
