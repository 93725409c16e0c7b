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
# copy (MUTATE_SCRATCH, default target/mutate-scratch in this repository,
# so two checkouts never share one) and its target directory
# (MUTATE_TARGET, default target/mutate) are reused between entries and
# runs, so each mutation is an incremental build.
# MUTATE_TIMEOUT bounds one model run (default 600 seconds). An entry that
# does not apply or build counts as missed, with an ERROR line. Not run in
# CI: a full run takes about 20 minutes on two shared cores (one release
# build and one model per entry).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
scratch="${MUTATE_SCRATCH:-$repo/target/mutate-scratch}"
target="${MUTATE_TARGET:-$repo/target/mutate}"
limit="${MUTATE_TIMEOUT:-600}"
filter="${1:-}"

mkdir -p "$scratch" "$target"
# The scratch copy: the sources as they are now, without target/ and .git.
tar -C "$repo" --exclude=./target --exclude=./.git -cf - . | tar -C "$scratch" -xf -

# One entry per line, fields separated by the ASCII unit separator (not
# whitespace, so an empty anchor keeps its place): file, model, anchor,
# original, replacement (each one line).
entries="$(python3 - "$repo/loom-tests/mutations.toml" "$filter" <<'PY'
import sys, tomllib
with open(sys.argv[1], "rb") as f:
    data = tomllib.load(f)
for m in data["mutation"]:
    m.setdefault("after", "")
    for key in ("file", "model", "after", "original", "replacement"):
        if "\x1f" in m[key] or "\n" in m[key]:
            sys.exit(f"mutations.toml: {m['model']}: {key} must be one line")
    if sys.argv[2] in m["model"]:
        print("\x1f".join((m["file"], m["model"], m["after"], m["original"], m["replacement"])))
PY
)"

# Applies one change to the scratch copy of a file. Without an anchor the
# original must occur exactly once in the file; with one (`after`), the
# anchor must occur exactly once and the original is its first occurrence
# within the 60 lines that follow.
apply() {
    python3 - "$@" <<'PY'
import sys
path, after, original, replacement = sys.argv[1:]
text = open(path).read()
start, end = 0, len(text)
if after:
    count = text.count(after)
    if count != 1:
        sys.exit(f"the anchor is found {count} times, not once: {after!r}")
    start = text.index(after) + len(after)
    end = start
    for _ in range(60):
        end = text.find("\n", end + 1)
        if end < 0:
            end = len(text)
            break
    at = text.find(original, start, end)
    if at < 0:
        sys.exit(f"the original text is not within 60 lines after the anchor: {original!r}")
else:
    count = text.count(original)
    if count != 1:
        sys.exit(f"the original text is found {count} times, not once: {original!r}")
    at = text.index(original)
open(path, "w").write(text[:at] + replacement + text[at + len(original):])
PY
}

caught=0
missed=0
while IFS=$'\x1f' read -r file model after original replacement; do
    [ -n "$file" ] || continue
    test_file="${model%%::*}"
    test_name="${model#*::}"
    printf '\n==> %s: %s\n' "$model" "$file"
    cp "$scratch/$file" "$target/pristine"
    if ! apply "$scratch/$file" "$after" "$original" "$replacement"; then
        cp "$target/pristine" "$scratch/$file"
        echo "    MISSED (ERROR: the entry does not apply; fix it)"
        missed=$((missed + 1))
        continue
    fi
    log="$target/last-run.log"
    status=0
    (cd "$scratch" && RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=2 CARGO_TARGET_DIR="$target" \
        timeout "$limit" cargo test -q -p loom-tests --release --test "$test_file" "$test_name" \
        -- --exact </dev/null >"$log" 2>&1) || status=$?
    cp "$target/pristine" "$scratch/$file"
    if [ "$status" -eq 0 ] && grep -q "1 passed" "$log"; then
        echo "    MISSED (the model passed)"
        missed=$((missed + 1))
    elif [ "$status" -eq 124 ]; then
        echo "    MISSED (no verdict within ${limit}s)"
        missed=$((missed + 1))
    elif ! grep -q "^running 1 test" "$log"; then
        tail -n 15 "$log" | sed 's/^/    | /'
        echo "    MISSED (ERROR: the mutated crate does not build, or no model is named so)"
        missed=$((missed + 1))
    else
        why="$(grep -m1 -A1 "panicked at" "$log" | tail -n 1 || true)"
        [ -n "$why" ] || why="$(grep -m1 -E "free|malloc|signal:" "$log" || true)"
        echo "    caught: ${why:-exit status $status}"
        caught=$((caught + 1))
    fi
done <<<"$entries"

echo "mutations: $caught caught, $missed missed"
