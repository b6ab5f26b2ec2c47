#!/usr/bin/env bash
# DVC conformance: for every case under tests/dvc_conformance/<case>/, copy <case>/project
# into a temporary DVC repository, run `dvc repro --all-pipelines` and check that DVC accepts
# or rejects the project as the first line of <case>/expected says (`dvc: accept` or
# `dvc: reject`). The Rust test tests/params_conformance.rs checks our own diagnostics
# against the same expected files, so together they show that we report an error exactly
# where DVC refuses to run.
#
# DVC is taken from $DVC, else `dvc` on PATH, else installed (pinned) into a virtualenv
# under ${CML_LSP_DVC_VENV:-${TMPDIR:-/tmp}/cml-lsp-dvc-venv}.
set -u
here="$(cd "$(dirname "$0")" && pwd)"
dvc_version="3.67.1"

if [ -n "${DVC:-}" ]; then
    dvc="$DVC"
elif command -v dvc >/dev/null 2>&1; then
    dvc="$(command -v dvc)"
else
    venv="${CML_LSP_DVC_VENV:-${TMPDIR:-/tmp}/cml-lsp-dvc-venv}"
    if [ ! -x "$venv/bin/dvc" ]; then
        echo "installing dvc==$dvc_version into $venv" >&2
        python3 -m venv "$venv" && "$venv/bin/pip" install -q "dvc==$dvc_version" || {
            echo "could not install dvc" >&2
            exit 2
        }
    fi
    dvc="$venv/bin/dvc"
fi
echo "using $("$dvc" --version 2>/dev/null | head -1) ($dvc)"

fail=0
n=0
for case_dir in "$here"/*/; do
    case_name="$(basename "$case_dir")"
    [ -f "$case_dir/expected" ] || continue
    if [ $# -gt 0 ] && [[ " $* " != *" $case_name "* ]]; then
        continue
    fi
    n=$((n + 1))
    want="$(head -1 "$case_dir/expected" | sed -n 's/^dvc: *//p')"
    work="$(mktemp -d)"
    cp -R "$case_dir/project/." "$work/"
    (
        cd "$work" || exit 3
        git init -q . && git add -A >/dev/null 2>&1
        "$dvc" init -q >/dev/null 2>&1 || exit 3
        "$dvc" repro --all-pipelines >"$work/.dvc-output" 2>&1
    )
    rc=$?
    if [ $rc -eq 0 ]; then got="accept"; else got="reject"; fi
    if [ "$got" = "$want" ]; then
        echo "ok    $case_name (dvc: $got)"
    else
        echo "FAIL  $case_name: expected dvc to $want, it did $got (exit $rc)"
        sed 's/^/      /' "$work/.dvc-output" | grep -v '^ *$' | head -20
        fail=$((fail + 1))
    fi
    rm -rf "$work"
done
echo "$n cases, $fail mismatches"
[ $fail -eq 0 ]
