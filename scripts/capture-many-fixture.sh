#!/bin/sh
# Regenerate tests/fixtures/many.maps: a real /proc/PID/maps with thousands of mappings
# (300 files, 600 anonymous regions with guard pages, 150 thread stacks), for the layout
# snapshot tests. Needs gcc. Run from the repository root.
set -eu
tmp=$(mktemp -d /tmp/vasmap-many.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
gcc -O1 -pthread -o "$tmp/many" tests/support/many.c
mkdir "$tmp/files"
"$tmp/many" "$tmp/files" tests/fixtures/many.maps
# The temporary directory's random name would change every run: give it a fixed one.
sed -i "s|$tmp|/tmp/vasmap-many|g" tests/fixtures/many.maps
wc -l tests/fixtures/many.maps
