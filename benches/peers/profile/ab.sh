#!/usr/bin/env bash
# Compares two builds of the bench on one runner in alternating child runs:
# each pair runs both back to back (the order switching every pair), and
# the median of the per-pair ratios of CPU per call is printed with the
# two medians. On a shared 2-vCPU machine a single run moves by ±15 %;
# pairing takes out what drifts slowly (the server's state, neighbours).
#
#   QDRANT_URL=http://127.0.0.1:9334 benches/peers/profile/ab.sh 14 \
#       /tmp/peers-before /tmp/peers-after async-query
#
# Query runners run QUERIES (default 8000) queries; the others upsert
# 20,000 points. Run `peers --prepare-only` first.
set -euo pipefail
: "${QDRANT_URL:?set QDRANT_URL to the gRPC URL of a real Qdrant}"
[ $# -eq 4 ] || { echo "usage: ab.sh PAIRS BIN_A BIN_B RUNNER" >&2; exit 2; }
pairs=$1 a=$2 b=$3 runner=$4
case $runner in
  *-query) args=(--throughput-only --queries "${QUERIES:-8000}"); calls=${QUERIES:-8000}; phase=query32 ;;
  *) args=(--no-split --points 20000); calls=20000; phase=upsert ;;
esac
run() { # binary -> µs per call
  "$1" --child "$runner" --url "$QDRANT_URL" "${args[@]}" |
    awk -v calls="$calls" -v phase="$phase" '$1 == "RESULT" && $2 == phase {
      for (i = 3; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
      printf "%.3f\n", v["cpu_ns"] / 1000 / calls }'
}
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
as=() bs=() ratios=()
for i in $(seq "$pairs"); do
  if (( i % 2 )); then x=$(run "$a"); y=$(run "$b"); else y=$(run "$b"); x=$(run "$a"); fi
  as+=("$x") bs+=("$y") ratios+=("$(awk -v x="$x" -v y="$y" 'BEGIN { printf "%.4f", y / x }')")
done
echo "A $a: median $(printf '%s\n' "${as[@]}" | median) µs per call"
echo "B $b: median $(printf '%s\n' "${bs[@]}" | median) µs per call"
echo "B/A per pair: $(printf '%s\n' "${ratios[@]}" | sort -n | tr '\n' ' ')"
echo "B/A median: $(printf '%s\n' "${ratios[@]}" | median)"
