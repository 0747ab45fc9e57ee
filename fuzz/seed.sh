#!/bin/sh
# Seeds the fuzz corpora (git-ignored) from the repository's own runbooks,
# evidence and test fixtures. Run from anywhere: fuzz/seed.sh
set -eu
cd "$(dirname "$0")"
root=..
mkdir -p corpus/frontmatter corpus/plain_vs_full corpus/report corpus/markdown corpus/check_one corpus/trigger
n=0
find "$root/runbooks" "$root/evidence" "$root/tests/fixtures" -type f \( -name '*.md' -o -name '*.yaml' \) | sort | while read -r f; do
    n=$((n + 1))
    name=$(printf '%s' "$f" | sha256sum | cut -c1-16)
    cp "$f" "corpus/frontmatter/$name"
    cp "$f" "corpus/plain_vs_full/$name"
    cp "$f" "corpus/markdown/$name"
    case "$f" in
        */evidence/*) cp "$f" "corpus/report/$name"; kind='\001' ;;
        *.yaml) kind='\002' ;;
        *) kind='\000' ;;
    esac
    { printf "$kind"; cat "$f"; } > "corpus/check_one/$name"
done
# Trigger cells and observed values, one pair per seed: "trigger\nobserved".
grep -rhoE '^\|[^|]*\|[^|]*\|' "$root/runbooks" "$root/tests/fixtures" \
    | awk -F'|' '{gsub(/^ +| +$/, "", $3); print $3}' \
    | grep -vE '^(Trigger|-+|:?-+:?)$' | sort -u > /tmp/dossier-triggers.txt
grep -rhE '^    [^:]+: ' "$root/evidence" "$root/tests/fixtures" \
    | sed -E 's/^    [^:]+: *//' | sort -u > /tmp/dossier-observed.txt
i=0
while read -r t; do
    i=$((i + 1))
    o=$(sed -n "$(( (i % $(wc -l < /tmp/dossier-observed.txt)) + 1 ))p" /tmp/dossier-observed.txt)
    printf '%s\n%s' "$t" "$o" > "corpus/trigger/t$i"
done < /tmp/dossier-triggers.txt
rm -f /tmp/dossier-triggers.txt /tmp/dossier-observed.txt
for d in corpus/*; do echo "$d: $(ls "$d" | wc -l) seeds"; done
