#!/bin/sh
# Rewrite the captured output blocks of README.md, docs/guide.md and
# docs/output-formats.md (each follows a
# `<!-- capture ...: vasmap ARGS -->` line; the syntax is in tests/captures.rs) with
# what vasmap prints now. Run from the repository's root, as root for the captures that
# need it (processes of user nobody); review the diff before committing.
set -eu
REGEN_DOCS=1 cargo test --quiet --test captures -- output_is_what_vasmap_prints
git --no-pager diff --stat -- README.md docs/ || true
