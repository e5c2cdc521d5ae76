# User-facing behaviour of samarl and samarl-partition: help, version,
# config printing and round trip, dry runs, outputs, and refusals of bad
# input (every rank fails, one clear message).
source "$(dirname "$0")/lib.sh"
# A rank that hangs instead of failing is a failure, not a stuck suite.
MPIRUN="timeout -k 5 $(tlimit 120) $MPIRUN"
# Small and quick: the sigma estimate and the rounds are not what is tested.
Q=(--set consensus.sigma_iters=50 --set consensus.rounds=20)

# fails DESC NP STATUS PATTERN ARGS...: ARGS under NP ranks; every rank must
# exit with STATUS ('any' = any non-zero status) and exactly one line of the
# output must match PATTERN (ERE): one clear message, not one per rank.
fails() {
  local d=$1 np=$2 st=$3 pat=$4; shift 4
  run_ranks "$np" "$@"
  local bad=0 r n
  for ((r = 0; r < np; r++)); do
    if [[ $st == any ]]; then
      grep -Eq "^rank $r exit [1-9]" "$TMP/out" || bad=1
    else
      grep -Eq "^rank $r exit $st\$" "$TMP/out" || bad=1
    fi
  done
  n=$(grep -Ec -- "$pat" "$TMP/out")
  if [[ $bad -eq 0 && $n -eq 1 ]]; then
    pass "$d"
  else
    fail "$d"
    echo "#   expected every rank to exit with status $st and /$pat/ on exactly one line (found $n), got:"
    sed 's/^/#   /' "$TMP/out" | tail -15
  fi
}
# succeeds DESC NP ARGS...: every rank exits 0; the output is kept in $TMP/run
# (ok and like reuse $TMP/out).
succeeds() {
  local d=$1 np=$2; shift 2
  run_ranks "$np" "$@"
  cp "$TMP/out" "$TMP/run"
  local bad=0 r
  for ((r = 0; r < np; r++)); do grep -Eq "^rank $r exit 0\$" "$TMP/out" || bad=1; done
  if [[ $bad -eq 0 ]]; then pass "$d"; else fail "$d"; sed 's/^/#   /' "$TMP/out" | tail -15; fi
}
absent() { local f; for f; do [[ ! -e $f ]] || return 1; done; }
present() { local f; for f; do [[ -s $f ]] || return 1; done; }
strip() { sed -e 's/[[:space:]]*;.*$//' -e 's/[[:space:]]*$//' "$1" | grep -v '^$'; }

# --- help and version ---------------------------------------------------
$SAMARL --help >"$TMP/help" 2>&1; rc=$?
ok "samarl --help exits 0" test $rc -eq 0
ok "samarl --help lists the commands consensus, config, info, help" \
  bash -c 'for c in consensus config info help; do grep -Eq "^  $c " "$1" || { echo "no $c"; exit 1; }; done' _ "$TMP/help"
like "samarl --help mentions samarl-partition" "$TMP/help" 'samarl-partition'
like "samarl --help names --version" "$TMP/help" '--version'

$SAMARL consensus --help >"$TMP/chelp" 2>&1; rc=$?
ok "samarl consensus --help exits 0" test $rc -eq 0
ok "samarl consensus --help documents -c, --set, -o, --dry-run, -q" \
  bash -c 'for o in -c --config --set -o --output --dry-run -q --quiet --help; do grep -q -- "$o" "$1" || exit 1; done' _ "$TMP/chelp"
$SAMARL help consensus >"$TMP/chelp2" 2>&1
ok "samarl help consensus is samarl consensus --help" cmp "$TMP/chelp" "$TMP/chelp2"
fails "samarl help of an unknown command fails (exit 2) naming it" 2 2 "unknown command 'bogus'" \
  $SAMARL help bogus

$SAMARL config >"$TMP/cfg" 2>&1
$SAMARL config --keys >"$TMP/keys" 2>&1; rc=$?
ok "samarl config --keys exits 0" test $rc -eq 0
ok "samarl config prints several sections" test "$(grep -c '^\[' "$TMP/cfg")" -ge 5
ok "samarl config --keys lists every section and key of the effective config" \
  bash -c 'sec=; n=0
    while IFS= read -r l; do
      if [[ $l =~ ^\[([a-z_]+)\] ]]; then sec=${BASH_REMATCH[1]}; grep -qx "\[$sec\]" "$2" || { echo "no [$sec]"; exit 1; }
      elif [[ $l =~ ^([a-z_]+)\ = ]]; then n=$((n+1))
        awk -v s="[$sec]" -v k="${BASH_REMATCH[1]}" '\''/^\[/{in_s=($0==s)} in_s && $1==k && /default/{f=1} END{exit !f}'\'' "$2" \
          || { echo "[$sec] ${BASH_REMATCH[1]} missing"; exit 1; }
      fi
    done < "$1"; [[ $n -ge 20 ]]' _ "$TMP/cfg" "$TMP/keys"
like "samarl config --keys gives ranges" "$TMP/keys" 'agents +default 1000 +an integer in \[1, '
ok "samarl --help names every section that samarl config prints" \
  bash -c 'for s in $(grep -o "^\[[a-z_]*\]" "$1"); do tr "\n" " " < "$2" | grep -qF -- "$s" || { echo "$s"; exit 1; }; done' \
  _ "$TMP/cfg" "$TMP/help"

$PARTITION --help >"$TMP/phelp" 2>&1; rc=$?
ok "samarl-partition --help exits 0" test $rc -eq 0
like "samarl-partition --help documents --parts and -o" "$TMP/phelp" '--parts P.*'
like "samarl-partition --help mentions partition.method = file" "$TMP/phelp" 'partition\.method ?= ?file'

$SAMARL --version >"$TMP/ver" 2>&1; rc=$?
ok "samarl --version exits 0" test $rc -eq 0
like "samarl --version prints a version number" "$TMP/ver" '^samarl [0-9]+\.[0-9]+\.[0-9]+'
ok "samarl --version names MPI, HDF5 and METIS" \
  bash -c 'grep -q MPI "$1" && grep -q HDF5 "$1" && grep -q METIS "$1"' _ "$TMP/ver"
run_np 2 $SAMARL --version >"$TMP/ver2" 2>&1
ok "samarl --version on 2 ranks prints once" test "$(grep -c '^samarl ' "$TMP/ver2")" -eq 1

# --- usage errors -------------------------------------------------------
fails "unknown command: exit 2, named" 2 2 "unknown command 'bogus'" $SAMARL bogus
fails "a misspelt command is named with the nearest one" 2 2 "unknown command 'runn'; did you mean 'run'" \
  $SAMARL runn
fails "unknown option: exit 2, named" 2 2 "unknown option '--bogus'" $SAMARL consensus --bogus
fails "samarl-partition unknown option: exit 2" 2 2 "unknown option '--frobnicate'" $PARTITION --frobnicate
fails "option without its value: exit 2" 2 2 "'-o' needs a value" $SAMARL consensus -o
fails "stray argument: exit 2" 2 2 "unexpected argument 'extra'" $SAMARL consensus extra
fails "no command: exit 2 with usage" 2 2 '^usage: samarl COMMAND' $SAMARL
fails "samarl info without a file: exit 2" 2 2 '^usage: samarl info' $SAMARL info

# --- configuration errors -----------------------------------------------
fails "missing config file" 2 any "config file '$TMP/nonexistent\.ini'.*No such file" \
  $SAMARL consensus -c "$TMP/nonexistent.ini"
printf '[graph]\nagents = 10\nfoo = 3\n' >"$TMP/badkey.ini"
fails "unknown key: file:line, key and section" 2 any "badkey\.ini:3: .*unknown key 'foo'.*\[graph\]" \
  $SAMARL consensus -c "$TMP/badkey.ini"
printf '[run]\nseed = 1\n[grpah]\nagents = 10\n' >"$TMP/badsec.ini"
fails "unknown section: file:line and the valid sections" 2 any "badsec\.ini:3: .*unknown section \[grpah\].*\[graph\]" \
  $SAMARL consensus -c "$TMP/badsec.ini"
printf '[graph]\nagents = 10\nagents = 12\n' >"$TMP/dup.ini"
fails "key set twice: both lines" 2 any "dup\.ini:3: .*agents.*twice.*line 2" $SAMARL consensus -c "$TMP/dup.ini"
printf '[graph]\nagents 10\n' >"$TMP/syntax.ini"
fails "syntax error: file:line" 2 any "syntax\.ini:2: " $SAMARL consensus -c "$TMP/syntax.ini"
# \x01 marks samarl's own placeholder for a long value: one in the file is
# a bad value like any other, not an index (it used to crash the parser).
printf '[run]\nseed = \0017\n[output]\nsummary = \0010\n' >"$TMP/ctl.ini"
fails "a control byte at the start of a value: file:line and key" 2 any "ctl\.ini:2: \[run\] seed: expected an integer" \
  $SAMARL consensus -c "$TMP/ctl.ini"
printf '[graph]\nagents = 0\n' >"$TMP/range.ini"
fails "out-of-range value in a file: file:line, key and range" 2 any \
  "range\.ini:2: .*agents.*\[1, 2147483647\]" $SAMARL consensus -c "$TMP/range.ini"
fails "out-of-range integer via --set: key, range and value" 2 any \
  "graph\.agents.*\[1, 2147483647\].*'0'" $SAMARL consensus --set graph.agents=0
fails "out-of-range number via --set: key, range and value" 2 any \
  "graph\.p.*\[0, 1\].*'2'" $SAMARL consensus --set graph.p=2
fails "open interval via --set: the range says (0, ...]" 2 any \
  "graph\.degree.*\(0, [0-9]+\].*'0'" $SAMARL consensus --set graph.degree=0
fails "not a number via --set" 2 any "graph\.agents.*integer.*'12abc'" $SAMARL consensus --set graph.agents=12abc
fails "NaN refused" 2 any "graph\.p.*\[0, 1\].*'nan'" $SAMARL consensus --set graph.p=nan
fails "seed above 2^64-1 refused" 2 any "run\.seed.*18446744073709551615.*'18446744073709551616'" \
  $SAMARL consensus --set run.seed=18446744073709551616
fails "bad choice via --set lists the choices" 2 any "graph\.type.*ring\|grid2d.*'Ring'" \
  $SAMARL consensus --set graph.type=Ring
fails "bad boolean via --set" 2 any "allow_disconnected.*true or false.*'maybe'" \
  $SAMARL consensus --set graph.allow_disconnected=maybe
fails "--set without '=' shows the form" 2 any "section\.key=value" $SAMARL consensus --set graph.agents
fails "--set of an unknown section" 2 any "unknown section \[foo\]" $SAMARL consensus --set foo.bar=1

# --- graph input errors -------------------------------------------------
G=(--set graph.type=file)
fails "graph.type=file with a missing file names it" 2 any "graph file '$TMP/missing\.graph'.*No such file" \
  $SAMARL consensus "${G[@]}" --set graph.path="$TMP/missing.graph"
fails "graph.type=file without graph.path" 2 any "path is required when graph\.type = file" $SAMARL consensus "${G[@]}"
printf '%% a triangle whose vertex 1 lists itself\n3 3\n2 1\n1 3\n1 2\n' >"$TMP/selfloop.graph"
fails "self-loop: file and line" 2 any "selfloop\.graph:3: .*self-loop" \
  $SAMARL consensus "${G[@]}" --set graph.path="$TMP/selfloop.graph"
printf '3 2\n2 3\n1\n1 2\n' >"$TMP/asym.graph"
fails "asymmetric adjacency: file and line" 2 any "asym\.graph:4: .*asymmetric" \
  $SAMARL consensus "${G[@]}" --set graph.path="$TMP/asym.graph"
printf '3 5\n2 3\n1 3\n1 2\n' >"$TMP/count.graph"
fails "wrong edge count in the header" 2 any "count\.graph:1: .*5 edges.*3" \
  $SAMARL consensus "${G[@]}" --set graph.path="$TMP/count.graph"
printf '3 3\n2 4\n1 3\n1 2\n' >"$TMP/range.graph"
fails "neighbour out of range" 2 any "range\.graph:2: .*4.*1\.\.3" \
  $SAMARL consensus "${G[@]}" --set graph.path="$TMP/range.graph"
printf '0 1\n1 2\n2 2\n' >"$TMP/self.edges"
fails "edge list self-loop: file and line" 2 any "self\.edges:3: .*self-loop" \
  $SAMARL consensus "${G[@]}" --set graph.format=edgelist --set graph.path="$TMP/self.edges"
printf '3 3\n2 3\n1 3\n1 2\n' >"$TMP/tri.graph"
fails "graph.agents set but not the file's vertex count" 2 any "tri\.graph.*3 vertices.*graph\.agents = 4" \
  $SAMARL consensus "${G[@]}" --set graph.path="$TMP/tri.graph" --set graph.agents=4
# Two disjoint edges: 1-2 and 3-4.
printf '4 2\n2\n1\n4\n3\n' >"$TMP/disc.graph"
fails "disconnected graph refused: components and graph.allow_disconnected" 2 any \
  "disconnected.*2 connected components.*graph\.allow_disconnected" \
  $SAMARL consensus "${Q[@]}" "${G[@]}" --set graph.path="$TMP/disc.graph"
fails "disconnected generated graph refused" 2 any "disconnected.*components.*allow_disconnected" \
  $SAMARL consensus "${Q[@]}" --set graph.type=rgg --set graph.agents=200 --set graph.degree=2
succeeds "disconnected graph accepted with graph.allow_disconnected=true" 2 \
  $SAMARL consensus -q "${Q[@]}" "${G[@]}" --set graph.path="$TMP/disc.graph" --set graph.allow_disconnected=true
like "... and it runs to a checksum" "$TMP/run" 'checksum: +[0-9a-f]{16}'
fails "more ranks than agents" 3 any "more ranks than agents.*3 ranks.*2 agents" \
  $SAMARL consensus "${Q[@]}" --set graph.type=complete --set graph.agents=2

# --- outputs that cannot be written -------------------------------------
fails "output into a nonexistent directory names the directory" 2 any \
  "directory '$TMP/nodir' does not exist" $SAMARL consensus "${Q[@]}" -o "$TMP/nodir/out.h5"
ok "... and leaves no file behind" absent "$TMP/nodir"
fails "output onto a directory" 2 any "'$TMP'.*is a directory" $SAMARL consensus "${Q[@]}" -o "$TMP"
fails "an empty output path" 2 any "option '-o' needs a non-empty value" $SAMARL consensus "${Q[@]}" -o ""
ok "... writes no '.partial' in the working directory" absent .partial
fails "a run that fails (disconnected graph) with -o" 2 any "disconnected" \
  $SAMARL consensus "${Q[@]}" "${G[@]}" --set graph.path="$TMP/disc.graph" -o "$TMP/failed.h5"
ok "... leaves neither FILE nor FILE.partial nor the JSON" \
  absent "$TMP/failed.h5" "$TMP/failed.h5.partial" "$TMP/failed.json"
mkdir "$TMP/blocked.h5.partial"
fails "output whose temporary name cannot be created" 2 any "blocked\.h5\.partial" \
  $SAMARL consensus "${Q[@]}" -o "$TMP/blocked.h5"
ok "... leaves neither FILE nor the JSON" absent "$TMP/blocked.h5" "$TMP/blocked.json"

# --- samarl info on bad files -------------------------------------------
fails "samarl info on a missing file" 2 any "'$TMP/missing\.h5'.*No such file" $SAMARL info "$TMP/missing.h5"
echo "not HDF5 at all" >"$TMP/notes.h5"
fails "samarl info on a non-HDF5 file" 2 any "notes\.h5.*not an HDF5 file" $SAMARL info "$TMP/notes.h5"

# --- effective config, origins, round trip ------------------------------
printf '; a small study\n[graph]\ntype = ring\nagents = 64\n\n[consensus]\nrounds = 30\n' >"$TMP/c.ini"
$SAMARL config -c "$TMP/c.ini" --set graph.k=2 --set run.seed=7 --set graph.p=0.123456789012345 \
  --set consensus.sigma_tol=1.5e-12 >"$TMP/printed.ini" 2>&1; rc=$?
ok "samarl config -c FILE --set ... exits 0" test $rc -eq 0
like "a value from the file carries FILE:LINE" "$TMP/printed.ini" '^agents = 64 +; .*c\.ini:4$'
like "a value from --set carries its --set" "$TMP/printed.ini" '^k = 2 +; --set graph\.k$'
like "a default value says default" "$TMP/printed.ini" '^report_every = 10 +; default$'
like "a derived seed says where it came from" "$TMP/printed.ini" '^seed = 7 +; = run\.seed$'
like "numbers are printed at full precision" "$TMP/printed.ini" '^p = 0\.123456789012345 '
$SAMARL config -c "$TMP/printed.ini" >"$TMP/back.ini" 2>&1; rc=$?
ok "the printed config parses back" test $rc -eq 0
ok "... to identical values (comments stripped)" diff <(strip "$TMP/printed.ini") <(strip "$TMP/back.ini")
ok "... and differs from the defaults (the comparison can fail)" \
  bash -c '! diff -q <(sed "s/ *;.*//" "$1") <(sed "s/ *;.*//" "$2") >/dev/null' _ "$TMP/printed.ini" "$TMP/cfg"
run_np 2 $SAMARL consensus -q -c "$TMP/printed.ini" --set consensus.sigma_iters=50 >"$TMP/rt1" 2>&1
run_np 2 $SAMARL consensus -q -c "$TMP/c.ini" --set graph.k=2 --set run.seed=7 --set graph.p=0.123456789012345 \
  --set consensus.sigma_tol=1.5e-12 --set consensus.sigma_iters=50 >"$TMP/rt2" 2>&1
ok "a run from the printed config gives the same checksum" \
  bash -c 'a=$(grep checksum "$1"); [[ -n $a && $a == "$(grep checksum "$2")" ]]' _ "$TMP/rt1" "$TMP/rt2"
# String values survive the round trip, or are refused up front: a value
# that reads back differently would make the recorded config lie.
for v in "$TMP/a ;b.graph" "$TMP/$(printf 'd%.0s' {1..240})/g.graph"; do
  if $SAMARL config --set graph.path="$v" >"$TMP/s.ini" 2>"$TMP/s.err"; then
    $SAMARL config -c "$TMP/s.ini" >"$TMP/s2.ini" 2>&1
    ok "graph.path of ${#v} characters ('...${v: -12}') survives the config round trip" \
      grep -qxF "path = $v" <(strip "$TMP/s2.ini")
    grep -qxF "path = $v" <(strip "$TMP/s2.ini") || { diag "  read back as:"; grep -E '^path|error' "$TMP/s2.ini" | sed 's/^/#     /'; }
  else
    like "graph.path of ${#v} characters is refused with a reason" "$TMP/s.err" 'graph\.path'
  fi
done

# --- dry run --------------------------------------------------------------
succeeds "--dry-run exits 0 on 2 ranks" 2 $SAMARL consensus -c "$TMP/c.ini" --dry-run -o "$TMP/dry.h5"
ok "--dry-run prints the effective config once" test "$(grep -c '^\[graph\]' "$TMP/run")" -eq 1
like "--dry-run shows the values with origins" "$TMP/run" '^agents = 64 +; .*c\.ini:4'
ok "--dry-run does not run (no summary, no checksum)" bash -c '! grep -Eq "checksum|summary:|disagreement" "$1"' _ "$TMP/run"
ok "--dry-run writes no output" absent "$TMP/dry.h5" "$TMP/dry.h5.partial" "$TMP/dry.json"
fails "--dry-run still refuses bad values" 2 any "graph\.agents.*\[1, " \
  $SAMARL consensus --dry-run --set graph.agents=0

# --- a successful run with output ---------------------------------------
succeeds "samarl consensus -o out.h5 on 2 ranks" 2 \
  $SAMARL consensus -q "${Q[@]}" --set graph.agents=100 -o "$TMP/out.h5"
ok "it leaves out.h5 and out.json" present "$TMP/out.h5" "$TMP/out.json"
ok "... and no .partial file" absent "$TMP/out.h5.partial"
ok "out.json is valid JSON" /usr/bin/python3 -m json.tool "$TMP/out.json"
ok "the summary is printed once" test "$(grep -c 'checksum:' "$TMP/run")" -eq 1
$SAMARL info "$TMP/out.h5" >"$TMP/info" 2>&1; rc=$?
ok "samarl info out.h5 exits 0" test $rc -eq 0
like "info gives the format" "$TMP/info" 'format = "samarl-consensus"'
like "info lists /consensus/disagreement with type, shape and units" "$TMP/info" \
  '^ */consensus/disagreement +float64 +\[3\] +\([^)]+\)'
like "info lists /consensus/final with type, shape and units" "$TMP/info" \
  '^ */consensus/final +float64 +\[100\] +\([^)]+\)'
like "info lists /graph/partition with its units" "$TMP/info" '^ */graph/partition +int32 +\[100\] +\(rank\)'

# A launcher that does not match the SLURM allocation is named: SLURM_NTASKS
# says 3 tasks, MPI started 1 (or 2) ranks. One warning per world, none when
# they agree.
SLURM_NTASKS=3 $SAMARL --version >"$TMP/sl.out" 2>"$TMP/sl.err"
like "SLURM_NTASKS = 3 on 1 rank: warned" "$TMP/sl.err" 'SLURM_NTASKS = 3 but MPI started 1 rank'
SLURM_NTASKS=3 run_np 2 $SAMARL --version >"$TMP/sl2.out" 2>&1
ok "on 2 ranks: warned once" test "$(grep -c 'SLURM_NTASKS = 3 but MPI started 2 ranks' "$TMP/sl2.out")" -eq 1
SLURM_NTASKS=2 run_np 2 $SAMARL --version >"$TMP/sl3.out" 2>&1
ok "SLURM_NTASKS = MPI size: no warning" bash -c "! grep -q SLURM_NTASKS $TMP/sl3.out"

# --- real inputs as users have them ---------------------------------------
# Paths in an INI are relative to its folder, so a config runs from anywhere.
mkdir -p "$TMP/cfgdir/data" "$TMP/elsewhere"
printf '5 5\n2 5\n1 3\n2 4\n3 5\n4 1\n' >"$TMP/cfgdir/data/g.graph"
printf '[graph]\ntype = file\npath = data/g.graph\n[consensus]\nrounds = 5\n' >"$TMP/cfgdir/g.ini"
SAMARL_ABS=$(realpath "$SAMARL")
(cd "$TMP/elsewhere" && run_np 2 "$SAMARL_ABS" consensus -q -c ../cfgdir/g.ini -o "$TMP/g.h5") >"$TMP/g.out" 2>&1
ok "an INI's relative graph.path is found from another working directory" test -s "$TMP/g.h5"
$SAMARL config -c "$TMP/cfgdir/g.ini" >"$TMP/g.cfg" 2>&1
like "samarl config shows the path resolved against the INI's folder" "$TMP/g.cfg" \
  "^path = $TMP/cfgdir/data/g.graph "
# run and eval take the graph and [env] from the policy file.
run_np 2 $SAMARL train -q --set graph.agents=12 --set graph.type=ring --set train.iterations=2 \
  --set train.copies=1 --set env.kappa=0.07 -o "$TMP/pol.h5" >/dev/null 2>&1
run_np 2 $SAMARL run --policy "$TMP/pol.h5" --set run.days=1 -o "$TMP/pol-run.h5" >"$TMP/pi.out" 2>&1
like "run --policy takes graph and environment from the policy file, in one line" "$TMP/pi.out" \
  "^samarl: 3 .* settings taken from .*pol.h5, which it was trained on"
ok "  and runs on its 12-agent ring" grep -q "ring(N=12" "$TMP/pi.out"
fails "  a --set that contradicts the policy still wins (and is refused by the policy check)" \
  2 1 "made for the number of agents .* = 12, but this configuration has 13" \
  $SAMARL run --policy "$TMP/pol.h5" --set graph.agents=13 -o "$TMP/pol-run2.h5"
run_np 1 $SAMARL eval -q --policy "$TMP/pol.h5" --lambda 0 -o "$TMP/pol.csv" >"$TMP/pe.out" 2>&1
ok "eval --policy needs no --set either" test -s "$TMP/pol.csv"
# A --set key the command does not read gets one warning.
run_np 2 $SAMARL run -q --policy "$TMP/pol.h5" --set run.days=1 --set train.iterations=9 \
  -o "$TMP/pol-run3.h5" >"$TMP/w.out" 2>&1
ok "a --set key run does not read is warned about once" \
  test "$(grep -c 'warning: --set train.iterations: samarl run does not read this key' "$TMP/w.out")" -eq 1
run_np 1 $SAMARL consensus -q "${Q[@]}" --set graph.agents=20 -o "$TMP/nw.h5" >"$TMP/nw.out" 2>&1
ok "keys the command reads: no warning" bash -c "! grep -q 'does not read' $TMP/nw.out"

done_testing
