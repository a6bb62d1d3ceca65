#!/bin/sh
# Builds Mohur's libFuzzer targets (Fuzz/Targets/*.swift, or the TARGETs named) into
# .build/fuzz/bin: Fuzz/build.sh [TARGET...].
#
# SwiftPM builds the modules a target names (its "fuzz-modules:" line) with coverage and
# AddressSanitizer instrumentation; each entry point is then compiled and linked with swiftc
# against those objects (a SwiftPM executable built with -sanitize=fuzzer does not link).
set -eu
cd "$(dirname "$0")/.."
BUILD=.build/fuzz
FLAGS="-sanitize=fuzzer,address"
PACKAGE_TARGETS="LDS PassiveAuth OpenSSLKit CA Authz Audit"
for target in $PACKAGE_TARGETS; do
    swift build --build-path "$BUILD" --target "$target" -Xswiftc "$FLAGS" 2>&1 | grep -E "error|warning: .*Sources/" || true
    [ -d "$BUILD/debug/$target.build" ] || { echo "fuzz: building $target failed" >&2; exit 3; }
done
mkdir -p "$BUILD/bin"
MAPS=""
for map in Sources/COpenSSL Sources/CSQLite Sources/CPostgreSQL Sources/CP11Kit "$BUILD/debug/COpenSSLShims.build"; do
    MAPS="$MAPS -Xcc -fmodule-map-file=$map/module.modulemap"
done
INCLUDES="$(pkg-config --cflags libpq p11-kit-1 | sed 's/-I/-Xcc -I/g')"
ONLY="$*"
for source in Fuzz/Targets/*.swift; do
    name=$(basename "$source" .swift)
    if [ -n "$ONLY" ]; then case " $ONLY " in *" $name "*) ;; *) continue ;; esac; fi
    modules=$(sed -n 's|^// fuzz-modules: ||p' "$source")
    objects=""
    for module in $modules; do objects="$objects $(ls "$BUILD"/debug/"$module".build/*.o)"; done
    # shellcheck disable=SC2086
    swiftc $FLAGS -parse-as-library -I "$BUILD/debug/Modules" $MAPS $INCLUDES "$source" $objects \
        -lcrypto -lsqlite3 -lpq -lp11-kit -o "$BUILD/bin/fuzz-$name" 2>&1 | grep -v "Cannot export local symbol" || true
    [ -x "$BUILD/bin/fuzz-$name" ] || { echo "fuzz: linking $name failed" >&2; exit 3; }
    echo "built $BUILD/bin/fuzz-$name"
done
