"""h5same.py A B [IGNORE ...]: exit 0 when two HDF5 files hold the same
datasets and attributes bit for bit (NaN equal to NaN), else 1 with the
first differences. IGNORE: object paths (a whole group, e.g. /timers) or
attribute names as path@name (e.g. /summary@wall_s) left out."""
import sys

import h5py
import numpy as np

from h5refs import resolved


def items(f, skip):
    out = {}

    def attrs(path, obj):
        for k, v in obj.attrs.items():
            if f"{path}@{k}" not in skip:
                out[f"{path}@{k}"] = resolved(f, k, v)

    def visit(name, obj):
        path = "/" + name
        if any(path == s or path.startswith(s + "/") for s in skip):
            return
        if isinstance(obj, h5py.Dataset):
            out[path] = obj[()]
        attrs(path, obj)

    attrs("/", f)
    f.visititems(visit)
    return out


def same(a, b):
    if isinstance(a, (bytes, str)) or isinstance(b, (bytes, str)):
        return a == b
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    return a.tobytes() == b.tobytes()


def main():
    fa, fb, skip = sys.argv[1], sys.argv[2], set(sys.argv[3:])
    with h5py.File(fa, "r") as A, h5py.File(fb, "r") as B:
        ia, ib = items(A, skip), items(B, skip)
    bad = sorted(set(ia) ^ set(ib)) + sorted(k for k in set(ia) & set(ib) if not same(ia[k], ib[k]))
    for k in bad[:10]:
        print(f"differs: {k}")
    print(f"{len(ia)} objects and attributes compared, {len(bad)} differ")
    sys.exit(1 if bad else 0)


main()
