# Determinism is a feature: `samarl consensus -o` gives bit-identical
# /consensus/final and /consensus/disagreement (and the same printed
# checksum) on 1, 2, 3 and 4 ranks, for every graph source, both weight
# rules, both halo methods and both partitioners.
source "$(dirname "$0")/lib.sh"
MPIRUN="timeout -k 5 $(tlimit 120) $MPIRUN"
NPS=(1 2 3 4)
# Few rounds and a short sigma estimate keep this quick; sigma still feeds
# /consensus/bound, which must not depend on the rank count either.
BASE=(--set consensus.rounds=60 --set consensus.report_every=10 --set consensus.sigma_iters=150)

skip() { _t=$((_t + 1)); echo "ok $_t # SKIP $*"; }
checksum() { sed -n 's/^ *checksum: *\([0-9a-f]*\)$/\1/p' "$1"; }
# same FILE_A FILE_B DATASET: h5diff finds no difference (no tolerance).
same() { h5diff "$1" "$2" "$3" "$3"; }
# differs FILE_A FILE_B DATASET: h5diff finds differences (status 1, not 2).
differs() { h5diff -q "$1" "$2" "$3" "$3"; [[ $? -eq 1 ]]; }

# study NAME ARGS...: runs the study on every rank count into $TMP/NAME.NP.h5
# (log in $TMP/NAME.NP.log); true when every run succeeded.
study() {
  local name=$1 np okall=0; shift
  for np in "${NPS[@]}"; do
    if ! run_np "$np" $SAMARL consensus -q "${BASE[@]}" "$@" -o "$TMP/$name.$np.h5" >"$TMP/$name.$np.log" 2>&1; then
      okall=1
      diag "$name on $np ranks failed:"; tail -5 "$TMP/$name.$np.log" | sed 's/^/#   /'
    fi
  done
  return $okall
}
# compare NAME REF: every rank count of NAME against 1 rank of REF
# (REF = NAME: across rank counts; another study: same bits by another route).
compare() {
  local name=$1 ref=$2 np a=$TMP/$2.1.h5 sum
  sum=$(checksum "$TMP/$ref.1.log")
  for np in "${NPS[@]}"; do
    [[ $name == "$ref" && $np -eq 1 ]] && continue
    local b=$TMP/$name.$np.h5 tag="$name np=$np vs $ref np=1"
    ok "$tag: /consensus/final bit-identical" same "$a" "$b" /consensus/final
    ok "$tag: /consensus/disagreement bit-identical" same "$a" "$b" /consensus/disagreement
    ok "$tag: /consensus/bound bit-identical" same "$a" "$b" /consensus/bound
    ok "$tag: same checksum ($sum)" test -n "$sum" -a "$(checksum "$TMP/$name.$np.log")" = "$sum"
  done
}
# case NAME ARGS...: a study compared across rank counts.
case_() { local name=$1; shift; ok "$name runs on ${NPS[*]} ranks" study "$name" "$@"; compare "$name" "$name"; }

# --- every graph source --------------------------------------------------
case_ ring --set graph.type=ring --set graph.k=2 --set graph.agents=300
case_ grid2d --set graph.type=grid2d --set graph.agents=400
case_ rgg --set graph.type=rgg --set graph.agents=400 --set graph.allow_disconnected=true
like "the rgg case really is disconnected (components > 1)" <(h5dump -a /graph/components "$TMP/rgg.1.h5") '\(0\): ([2-9]|[1-9][0-9]+)$'
case_ er --set graph.type=er --set graph.agents=300
case_ smallworld --set graph.type=smallworld --set graph.agents=300
case_ complete --set graph.type=complete --set graph.agents=9

grid=$SAMARL_SHARED/data/grids/case2383wp.graph
if have_shared && [[ -f $grid ]]; then
  case_ case2383wp --set graph.type=file --set graph.path="$grid"
  like "case2383wp has 2383 agents" "$TMP/case2383wp.1.log" 'n_agents: +2383$'
else
  for ((i = 0; i < 14; i++)); do skip "no $grid"; done
fi

# --- options that must not change a bit (or must, consistently) ---------
IRR=(--set graph.type=smallworld --set graph.agents=300)   # irregular degrees
case_ maxdegree "${IRR[@]}" --set dual.weights=maxdegree
ok "maxdegree weights differ from metropolis on an irregular graph" \
  differs "$TMP/smallworld.1.h5" "$TMP/maxdegree.1.h5" /consensus/final

ok "halo.method=neighbor runs on ${NPS[*]} ranks" study neighbor "${IRR[@]}" --set halo.method=neighbor
compare neighbor smallworld # neighbourhood collectives vs persistent p2p: same bits
ok "partition.method=block runs on ${NPS[*]} ranks" study block "${IRR[@]}" --set partition.method=block
compare block smallworld # contiguous blocks vs METIS: same bits
like "block and METIS partitions really differ (edge cut)" <(grep -h 'edge_cut:' "$TMP/block.4.log" "$TMP/smallworld.4.log" | sort -u | wc -l) '^2$'

case_ normal "${IRR[@]}" --set consensus.init=normal
ok "consensus.init=normal differs from uniform" differs "$TMP/smallworld.1.h5" "$TMP/normal.1.h5" /consensus/final

# --- the comparison can fail ------------------------------------------------
run_np 1 $SAMARL consensus -q "${BASE[@]}" "${IRR[@]}" --set run.seed=2 -o "$TMP/seed2.h5" >"$TMP/seed2.log" 2>&1
ok "run.seed=2 changes /consensus/final" differs "$TMP/smallworld.1.h5" "$TMP/seed2.h5" /consensus/final
ok "run.seed=2 changes /consensus/disagreement" differs "$TMP/smallworld.1.h5" "$TMP/seed2.h5" /consensus/disagreement
ok "run.seed=2 changes the checksum" \
  test -n "$(checksum "$TMP/seed2.log")" -a "$(checksum "$TMP/seed2.log")" != "$(checksum "$TMP/smallworld.1.log")"

done_testing
