#!/usr/bin/env bash
# `make fuzz`: every fuzz target of the tree (every decoder of outside bytes) for a budget of
# executions each, one target at a time, then a table: executions, seconds, executions per second,
# corpus entries found, and whether it crashed. A crash leaves its input in the package's
# testdata/fuzz/<Target>/ (go test's own behaviour), where `go test` replays it from then on as a
# regression test. With --keep-corpus the interesting inputs the fuzzer found are copied there too
# (those under 16 KiB, at most 64 per target), so every later `go test` replays them.
# A target that has not reached its budget after --max-seconds (default 600) is stopped and its row
# says so, with the executions it reached.
#   scripts/fuzz.sh [--execs N] [--max-seconds S] [--keep-corpus] [TARGET...]   (default 1000000 executions; all targets)
set -euo pipefail
cd "$(dirname "$0")/.."
EXECS=1000000
MAXSECS=600
KEEP=0
ONLY=()
while [ $# -gt 0 ]; do
  case $1 in
    --execs) EXECS=$2; shift 2 ;;
    --max-seconds) MAXSECS=$2; shift 2 ;;
    --keep-corpus) KEEP=1; shift ;;
    -h|--help) sed -n 2,10p "$0"; exit 0 ;;
    *) ONLY+=("$1"); shift ;;
  esac
done
OUT=build/fuzz
mkdir -p "$OUT"
CACHE=$(go env GOCACHE)/fuzz
# package directory and target name of every Fuzz function
mapfile -t TARGETS < <(grep -rl --include='*_test.go' '^func Fuzz' . | while read -r f; do
  d=$(dirname "$f")
  sed -n 's/^func \(Fuzz[A-Za-z0-9_]*\)(f \*testing.F).*/\1/p' "$f" | while read -r name; do echo "$d $name"; done
done | sort)
printf '| target | package | executions | fuzzing time | exec/s (average) | new corpus | result |\n|---|---|---|---|---|---|---|\n' > "$OUT/table.md"
status=0
for t in "${TARGETS[@]}"; do
  read -r dir name <<< "$t"
  if [ ${#ONLY[@]} -gt 0 ] && ! printf '%s\n' "${ONLY[@]}" | grep -qx "$name"; then continue; fi
  pkg=$(cd "$dir" && go list .)
  log=$OUT/$name.log
  echo "[fuzz] $name ($pkg): $EXECS executions"
  start=$(date +%s.%N)
  rc=0
  (cd "$dir" && timeout --signal=INT "$MAXSECS" go test -run '^$' -fuzz "^${name}\$" -fuzztime "${EXECS}x" .) > "$log" 2>&1 || rc=$?
  if [ "$rc" = 0 ]; then
    result=ok
  elif [ "$rc" = 124 ] || [ "$rc" = 130 ]; then
    result="stopped at ${MAXSECS} s, no failure"
  else
    result="FAILED (see $log and $dir/testdata/fuzz/$name)"
    status=1
  fi
  secs=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN {printf "%.0f", b - a}')
  # the fuzzer's last progress line: "elapsed: Ns, execs: N (R/sec), new interesting: K (total: T)"
  last=$(grep 'execs: ' "$log" | tail -1 || true)
  execs=$(grep -o 'execs: [0-9]*' <<< "$last" | awk '{print $2}')
  fsecs=$(grep -o 'elapsed: [0-9hms]*' <<< "$last" | awk '{print $2}')
  # average rate over the run: executions / elapsed ("1m48s" → 108 s)
  rate=$(awk -v e="${execs:-0}" -v t="${fsecs:-0s}" 'BEGIN {
    s = 0; n = ""; for (i = 1; i <= length(t); i++) { c = substr(t, i, 1)
      if (c ~ /[0-9]/) n = n c; else { if (c == "h") s += n * 3600; if (c == "m") s += n * 60; if (c == "s") s += n; n = "" } }
    printf "%.0f", (s > 0 ? e / s : e) }')
  found=$(grep -o 'new interesting: [0-9]*' <<< "$last" | awk '{print $3}')
  printf '| %s | %s | %s | %s (%s s with the build) | %s | %s | %s |\n' "$name" "${pkg#github.com/ssmde/ssmde/}" "${execs:-?}" \
    "${fsecs:-?}" "$secs" "${rate:-?}" "${found:-0}" "$result" >> "$OUT/table.md"
  if [ "$KEEP" = 1 ] && [ -d "$CACHE/$pkg/$name" ]; then
    mkdir -p "$dir/testdata/fuzz/$name"
    find "$CACHE/$pkg/$name" -type f -size -16k | head -64 | while read -r c; do cp -n "$c" "$dir/testdata/fuzz/$name/"; done
  fi
done
cat "$OUT/table.md"
exit $status
