#!/usr/bin/env bash
# dossier side by side with Hugo and mdBook on the same pages, with hyperfine.
#
#   benches/compare.sh [N ...]        (default: 1000 10000 runbooks)
#   SCENARIOS=runbooks benches/compare.sh 10000    (one corpus kind only)
#
# For each N it generates (once, with examples/gen_corpus.rs) two evidence
# repositories and the same pages as a Hugo site and an mdBook book:
#
#   runbooks  N runbooks, no reports: N pages, like the reference figures
#             (Zola 0.34 s for 1,000 pages, 2.7 s for 10,000);
#   full      N runbooks with 11 monthly reports each: 12 x N pages.
#
# and measures, median of $RUNS runs (default 3):
#
#   check     `dossier check` against reading the same files (`cat`, two
#             processes, as dossier reads on two cores);
#   build     dossier, Hugo and mdBook, each run into a fresh folder, then
#             each run over the output of an earlier one.
#
# then prints pages per second and each tool's time over dossier's, with the
# peak memory of one build (/usr/bin/time). mdBook, whose every page carries
# the whole table of contents, runs once and only up to $MDBOOK_MAX_PAGES
# pages (default 10000).
#
# Outputs accumulate under $WORK/out (default target/compare/out): removing
# a site of 100,000 files makes this file system slow to create files for
# minutes, which would skew the next measurement. Remove it when done:
#   rm -rf target/compare/out
#
# Needs hyperfine, hugo, jq (apt-get install -y hyperfine hugo jq) and
# mdbook (cargo install mdbook).
set -euo pipefail
cd "$(dirname "$0")/.."

sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1000 10000)
runs=${RUNS:-3}
read -r -a scenarios <<<"${SCENARIOS:-runbooks full}"
mdbook_max=${MDBOOK_MAX_PAGES:-10000}
today=2026-12-04
target=${CARGO_TARGET_DIR:-target}
work=${WORK:-$target/compare}

for tool in hyperfine hugo mdbook jq; do
  command -v "$tool" >/dev/null || { echo "compare.sh needs $tool" >&2; exit 2; }
done

cargo build --release --quiet --bin dossier --example gen_corpus
dossier=$(realpath "$target/release/dossier")
gen=$(realpath "$target/release/examples/gen_corpus")
mkdir -p "$work/out" "$work/results"
work=$(realpath "$work")
out="$work/out/$(date +%Y%m%d-%H%M%S)"
mkdir -p "$out"

# A command's output folder, new at every run: hyperfine's shell expands it.
fresh() { echo "$out/$1-\$(date +%s%N)"; }

# Peak resident memory of one run, in MiB.
peak() { /usr/bin/time -f %M "$@" >/dev/null 2>"$work/time.txt" || true; echo $(($(tail -1 "$work/time.txt") / 1024)); }

summary="$work/results/summary.md"
{
  echo "| corpus | pages | tool | median s (fresh) | pages/s | vs dossier | median s (over existing) | peak MiB |"
  echo "|---|---:|---|---:|---:|---:|---:|---:|"
} >"$summary.new"

for n in "${sizes[@]}"; do
  for scenario in "${scenarios[@]}"; do
    reports=0
    [ "$scenario" = full ] && reports=11
    dir="$work/corpus/$scenario-$n"
    if [ ! -e "$dir/.complete" ]; then
      rm -rf "$dir"
      "$gen" "$dir/repo" "$n" --reports "$reports" --hugo "$dir/hugo" --mdbook "$dir/mdbook"
      touch "$dir/.complete"
    fi
    repo="$dir/repo"
    pages=$(find "$repo" -name '*.md' | wc -l)
    name="$scenario-$n"
    echo "== $name: $pages pages"

    hyperfine --warmup 1 --runs "$runs" --export-json "$work/results/$name-check.json" \
      -n "read (cat)" "find '$repo' -name '*.md' -print0 | xargs -0 -P 2 -n 5000 cat >/dev/null" \
      -n "dossier check" "'$dossier' check --root '$repo' --today $today"

    tools=(-n dossier "'$dossier' build --root '$repo' --today $today --out $(fresh "dossier-$name")"
      -n hugo "hugo --quiet --source '$dir/hugo' --destination $(fresh "hugo-$name")")
    hyperfine --runs "$runs" --export-json "$work/results/$name-fresh.json" "${tools[@]}"
    rm -f "$work/results/$name-mdbook.json"
    if [ "$pages" -le "$mdbook_max" ]; then
      hyperfine --runs 1 --export-json "$work/results/$name-mdbook.json" \
        -n mdbook "mdbook build '$dir/mdbook' --dest-dir $(fresh "mdbook-$name")"
    fi
    hyperfine --warmup 1 --runs "$runs" --export-json "$work/results/$name-existing.json" \
      -n dossier "'$dossier' build --root '$repo' --today $today --out '$out/dossier-$name-again'" \
      -n hugo "hugo --quiet --source '$dir/hugo' --destination '$out/hugo-$name-again'"

    # Over the folders of the runs above: a third copy of a 120,000-page site
    # would not fit on every disk.
    mem_dossier=$(peak "$dossier" build --root "$repo" --today $today --out "$out/dossier-$name-again")
    mem_hugo=$(peak hugo --quiet --source "$dir/hugo" --destination "$out/hugo-$name-again")

    median() { jq -r --arg tool "$2" '.results[] | select(.command == $tool) | .median' "$1" 2>/dev/null; }
    base=$(median "$work/results/$name-fresh.json" dossier)
    row() {
      local tool=$1 fresh=$2 existing=$3 mem=$4
      [ -n "$fresh" ] || return 0
      awk -v c="$name" -v p="$pages" -v t="$tool" -v f="$fresh" -v e="$existing" -v b="$base" -v m="$mem" \
        'BEGIN { printf "| %s | %d | %s | %.2f | %.0f | %.2fx | %s | %s |\n", c, p, t, f, p / f, f / b, (e == "" ? "-" : sprintf("%.2f", e)), m }'
    }
    {
      row dossier "$base" "$(median "$work/results/$name-existing.json" dossier)" "$mem_dossier"
      row hugo "$(median "$work/results/$name-fresh.json" hugo)" "$(median "$work/results/$name-existing.json" hugo)" "$mem_hugo"
      [ -e "$work/results/$name-mdbook.json" ] && row mdbook "$(median "$work/results/$name-mdbook.json" mdbook)" "" "-"
    } >>"$summary.new"
    awk -v c="$name" -v r="$(median "$work/results/$name-check.json" 'read (cat)')" \
      -v d="$(median "$work/results/$name-check.json" 'dossier check')" \
      'BEGIN { printf "%s: dossier check %.2f s, reading the files %.2f s: %.1fx\n", c, d, r, d / r }' \
      >>"$work/results/check.txt.new"
  done
done

mv "$summary.new" "$summary"
mv "$work/results/check.txt.new" "$work/results/check.txt"
echo
echo "dossier $("$dossier" --version | cut -d' ' -f2), $(hugo version | cut -d' ' -f1-2), $(mdbook --version); $(nproc) cores"
cat "$work/results/check.txt"
echo
cat "$summary"
echo
echo "(versus dossier: each tool's median over dossier's; over 1 is slower than dossier)"
echo "results: $work/results; outputs to remove when done: $work/out"
