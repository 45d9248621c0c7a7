#!/usr/bin/env bash
# Profiles each client's query and upsert phases against a real Qdrant:
# perf stat (context switches, syscalls by kind) and perf record with DWARF
# call chains, then splits the samples by layer with categorize.py.
#
#   QDRANT_URL=http://127.0.0.1:9334 benches/peers/profile/run.sh [OUT_DIR]
#
# The bench must be built first:
#   CARGO_TARGET_DIR=/work/target-peers cargo build --release --manifest-path benches/peers/Cargo.toml
set -euo pipefail
: "${QDRANT_URL:?set QDRANT_URL to the gRPC URL of a real Qdrant}"
here=$(cd "$(dirname "$0")" && pwd)
bin=${PEERS_BIN:-${CARGO_TARGET_DIR:-$here/../target}/release/peers}
out=${1:-/tmp/peers-profile}
queries=${QUERIES:-30000}
points=${POINTS:-100000}
freq=${FREQ:-1999}
mkdir -p "$out"

"$bin" --prepare-only

events=task-clock,context-switches,page-faults,raw_syscalls:sys_enter
for s in writev write sendto sendmsg read readv recvfrom recvmsg epoll_wait futex sched_yield; do
  events+=",syscalls:sys_enter_$s"
done

for runner in ${RUNNERS:-async-query official-query floor-query async-upsert async-upload official-upsert floor-upsert}; do
  case $runner in
    *-query) args=(--throughput-only --queries "$queries"); calls=$queries; unit=query ;;
    *) args=(--no-split --points "$points"); calls=$points; unit=point ;;
  esac
  echo "== $runner" >&2
  perf stat -x, -e "$events" -o "$out/$runner.stat" -- \
    "$bin" --child "$runner" --url "$QDRANT_URL" "${args[@]}" > "$out/$runner.stat.result"
  perf record -q -F "$freq" -g --call-graph dwarf,16384 -o "$out/$runner.data" -- \
    "$bin" --child "$runner" --url "$QDRANT_URL" "${args[@]}" > "$out/$runner.result"
  # CPU per call of the profiled run, from its own RESULT line (query32 or upsert).
  cpu=$(awk -v calls="$calls" '/^RESULT (query32|upsert) / {
      for (i = 3; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
      print v["cpu_ns"] / 1000 / calls }' "$out/$runner.result")
  perf script -i "$out/$runner.data" 2>/dev/null \
    > "$out/$runner.txt"
  python3 "$here/categorize.py" --cpu-per-call "$cpu" --unit "$unit" < "$out/$runner.txt" > "$out/$runner.md"
  python3 "$here/categorize.py" --groups --cpu-per-call "$cpu" --unit "$unit" < "$out/$runner.txt" > "$out/$runner.groups.md"
  # Per call counts from perf stat (the whole process, warm-up included).
  awk -F, -v calls="$calls" -v unit="$unit" '$1 ~ /^[0-9.]+$/ {printf "%-32s %10.3f per %s\n", $3, $1/calls, unit}' \
    "$out/$runner.stat" > "$out/$runner.counts"
  echo "cpu µs/$unit under perf record: $cpu" >&2
done
