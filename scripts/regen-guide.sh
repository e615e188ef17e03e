#!/bin/sh
# The older name of scripts/regen-docs.sh, which rewrites the captured output of
# README.md, docs/guide.md and docs/output-formats.md alike.
exec "$(dirname "$0")/regen-docs.sh" "$@"
