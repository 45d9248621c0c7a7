#!/usr/bin/env bash
# Counts the user-space instructions a client executes per query (or per
# upserted point, for the upsert runners), under valgrind's callgrind: the
# difference between a run of 1,500 queries and one of 500 (30 and 10
# batches of 256 points), divided by the difference in calls, so that
# start-up, the connection and the warm-up cancel out. Unlike CPU time on a shared 2-vCPU machine, the count
# moves by a few hundred instructions from run to run, so a change of 1 %
# shows. It leaves out the kernel, and it counts a `rep movsb` copy one
# instruction per byte, which makes large copies look dearer than they are.
#
#   QDRANT_URL=http://127.0.0.1:9334 benches/peers/profile/instructions.sh async-query floor-query
#
# Optional: PEERS_BIN (the bench's binary), OUT (where callgrind's files go,
# to read with callgrind_annotate).
set -euo pipefail
: "${QDRANT_URL:?set QDRANT_URL to the gRPC URL of a real Qdrant}"
here=$(cd "$(dirname "$0")" && pwd)
bin=${PEERS_BIN:-${CARGO_TARGET_DIR:-$here/../target}/release/peers}
out=${OUT:-/tmp/peers-instructions}
mkdir -p "$out"
command -v valgrind > /dev/null || { echo "valgrind is not installed" >&2; exit 1; }

"$bin" --prepare-only

count() { # runner, calls -> instructions of the whole run
  case $1 in
    *-query) args=(--throughput-only --queries "$2") ;;
    *) args=(--no-split --points "$2") ;;
  esac
  valgrind --tool=callgrind --callgrind-out-file="$out/$1.$2.out" \
    "$bin" --child "$1" --url "$QDRANT_URL" "${args[@]}" \
    > /dev/null 2> "$out/$1.$2.log"
  grep -o 'Collected : [0-9]*' "$out/$1.$2.log" | awk '{print $3}'
}

for runner in "${@:-async-query floor-query official-query}"; do
  for r in $runner; do
    case $r in
      # Queries: 500 and 1,500. Upserts: 10 and 30 batches of 256 points.
      *-query) small=500 large=1500 unit=query ;;
      *) small=2560 large=7680 unit=point ;;
    esac
    a=$(count "$r" $small)
    b=$(count "$r" $large)
    echo "$r: $(( (b - a) / (large - small) )) instructions per $unit"
  done
done
