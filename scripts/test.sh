#!/usr/bin/env bash
# The whole test suite, set-up included (the README's test command; .ci/run runs it).
#
# The live tests use system tools beside the Rust toolchain: gcc (to build the test
# processes in tests/support/), pmap (the oracle), readelf (--explain's check), script
# (a pseudo-terminal), setpriv and unshare (an unprivileged user, a hidepid /proc), gdb
# (its gcore saves a test process as a core dump).
# Missing ones are installed from Debian's packages when run as root; elsewhere the tests
# that need them skip with a printed reason. Extra arguments go to `cargo test`.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
need() { # need COMMAND DEBIAN-PACKAGE
    command -v "$1" >/dev/null 2>&1 || missing+=("$2")
}
need gcc gcc
need pmap procps
need readelf binutils
need script bsdutils
need setpriv util-linux
need unshare util-linux
need gdb gdb
need strace strace
need python3 python3

if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "test: installing ${missing[*]} (Debian packages)" >&2
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    else
        echo "test: ${missing[*]} missing and not root: the tests that need them skip" >&2
    fi
fi

exec cargo test --locked "$@"
