"""h5digest.py FILE [IGNORE ...]: one line per dataset and attribute of an
HDF5 file, "path sha256-prefix dtype shape", in path order, for committing
reference digests. A CSV or text file gives one line of its bytes' digest.
IGNORE: object paths (a whole group, e.g. /timers) or path@name attributes
left out, as in h5same.py; a path ending in @* leaves out every attribute
of that object whose name starts with what precedes the *."""
import hashlib
import sys

import numpy as np

from h5refs import resolved


def digest(b):
    return hashlib.sha256(b).hexdigest()[:16]


def value_bytes(v):
    if isinstance(v, bytes):
        return v, "bytes", ()
    if isinstance(v, str):
        return v.encode(), "str", ()
    a = np.asarray(v)
    if a.dtype.kind == "O":
        return repr(a.tolist()).encode(), "object", a.shape
    return a.tobytes(), str(a.dtype), a.shape


def skipped(path, skip):
    for s in skip:
        if path == s or path.startswith(s + "/"):
            return True
        if s.endswith("*") and path.startswith(s[:-1]):
            return True
    return False


def h5lines(fn, skip):
    import h5py

    out = []
    f = None

    def attrs(path, obj):
        for k in obj.attrs:
            key = f"{path}@{k}"
            if not skipped(key, skip):
                b, t, s = value_bytes(resolved(f, k, obj.attrs[k]))
                out.append(f"{key} {digest(b)} {t} {list(s)}")

    def visit(name, obj):
        path = "/" + name
        if skipped(path, skip):
            return
        if isinstance(obj, h5py.Dataset):
            b, t, s = value_bytes(obj[()])
            out.append(f"{path} {digest(b)} {t} {list(s)}")
        attrs(path, obj)

    with h5py.File(fn, "r") as f:
        attrs("", f)
        f.visititems(visit)
    return sorted(out)


def main():
    fn, skip = sys.argv[1], sys.argv[2:]
    with open(fn, "rb") as f:
        head = f.read(8)
    if head == b"\x89HDF\r\n\x1a\n":
        lines = h5lines(fn, skip)
    else:
        with open(fn, "rb") as f:
            lines = [f"<bytes> {digest(f.read())}"]
    print("\n".join(lines))


main()
