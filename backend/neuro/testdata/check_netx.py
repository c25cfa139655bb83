"""Reads a netx HDF5 file the way lava.lib.dl.netx.hdf5.Network walks it
and prints what it found as JSON, so the Go test can compare it with the
program it exported. Needs h5py only (not Lava)."""
import json
import sys

import h5py

out = []
with h5py.File(sys.argv[1], "r") as f:
    layers = f["layer"]
    for i in range(len(layers)):
        g = layers[str(i)]
        n = g["neuron"]
        typ = g["type"][()][0].decode("ascii")
        out.append({
            "type": typ,
            "shape": [int(x) for x in g["shape"][()]],
            "weight_shape": list(g["weight"].shape),
            "weight_sum": float(g["weight"][()].sum()),
            "bias_sum": int(g["bias"][()].sum()),
            "neuron_type": n["type"][()].decode("ascii") if isinstance(n["type"][()], bytes) else str(n["type"][()]),
            "du": int(n["iDecay"][()]) - 1,
            "dv": int(n["vDecay"][()]),
            "vth": int(n["vThMant"][()]),
        })
json.dump(out, sys.stdout)
