#!/usr/bin/env bash
# make fuzz: build the libFuzzer harnesses and run each on a working copy of
# its seed corpus for FUZZ_SECONDS; exit 1 if any finds a crash, a leak, a
# hang, undefined behaviour or a broken invariant (tests/fuzz/README.md).
#   usage: run.sh TARGET...   (config metis edges nodes profiles)
# FUZZ_ARGS adds libFuzzer flags, e.g. FUZZ_ARGS=-max_len=8192.
set -u
cd "$(dirname "$0")/../.."
FUZZ_BUILD=${FUZZ_BUILD:-build-fuzz}
FUZZ_SECONDS=${FUZZ_SECONDS:-20}
MAKE=${MAKE:-make}

# libFuzzer ships with clang (Debian/Ubuntu: apt-get install clang).
rt=$(clang -print-file-name=libclang_rt.fuzzer-x86_64.a 2>/dev/null)
if ! command -v clang >/dev/null || [ ! -f "$rt" ]; then
    echo "make fuzz needs clang with libFuzzer: apt-get install clang (or set PATH to one)" >&2
    exit 1
fi
$MAKE --no-print-directory fuzz-build FUZZ_BUILD="$FUZZ_BUILD" || exit 1

failed=""
for t in "$@"; do
    bin=$FUZZ_BUILD/fuzz/fuzz_$t
    work=$FUZZ_BUILD/corpus/$t   # grows run after run; the seeds stay as they are
    crashes=$FUZZ_BUILD/crashes/$t
    mkdir -p "$work" "$crashes"
    dict=tests/fuzz/$t.dict
    echo "== fuzz_$t: ${FUZZ_SECONDS}s"
    # -timeout: any single input slower than 10 s is a hang.
    if ! "$bin" -max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$crashes/" \
        $([ -f "$dict" ] && echo "-dict=$dict") ${FUZZ_ARGS:-} \
        "$work" "tests/fuzz/corpus/$t" 2>"$FUZZ_BUILD/fuzz_$t.log"; then
        tail -n 40 "$FUZZ_BUILD/fuzz_$t.log" >&2
        echo "fuzz_$t FAILED: the input is in $crashes/ (log $FUZZ_BUILD/fuzz_$t.log)" >&2
        failed="$failed $t"
    else
        grep -E '^#[0-9]+.*(DONE|cov:)' "$FUZZ_BUILD/fuzz_$t.log" | tail -n 1
    fi
done
[ -z "$failed" ] || { echo "make fuzz: crashes in:$failed" >&2; exit 1; }
echo "make fuzz: no crash in $*"
