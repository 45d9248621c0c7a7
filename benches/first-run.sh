#!/usr/bin/env bash
# A newcomer's first run: for each commit given (default: HEAD), a fresh
# clone of this repository, an empty CARGO_HOME and an empty target
# directory, then `cargo run -q --example quickstart`, downloads included.
# Prints the wall time and the number of distinct crates compiled.
#
#   benches/first-run.sh 5fc115c HEAD
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for rev in "${@:-HEAD}"; do
    dir=$work/$rev
    git clone -q "$repo" "$dir/src"
    git -C "$dir/src" checkout -q "$rev"
    mkdir -p "$dir/home"
    cp ~/.cargo/config.toml "$dir/home/" 2>/dev/null || true
    start=$(date +%s.%N)
    (cd "$dir/src" && CARGO_HOME=$dir/home CARGO_TARGET_DIR=$dir/target \
        cargo run -q --example quickstart >/dev/null)
    end=$(date +%s.%N)
    crates=$(find "$dir/target/debug/deps" -name 'lib*.rlib' |
        sed 's#.*/lib##; s#-[0-9a-f]*\.rlib##' | sort -u | wc -l)
    printf '%s: %.1f s, %d crates\n' "$rev" "$(echo "$end - $start" | bc)" "$crates"
    rm -rf "$dir"
done
