"""Regenerates the .npz fixtures in this directory without numpy.

The archives are written the way np.savez and np.savez_compressed write them:
Python's zipfile, one member per array opened with force_zip64=True, members
in insertion order. The .npy members follow numpy's format.py: sorted dict
keys, 21 - len(str(shape[0])) spaces of growth room, then spaces and a newline
padding the header to a multiple of 64 bytes (never by zero bytes).

Run from this directory: python3 gen_npz.py
"""
import struct
import zipfile


def npy(descr, shape, fmt, values):
    if len(shape) == 1:
        shape_repr = "(%d,)" % shape[0]
    else:
        shape_repr = "(" + ", ".join(str(d) for d in shape) + ")"
    header = "{'descr': '%s', 'fortran_order': False, 'shape': %s, }" % (descr, shape_repr)
    if shape:
        header += " " * (21 - len(str(shape[0])))
    hlen = len(header) + 1
    padlen = 64 - ((8 + 2 + hlen) % 64)
    prefix = b"\x93NUMPY\x01\x00" + struct.pack("<H", hlen + padlen)
    body = struct.pack("<%d%s" % (len(values), fmt), *values)
    return prefix + header.encode("latin1") + b" " * padlen + b"\n" + body


MEMBERS = [
    # "w" before "b": archive order is insertion order, not name order.
    ("w.npy", npy("<f4", (2, 3), "f", [0.5, -1.0, 2.25, 3.0, 1e-3, -0.0])),
    ("b.npy", npy("<f8", (3,), "d", [0.1, -2.5, 1e300])),
    ("s.npy", npy("<f8", (), "d", [42.0])),
]

for path, compression in [("savez.npz", zipfile.ZIP_STORED),
                          ("savez_compressed.npz", zipfile.ZIP_DEFLATED)]:
    with zipfile.ZipFile(path, "w", compression=compression) as zf:
        for name, data in MEMBERS:
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = compression
            with zf.open(info, "w", force_zip64=True) as f:
                f.write(data)
