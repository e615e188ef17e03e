#!/bin/sh
# Rewrite the captured output blocks of docs/guide.md (each follows a
# `<!-- capture: vasmap ARGS -->` line) with what vasmap prints now.
# Run from the repository root; review the diff before committing.
set -eu
REGEN_GUIDE=1 cargo test --quiet --test guide captured_output_is_what_vasmap_prints
git --no-pager diff --stat -- docs/guide.md || true
