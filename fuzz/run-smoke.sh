#!/usr/bin/env bash
# The fuzzing smoke run CI does (ctest: fuzz_smoke): builds the libFuzzer targets with clang in
# <build-dir>/fuzz-clang, then runs each for a short while on its seed corpus. Fails on any
# crash, sanitizer report, invariant violation or hang; the input that did it is kept under
# <build-dir>/fuzz-clang/artifacts/<target>/ and printed as base64.
#
#   fuzz/run-smoke.sh <build-dir>
#
# REELKEEP_FUZZ_SECONDS   seconds per target (default 25)
# REELKEEP_SKIP_FUZZ=1    skip (exit 77, which ctest reports as skipped) instead of failing when
#                         clang or the libFuzzer runtime is missing. Without it a missing
#                         toolchain is a failure: CI installs it (packaging/install-deps.sh).
set -euo pipefail

if [ $# -ne 1 ]; then
    echo "usage: $0 <build-dir>" >&2
    exit 2
fi
here="$(cd "$(dirname "$0")" && pwd)"
source_dir="$(dirname "$here")"
build_dir="$(mkdir -p "$1" && cd "$1" && pwd)/fuzz-clang"
seconds="${REELKEEP_FUZZ_SECONDS:-25}"
start=$(date +%s)

missing_toolchain() {
    echo "fuzz_smoke: $1" >&2
    echo "fuzz_smoke: install it with packaging/install-deps.sh (Debian: clang libclang-rt-14-dev)," >&2
    if [ "${REELKEEP_SKIP_FUZZ:-0}" = 1 ]; then
        echo "fuzz_smoke: REELKEEP_SKIP_FUZZ=1: skipped" >&2
        exit 77
    fi
    echo "fuzz_smoke: or set REELKEEP_SKIP_FUZZ=1 to skip this test on purpose" >&2
    exit 1
}

clangxx="$(command -v clang++ || true)"
[ -n "$clangxx" ] || missing_toolchain "clang++ was not found"
probe="$(mktemp -d)"
echo 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char *, unsigned long) { return 0; }' >"$probe/probe.cpp"
if ! "$clangxx" -fsanitize=fuzzer,address,undefined "$probe/probe.cpp" -o "$probe/probe" >"$probe/log" 2>&1; then
    cat "$probe/log" >&2
    rm -rf "$probe"
    missing_toolchain "$clangxx cannot link -fsanitize=fuzzer,address,undefined (libFuzzer runtime missing)"
fi
rm -rf "$probe"

echo "fuzz_smoke: building the fuzz targets with $clangxx in $build_dir"
mkdir -p "$build_dir"
cmake -S "$here" -B "$build_dir" -G Ninja -DCMAKE_CXX_COMPILER="$clangxx" >"$build_dir/configure.log" 2>&1 \
    || { cat "$build_dir/configure.log" >&2; exit 1; }
cmake --build "$build_dir" -j2
echo "fuzz_smoke: built in $(( $(date +%s) - start )) s"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
failed=0
for name in replyparsers idextractor httpparser; do
    target="fuzz_$name"
    corpus="$work/$name"
    artifacts="$build_dir/artifacts/$target"
    mkdir -p "$corpus" "$artifacts"
    # The recorded provider replies are seeds for both: the extractor also meets pasted JSON.
    if [ "$name" = httpparser ]; then
        cp "$here/corpus/$name"/* "$corpus/"
    else
        cp "$source_dir"/tests/data/providers/*.json "$here/corpus/$name"/* "$corpus/"
    fi
    echo "fuzz_smoke: $target for ${seconds} s on $(ls "$corpus" | wc -l) seeds"
    if ! "$build_dir/bin/$target" "$corpus" -dict="$here/$name.dict" -max_total_time="$seconds" \
        -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$artifacts/" \
        >"$work/$target.log" 2>&1; then
        failed=1
        tail -n 60 "$work/$target.log" >&2
        for file in "$artifacts"/*; do
            [ -f "$file" ] || continue
            echo "fuzz_smoke: $target failed on $file (base64: $(base64 -w0 "$file"))" >&2
        done
        echo "fuzz_smoke: FAILED: $target (reproduce: $build_dir/bin/$target <file>; see fuzz/README.md)" >&2
        continue
    fi
    grep -E '^#[0-9]+[[:space:]]+DONE|stat::number_of_executed_units|stat::average_exec_per_sec' "$work/$target.log" || true
done

echo "fuzz_smoke: finished in $(( $(date +%s) - start )) s"
exit $failed
