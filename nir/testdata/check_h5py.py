"""Check with h5py that files written by `snnc nir export` have NIR's layout.

Usage: python3 check_h5py.py FILE.nir...

Asserts the groups and datasets nir.read() relies on: a root "version"
string, the top NIRGraph in /node with an (N,2) string "edges" dataset
whose names are nodes, and, for every node, its "type" string and the
parameter datasets of that type with the expected dtypes and shapes.
"""
import sys

import h5py

FLOAT = "f"
INT = "i"
# The datasets of each node type: name -> kind ("f" float, "i" int).
PARAMS = {
    "Input": {"shape": INT},
    "Output": {"shape": INT},
    "Affine": {"weight": FLOAT, "bias": FLOAT},
    "Linear": {"weight": FLOAT},
    "Scale": {"scale": FLOAT},
    "Conv1d": {"weight": FLOAT, "bias": FLOAT, "stride": INT, "padding": INT, "dilation": INT, "groups": INT},
    "Conv2d": {"weight": FLOAT, "bias": FLOAT, "stride": INT, "padding": INT, "dilation": INT, "groups": INT},
    "SumPool2d": {"kernel_size": INT, "stride": INT, "padding": INT},
    "AvgPool2d": {"kernel_size": INT, "stride": INT, "padding": INT},
    "Flatten": {"start_dim": INT, "end_dim": INT, "input_type": INT},
    "Delay": {"delay": FLOAT},
    "Threshold": {"threshold": FLOAT},
    "I": {"r": FLOAT},
    "IF": {"r": FLOAT, "v_threshold": FLOAT, "v_reset": FLOAT},
    "LI": {"tau": FLOAT, "r": FLOAT, "v_leak": FLOAT},
    "LIF": {"tau": FLOAT, "r": FLOAT, "v_leak": FLOAT, "v_threshold": FLOAT, "v_reset": FLOAT},
    "CubaLI": {"tau_syn": FLOAT, "tau_mem": FLOAT, "r": FLOAT, "v_leak": FLOAT, "w_in": FLOAT},
    "CubaLIF": {"tau_syn": FLOAT, "tau_mem": FLOAT, "r": FLOAT, "v_leak": FLOAT,
                "v_threshold": FLOAT, "v_reset": FLOAT, "w_in": FLOAT},
}
NEURONS = {"I", "IF", "LI", "LIF", "CubaLI", "CubaLIF"}


def text(ds):
    v = ds[()]
    return v.decode() if isinstance(v, bytes) else v


def check_graph(g, path):
    assert text(g["type"]) == "NIRGraph", path
    nodes = g["nodes"]
    edges = g["edges"]
    assert edges.ndim == 2 and edges.shape[1] == 2 and edges.dtype.kind == "O", (path, edges.dtype, edges.shape)
    for a, b in edges[()]:
        assert a.decode() in nodes and b.decode() in nodes, (path, a, b)
    for name, n in nodes.items():
        where = f"{path}/nodes/{name}"
        assert isinstance(n, h5py.Group), where
        typ = text(n["type"])
        if typ == "NIRGraph":
            check_graph(n, where)
            continue
        assert typ in PARAMS, (where, typ)
        shapes = set()
        for p, kind in PARAMS[typ].items():
            assert p in n, f"{where}: no {p}"
            assert n[p].dtype.kind == kind, (where, p, n[p].dtype)
            if typ in NEURONS:
                shapes.add(n[p].shape)
        assert len(shapes) <= 1, (where, shapes)
    return len(nodes)


for path in sys.argv[1:]:
    with h5py.File(path, "r") as f:
        assert isinstance(text(f["version"]), str), path
        n = check_graph(f["node"], "/node")
        print(f"{path}: h5py reads {n} nodes, {len(f['node/edges'])} edges")
