# Documentation and examples stay true: every config key and command is in
# the README, every test file is in docs/development.md's table, every
# example config parses.
source "$(dirname "$0")/lib.sh"

# Every key the program knows, as section.key, is documented in README.md.
keys=$($SAMARL config | awk '/^\[/ { gsub(/[][]/, ""); s = $0; next } /^[a-z_]+ =/ { print s "." $1 }')
n=0
for k in $keys; do
  n=$((n + 1))
  if grep -q "\`$k\`" README.md; then pass "README documents $k"; else fail "README documents $k"; fi
done
[[ $n -ge 20 ]] && pass "found $n keys in 'samarl config'" || fail "found only $n keys in 'samarl config'"

# Every command of 'samarl --help' appears in README.md and has its own help.
for c in train run eval consensus list config info; do
  like "samarl --help lists $c" <($SAMARL --help) "^  $c "
  if grep -q "samarl $c" README.md; then pass "README shows samarl $c"; else fail "README shows samarl $c"; fi
  ok "samarl $c --help" $SAMARL $c --help
done
like "samarl-partition --help explains --parts" <($PARTITION --help) "--parts P"

# Every test file is in the test table of docs/development.md.
for t in tests/*.t; do
  b=$(basename "$t")
  if grep -q "\`$b\`" docs/development.md; then pass "docs/development.md lists $b"; else fail "docs/development.md lists $b"; fi
done

# Every relative link in the README and docs/ points at a file that exists
# (the docs moved between pages once; a stale link is a dead end).
for md in README.md docs/*.md python/README.md; do
  bad=$(/usr/bin/python3 - "$md" <<'PY'
import os, re, sys
md = sys.argv[1]
text = re.sub(r"```.*?```", "", open(md).read(), flags=re.S)
for target in re.findall(r"\]\(([^)\s]+)\)", text):
    path = target.split("#")[0]
    if not path or re.match(r"[a-z]+:", path):
        continue
    if not os.path.exists(os.path.join(os.path.dirname(md), path)):
        print(target)
PY
)
  if [[ -z $bad ]]; then pass "$md: every relative link resolves"
  else fail "$md: links to missing files: $(echo $bad)"; fi
done

# Every registered environment and trainer is named in the README, and the
# templates are walked through in docs/architecture.md.
while read -r kind name _; do
  like "README names $kind $name" README.md "\\b$name\\b"
done < <($SAMARL list)
for f in src/env/toy.c src/train/reinforce.c src/run/dual.c; do
  like "docs/architecture.md walks through $f" docs/architecture.md "$f"
done

# Example configs parse (configs that read ../shared need it only to run).
for c in configs/*.ini; do
  ok "$c parses" $SAMARL config -c "$c"
done
# The defaults file is the built-in defaults.
$SAMARL config -c configs/default.ini | sed 's/ *;.*//' >"$TMP/a"
$SAMARL config | sed 's/ *;.*//' >"$TMP/b"
ok "configs/default.ini equals the built-in defaults" diff "$TMP/a" "$TMP/b"
$SAMARL config -c configs/default.ini --set run.seed=9 | grep -A12 '^\[graph\]' | grep '^seed' >"$TMP/s"
like "configs/default.ini leaves graph.seed to follow run.seed" "$TMP/s" "^seed = 9 "
# The README's command blocks run as written, in order, in a scratch
# directory with a small my.ini: the 100000-agent example on 2000 agents,
# the test's launcher for mpirun, the build under test for build/. Only
# 'make' lines (the two commands, checked by CI itself) are left out.
ROOT=$(pwd)
BIN=$(realpath "$SAMARL_BUILD")
mkdir -p "$TMP/readme"
printf '[graph]\nagents = 200\n[consensus]\nrounds = 20\n' >"$TMP/readme/my.ini"
/usr/bin/python3 - README.md "$TMP/readme" <<'PY'
import re, sys
text, out = open(sys.argv[1]).read(), sys.argv[2]
k = 0
for lang, body in re.findall(r"^```(sh|python)\n(.*?)^```", text, flags=re.M | re.S):
    if lang == "python":
        k += 1
        open(f"{out}/cmd{k:03d}.py", "w").write(body)
        continue
    for cmd in body.replace("\\\n", " ").splitlines():
        cmd = cmd.strip()
        if not cmd or cmd.startswith("make"):
            continue
        k += 1
        open(f"{out}/cmd{k:03d}.sh", "w").write(cmd + "\n")
PY
n=0
for c in "$TMP"/readme/cmd*; do
  n=$((n + 1))
  cmd=$(cat "$c")
  case $c in
    *.sh)
      run=$(printf '%s' "$cmd" | sed -e "s#build/#$BIN/#g" -e 's#^mpirun #$MPIRUN #' \
        -e 's#graph.agents=100000#graph.agents=2000#' -e "s#PYTHONPATH=python #PYTHONPATH=$ROOT/python #")
      (cd "$TMP/readme" && eval "$run") >"$c.log" 2>&1 ;;
    *.py)
      if [[ ! -e $BIN/libsamarl.so ]] && grep -q samarl.env "$c"; then
        pass "README python block $(basename "$c") (skipped: no libsamarl.so in this build)"; continue
      fi
      (cd "$TMP/readme" && SAMARL_LIB=$BIN/libsamarl.so PYTHONPATH=$ROOT/python /usr/bin/python3 "$c") >"$c.log" 2>&1 ;;
  esac
  st=$?
  if [[ $st -eq 0 ]]; then
    pass "README runs as written: ${cmd%%$'\n'*}"
  else
    fail "README runs as written: ${cmd%%$'\n'*} (exit $st)"
    sed 's/^/#   /' "$c.log" | tail -8
  fi
done
ok "found the README's command blocks ($n commands)" test "$n" -ge 15

done_testing
