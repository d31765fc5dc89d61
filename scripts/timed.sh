#!/usr/bin/env bash
# scripts/timed.sh NAME CMD [ARGS...]: runs one step of `make test` under a
# header, prints how long it took and, when $TIMINGS_FILE is set, appends
# "NAME<TAB>SECONDS<TAB>ok|FAILED" to it for the summary at the end.
set -uo pipefail
name="$1"
shift
printf '\n==> %s\n' "$name"
start=$(date +%s.%N)
"$@"
rc=$?
secs=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }')
status=ok
[ "$rc" -eq 0 ] || status=FAILED
printf '<== %s: %s in %ss\n' "$name" "$status" "$secs"
[ -n "${TIMINGS_FILE:-}" ] && printf '%s\t%s\t%s\n' "$name" "$secs" "$status" >>"$TIMINGS_FILE"
exit "$rc"
