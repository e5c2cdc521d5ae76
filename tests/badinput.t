# Bad input, everywhere: every kind of wrong input a user can give samarl
# (config, graph files, nodes and profiles CSVs, HDF5 inputs, the command
# line, the environment) must cost seconds. Each case of the table below
# checks that every rank exits non-zero without a signal and without
# hanging, that exactly one line of the output names the input and what
# was expected, and that no output that looks finished is left behind.
source "$(dirname "$0")/lib.sh"
# A rank that hangs is a failure, not a stuck suite; a rank that tries to
# allocate for a huge declared size meets the memory limit, not the OOM
# killer of a shared machine.
MPIRUN="timeout -k 5 $(tlimit 60) $MPIRUN"
# (ASan reserves terabytes of address space for its shadow: no limit there.)
MEM_KB=${SAMARL_TEST_VMEM_KB:-4000000}

IN=$TMP/in H=$TMP/h5 W=$TMP/work
mkdir -p "$IN" "$H" "$W"
BAD=$PWD/tests/data/bad
# Absolute: the cases run in their own directory.
S=$(cd "$SAMARL_BUILD" && pwd)/samarl
PT=${S%/samarl}/samarl-partition
# A small world every command accepts quickly: 8 agents on a ring.
R8="--set graph.type=ring --set graph.agents=8 --set graph.k=1"
BR="--set policy.type=bestresponse --set run.steps=2"
TR="--set train.iterations=0"
G="--set graph.type=file --set graph.path"
EL="--set graph.format=edgelist"
Q="--set consensus.rounds=3 --set consensus.sigma_iters=5"

# --- inputs, made at test time ---------------------------------------------
cd "$IN"
printf '[run]\nseed = 1\n[grpah]\nagents = 10\n' >sec.ini
printf '[graph]\nagent = 10\n' >key.ini
printf '[graph]\ntype = 5\n' >type.ini
printf '[graph]\nagents = 0\n' >range.ini
: >empty.ini
printf '[graph]\nagents = 10\nagents = 12\n' >dup.ini
printf '[graph]\nagents 10\n' >noeq.ini
printf '[graph\nagents = 10\n' >bracket.ini
printf '[graph]\nagents =\n' >emptyval.ini
printf '[graph]\nagents = 8x\n' >garbage.ini
printf '[graph]\nagents = 99999999999999999999999\n' >huge.ini
printf 'agents = 10\n[graph]\n' >nosection.ini
printf 'not a directory\n' >file.txt
printf '0 1\n1 2\n2 0\n' >tri.edges
printf '3 3\n2 3\n1 3\n1 2\n' >tri.graph
head -c 4096 "$S" >elf.bin
mkdir dir.h5 blocked.h5.partial
# Nodes and profiles CSVs for the 8 agents (gid = row id, load = id + 1).
nodes() { echo "$1"; for i in 0 1 2 3 4 5 6 7; do echo "$i,$((i + 1))"; done; }
nodes id,pd_mw >nodes.csv
nodes id,load >nodes_col.csv
nodes bus,pd_mw >nodes_noid.csv
nodes 'id;pd_mw' | tr , ';' >nodes_semi.csv
sed '4s/.*/2,nan/' nodes.csv >nodes_nan.csv
sed '4s/.*/2,inf/' nodes.csv >nodes_inf.csv
sed '4s/.*/2,-5/' nodes.csv >nodes_neg.csv
sed '4s/.*/1,3/' nodes.csv >nodes_dupid.csv
head -n 8 nodes.csv >nodes_short.csv
: >nodes_empty.csv
# Two days of hourly prices and two buildings.
prof() { echo "$1"; for h in $(seq 0 $(($2 - 1))); do echo "0.2,$((1 + h % 3)),$((2 + h % 4))"; done; }
prof price,load_b1,load_b2 48 >prof.csv
prof cost,load_b1,load_b2 48 >prof_noprice.csv
prof price,load1,load2 48 >prof_noload.csv
prof price,load_b1,load_b3 48 >prof_gap.csv
# load_b4294967298 beside load_b1, load_b2 (a wrapping parse reads it as 2).
sed -e '1s/$/,load_b4294967298/' -e '2,$s/$/,1/' prof.csv >prof_wrap.csv
prof price,load_b1,load_b2 25 >prof_25.csv
prof price,load_b1,load_b2 0 >prof_header.csv
sed '7s/.*/0.2,nan,1/' prof.csv >prof_nan.csv
sed '7s/.*/0.2,-1,1/' prof.csv >prof_neg.csv
: >prof_empty.csv
cd - >/dev/null

# Valid HDF5 files to break: a policy (with and without Adam state) and a
# partition of the 8-agent ring into 2 parts.
run_np 1 $S train -q $R8 $TR -o "$IN/policy.h5" >"$TMP/mk.log" 2>&1
run_np 1 $S train -q $R8 $TR --set train.save_adam=false -o "$IN/noadam.h5" >>"$TMP/mk.log" 2>&1
run_np 1 $PT -q $R8 --parts 2 -o "$IN/part.h5" >>"$TMP/mk.log" 2>&1
run_np 1 $S train -q $R8 --set train.iterations=1 -o "$IN/trained.h5" >>"$TMP/mk.log" 2>&1
ok "the valid policy and partition files to break are written" \
  test -s "$IN/policy.h5" -a -s "$IN/noadam.h5" -a -s "$IN/part.h5" -a -s "$IN/trained.h5"
cp "$IN/policy.h5" "$IN/same.h5"
head -c 3000 "$IN/policy.h5" >"$IN/truncated.h5"
echo "not HDF5 at all" >"$IN/text.h5"
# Broken copies, made with h5py when it is there (cases on $H are skipped
# without it).
if /usr/bin/python3 -c 'import h5py' 2>/dev/null; then
  /usr/bin/python3 - "$IN" "$H" <<'EOF' >>"$TMP/mk.log" 2>&1
import shutil, sys
import h5py, numpy as np
src, dst = sys.argv[1], sys.argv[2]
def broken(base, name, edit):
    shutil.copy(f"{src}/{base}.h5", f"{dst}/{name}.h5")
    with h5py.File(f"{dst}/{name}.h5", "r+") as f:
        edit(f)
def replace(path, fn):
    def edit(f):
        d = f[path][...]
        del f[path]
        f[path] = fn(d)
    return edit
def setattr_(k, v):
    return lambda f: f.attrs.__setitem__(k, v)
def nan(f):
    d = f["/params"][...]
    d[3, 5] = np.nan
    f["/params"][...] = d
def part_range(f):
    d = f["/partition"][...]
    d[3] = 7
    f["/partition"][...] = d
broken("policy", "p_format", setattr_("format", "samarl-run"))
broken("policy", "p_format_int", setattr_("format", 7))
broken("policy", "p_version", setattr_("format_version", 99))
broken("policy", "p_agents", setattr_("n_agents", 9))
broken("policy", "p_shape", replace("/params", lambda d: d[:, :-1]))
broken("policy", "p_strings", replace("/params", lambda d: d.astype("S8")))
broken("policy", "p_1d", replace("/obs_mean", lambda d: d.ravel()))
broken("policy", "p_group", lambda f: (f.__delitem__("/params"), f.create_group("/params")))
broken("policy", "p_nan", nan)
broken("part", "pt_format", setattr_("format", "samarl-policy"))
broken("part", "pt_version", setattr_("format_version", 99))
broken("part", "pt_strings", replace("/partition", lambda d: d.astype("S4")))
broken("part", "pt_2d", replace("/partition", lambda d: d.reshape(2, 4)))
broken("part", "pt_short", replace("/partition", lambda d: d[:-1]))
broken("part", "pt_range", part_range)
broken("trained", "p_curve", replace("/train/entropy", lambda d: d.astype("S8")))
EOF
  have_h5py=1
  ok "h5py made the broken HDF5 files" test -s "$H/pt_range.h5"
else
  have_h5py=0
  diag "no h5py in /usr/bin/python3: the cases on broken HDF5 files are skipped"
fi

# --- the table ---------------------------------------------------------------
# description | ranks | ERE that exactly one output line must match | command
# (the command is expanded by the shell: $S, $IN, $H, ...; it runs in the
# empty directory $W, so a default output such as run.h5 would land there).
cases=$(
  cat <<'EOF'
config: unknown section | 2 | sec\.ini:3: unknown section \[grpah\] \(did you mean \[graph\]\?\) | $S consensus -c $IN/sec.ini
config: unknown key | 2 | key\.ini:2: unknown key 'agent' in section \[graph\] \(did you mean \[graph\] agents\?\) | $S consensus -c $IN/key.ini
config: wrong type (a number for a choice) | 2 | type\.ini:2: \[graph\] type: expected one of ring\|grid2d\|.*got '5' | $S consensus -c $IN/type.ini
config: wrong type (not a boolean) | 2 | --set graph\.allow_disconnected: expected true or false, got '2' | $S consensus --set graph.allow_disconnected=2
config: out of range | 2 | range\.ini:2: \[graph\] agents: expected an integer in \[1, 2147483647\], got '0' | $S consensus -c $IN/range.ini
config: empty file | 2 | config file '.*/empty\.ini' is empty \(expected \[section\] and key = value | $S consensus -c $IN/empty.ini
config: duplicate key | 2 | dup\.ini:3: \[graph\] agents is set twice \(first at line 2\) | $S consensus -c $IN/dup.ini
config: syntax error (no '=') | 2 | noeq\.ini:2: syntax error: expected '\[section\]', 'key = value' | $S consensus -c $IN/noeq.ini
config: syntax error (unclosed section) | 2 | bracket\.ini:1: syntax error | $S consensus -c $IN/bracket.ini
config: key with an empty value | 2 | emptyval\.ini:2: \[graph\] agents: expected an integer in \[1, 2147483647\], got ''$ | $S consensus -c $IN/emptyval.ini
config: trailing garbage (8x) | 2 | garbage\.ini:2: \[graph\] agents: expected an integer .*got '8x' | $S consensus -c $IN/garbage.ini
config: huge integer | 2 | huge\.ini:2: \[graph\] agents: expected an integer .*got '99999999999999999999999' | $S consensus -c $IN/huge.ini
config: seed above 2^64 via --set | 2 | --set graph\.seed: expected an integer in \[0, 18446744073709551615\].*got '99999999999999999999' | $S consensus --set graph.seed=99999999999999999999
config: key before any section | 2 | nosection\.ini:1: 'agents' appears before any \[section\] | $S consensus -c $IN/nosection.ini
config: -c on a directory | 2 | config file '.*/in' is a directory \(expected an INI file\) | $S consensus -c $IN
config: -c on a binary file | 2 | config file '.*/policy\.h5' contains NUL bytes | $S consensus -c $IN/policy.h5
config: --set on a key of another section | 2 | unknown key 'agents' in section \[train\] \(did you mean \[graph\] agents\?\) | $S consensus --set train.agents=10
config: a typo in a choice | 2 | --set policy\.kernel: expected one of auto\|avx512\|blas, got 'avx' | $S consensus --set policy.kernel=avx
config: copies x horizon beyond 32 bits | 2 | \[train\] copies x \[env\] horizon = 2048 x 1048576 .*more than 2147483647 | $S train $R8 --set env.horizon=1048576 --set train.copies=2048
config: levels that do not increase | 2 | \[env\] levels = '0,1,1' \(--set env\.levels\): values must increase | $S train $R8 $TR --set env.levels=0,1,1
env: an episode longer than dr numbers (run.steps) | 2 | run\.steps asks for an episode of 1048576 steps; env\.name = dr numbers at most 1048575 steps in an episode \(expected run\.steps <= 1048575\) | $S run $R8 --set policy.type=bestresponse --set run.steps=1048576
env: an episode longer than dr numbers (run.days) | 2 | run\.days x 24 asks for an episode of 1200000 steps; env\.name = dr numbers at most 1048575 | $S run $R8 --set policy.type=bestresponse --set run.days=50000
env: an episode longer than dr numbers (env.horizon, train) | 2 | env\.horizon asks for an episode of 1048576 steps; env\.name = dr numbers at most 1048575 | $S train $R8 $TR --set env.horizon=1048576
env: an episode longer than dr numbers (eval.steps) | 2 | eval\.steps asks for an episode of 1048576 steps; env\.name = dr numbers at most 1048575 | $S eval $R8 --set policy.type=bestresponse --set eval.steps=1048576
env: an episode longer than toy numbers | 2 | run\.steps asks for an episode of 1048576 steps; env\.name = toy numbers at most 1048575 | $S run $R8 --set env.name=toy --set policy.type=bestresponse --set run.steps=1048576
env: more training episode copies than dr numbers | 2 | train\.iterations x train\.copies = 8192 x 65536 episode copies; env\.name = dr numbers at most 536870911 .*lower train\.iterations or train\.copies | $S train $R8 --set train.copies=65536 --set train.iterations=8192 --set env.horizon=1
metis: truncated (fewer vertex lines) | 2 | few_lines\.graph:1: the header announces 4 vertices but the file has 3 vertex lines | $S consensus $G=$BAD/few_lines.graph
metis: header edge count wrong | 2 | m_mismatch\.graph:2: the header announces 3 edges but the vertex lines hold 2 | $S consensus $G=$BAD/m_mismatch.graph
metis: header with one field | 2 | header_short\.graph:2: bad header: expected 'n m \[fmt \[ncon\]\]', got 1 fields | $S consensus $G=$BAD/header_short.graph
metis: non-numeric neighbour | 2 | nonint\.graph:3: vertex 2: '3\.5' is not an integer | $S consensus $G=$BAD/nonint.graph
metis: neighbour id out of range | 2 | range0\.graph:3: vertex 2 lists neighbour 0, outside 1\.\.3 | $S consensus $G=$BAD/range0.graph
metis: asymmetric edge | 2 | asym\.graph:2: vertex 1 lists neighbour 3, but vertex 3 \(line 4\) does not list 1 | $S consensus $G=$BAD/asym.graph
metis: self-loop | 2 | selfloop\.graph:4: vertex 2 lists itself \(self-loop\) | $S consensus $G=$BAD/selfloop.graph
metis: huge declared vertex count | 2 | huge_n\.graph:1: the header announces 2000000000 vertices but the file has 2 vertex lines | $S consensus $G=$BAD/huge_n.graph
metis: huge declared edge count | 2 | huge_m\.graph:1: the header announces 99999999999999 edges, but 3 vertices can have at most 3 | $S consensus $G=$BAD/huge_m.graph
metis: empty file | 2 | empty\.graph: no header line 'n m \[fmt \[ncon\]\]' | $S consensus $G=$BAD/empty.graph
metis: binary garbage | 2 | elf\.bin:1: a NUL byte: is it a text file | $S consensus $G=$IN/elf.bin
metis: graph.path is a directory | 2 | cannot open graph file '.*/in' \(graph\.path\): it is a directory | $S consensus $G=$IN
metis: missing file | 2 | cannot open graph file '.*/missing\.graph' \(graph\.path\): No such file | $S consensus $G=$IN/missing.graph
metis: an edge list read as METIS says graph.format | 2 | tri\.edges:1: .*then set graph\.format = edgelist\)$ | $S consensus $G=$IN/tri.edges
edgelist: truncated line (one column) | 2 | one_column\.edges:2: only one column \('7'\): expected 'u v' or 'u v weight' | $S consensus $EL $G=$BAD/one_column.edges
edgelist: non-numeric id | 2 | nonint\.edges:2: expected 'u v' or 'u v weight' \(0-based integer ids\), got 'x' for v | $S consensus $EL $G=$BAD/nonint.edges
edgelist: id out of range for graph.agents | 2 | range\.edges:2: vertex id 5 is out of range: graph\.agents = 5 allows 0\.\.4 | $S consensus $EL $G=$BAD/range.edges --set graph.agents=5
edgelist: self-loop | 2 | selfloop\.edges:3: self-loop 2-2 | $S consensus $EL $G=$BAD/selfloop.edges
edgelist: duplicate edge | 2 | dup_rev\.edges:4: duplicate edge 1-2 \(also on line 2 | $S consensus $EL $G=$BAD/dup_rev.edges
edgelist: id beyond 32 bits | 2 | id32\.edges:2: vertex id 3000000000 is beyond what METIS \(32-bit\) can partition | $S consensus $EL $G=$BAD/id32.edges
edgelist: huge id, few edges (fails before allocating) | 2 | huge_id\.edges:4: vertex id 2000000000 makes N = 2000000001 agents, but 2 edges reach at most 4 | $S consensus $EL $G=$BAD/huge_id.edges
edgelist: empty file | 2 | empty\.edges: empty graph: no edges found | $S consensus $EL $G=$BAD/empty.edges
edgelist: binary garbage | 2 | elf\.bin:1: a NUL byte: is it a text file | $S consensus $EL $G=$IN/elf.bin
edgelist: a METIS file read as an edge list says graph.format | 2 | tri\.graph:1: self-loop 3-3 .*then set graph\.format = metis\)$ | $S consensus $EL $G=$IN/tri.graph
nodes: the load column is missing | 2 | nodes_col\.csv: no column 'pd_mw' \(env\.nodes_column\); the file has: id, load | $S train $R8 $TR --set env.nodes=$IN/nodes_col.csv
nodes: no id column | 2 | nodes_noid\.csv:1: no 'id' column in the header \(it has: bus, pd_mw | $S train $R8 $TR --set env.nodes=$IN/nodes_noid.csv
nodes: ';' instead of ',' | 2 | nodes_semi\.csv:1: no 'id' column in the header \(it has: id;pd_mw; expected comma-separated | $S train $R8 $TR --set env.nodes=$IN/nodes_semi.csv
nodes: NaN cell | 2 | nodes_nan\.csv:4: column 'pd_mw': 'nan' is not a finite number | $S train $R8 $TR --set env.nodes=$IN/nodes_nan.csv
nodes: inf cell | 2 | nodes_inf\.csv:4: column 'pd_mw': 'inf' is not a finite number | $S train $R8 $TR --set env.nodes=$IN/nodes_inf.csv
nodes: negative load | 2 | nodes_neg\.csv: agent 2: pd_mw = -5 is negative | $S train $R8 $TR --set env.nodes=$IN/nodes_neg.csv --set env.negative_loads=error
nodes: duplicate id | 3 | nodes_dupid\.csv:4: id 1 appears twice \(first on line 3\) | $S train $R8 $TR --set env.nodes=$IN/nodes_dupid.csv
nodes: wrong row count | 2 | nodes_short\.csv: 7 agent rows, but the graph has 8 agents | $S run $R8 $BR --set env.nodes=$IN/nodes_short.csv -o $W/out.h5
nodes: empty file | 2 | nodes_empty\.csv: empty file: expected a header row naming the columns \(with 'id'\) | $S run $R8 $BR --set env.nodes=$IN/nodes_empty.csv -o $W/out.h5
nodes: binary data (an HDF5 file) | 2 | policy\.h5: binary data at byte [0-9]+, expected a text CSV file | $S train $R8 $TR --set env.nodes=$IN/policy.h5
profiles: no price column | 2 | prof_noprice\.csv: expected a CityLearn-format profile .*no 'price' column \(the file has: cost, | $S train $R8 $TR --set env.profiles=$IN/prof_noprice.csv
profiles: no load_b1 column | 2 | prof_noload\.csv: .*no 'load_b1' column | $S train $R8 $TR --set env.profiles=$IN/prof_noload.csv
profiles: a gap in the building numbers | 2 | prof_gap\.csv: column load_b3, but no load_b2 | $S train $R8 $TR --set env.profiles=$IN/prof_gap.csv
profiles: a building number beyond int (no wrap to 2) | 2 | prof_wrap\.csv: column load_b4294967298, but no load_b3 | $S train $R8 $TR --set env.profiles=$IN/prof_wrap.csv
profiles: NaN cell | 2 | prof_nan\.csv:7: column 'load_b1': 'nan' is not a finite number | $S train $R8 $TR --set env.profiles=$IN/prof_nan.csv
profiles: negative load | 2 | prof_neg\.csv: data row 6: load_b1 = -1 is negative | $S train $R8 $TR --set env.profiles=$IN/prof_neg.csv
profiles: rows not whole days | 2 | prof_25\.csv: 25 hourly rows, expected a whole number of days | $S run $R8 $BR --set env.profiles=$IN/prof_25.csv -o $W/out.h5
profiles: header only | 2 | prof_header\.csv: no data rows after the header | $S train $R8 $TR --set env.profiles=$IN/prof_header.csv
profiles: empty file | 2 | prof_empty\.csv: empty file: expected a header row | $S train $R8 $TR --set env.profiles=$IN/prof_empty.csv
profiles: a missing file | 2 | cannot open profiles file '.*/nope\.csv' \(env\.profiles\): No such file | $S train $R8 $TR --set env.profiles=$IN/nope.csv
policy: missing file | 2 | cannot open policy file '.*/missing\.h5' \(--policy\): No such file | $S run $R8 --policy $IN/missing.h5 -o $W/out.h5
policy: not HDF5 | 2 | /text\.h5' is not an HDF5 file | $S run $R8 --policy $IN/text.h5 -o $W/out.h5
policy: truncated HDF5 | 2 | /truncated\.h5' is not an HDF5 file|cannot open HDF5 file '.*truncated\.h5' | $S eval $R8 --policy $IN/truncated.h5
policy: a directory | 2 | cannot open policy file '.*/dir\.h5' \(--policy\): it is a directory | $S eval $R8 --policy $IN/dir.h5
policy: wrong format attribute | 2 | p_format\.h5: format is 'samarl-run', expected 'samarl-policy' | $S run $R8 --policy $H/p_format.h5 -o $W/out.h5
policy: format attribute not a string | 2 | p_format_int\.h5: not a samarl policy file \(.*attribute format of / is not a string | $S run $R8 --policy $H/p_format_int.h5 -o $W/out.h5
policy: wrong format version | 2 | p_version\.h5: format_version 99, but this samarl .* reads version 1 | $S run $R8 --policy $H/p_version.h5 -o $W/out.h5
policy: made for another agent count | 2 | p_agents\.h5: made for the number of agents \(graph\.agents\) = 9, but this configuration has 8 | $S eval $R8 --policy $H/p_agents.h5
policy: wrong dataset shape | 2 | p_shape\.h5: dataset /params has shape \[8\]\[1510\], expected \[8\]\[1511\] | $S run $R8 --policy $H/p_shape.h5 -o $W/out.h5
policy: strings where numbers belong | 2 | p_strings\.h5: .*dataset '/params' does not hold numbers | $S run $R8 --policy $H/p_strings.h5 -o $W/out.h5
policy: a 1-D dataset for a 2-D one | 2 | p_1d\.h5: dataset /obs_mean has 1 dimension \[48\], expected 2 \[8\]\[6\] | $S eval $R8 --policy $H/p_1d.h5
policy: a group where a dataset belongs | 2 | p_group\.h5: not a complete policy file: .*'/params' is not a dataset | $S run $R8 --policy $H/p_group.h5 -o $W/out.h5
policy: a NaN weight | 3 | p_nan\.h5: dataset /params holds nan in row 3, column 5 | $S run $R8 --policy $H/p_nan.h5 -o $W/out.h5
resume: a file without Adam state | 2 | noadam\.h5: holds the networks but no Adam state | $S train $R8 --set train.iterations=1 --resume $IN/noadam.h5 -o $W/out.h5
resume: wrong format version | 2 | p_version\.h5: format_version 99 | $S train $R8 --set train.iterations=1 --resume $H/p_version.h5 -o $W/out.h5
restart: missing checkpoint | 2 | cannot open '.*/missing\.ckpt': No such file | $S run --restart $IN/missing.ckpt
restart: a policy file for a checkpoint | 2 | policy\.h5 is not a checkpoint for this command: its format is 'samarl-policy', expected 'samarl-run-checkpoint' | $S run --restart $IN/policy.h5
restart: a directory | 2 | '.*/dir\.h5' is a directory \(expected an HDF5 file\) | $S train --restart $IN/dir.h5
restart: given twice | 2 | samarl run: option '--restart' given twice | $S run --restart $IN/a.ckpt --restart $IN/b.ckpt
partition: missing file | 2 | cannot open partition file '.*/missing\.h5' \(partition\.file\): No such file | $S consensus $R8 $Q --set partition.method=file --set partition.file=$IN/missing.h5
partition: not HDF5 | 2 | partition\.file: '.*/text\.h5' is not an HDF5 file | $S consensus $R8 $Q --set partition.method=file --set partition.file=$IN/text.h5
partition: wrong format attribute | 2 | partition\.file '.*/pt_format\.h5' is not a samarl partition file \(format 'samarl-policy'\) | $S consensus $R8 $Q --set partition.method=file --set partition.file=$H/pt_format.h5
partition: wrong format version | 2 | partition\.file '.*/pt_version\.h5' has format_version 99, but this samarl reads version 1 | $S consensus $R8 $Q --set partition.method=file --set partition.file=$H/pt_version.h5
partition: strings where numbers belong | 2 | partition\.file: '.*/pt_strings\.h5': dataset '/partition' does not hold numbers | $S consensus $R8 $Q --set partition.method=file --set partition.file=$H/pt_strings.h5
partition: a 2-D /partition | 2 | partition\.file: '.*/pt_2d\.h5': dataset '/partition' has 2 dimensions, expected 1 | $S consensus $R8 $Q --set partition.method=file --set partition.file=$H/pt_2d.h5
partition: a short /partition | 2 | partition\.file '.*/pt_short\.h5': /partition has 7 entries, expected 8 | $S consensus $R8 $Q --set partition.method=file --set partition.file=$H/pt_short.h5
partition: a part out of range | 2 | partition\.file '.*/pt_range\.h5': agent 3 has a part outside 0\.\.1 | $S consensus $R8 $Q --set partition.method=file --set partition.file=$H/pt_range.h5
partition: 2 parts on 3 ranks | 3 | partition\.file '.*part\.h5' has 2 parts but the job runs on 3 ranks | $S consensus $R8 $Q --set partition.method=file --set partition.file=$IN/part.h5
info: missing file | 2 | cannot open '.*/missing\.h5': No such file | $S info $IN/missing.h5
info: not HDF5 | 2 | /text\.h5' is not an HDF5 file | $S info $IN/text.h5
info: a directory | 2 | '.*/dir\.h5' is a directory \(expected an HDF5 file\) | $S info $IN/dir.h5
info: two files | 2 | ^usage: samarl info FILE\.h5 | $S info $IN/policy.h5 $IN/part.h5
cli: unknown flag | 2 | samarl run: unknown option '--polciy' | $S run --polciy $IN/policy.h5
cli: missing value | 2 | samarl train: option '--resume' needs a value | $S train --resume
cli: empty value | 2 | samarl consensus: option '-o' needs a non-empty value | $S consensus -o ''
cli: stray argument | 2 | samarl eval: unexpected argument 'policy\.h5' | $S eval policy.h5
cli: bad --lambda list (not a number) | 2 | --lambda '0,x': 'x' is not a number \(expected numbers separated by commas\) | $S eval $R8 $BR --lambda 0,x
cli: bad --lambda list (negative) | 2 | --lambda: -0\.5 is negative \(multipliers are >= 0\) | $S eval $R8 $BR --lambda 0,-0.5
cli: bad --lambda list (empty entry) | 2 | --lambda '0\.1,,0\.2': ',0\.2' is not a number | $S eval $R8 $BR --lambda 0.1,,0.2
cli: unknown command | 2 | samarl: unknown command 'trian' | $S trian
cli: --policy on the wrong command | 2 | samarl consensus: unknown option '--policy' | $S consensus --policy $IN/policy.h5
cli: -c given twice | 2 | samarl consensus: option '--config' given twice | $S consensus -c $IN/range.ini --config=$IN/dup.ini
cli: samarl-partition unknown flag | 2 | samarl-partition: unknown option '--part' | $PT --part 2
env: more ranks than agents (run) | 3 | more ranks than agents: 3 ranks for 2 agents | $S run --set graph.type=complete --set graph.agents=2 $BR -o $W/out.h5
env: more ranks than agents (train) | 3 | more ranks than agents: 3 ranks for 2 agents | $S train --set graph.type=complete --set graph.agents=2 $TR -o $W/out.h5
env: output directory missing | 2 | cannot write '.*/nodir/out\.h5': directory '.*/nodir' does not exist | $S consensus $R8 $Q -o $W/nodir/out.h5
env: output directory missing (eval) | 2 | cannot write '.*/nodir/out\.csv': directory '.*/nodir' does not exist | $S eval $R8 $BR -o $W/nodir/out.csv
env: output under a regular file | 2 | cannot write '.*/file\.txt/x\.h5': '.*/file\.txt' is not a directory | $S train $R8 $TR -o $IN/file.txt/x.h5
env: output directory unwritable even for root (/proc) | 2 | cannot write '/proc/samarl-x\.h5': cannot create '/proc/samarl-x\.h5\.partial' | $S train $R8 $TR -o /proc/samarl-x.h5
env: output path is a directory | 2 | cannot write '.*/dir\.h5': it is a directory | $S run $R8 $BR -o $IN/dir.h5
env: output path is a directory (eval) | 2 | cannot write '.*/dir\.h5': it is a directory | $S eval $R8 $BR -o $IN/dir.h5
env: output's temporary name is a directory | 2 | cannot write '.*/blocked\.h5': '.*/blocked\.h5\.partial' exists and is not a file | $S consensus $R8 $Q -o $IN/blocked.h5
env: output is the --policy file | 2 | -o .*/same\.h5 is the policy file \(--policy\): the output would replace its own input | $S run $R8 --policy $IN/same.h5 -o $IN/same.h5
env: samarl-partition output directory missing | 2 | samarl-partition: error: cannot write '.*/nodir/p\.h5': directory | $PT $R8 -o $W/nodir/p.h5
EOF
)

# check DESC NP PATTERN ARGS...: the case fails on every rank with a status
# in 1..127, in time, with exactly one line matching PATTERN, leaving no
# file in $W and no OUT, OUT.partial or OUT's JSON for its -o OUT (an OUT
# that is an input must be left as it was).
check() {
  local d=$1 np=$2 pat=$3; shift 3
  local out="" a prev="" r n bad=""
  for a; do [[ $prev == -o ]] && out=$a; prev=$a; done
  local before=""
  [[ -n $out && -f $out ]] && before=$(cksum <"$out")
  (cd "$W" && $MPIRUN -np "$np" bash -c 'ulimit -v '$MEM_KB'; "$@"; echo "rank ${OMPI_COMM_WORLD_RANK:-0} exit $?"' \
    _ "$@" </dev/null >"$TMP/out" 2>&1)
  local rc=$?
  [[ $rc -eq 124 || $rc -eq 137 ]] && bad+=" timed out (mpirun status $rc);"
  for ((r = 0; r < np; r++)); do
    grep -Eq "^rank $r exit ([1-9]|[1-9][0-9]|1[01][0-9]|12[0-7])\$" "$TMP/out" ||
      bad+=" rank $r did not exit with 1..127;"
  done
  n=$(grep -aEc -- "$pat" "$TMP/out")
  [[ $n -eq 1 ]] || bad+=" $n lines match the pattern;"
  [[ -z $(find "$W" -mindepth 1 -type f) ]] || bad+=" left $(find "$W" -mindepth 1 -type f | tr '\n' ' ');"
  if [[ -n $out ]]; then
    local json=${out%.h5}.json
    [[ $out == *.h5 ]] || json=$out.json
    if [[ -n $before ]]; then
      [[ $(cksum <"$out") == "$before" ]] || bad+=" changed the input $out;"
    else
      [[ ! -f $out ]] || bad+=" left $out;"
    fi
    [[ ! -f $out.partial && ! -f $json ]] || bad+=" left $out.partial or $json;"
  fi
  if [[ -z $bad ]]; then
    pass "$d"
  else
    fail "$d"
    echo "#  $bad expected /$pat/ on one line, got:"
    sed 's/^/#   /' "$TMP/out" | tail -12
  fi
  rm -rf "${W:?}"/*
}

ncases=0
while IFS= read -r line; do
  [[ -z $line || $line == \#* ]] && continue
  desc=${line%% | *} rest=${line#* | }
  np=${rest%% | *} rest=${rest#* | }
  pat=${rest%% | *} cmd=${rest#* | }
  ncases=$((ncases + 1))
  if [[ $have_h5py -eq 0 && $cmd == *'$H/'* ]]; then
    pass "$desc # skip no h5py"
    continue
  fi
  eval "set -- $cmd"
  check "$desc" "$np" "$pat" "$@"
done <<<"$cases"
ok "the table has at least 50 cases ($ncases)" test "$ncases" -ge 50

# --- what looks wrong but is fine --------------------------------------------
# Spreadsheets save CSVs with a byte-order mark and CRLF line ends.
printf '\xEF\xBB\xBF' | cat - "$IN/nodes.csv" | sed 's/$/\r/' >"$IN/nodes_bom.csv"
printf '\xEF\xBB\xBF' | cat - "$IN/prof.csv" >"$IN/prof_bom.csv"
ok "a nodes CSV with a byte-order mark and CRLF is read" \
  run_np 2 $S train -q $R8 $TR --set env.nodes="$IN/nodes_bom.csv" -o "$TMP/bom.h5"
ok "a profiles CSV with a byte-order mark is read" \
  run_np 2 $S train -q $R8 $TR --set env.profiles="$IN/prof_bom.csv" -o "$TMP/bom.h5"
# --resume -o the same file is how training continues.
cp "$IN/policy.h5" "$TMP/cont.h5"
ok "train --resume P -o P is allowed" \
  run_np 2 $S train -q $R8 --set train.iterations=1 --resume "$TMP/cont.h5" -o "$TMP/cont.h5"
if [[ $have_h5py -eq 1 ]]; then
  # The training curve is history, not weights: a broken one starts afresh.
  ok "train --resume of a file whose curve holds strings starts a new curve" \
    run_np 2 $S train -q $R8 --set train.iterations=2 --resume "$H/p_curve.h5" -o "$TMP/curve.h5"
fi

done_testing
