#!/usr/bin/env bash
# Seeds corpus/<target>/ for every fuzz target from the workspace's test data: the filters of
# tests/cases/<profile>/*.txt (`name | text` lines), the OData parser's test corpus
# (crates/roster-odata/tests/corpus: valid.txt lines, `> text` lines of errors.txt) and the
# hand-written seeds/*.txt (where `\n` separates the $filter, $orderby and page lines); and
# the REST parameter cases (tests/cases/<profile>/params*.txt, `name | query string | body`)
# as `query string\nbody`, the `params` target's format.
# Existing corpus files are kept; seeds are named seed-<sha1 prefix>, so reruns are idempotent.
set -euo pipefail
cd "$(dirname "$0")"
ws=..

texts() {
    for f in "$ws"/tests/cases/*/*.txt; do
        grep -v '^#' "$f" | sed -n 's/^[^|]* | //p'
    done
    grep -v -e '^#' -e '^$' "$ws"/crates/roster-odata/tests/corpus/valid.txt
    sed -n 's/^> //p' "$ws"/crates/roster-odata/tests/corpus/errors.txt
    grep -hv -e '^#' -e '^$' seeds/*.txt
    params_texts
}

trim() {
    local s=$1
    s=${s#"${s%%[! ]*}"}
    printf '%s' "${s%"${s##*[! ]}"}"
}

params_texts() {
    for f in "$ws"/tests/cases/*/params*.txt; do
        grep -v '^#' "$f" | while IFS= read -r line; do
            rest=${line#*|}
            [ "$rest" = "$line" ] && continue
            q=${rest%%|*}
            b=""
            [ "$q" != "$rest" ] && b=${rest#*|}
            q=$(trim "$q")
            b=$(trim "$b")
            if [ -n "$b" ]; then printf '%s\\n%s\n' "$q" "$b"; else printf '%s\n' "$q"; fi
        done
    done
}

targets=$(sed -n 's/^name = "\(.*\)"$/\1/p' Cargo.toml | grep -v '^roster-fuzz$')
n=0
while IFS= read -r line; do
    text=${line//\\n/$'\n'}
    name="seed-$(printf '%s' "$text" | sha1sum | cut -c1-16)"
    for t in $targets; do
        mkdir -p "corpus/$t"
        printf '%s' "$text" >"corpus/$t/$name"
    done
    n=$((n + 1))
done < <(texts)
echo "seeded $(echo "$targets" | wc -w) targets with $n inputs each"
