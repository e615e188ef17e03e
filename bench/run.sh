#!/usr/bin/env bash
# The vasmap benchmark: vasmap against the least reading each view needs (`cat` of the
# /proc files, or bench/floor.c) and against procps-ng pmap: every view as a terminal
# shows it, at 100, 10,000 and 60,000 mappings; 250 pids in one call; a process with
# 2,000 threads; `--all` with a few hundred processes. Writes the results into
# docs/performance.md (between the bench markers) and prints them.
#
#   bench/run.sh                      # everything, 15 rounds, with callgrind counts
#   ROUNDS=5 SIZES=100,10000 bench/run.sh
#   CASES=pids,threads,all bench/run.sh   # only issue 15's cases (sizes: the mapping counts)
#   CALLGRIND=0 bench/run.sh          # no instruction counts (faster)
#   OUT= bench/run.sh                 # print only, leave docs/performance.md alone
#
# Needs: cargo, gcc, python3, pmap (procps), cat, sleep, valgrind (for the counts).
# Installs what is missing from Debian's packages with apt-get (as root).
set -euo pipefail
cd "$(dirname "$0")/.."

need() { # need COMMAND DEBIAN-PACKAGE
    command -v "$1" >/dev/null 2>&1 && return 0
    echo "bench: $1 is missing: installing the Debian package $2" >&2
    if [ -z "${APT_UPDATED:-}" ]; then
        apt-get update -qq
        APT_UPDATED=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null
}
need gcc gcc
need python3 python3
need pmap procps
if [ "${CALLGRIND:-1}" != 0 ]; then
    need valgrind valgrind
fi

max=$(cat /proc/sys/vm/max_map_count)
SIZES=${SIZES:-100,10000,60000}
for n in ${SIZES//,/ }; do
    if [ "$n" -ge "$max" ]; then
        echo "bench: $n mappings is over vm.max_map_count ($max)" >&2
        exit 2
    fi
done

cargo build --release --quiet
build=$(mktemp -d)
trap 'rm -rf "$build"' EXIT
gcc -O2 -Wall -o "$build/mapper" bench/mapper.c
gcc -O2 -Wall -o "$build/spawn" bench/spawn.c
gcc -O2 -Wall -o "$build/floor" bench/floor.c
gcc -O2 -Wall -pthread -o "$build/threads" tests/support/threads.c

out=${OUT-docs/performance.md}
callgrind=()
if [ "${CALLGRIND:-1}" != 0 ]; then
    callgrind=(--callgrind)
fi
write=()
if [ -n "$out" ]; then
    write=(--out "$out")
fi
python3 bench/bench.py \
    --vasmap target/release/vasmap \
    --mapper "$build/mapper" \
    --spawn "$build/spawn" \
    --floor "$build/floor" \
    --threads "$build/threads" \
    --sizes "$SIZES" \
    --cases "${CASES:-sizes,pids,threads,all}" \
    --rounds "${ROUNDS:-15}" \
    --warmup "${WARMUP:-2}" \
    "${callgrind[@]}" \
    "${write[@]}"
