#!/usr/bin/env bash
# Typecheck and lint side by side (npm test): each runs mostly on one thread, and the machine
# has two cores. Both always run to the end; the script fails if either failed.
set -u
npm run typecheck &
typecheck=$!
npm run lint
lint=$?
wait "$typecheck"
typecheck=$?
[ "$typecheck" = 0 ] && [ "$lint" = 0 ]
