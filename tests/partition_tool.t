# samarl-partition: the file it writes, its statistics (checked against an
# independent count), a hand-checkable case, its use by samarl consensus
# (partition.method = file), and the refusals of a wrong file.
source "$(dirname "$0")/lib.sh"
MPIRUN="timeout -k 5 $(tlimit 120) $MPIRUN"
Q=(--set consensus.sigma_iters=100 --set consensus.rounds=40)

fails() { # DESC NP PATTERN ARGS: every rank fails, PATTERN on exactly one line
  local d=$1 np=$2 pat=$3; shift 3
  run_ranks "$np" "$@"
  local bad=0 r n
  for ((r = 0; r < np; r++)); do grep -Eq "^rank $r exit [1-9]" "$TMP/out" || bad=1; done
  n=$(grep -Ec -- "$pat" "$TMP/out")
  if [[ $bad -eq 0 && $n -eq 1 ]]; then pass "$d"; else
    fail "$d"; echo "#   expected every rank to fail with /$pat/ once (found $n), got:"
    sed 's/^/#   /' "$TMP/out" | tail -12
  fi
}
# values FILE DATASET: the dataset's values, one per line.
values() { h5dump -y -w 0 -d "$2" -o "$TMP/values.txt" "$1" >/dev/null && tr ',' '\n' <"$TMP/values.txt" | awk 'NF { print $1 + 0 }'; }
# attr FILE NAME: a scalar attribute of the root group.
attr() { h5dump -m '%.17g' -a "/$2" "$1" | sed -n 's/^ *(0): *//p'; }
# stat LOG ROW: "min avg max" of a row of the printed per-rank table (ROW is
# a sed basic regular expression: parentheses are literal).
stat() { sed -n "s/^ *$2  *\([0-9]*\)  *\([0-9.]*\)  *\([0-9]*\)\$/\1 \2 \3/p" "$1"; }
# minavgmax: "min avg max" of numbers on stdin (avg with 2 decimals, as printed).
minavgmax() { awk 'NR == 1 { mn = mx = $1 } { s += $1; if ($1 < mn) mn = $1; if ($1 > mx) mx = $1 } END { printf "%d %.2f %d\n", mn, s / NR, mx }'; }
checksum() { sed -n 's/^ *checksum: *\([0-9a-f]*\)$/\1/p' "$1"; }
eq() { [[ "$1" == "$2" ]] || { echo "got '$1', expected '$2'"; return 1; }; }

# An irregular test graph in METIS format: a 12 x 15 grid (not a torus)
# with a diagonal in every third cell.
R=12 C=15 N=180
awk -v R=$R -v C=$C 'function add(a, b) { adj[a] = adj[a] " " b; adj[b] = adj[b] " " a; m++ }
  BEGIN { for (i = 0; i < R; i++) for (j = 0; j < C; j++) { v = i * C + j + 1
            if (j + 1 < C) add(v, v + 1); if (i + 1 < R) add(v, v + C)
            if (i + 1 < R && j + 1 < C && (i + j) % 3 == 0) add(v, v + C + 1) }
          print R * C, m; for (v = 1; v <= R * C; v++) print substr(adj[v], 2) }' >"$TMP/grid.graph"
G=(--set graph.type=file --set graph.path="$TMP/grid.graph")

# Independent statistics of a partition of grid.graph: edge cut, and per
# part owned agents, ghosts (distinct off-part neighbours), send volume
# ((agent, other part) pairs) and neighbour parts.
count() { # PARTFILE(one part per line) NPARTS
  awk -v P="$2" 'NR == FNR { part[NR] = $1; next }
    FNR == 1 { next }
    { v = FNR - 1; owned[part[v]]++
      for (i = 1; i <= NF; i++) { u = $i; if (part[u] == part[v]) continue
        if (u > v) cut++
        if (!((part[v], u) in gh)) { gh[part[v], u] = 1; ghosts[part[v]]++ }
        if (!((v, part[u]) in sd)) { sd[v, part[u]] = 1; send[part[v]]++ }
        if (!((part[v], part[u]) in nb)) { nb[part[v], part[u]] = 1; nbrs[part[v]]++ } } }
    END { printf "cut %d\n", cut
          for (p = 0; p < P; p++) printf "part %d %d %d %d %d\n", p, owned[p], ghosts[p], send[p], nbrs[p] }' "$1" "$TMP/grid.graph"
}

# --- --parts 4 on 1 rank --------------------------------------------------
run_np 1 $PARTITION "${G[@]}" --parts 4 -o "$TMP/p4.h5" >"$TMP/p4.log" 2>&1; rc=$?
ok "samarl-partition --parts 4 on 1 rank exits 0" test $rc -eq 0
ok "it writes the file" test -s "$TMP/p4.h5"
ok "and no .partial file is left" test ! -e "$TMP/p4.h5.partial"
like "h5ls shows /partition with n_agents = $N entries" <(h5ls "$TMP/p4.h5/partition") "^partition +Dataset \{$N(/$N)?\}"
ok "n_parts = 4" eq "$(attr "$TMP/p4.h5" n_parts)" 4
ok "n_agents = $N" eq "$(attr "$TMP/p4.h5" n_agents)" $N
ecut=$(attr "$TMP/p4.h5" edge_cut)
ok "edge_cut is an attribute (positive)" test "${ecut:-0}" -gt 0
values "$TMP/p4.h5" /partition >"$TMP/p4.parts"
ok "/partition holds $N values, each in [0, 4)" \
  bash -c '[[ $(wc -l <"$1") -eq '$N' ]] && awk "\$1 < 0 || \$1 >= 4 || \$1 != int(\$1) { exit 1 }" "$1"' _ "$TMP/p4.parts"
count "$TMP/p4.parts" 4 >"$TMP/p4.count"
ok "the edge_cut attribute is the cut counted from the graph file" eq "$ecut" "$(sed -n 's/^cut //p' "$TMP/p4.count")"
ok "the printed edge cut is the attribute" eq "$(sed -n 's/^ *edge_cut: *\([0-9]*\).*/\1/p' "$TMP/p4.log")" "$ecut"
col=2
for row in owned:"owned agents" ghosts:"ghosts (recv)" send:"send volume" neighbours:"neighbour ranks"; do
  ds=${row%%:*} label=${row#*:}
  values "$TMP/p4.h5" /stats/$ds >"$TMP/st"
  ok "/stats/$ds matches an independent count per part" \
    eq "$(tr '\n' ' ' <"$TMP/st")" "$(awk -v c=$((col + 1)) '/^part/ { printf "%s ", $c }' "$TMP/p4.count")"
  ok "printed '$label' min/avg/max match /stats/$ds" eq "$(stat "$TMP/p4.log" "$label")" "$(minavgmax <"$TMP/st")"
  col=$((col + 1))
done
values "$TMP/p4.h5" /stats/owned >"$TMP/st"
ok "the imbalance attribute is max owned / average owned" \
  awk -v i="$(attr "$TMP/p4.h5" imbalance)" '{ s += $1; if ($1 > m) m = $1 } END { d = i - m / (s / NR); exit !(d < 1e-9 && d > -1e-9) }' "$TMP/st"
ok "the printed imbalance is the attribute" \
  eq "$(sed -n 's/^ *imbalance: *\([0-9.]*\).*/\1/p' "$TMP/p4.log")" "$(printf '%.4f' "$(attr "$TMP/p4.h5" imbalance)")"
$SAMARL info "$TMP/p4.h5" >"$TMP/info" 2>&1
like "samarl info knows the partition format" "$TMP/info" 'format = "samarl-partition"'

# --- a hand-checkable case ---------------------------------------------------
RING=(--set graph.type=ring --set graph.agents=8 --set graph.k=1 --set partition.method=block)
run_np 1 $PARTITION "${RING[@]}" --parts 2 -o "$TMP/ring.h5" >"$TMP/ring.log" 2>&1
ok "ring(8, k=1) in 2 blocks: /partition is 0 0 0 0 1 1 1 1" eq "$(values "$TMP/ring.h5" /partition | tr '\n' ' ')" "0 0 0 0 1 1 1 1 "
ok "... edge cut exactly 2 (3-4 and 7-0)" eq "$(attr "$TMP/ring.h5" edge_cut)" 2
like "... printed edge cut 2" "$TMP/ring.log" '^ *edge_cut: +2( |$)'
ok "... each part owns 4 agents" eq "$(values "$TMP/ring.h5" /stats/owned | tr '\n' ' ')" "4 4 "
ok "... each part has 2 ghosts" eq "$(values "$TMP/ring.h5" /stats/ghosts | tr '\n' ' ')" "2 2 "
ok "... each part has 1 neighbour part" eq "$(values "$TMP/ring.h5" /stats/neighbours | tr '\n' ' ')" "1 1 "
ok "... printed owned 4/4.00/4 and ghosts 2/2.00/2" \
  eq "$(stat "$TMP/ring.log" 'owned agents') / $(stat "$TMP/ring.log" 'ghosts (recv)')" "4 4.00 4 / 2 2.00 2"

# --- the kappa-hop report (--hops K) ---------------------------------------------
# Independent layer counts: a multi-source BFS per part in awk from the graph
# file and a parts list (one part per line, gid order): "p c1 .. cK" per part.
layers() { # PARTFILE NPARTS K
  awk -v P="$2" -v K="$3" 'NR == FNR { part[NR - 1] = $1; next }
    FNR == 1 { n = $1; next }
    { v = FNR - 2; deg[v] = NF; for (i = 1; i <= NF; i++) adj[v, i] = $i - 1 }
    END { for (p = 0; p < P; p++) { qn = 0
            for (v = 0; v < n; v++) { d[v] = -1; if (part[v] == p) { d[v] = 0; q[qn++] = v } }
            for (h = 1; h <= K; h++) c[h] = 0
            for (k = 0; k < qn; k++) { u = q[k]; if (d[u] >= K) continue
              for (i = 1; i <= deg[u]; i++) { w = adj[u, i]
                if (d[w] < 0) { d[w] = d[u] + 1; c[d[w]]++; q[qn++] = w } } }
            printf "%d", p; for (h = 1; h <= K; h++) printf " %d", c[h]; printf "\n" } }' "$1" "$TMP/grid.graph"
}
run_np 1 $PARTITION "${G[@]}" --parts 4 --hops 3 -o "$TMP/k4.h5" >"$TMP/k4.log" 2>&1; rc=$?
ok "samarl-partition --parts 4 --hops 3 exits 0" test $rc -eq 0
values "$TMP/k4.h5" /partition >"$TMP/k4.parts"
layers "$TMP/k4.parts" 4 3 >"$TMP/k4.layers"
h5dump -y -w 0 -d /halo/ghosts_per_hop -o "$TMP/gph.txt" "$TMP/k4.h5" >/dev/null
ok "/halo/ghosts_per_hop holds 4 x 3 values = an independent BFS per part" \
  eq "$(tr ',' ' ' <"$TMP/gph.txt" | tr -s ' \n' ' ' | sed 's/^ //; s/ $//')" "$(cut -d' ' -f2- "$TMP/k4.layers" | tr '\n' ' ' | sed 's/ $//')"
like "h5ls shows /halo/ghosts_per_hop as 4 x 3" <(h5ls "$TMP/k4.h5/halo/ghosts_per_hop") '^ghosts_per_hop +Dataset \{4(/4)?, 3(/3)?\}'
ok "its 'hops' attribute is 3" eq "$(h5dump -a /halo/ghosts_per_hop/hops "$TMP/k4.h5" | sed -n 's/^ *(0): *//p')" 3
like "its description says what it holds" <(h5dump -a /halo/ghosts_per_hop/description "$TMP/k4.h5") 'exactly h hops.*one double per agent'
like "--hops 3 is recorded as halo.hops = 3 in the file's config" <(h5dump -a /config "$TMP/k4.h5") 'hops = 3'
ok "hop 1 is the one-hop halo (/stats/ghosts)" \
  eq "$(cut -d' ' -f2 "$TMP/k4.layers" | tr '\n' ' ')" "$(values "$TMP/k4.h5" /stats/ghosts | tr '\n' ' ')"
# The printed table: part, hop 1..3, ghosts, bytes (8 per ghost: one double).
sed -n '/^3-hop halo/,/khop_volume/p' "$TMP/k4.log" | awk '$1 ~ /^[0-9]+$/ { print $1, $2, $3, $4, $5, $6 }' >"$TMP/k4.printed"
ok "the printed rows are the layers, their sum and 8 bytes per ghost" \
  eq "$(cat "$TMP/k4.printed")" "$(awk '{ s = $2 + $3 + $4; print $1, $2, $3, $4, s, 8 * s }' "$TMP/k4.layers")"
ok "the printed total is the sum over parts, 8 bytes per ghost" \
  eq "$(sed -n 's/^ *khop_volume: *\([0-9]*\) agents per exchange (\([0-9]*\) bytes.*/\1 \2/p' "$TMP/k4.log")" \
  "$(awk '{ s += $5 } END { print s, 8 * s }' "$TMP/k4.printed")"
run_np 2 $PARTITION "${G[@]}" --parts 4 --set halo.hops=3 -q -o "$TMP/k4b.h5" >/dev/null 2>&1
h5dump -y -w 0 -d /halo/ghosts_per_hop -o "$TMP/gph2.txt" "$TMP/k4b.h5" >/dev/null
ok "on 2 ranks with halo.hops = 3 instead of --hops: the same dataset" diff "$TMP/gph.txt" "$TMP/gph2.txt"
ok "without --hops or halo.hops the file has no /halo (as before)" bash -c '! h5ls "$1/halo" >/dev/null 2>&1' _ "$TMP/p4.h5"
ok "... and prints no hop table" bash -c '! grep -q "hop halo" "$1"' _ "$TMP/p4.log"
fails "the memory guard: a small world at --hops 4 on 2 ranks" 2 \
  "halo\.hops = 4: rank [0-9]+ would hold [0-9]+ ghosts within [0-9] hops?.*% of the [0-9]+ agents that other ranks own.*halo\.max_ghost_share = 0\.5.*Lower halo\.hops" \
  $PARTITION --set graph.type=smallworld --set graph.agents=400 --parts 4 --hops 4
ok "... accepted with halo.max_ghost_share = 1" run_np 2 $PARTITION --set graph.type=smallworld \
  --set graph.agents=400 --parts 4 --hops 4 --set halo.max_ghost_share=1 -q
fails "--hops 0 is a usage error (exit 2)" 2 "--hops.*'0'" $PARTITION --hops 0

# --- on P ranks without --parts ---------------------------------------------
run_np 2 $PARTITION "${G[@]}" -o "$TMP/p2.h5" >"$TMP/p2.log" 2>&1
ok "on 2 ranks without --parts it makes 2 parts" eq "$(attr "$TMP/p2.h5" n_parts)" 2
ok "... and prints its statistics once" eq "$(grep -c 'edge_cut:' "$TMP/p2.log")" 1

# --- used by samarl consensus --------------------------------------------------
run_np 4 $SAMARL consensus -q "${Q[@]}" "${G[@]}" -o "$TMP/metis.h5" >"$TMP/metis.log" 2>&1
run_np 4 $SAMARL consensus -q "${Q[@]}" "${G[@]}" --set partition.method=file \
  --set partition.file="$TMP/p4.h5" -o "$TMP/file.h5" >"$TMP/file.log" 2>&1; rc=$?
ok "mpirun -np 4 samarl consensus with partition.method=file runs" test $rc -eq 0
ok "... with the checksum of the METIS run" \
  bash -c '[[ -n $(grep checksum "$1") && $(grep checksum "$1") == "$(grep checksum "$2")" ]]' _ "$TMP/file.log" "$TMP/metis.log"
ok "... and owns agents as the file says (/graph/partition = /partition)" \
  eq "$(values "$TMP/file.h5" /graph/partition | tr '\n' ' ')" "$(tr '\n' ' ' <"$TMP/p4.parts")"
# A block partition differs from METIS's: the run must take the file's.
run_np 1 $PARTITION "${G[@]}" --set partition.method=block --parts 4 -q -o "$TMP/b4.h5" >/dev/null 2>&1
run_np 4 $SAMARL consensus -q "${Q[@]}" "${G[@]}" --set partition.method=file \
  --set partition.file="$TMP/b4.h5" -o "$TMP/bfile.h5" >"$TMP/bfile.log" 2>&1
ok "a block partition file: the run reports the file's edge cut, not METIS's" \
  bash -c 'c=$(sed -n "s/^ *edge_cut: *//p" "$1"); [[ $c == '"$(attr "$TMP/b4.h5" edge_cut)"' && $c != '"$ecut"' ]]' _ "$TMP/bfile.log"
ok "... and the same checksum" \
  bash -c '[[ -n $(grep checksum "$1") && $(grep checksum "$1") == "$(grep checksum "$2")" ]]' _ "$TMP/bfile.log" "$TMP/metis.log"
ok "... owning agents as the file says" \
  eq "$(values "$TMP/bfile.h5" /graph/partition | tr '\n' ' ')" "$(values "$TMP/b4.h5" /partition | tr '\n' ' ')"

# --- refusals ------------------------------------------------------------------
PF=(--set partition.method=file --set partition.file="$TMP/p4.h5")
fails "a 4-part file on 2 ranks: 4 parts vs 2 ranks" 2 "4 parts.*2 ranks" \
  $SAMARL consensus "${Q[@]}" "${G[@]}" "${PF[@]}"
fails "a 4-part file with graph.agents changed: agent count" 4 "made for $N agents.*graph has 8" \
  $SAMARL consensus "${Q[@]}" "${PF[@]}" --set graph.type=ring --set graph.agents=8 --set graph.k=1
# Same agent count and edge count, one edge moved (1-2 becomes 1-3): only
# the graph's fingerprint can tell.
move_edge() {
  awk 'NR == 1 { print; next } { v = NR - 1; line = ""
    for (i = 1; i <= NF; i++) { u = $i
      if (v == 1 && u == 2) u = 3; else if (v == 2 && u == 1) continue
      line = line (line == "" ? "" : " ") u }
    if (v == 3) line = line " 1"; print line }' "$TMP/grid.graph"
}
move_edge >"$TMP/grid2.graph"
ok "(the altered graph is valid and connected)" run_np 1 $SAMARL consensus -q "${Q[@]}" --set graph.type=file --set graph.path="$TMP/grid2.graph"
fails "a file made for another graph with the same agent count: different graph" 4 "different graph" \
  $SAMARL consensus "${Q[@]}" --set graph.type=file --set graph.path="$TMP/grid2.graph" "${PF[@]}"
run_np 1 $PARTITION --set graph.type=smallworld --set graph.agents=200 --parts 4 -q -o "$TMP/sw.h5" >/dev/null 2>&1
fails "a file made with another graph.seed: different graph" 4 "different graph" \
  $SAMARL consensus "${Q[@]}" --set graph.type=smallworld --set graph.agents=200 --set graph.seed=5 \
  --set partition.method=file --set partition.file="$TMP/sw.h5"
ok "(the same file with the same seed is accepted)" run_np 4 $SAMARL consensus -q "${Q[@]}" \
  --set graph.type=smallworld --set graph.agents=200 --set partition.method=file --set partition.file="$TMP/sw.h5"
fails "a consensus output is not a partition file" 4 "metis\.h5.*not a samarl partition file" \
  $SAMARL consensus "${Q[@]}" "${G[@]}" --set partition.method=file --set partition.file="$TMP/metis.h5"
echo "text" >"$TMP/text.h5"
fails "a non-HDF5 partition file" 4 "text\.h5.*not an HDF5 file" \
  $SAMARL consensus "${Q[@]}" "${G[@]}" --set partition.method=file --set partition.file="$TMP/text.h5"
fails "a missing partition file" 4 "'$TMP/missing\.h5'.*No such file" \
  $SAMARL consensus "${Q[@]}" "${G[@]}" --set partition.method=file --set partition.file="$TMP/missing.h5"
fails "partition.method=file without partition.file" 2 "file is required when partition\.method = file" \
  $SAMARL consensus "${Q[@]}" "${G[@]}" --set partition.method=file
fails "samarl-partition with partition.method=file is refused" 2 "partition\.method = file.*metis or block" \
  $PARTITION "${G[@]}" "${PF[@]}" --parts 4
fails "samarl-partition with more parts than agents" 2 "more .* than agents" \
  $PARTITION --set graph.type=ring --set graph.agents=8 --set graph.k=1 --parts 9
fails "samarl-partition --parts 0 (exit 2)" 2 "--parts.*'0'" $PARTITION --parts 0
fails "samarl-partition -o into a missing directory" 2 "directory '$TMP/nodir' does not exist" \
  $PARTITION "${G[@]}" --parts 4 -o "$TMP/nodir/p.h5"

done_testing
