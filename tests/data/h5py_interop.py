#!/usr/bin/env python3
"""Checks that h5py reads a flowrl-written D4RL file the way d4rl's get_dataset() does.

Not run by ctest (CI has no h5py); run by hand where python3-h5py is installed:
    python3 tests/data/h5py_interop.py FILE.hdf5
Reads every dataset with visititems ([:] for arrays, [()] for scalars, as offline_env.get_dataset),
and checks D4RL's dtypes: bool terminals/timeouts, float rewards of shape (N,), fixed-length bytes
metadata strings, equal row counts.
"""
import sys

import h5py
import numpy as np


def main(path):
    data = {}

    def grab(name, obj):
        if isinstance(obj, h5py.Dataset):
            data[name] = obj[()] if obj.shape == () else obj[:]

    with h5py.File(path, "r") as f:
        f.visititems(grab)
    for key in ("observations", "actions", "rewards", "terminals"):
        assert key in data, f"missing {key}"
    n = data["observations"].shape[0]
    assert data["terminals"].dtype == np.bool_, data["terminals"].dtype
    if "timeouts" in data:
        assert data["timeouts"].dtype == np.bool_, data["timeouts"].dtype
    for key, value in data.items():
        if not key.startswith("metadata/"):
            assert value.shape[0] == n, (key, value.shape)
        elif isinstance(value, bytes):
            value.decode("ascii")
    assert data["rewards"].shape in ((n,), (n, 1))
    ends = np.logical_or(data["terminals"], data.get("timeouts", np.zeros(n, bool)))
    print(f"{path}: {n} rows, {int(ends.sum())} episode ends, keys: {', '.join(sorted(data))}")


if __name__ == "__main__":
    main(sys.argv[1])
