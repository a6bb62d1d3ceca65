#!/bin/sh
# Runs the fuzz targets built by Fuzz/build.sh (all, or the TARGETs named) for SECONDS each
# (default 60): Fuzz/run.sh [SECONDS [TARGET...]]. Each is seeded from the
# real vectors (../shared/vectors, or MOHUR_VECTORS) and Fuzz/seeds. Crashing inputs are kept in
# .build/fuzz/crashes/TARGET/; the corpus grows in .build/fuzz/corpus/TARGET/ from run to run.
# Prints executions per target; exits 1 if any target crashed.
set -eu
cd "$(dirname "$0")/.."
SECONDS_EACH=${1:-60}
[ $# -gt 0 ] && shift
ONLY="$*"
VECTORS=${MOHUR_VECTORS:-../shared/vectors}
[ -d "$VECTORS" ] || { echo "fuzz: the vectors are missing at $VECTORS (set MOHUR_VECTORS)" >&2; exit 2; }
BUILD=.build/fuzz
failed=0
printf '%-18s %12s %10s  %s\n' target executions "exec/s" result
for binary in "$BUILD"/bin/fuzz-*; do
    name=${binary##*/fuzz-}
    if [ -n "$ONLY" ]; then case " $ONLY " in *" $name "*) ;; *) continue ;; esac; fi
    source=Fuzz/Targets/$name.swift
    corpus=$BUILD/corpus/$name seeds=$BUILD/seeds/$name crashes=$BUILD/crashes/$name
    mkdir -p "$corpus" "$seeds" "$crashes"
    for pattern in $(sed -n 's|^// fuzz-seeds: ||p' "$source"); do
        for file in "$VECTORS"/$pattern; do [ -f "$file" ] && cp "$file" "$seeds/$(echo "${file#$VECTORS/}" | tr / _)"; done
    done
    for local in $(sed -n 's|^// fuzz-seeds-local: ||p' "$source"); do cp Fuzz/seeds/"$local"/* "$seeds/"; done
    log=$BUILD/$name.log
    status=0
    "$binary" -max_total_time="$SECONDS_EACH" -max_len=65536 -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
        -artifact_prefix="$crashes/" "$corpus" "$seeds" > "$log" 2>&1 || status=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    if [ "$status" -eq 0 ]; then result=ok; else result="CRASH (see $log, input in $crashes)"; failed=1; fi
    printf '%-18s %12s %10s  %s\n' "$name" "${runs:-?}" "${rate:-?}" "$result"
done
exit $failed
