#!/usr/bin/env bash
# Builds with several commands in turn, round after round, each into a fresh
# folder, and prints each command's median wall time (with its ratio to the
# first), user and system time and peak memory (/usr/bin/time).
#
#   benches/interleave.sh ROUNDS NAME=COMMAND...
#
# COMMAND is run by bash with every OUT replaced by a new output folder, e.g.
#
#   cd target/compare/corpus/runbooks-10000
#   benches/interleave.sh 10 \
#     "before=/tmp/dossier-before build --root repo --out OUT --today 2026-12-04" \
#     "now=../../../release/dossier build --root repo --out OUT --today 2026-12-04" \
#     "hugo=hugo --quiet -s hugo -d OUT"
#
# hyperfine runs each command's runs one after another, so a file system that
# slows down or recovers meanwhile (as this one does for minutes after a mass
# delete) favours one command over another; taking turns spreads that over
# all. Outputs go under $OUT_DIR (default /tmp/interleave) and are left there:
# remove them after measuring, not between runs.
set -euo pipefail

rounds=$1
shift
out_dir=${OUT_DIR:-/tmp/interleave}
mkdir -p "$out_dir"
times=$(mktemp)
trap 'rm -f "$times"' EXIT

for _ in $(seq "$rounds"); do
  for spec in "$@"; do
    name=${spec%%=*}
    command=${spec#*=}
    out="$out_dir/$name-$(date +%s%N)"
    /usr/bin/time -f "$name %e %U %S %M" -a -o "$times" \
      bash -c "${command//OUT/$out}" >/dev/null 2>&1
  done
done

python3 - "$times" "$@" <<'PY'
import statistics, sys

rows = [line.split() for line in open(sys.argv[1]) if line.strip()]
first = None
for spec in sys.argv[2:]:
    name = spec.split("=", 1)[0]
    runs = [list(map(float, r[1:])) for r in rows if r[0] == name]
    wall = [r[0] for r in runs]
    median = statistics.median(wall)
    first = first or median
    print(
        f"{name:10s} {len(runs)} runs  median {median:.3f} s (x{median / first:.2f})"
        f"  min {min(wall):.3f}  max {max(wall):.3f}"
        f"  user {statistics.median(r[1] for r in runs):.3f}"
        f"  system {statistics.median(r[2] for r in runs):.3f}"
        f"  peak {statistics.median(r[3] for r in runs) / 1024:.0f} MiB"
    )
PY
