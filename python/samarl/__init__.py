"""samarl's output files as xarray Datasets, and their figures.

    import samarl
    ds = samarl.open("run.h5")          # a run, a policy or a consensus study
    ds.lambda_mean.sel(step=slice(24, 47))
    samarl.config(ds)["dual.mode"]

``python3 -m samarl --help`` plots and describes files from the shell; the
layout of each kind of file as a Dataset is in python/README.md.
"""
from .io import FORMATS, config, open_dataset

# The short name of the examples: samarl.open(path).
open = open_dataset

__all__ = ["FORMATS", "config", "open", "open_dataset"]
