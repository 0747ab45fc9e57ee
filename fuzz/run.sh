#!/bin/sh
# Runs one fuzz target for a number of seconds with its dictionary:
#   fuzz/run.sh TARGET SECONDS
# Needs a nightly toolchain (`rustup toolchain install nightly`) and
# `cargo install cargo-fuzz`. Seed the corpora first with fuzz/seed.sh.
set -eu
cd "$(dirname "$0")"
target=$1
seconds=${2:-300}
case "$target" in
    trigger) dict=dict/trigger.dict; len=256 ;;
    *) dict=dict/yaml.dict; len=8192 ;;
esac
exec cargo +nightly fuzz run -a "$target" -- \
    -max_total_time="$seconds" -dict="$dict" -max_len="$len" \
    -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
