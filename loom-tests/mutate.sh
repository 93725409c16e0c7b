#!/usr/bin/env bash
# Shows each loom model able to fail: for every entry of
# loom-tests/mutations.toml, applies its one-line change to a scratch copy
# of the repository, runs the model it names with the suite's settings,
# and counts the mutation caught if the model fails (assertion, loom
# deadlock, panic or abort), missed if it passes or times out.
#
#   bash loom-tests/mutate.sh [FILTER]
#
# FILTER (optional) keeps the entries whose model contains it. The scratch
# copy (MUTATE_SCRATCH, default /tmp/hoare-mutate) and its target directory
# (MUTATE_TARGET, default target/mutate in this repository) are reused
# between entries and runs, so each mutation is an incremental build.
# MUTATE_TIMEOUT bounds one model run (default 600 seconds). Not run in CI.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
scratch="${MUTATE_SCRATCH:-/tmp/hoare-mutate}"
target="${MUTATE_TARGET:-$repo/target/mutate}"
limit="${MUTATE_TIMEOUT:-600}"
filter="${1:-}"

mkdir -p "$scratch" "$target"
# The scratch copy: the sources as they are now, without target/ and .git.
tar -C "$repo" --exclude=./target --exclude=./.git -cf - . | tar -C "$scratch" -xf -

# One entry per line of tab-separated fields: file, model, original,
# replacement (tabs and newlines are not allowed in the texts).
entries="$(python3 - "$repo/loom-tests/mutations.toml" "$filter" <<'PY'
import sys, tomllib
with open(sys.argv[1], "rb") as f:
    data = tomllib.load(f)
for m in data["mutation"]:
    for key in ("file", "model", "original", "replacement"):
        if "\t" in m[key] or "\n" in m[key]:
            sys.exit(f"mutations.toml: {m['model']}: {key} must be one line without tabs")
    if sys.argv[2] in m["model"]:
        print("\t".join((m["file"], m["model"], m["original"], m["replacement"])))
PY
)"

caught=0
missed=0
while IFS=$'\t' read -r file model original replacement; do
    [ -n "$file" ] || continue
    test_file="${model%%::*}"
    test_name="${model#*::}"
    printf '\n==> %s: %s\n' "$model" "$file"
    cp "$repo/$file" "$scratch/$file"
    python3 - "$scratch/$file" "$original" "$replacement" <<'PY'
import sys
path, original, replacement = sys.argv[1:]
text = open(path).read()
count = text.count(original)
if count != 1:
    sys.exit(f"mutate.sh: {path}: the original text is found {count} times, not once: {original!r}")
open(path, "w").write(text.replace(original, replacement))
PY
    log="$target/last-run.log"
    status=0
    (cd "$scratch" && RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=2 CARGO_TARGET_DIR="$target" \
        timeout "$limit" cargo test -q -p loom-tests --release --test "$test_file" "$test_name" \
        -- --exact >"$log" 2>&1) || status=$?
    cp "$repo/$file" "$scratch/$file"
    if grep -q "^error\(\[E[0-9]*\]\)\?:" "$log" && ! grep -q "^running 1 test" "$log"; then
        tail -n 20 "$log"
        echo "mutate.sh: the mutated crate does not build; fix the entry" >&2
        exit 2
    fi
    if [ "$status" -eq 0 ]; then
        if ! grep -q "1 passed" "$log"; then
            echo "mutate.sh: no model named $model" >&2
            exit 2
        fi
        echo "    MISSED (the model passed)"
        missed=$((missed + 1))
    elif [ "$status" -eq 124 ]; then
        echo "    MISSED (no verdict within ${limit}s)"
        missed=$((missed + 1))
    else
        echo "    caught: $(grep -m1 -E "panicked at|deadlock|assertion|double free|SIGABRT|signal" "$log" || echo "exit status $status")"
        caught=$((caught + 1))
    fi
done <<<"$entries"

echo "mutations: $caught caught, $missed missed"
