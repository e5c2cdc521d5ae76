#!/usr/bin/env bash
# scripts/compare_builds.sh OLD_SAMARL NEW_SAMARL [SHARED]: run two builds of
# samarl on the same configurations (none of them in tests/reference/) and
# say, per case, whether every output is the same bit for bit (wall times,
# version, commit and config text left out). For a change that must not move
# a bit: build the old commit in a worktree (git worktree add /tmp/old REV &&
# make -C /tmp/old), then scripts/compare_builds.sh /tmp/old/build/samarl
# build/samarl. Exit status 1 if any case differs. SHARED: ../shared.
set -u
[[ $# -ge 2 ]] || { sed -n 2,8p "$0"; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
[[ $(id -u) -eq 0 ]] && export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1
OLD=$1 NEW=$2 SH=${3:-$here/../../shared}/data
D=$(mktemp -d "${TMPDIR:-/tmp}/samarl-compare.XXXXXX")
trap 'rm -rf "$D"' EXIT
V="/timers /summary@wall_s /summary@agent_steps_per_s /@git_sha /@samarl_version /@config"
S="--set graph.agents=12 --set graph.type=smallworld --set graph.k=2 --set env.horizon=24 --set train.copies=6 --set train.minibatches=3 --set train.epochs=2 --set train.eval_every=1 --set train.eval_copies=2 --set policy.hidden=8"
n=0; bad=0
cmp_case() { # name np output args...
  local name=$1 np=$2 out=$3; shift 3
  for v in old new; do
    local bin=$OLD; [[ $v == new ]] && bin=$NEW
    mpirun -np $np $bin "${@//OUT/$D/$name.$v}" >$D/$name.$v.log 2>&1 || { echo "FAIL-RUN $name $v"; tail -3 $D/$name.$v.log; }
  done
  n=$((n+1))
  if [[ $out == *.csv ]]; then cmp -s $D/$name.old$out $D/$name.new$out && echo "same $name" || { echo "DIFF $name"; bad=$((bad+1)); }
  else /usr/bin/python3 "$here/../tests/h5same.py" $D/$name.old$out $D/$name.new$out $V >$D/$name.cmp 2>&1 && echo "same $name" || { echo "DIFF $name"; head -3 $D/$name.cmp; bad=$((bad+1)); }
  fi
}
cmp_case tr_nonorm 2 .h5 train -q $S --set policy.normalize=false --set train.iterations=3 -o OUT.h5
cmp_case tr_resample 3 .h5 train -q $S --set train.lambda_resample=6 --set train.lr_final=0.0005 --set train.max_grad_norm=0.5 --set train.iterations=3 -o OUT.h5
cmp_case tr_shared_clip 2 .h5 train -q $S --set policy.sharing=shared --set train.max_grad_norm=0.1 --set train.entropy=0.05 --set train.iterations=3 -o OUT.h5
cmp_case tr_mappo_dual 2 .h5 train -q $S --set train.algo=mappo-l --set train.dual_lr=0.5 --set dual.lambda0=0.3 --set train.critic_hidden=16 --set train.iterations=3 -o OUT.h5
cmp_case tr_mappo_shared_nodes 2 .h5 train -q --set graph.type=file --set graph.path=$SH/grids/case118.graph --set env.nodes=$SH/grids/case118.nodes.csv --set env.horizon=24 --set train.copies=4 --set train.minibatches=2 --set train.epochs=1 --set policy.hidden=8 --set train.algo=mappo-l --set policy.sharing=shared --set train.iterations=2 --set train.eval_every=0 -o OUT.h5
cmp_case tr_ckpt 2 .h5 train -q $S --set train.iterations=4 --set train.checkpoint_every=2 --set train.save_adam=false -o OUT.h5
cmp_case run_grid 2 .h5 run -q --set policy.type=bestresponse --set graph.type=file --set graph.path=$SH/grids/case2383wp.graph --set run.days=1 --set dual.mode=consensus --set dual.rounds=3 --set dual.epoch=2 --set output.agents=every:100 -o OUT.h5
cmp_case run_greedy_pf 3 .h5 run -q --set policy.type=bestresponse --set graph.agents=300 --set run.days=1 --set run.greedy=true --set env.profiles=$SH/citylearn2022/profiles.csv --set dual.mode=local --set env.heterogeneity=1.2 -o OUT.h5
cmp_case run_block 2 .h5 run -q --set policy.type=bestresponse --set graph.type=grid2d --set graph.agents=400 --set partition.method=block --set run.days=1 --set dual.mode=tracking --set dual.weights=maxdegree --set halo.method=neighbor --set run.checkpoint_every=7 -o OUT.h5
cmp_case eval_greedy 2 .csv eval --set policy.type=bestresponse --set graph.agents=20 --set eval.greedy=true --set eval.steps=30 --lambda 0,0.1,0.7 -o OUT.csv
cmp_case cons_er 2 .h5 consensus -q --set graph.type=er --set graph.agents=500 --set graph.allow_disconnected=true --set consensus.init=normal --set consensus.rounds=30 --set partition.method=block -o OUT.h5
echo "$n cases, $bad differ"
[[ $bad -eq 0 ]]
