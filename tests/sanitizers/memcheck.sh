#!/usr/bin/env bash
# Valgrind memcheck over the serial paths (make memcheck; see
# docs/static-analysis.md): representative single-rank samarl and
# samarl-partition commands and the C unit tests, each as
#   mpirun -np 1 valgrind --leak-check=full --error-exitcode=99 ...
# with Open MPI's suppression file and tests/sanitizers/valgrind.supp.
# Any memcheck error (invalid access, uninitialised value used, definite or
# possible leak) or a failing command fails the run. One log per command in
# $SAMARL_BUILD/memcheck/. Run from the repository root after `make tests`.
set -u
command -v valgrind >/dev/null || { echo "memcheck: valgrind is not installed (apt-get install valgrind)"; exit 1; }
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../env.sh"
B=$SAMARL_BUILD
OUT=$B/memcheck
rm -rf "$OUT" && mkdir -p "$OUT"
VG=(valgrind --error-exitcode=99 --leak-check=full --num-callers=40
    --suppressions="$here/valgrind.supp")
ompi_supp=/usr/share/openmpi/openmpi-valgrind.supp
[[ -f $ompi_supp ]] && VG+=(--suppressions="$ompi_supp")
failed=0

# check NAME ARGS...: ARGS on one rank under valgrind; with expect_fail=1
# the command must fail (bad input), cleanly.
check() {
  local name=$1; shift
  $MPIRUN -np 1 "${VG[@]}" --log-file="$OUT/$name.vg" "$@" >"$OUT/$name.log" 2>&1
  local rc=$?
  [[ ${expect_fail:-0} -eq 1 && $rc -ne 0 && $rc -ne 99 ]] && rc=0
  if [[ $rc -eq 0 ]]; then
    echo "ok      $name"
  else
    failed=1
    if [[ $rc -eq 99 ]]; then echo "ERRORS  $name: see $OUT/$name.vg"
    else echo "FAILED  $name: exit $rc, see $OUT/$name.log"; fi
    grep -E '^==[0-9]+== (ERROR SUMMARY|.*(lost|Invalid|uninitialised))' "$OUT/$name.vg" | head -5
  fi
}

SMALL=(--set graph.agents=8 --set graph.type=ring --set graph.k=1)
TINY=("${SMALL[@]}" --set env.horizon=24 --set train.copies=4 --set train.minibatches=2
      --set train.epochs=2 --set train.eval_every=2 --set train.eval_copies=2
      --set policy.hidden=8 --set train.iterations=2)
RUN=("${SMALL[@]}" --set run.days=1 --set consensus.sigma_iters=20)

check config         "$B/samarl" config
check consensus      "$B/samarl" consensus -q "${SMALL[@]}" --set consensus.rounds=20 \
                       --set consensus.sigma_iters=20 -o "$OUT/consensus.h5"
check run-bestresp   "$B/samarl" run -q "${RUN[@]}" --set policy.type=bestresponse -o "$OUT/br.h5"
check train          "$B/samarl" train -q "${TINY[@]}" -o "$OUT/policy.h5"
check train-shared   "$B/samarl" train -q "${TINY[@]}" --set policy.sharing=shared \
                       -o "$OUT/policy-shared.h5"
check run-mlp        "$B/samarl" run -q "${RUN[@]}" --set policy.type=mlp --set policy.hidden=8 \
                       --policy "$OUT/policy.h5" -o "$OUT/mlp.h5"
# An error found after set-up (the policy is for 8 agents): the early exit.
expect_fail=1 check run-refused "$B/samarl" run -q "${RUN[@]}" --set graph.agents=9 \
                       --set policy.type=mlp --set policy.hidden=8 --policy "$OUT/policy.h5" \
                       -o "$OUT/refused.h5"
check eval           "$B/samarl" eval "${TINY[@]}" --policy "$OUT/policy.h5" --lambda 0,0.5 \
                       -o "$OUT/eval.csv"
check info           "$B/samarl" info "$OUT/policy.h5"
check partition      "$B/samarl-partition" -q "${SMALL[@]}" --parts 3 -o "$OUT/part.h5"
# The unit tests that run on one rank; test_fatal is left out: it ends in
# MPI_Abort on purpose, and an aborted process frees nothing.
for t in "$B"/tests/test_*; do
  [[ $(basename "$t") == test_fatal ]] && continue
  check "$(basename "$t")" "$t"
done

if [[ $failed -ne 0 ]]; then echo "memcheck: errors (logs in $OUT)"; exit 1; fi
echo "memcheck: clean (logs in $OUT)"
