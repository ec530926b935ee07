#!/usr/bin/env bash
# Build fastmicro's compiled modules with clang's coverage instrumentation
# (and, by default, AddressSanitizer) for the fuzz targets, in a separate tree.
#
#   fuzz/build_native.sh              # ASan + coverage -> build/fuzz-pkg
#   FUZZ_SANITIZE= fuzz/build_native.sh   # coverage only (no ASan)
#
# Why a separate tree: fastmicro/_ext/*.so are the modules everybody else
# (tests, benchmarks, the editable install) uses; an instrumented build is
# several times slower and an ASan one needs the runtime preloaded. The copy
# in build/fuzz-pkg/ is picked up by `fuzz/run.py --native`, which puts it
# first on PYTHONPATH (ahead of the editable install's finder).
#
# Why our own preload.so (libFuzzer, plus the ASan runtime when sanitizing):
# the instrumented modules need libFuzzer's coverage callbacks
# (__sanitizer_cov_*, __sancov_lowest_stack) at load time, and atheris' wheel
# only loads its libFuzzer when fuzzing starts, privately. The ASan runtime
# also defines those callbacks, weakly: preloaded alone it would win over the
# libFuzzer inside atheris and coverage would go nowhere. Atheris' documented
# fix is to preload one library holding both (asan_with_fuzzer.so); its
# source build makes it, its wheel does not ship it, so it is made here from
# clang's own runtime archives.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="${PYTHON:-$ROOT/.venv/bin/python}"
OUT="${FUZZ_PKG_DIR:-$ROOT/build/fuzz-pkg}"
SANITIZE="${FUZZ_SANITIZE-address}"
CLANG="${CLANG:-clang}"

command -v "$CLANG" >/dev/null || {
    echo "build_native.sh: $CLANG not found (apt-get install -y clang)" >&2
    exit 1
}

flags="-fsanitize=fuzzer-no-link"
[ -n "$SANITIZE" ] && flags="$flags,$SANITIZE"
# -O1 and frame pointers: readable ASan stacks at a bearable speed.
cflags="$flags -g -O1 -fno-omit-frame-pointer"

echo "build_native.sh: copying the package to $OUT"
rm -rf "$OUT"
mkdir -p "$OUT"
cp -r "$ROOT/fastmicro" "$ROOT/ext" "$ROOT/setup.py" "$ROOT/pyproject.toml" "$ROOT/README.md" "$OUT/"
rm -f "$OUT"/fastmicro/_ext/*.so
find "$OUT" -name __pycache__ -type d -prune -exec rm -rf {} +

echo "build_native.sh: compiling ext/*.pyx with $CLANG $cflags"
(
    cd "$OUT"
    env -u FASTMICRO_NO_EXTENSIONS CC="$CLANG" LDSHARED="$CLANG -shared" \
        CFLAGS="$cflags" LDFLAGS="$flags" \
        "$PY" setup.py -q build_ext --inplace
)

# setup.py turns a failed build into a pure install; here that is an error.
missing=0
for pyx in "$OUT"/ext/*.pyx; do
    name="$(basename "$pyx" .pyx)"
    so=("$OUT"/fastmicro/_ext/"$name".*.so)
    if [ ! -e "${so[0]}" ]; then
        echo "build_native.sh: $name was not built" >&2
        missing=1
    elif ! nm -u "${so[0]}" | grep __sanitizer_cov_8bit_counters_init >/dev/null; then
        echo "build_native.sh: $name has no coverage instrumentation" >&2
        missing=1
    fi
done
[ "$missing" -eq 0 ] || exit 1

# The instrumented modules call libFuzzer's __sanitizer_cov_* callbacks as
# soon as they are loaded, so libFuzzer must already be in the process's
# global namespace: it is preloaded (atheris then uses its core without a
# libFuzzer of its own: "INFO: Using preloaded libfuzzer").
runtime_dir="$("$CLANG" -print-resource-dir)/lib/linux"
arch="$(uname -m)"
work="$OUT/_runtime"
mkdir -p "$work/fuzzer"
(cd "$work/fuzzer" && ar x "$runtime_dir/libclang_rt.fuzzer_no_main-$arch.a")
objects=("$work"/fuzzer/*.o)
if [ -n "$SANITIZE" ]; then
    mkdir -p "$work/asan"
    # The preinit object only works in an executable; the rest of the ASan
    # runtime goes into the same library, after libFuzzer's strong symbols.
    (cd "$work/asan" && ar x "$runtime_dir/libclang_rt.asan-$arch.a" \
        && rm -f asan_preinit.cpp.o asan_preinit.cc.o)
    objects+=("$work"/asan/*.o)
fi
"$CLANG" -shared -o "$OUT/preload.so" "${objects[@]}" -lstdc++ -lpthread -ldl -lrt -lm
rm -rf "$work"
# fuzz/run.py --native reads this to set ASAN_OPTIONS and PYTHONMALLOC.
printf '%s\n' "$SANITIZE" > "$OUT/sanitize"
echo "build_native.sh: wrote $OUT/preload.so"
echo "build_native.sh: done ($(ls "$OUT"/fastmicro/_ext/*.so | wc -l) modules, sanitize='${SANITIZE}')"
