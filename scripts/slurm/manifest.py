#!/usr/bin/env python3
"""The manifest of a job-array sweep (scripts/slurm/array.sh): checks it,
gives one row's samarl arguments, and gathers the rows' results into one
CSV table. Standard library only.

  manifest.py check  MANIFEST            prints the number of rows
  manifest.py row    MANIFEST INDEX      prints row INDEX (0-based) as
                                         NUL-separated fields: id, command,
                                         config, then samarl arguments
  manifest.py gather MANIFEST OUTDIR TABLE
                                         one table row per manifest row

MANIFEST: CSV with a header. Columns:
  id        required; letters, digits, '.', '_', '-'; unique; the row's
            directory is OUTDIR/ID/
  command   required; run, train, eval or consensus
  config    optional; an INI file (relative to the submission directory),
            or - / empty for samarl's built-in defaults
  args      optional; more samarl arguments, split on white space
            (e.g. "--policy results/policy.h5 -q")
  SECTION.KEY   any other column is an override: a non-empty cell gives
            --set SECTION.KEY=CELL (quote cells with commas: "0,0.1,0.2")
Blank lines and lines whose first cell starts with '#' are skipped."""
import csv
import json
import os
import re
import sys

COMMANDS = ("run", "train", "eval", "consensus")
OUTPUT = {"run": "run.h5", "train": "policy.h5", "eval": "eval.csv", "consensus": "consensus.h5"}
ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
KEY_RE = re.compile(r"^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$")


class Bad(Exception):
    pass


def read(path):
    """(header, override columns, rows as dicts with 'line')."""
    try:
        f = open(path, newline="")
    except OSError as e:
        raise Bad(f"cannot read the manifest '{path}': {e.strerror}")
    with f:
        lines = [(i + 1, r) for i, r in enumerate(csv.reader(f))]
    lines = [(n, r) for n, r in lines if any(c.strip() for c in r) and not r[0].lstrip().startswith("#")]
    if not lines:
        raise Bad(f"{path}: empty (need a header: id,command[,config][,args][,section.key...])")
    hl, header = lines[0]
    header = [h.strip() for h in header]
    for need in ("id", "command"):
        if need not in header:
            raise Bad(f"{path}:{hl}: no '{need}' column in the header {','.join(header)}")
    if len(set(header)) != len(header):
        raise Bad(f"{path}:{hl}: a column appears twice in the header")
    overrides = []
    for h in header:
        if h in ("id", "command", "config", "args"):
            continue
        if not KEY_RE.match(h):
            raise Bad(f"{path}:{hl}: column '{h}' is neither id, command, config, args "
                      "nor an override SECTION.KEY (e.g. graph.agents)")
        overrides.append(h)
    rows, seen = [], {}
    for n, r in lines[1:]:
        if len(r) != len(header):
            raise Bad(f"{path}:{n}: {len(r)} cells, the header has {len(header)}")
        row = dict(zip(header, (c.strip() for c in r)))
        row["line"] = n
        if not ID_RE.match(row["id"]):
            raise Bad(f"{path}:{n}: id '{row['id']}': use letters, digits, '.', '_' and '-'")
        if row["id"] in seen:
            raise Bad(f"{path}:{n}: id '{row['id']}' already on line {seen[row['id']]}")
        seen[row["id"]] = n
        if row["command"] not in COMMANDS:
            raise Bad(f"{path}:{n}: command '{row['command']}' (run, train, eval or consensus)")
        rows.append(row)
    if not rows:
        raise Bad(f"{path}: a header and no rows")
    return header, overrides, rows


def argv(row, overrides):
    config = row.get("config") or "-"
    a = [row["id"], row["command"], config]
    a += row.get("args", "").split()
    for k in overrides:
        if row[k] != "":
            a += ["--set", f"{k}={row[k]}"]
    return a


def scalars(d, prefix=""):
    """Flatten a dict of results: numbers, strings, booleans; nested dicts
    as a.b; lists are left out (per-iteration series)."""
    out = {}
    for k, v in d.items():
        if isinstance(v, dict):
            out.update(scalars(v, f"{prefix}{k}."))
        elif isinstance(v, (int, float, str, bool)) or v is None:
            out[prefix + k] = v
    return out


def last(log, key):
    v = None
    try:
        for line in open(log):
            if line.startswith(key + " "):
                v = line[len(key):].strip()
    except OSError:
        pass
    return v


def gather(path, outdir, table):
    header, overrides, rows = read(path)
    recs, keys = [], []
    base = os.path.dirname(os.path.abspath(table))
    for row in rows:
        d = os.path.join(outdir, row["id"])
        out = os.path.join(d, OUTPUT[row["command"]])
        log = os.path.join(d, "job.log")
        rec = {"id": row["id"], "command": row["command"]}
        for k in ("config", "args"):
            if k in header:
                rec[k] = row[k]
        for k in overrides:
            rec[k] = row[k]
        exit_ = last(log, "exit")
        job = last(log, "job")
        rec["job"] = job.split()[0] if job else ""
        rec["exit"] = exit_ if exit_ is not None else ""
        if not os.path.isdir(d):
            rec["status"] = "not started"
        elif exit_ == "0" and os.path.exists(out):
            rec["status"] = "ok"
        elif exit_ is None:
            rec["status"] = "unfinished" if os.path.exists(out + ".ckpt") or os.path.exists(log) else "not started"
        else:
            rec["status"] = "failed"
        rec["output"] = os.path.relpath(out, base) if os.path.exists(out) else ""
        js = os.path.splitext(out)[0] + ".json"
        if rec["status"] == "ok" and os.path.exists(js):
            try:
                j = json.load(open(js))
            except (OSError, ValueError) as e:
                rec["status"] = f"bad json: {e}"
                j = {}
            rec["n_ranks"] = j.get("n_ranks", "")
            rec["agents"] = j.get("graph", {}).get("n_agents", "")
            rec["total_s"] = j.get("timers", {}).get("total", {}).get("max_s", "")
            res = scalars(j.get("results", {}))
            for k in res:
                if k not in keys:
                    keys.append(k)
            rec.update(res)
        recs.append(rec)
    cols = ["id", "command"] + [k for k in ("config", "args") if k in header] + overrides
    cols += ["status", "exit", "job", "output", "n_ranks", "agents", "total_s"]
    cols += [k for k in keys if k not in cols]
    tmp = table + ".tmp"
    with open(tmp, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=cols, restval="", extrasaction="ignore")
        w.writeheader()
        for r in recs:
            w.writerow(r)
    os.replace(tmp, table)
    ok = sum(r["status"] == "ok" for r in recs)
    print(f"manifest.py: {table}: {len(recs)} rows, {ok} ok"
          + "".join(f"\n  {r['id']}: {r['status']}" for r in recs if r["status"] != "ok"))
    return 0 if ok == len(recs) else 1


def main(a):
    try:
        if len(a) == 2 and a[0] == "check":
            rows = read(a[1])[2]
            for r in rows:
                c = r.get("config") or "-"
                if c != "-" and not os.path.isfile(c):
                    raise Bad(f"{a[1]}:{r['line']}: config file '{c}' not found (in {os.getcwd()})")
            print(len(rows))
            return 0
        if len(a) == 3 and a[0] == "row":
            _, overrides, rows = read(a[1])
            i = int(a[2])
            if not 0 <= i < len(rows):
                raise Bad(f"{a[1]}: no row {i} (rows 0..{len(rows) - 1})")
            sys.stdout.write("\0".join(argv(rows[i], overrides)) + "\0")
            return 0
        if len(a) == 4 and a[0] == "gather":
            return gather(a[1], a[2], a[3])
    except Bad as e:
        print(f"manifest.py: {e}", file=sys.stderr)
        return 2
    print(__doc__.split("\n\n")[1], file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
