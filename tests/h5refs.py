"""What h5same.py and h5digest.py share: attribute values as they should be
compared."""


def resolved(f, name, v):
    """Dimension-scale attributes hold object references, i.e. file
    addresses that differ between equal files: compare what they name."""
    if name == "DIMENSION_LIST":
        return repr([[f[r].name for r in refs] for refs in v])
    if name == "REFERENCE_LIST":
        return repr(sorted((f[r[0]].name, int(r[1])) for r in v))
    return v
