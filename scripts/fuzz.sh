#!/usr/bin/env bash
# Fuzz vasmap's maps and smaps parsers, its core dump reader, the ELF reader behind
# --explain and the saved-file readers of --from (fuzz/fuzz_targets/) for a bounded time.
#
# Usage: scripts/fuzz.sh [SECONDS_PER_TARGET [TARGET...]]
#        (default: 60 seconds each for maps smaps core elf saved)
#
# Installs cargo-fuzz from crates.io if it is missing. Uses the nightly toolchain with
# AddressSanitizer where one is installed or `rustup toolchain install nightly` can get
# one; otherwise (a machine whose rustup cannot reach its servers) it says so and fuzzes
# on the stable toolchain without a sanitizer (`cargo fuzz -s none`, which needs no -Z
# flag): still coverage-guided libFuzzer, still finds every panic and failed assertion,
# but not memory errors in unsafe code (the parsers have none). Both ways were run here.
#
# The corpus grows in fuzz/corpus/TARGET (not committed), seeded from tests/fixtures/.
# An input that crashes a target is copied to tests/fixtures/fuzz/, where the normal test
# suite replays it (tests/parse_props.rs; core-* in tests/core_synthetic.rs; elf-* and saved-*
# in tests/fuzz_replay.rs); commit it
# with the fix. Exit status: 0 no finding, 1 a finding or the fuzzer could not run.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(maps smaps core elf saved)

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "fuzz.sh: installing cargo-fuzz from crates.io"
    if ! cargo install cargo-fuzz --locked; then
        echo "fuzz.sh: cargo-fuzz could not be installed: no fuzzing done" >&2
        exit 1
    fi
fi

if rustup run nightly rustc --version >/dev/null 2>&1; then
    toolchain=nightly sanitizer=address
elif rustup toolchain install nightly --profile minimal >/dev/null 2>&1; then
    toolchain=nightly sanitizer=address
else
    echo "fuzz.sh: no nightly toolchain is installed and none can be installed here;"
    echo "fuzz.sh: fuzzing on stable without AddressSanitizer (cargo fuzz -s none)"
    toolchain=stable sanitizer=none
fi
echo "fuzz.sh: $(rustup run "$toolchain" rustc --version), sanitizer: $sanitizer, ${secs}s per target"

found=0
for target in "${targets[@]}"; do
    corpus=fuzz/corpus/$target
    mkdir -p "$corpus" "fuzz/artifacts/$target"
    log=$(mktemp)
    status=0
    limits=(-rss_limit_mb=2048)
    # --explain promises at most 64 MiB for any file: no one allocation may pass it.
    [ "$target" = elf ] && limits+=(-malloc_limit_mb=64)
    cargo "+$toolchain" fuzz run -O -s "$sanitizer" "$target" "$corpus" tests/fixtures \
        -- -max_total_time="$secs" -max_len=65536 -timeout=10 "${limits[@]}" \
        >"$log" 2>&1 || status=$?
    runs=$(grep -Eo 'Done [0-9]+ runs in [0-9]+ second' "$log" | tail -1 || true)
    cov=$(grep -Eo 'DONE +cov: [0-9]+ ft: [0-9]+ corp: [0-9]+/[0-9a-zA-Z]+' "$log" | tail -1 || true)
    echo "fuzz.sh: $target: ${runs:-no summary} (${cov:-}), exit $status"
    for crash in fuzz/artifacts/"$target"/*; do
        [ -e "$crash" ] || continue
        found=1
        kept=tests/fixtures/fuzz/$target-$(basename "$crash")
        cp "$crash" "$kept"
        echo "fuzz.sh: $target: FINDING $crash, kept as $kept (a regression test now)"
    done
    if [ "$status" -ne 0 ] && [ "$found" -eq 0 ]; then
        echo "fuzz.sh: $target: the fuzzer failed without a finding; its output:" >&2
        tail -30 "$log" >&2
        found=1
    fi
    rm -f "$log"
done
exit "$found"
