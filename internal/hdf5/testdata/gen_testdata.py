#!/usr/bin/env python3
"""Regenerates the HDF5 test files in this directory and digests.json.

Needs h5py and numpy (Debian: python3-h5py). The outputs are committed, so
the Go tests never run this script. Output is deterministic (h5py writes no
timestamps).

digests.json holds, for every NIR reference file and every test file here,
a SHA-256 over a canonical listing of its groups, datasets and attributes
with their values, as h5py reads them. The Go tests rebuild the listing with
this package's reader and compare.
"""
import ctypes
import ctypes.util
import hashlib
import json
import os
import sys

import h5py
import numpy as np

rng = np.random.default_rng(7)


def types_file(path):
    """Every datatype, layout and attribute kind the reader supports."""
    with h5py.File(path, "w") as f:
        f.attrs["title"] = "types test"
        f.attrs["pi"] = np.float64(3.25)
        f.attrs["ints"] = np.array([1, -2, 3], dtype="<i4")
        f.attrs["flag"] = np.bool_(True)
        f.attrs["fixed"] = np.bytes_("abc")

        num = f.create_group("num")
        base = np.arange(-6, 6).reshape(3, 4)
        for name in ["<f4", ">f4", "<f8", ">f8", "<i1", "<i2", ">i2", "<i4",
                     ">i4", "<i8", ">i8"]:
            key = name.replace("<", "le_").replace(">", "be_")
            num.create_dataset(key, data=(base * 1.5 if "f" in name else base).astype(name))
        for name in ["<u1", "<u2", ">u4", "<u8"]:
            key = name.replace("<", "le_").replace(">", "be_")
            num.create_dataset(key, data=np.arange(12).reshape(3, 4).astype(name))
        num.create_dataset("u64max", data=np.array([2**64 - 1], dtype="<u8"))
        num.create_dataset("scalar", data=np.float64(-0.5))
        num.create_dataset("empty", data=np.zeros((0,), dtype="<f8"))
        num.create_dataset("bools", data=np.array([[True, False, True], [False, False, True]]))

        s = f.create_group("str")
        s.create_dataset("vlen_utf8", data=np.array(["héllo", "", "wörld"], dtype=object),
                         dtype=h5py.string_dtype())
        s.create_dataset("vlen_ascii", data=np.array([b"ab", b"cde"], dtype=object),
                         dtype=h5py.string_dtype("ascii"))
        s.create_dataset("scalar", data="single", dtype=h5py.string_dtype())
        s.create_dataset("fixed_nullpad", data=np.array([b"a", b"bcdef", b"gh"], dtype="S5"))
        tid = h5py.h5t.C_S1.copy()
        tid.set_size(6)
        tid.set_strpad(h5py.h5t.STR_NULLTERM)
        sid = h5py.h5s.create_simple((2,))
        ds = h5py.h5d.create(s.id, b"fixed_nullterm", tid, sid)
        ds.write(h5py.h5s.ALL, h5py.h5s.ALL, np.array([b"xy", b"hello"], dtype="S6"), mtype=tid)
        tid = h5py.h5t.C_S1.copy()
        tid.set_size(4)
        tid.set_strpad(h5py.h5t.STR_SPACEPAD)
        ds = h5py.h5d.create(s.id, b"fixed_spacepad", tid, sid)
        ds.write(h5py.h5s.ALL, h5py.h5s.ALL, np.array([b"ab  ", b"cdef"], dtype="S4"), mtype=tid)

        lay = f.create_group("layout")
        dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
        dcpl.set_layout(h5py.h5d.COMPACT)
        ds = h5py.h5d.create(lay.id, b"compact", h5py.h5t.STD_I32LE,
                             h5py.h5s.create_simple((2, 3)), dcpl)
        ds.write(h5py.h5s.ALL, h5py.h5s.ALL, np.arange(6, dtype="<i4").reshape(2, 3))
        data = np.arange(35, dtype="<f8").reshape(5, 7) / 4
        lay.create_dataset("gzip_edge", data=data, chunks=(2, 3), compression="gzip")
        lay.create_dataset("plain_chunks", data=np.arange(10, dtype="<i2"), chunks=(4,))
        lay.create_dataset("chunk3d", data=rng.standard_normal((3, 4, 5)).astype("<f4"),
                           chunks=(2, 3, 2), compression="gzip", compression_opts=9)
        sp = lay.create_dataset("sparse", shape=(6, 6), dtype="<i4", chunks=(2, 2),
                                fillvalue=-1)
        sp[0:2, 2:4] = [[1, 2], [3, 4]]
        sp[5, 5] = 9
        mk = lay.create_dataset("masked", shape=(4,), dtype="<i4", chunks=(2,),
                                compression="gzip")
        mk[0:2] = [10, 20]
        # The second chunk is stored raw with the deflate filter marked as skipped.
        mk.id.write_direct_chunk((2,), np.array([30, 40], dtype="<i4").tobytes(), filter_mask=1)

        # Many attributes added after creation force object-header continuations.
        cont = f.create_group("cont")
        cont.create_dataset("x", data=np.arange(3, dtype="<i8"))
        for i in range(12):
            cont.attrs["attr%02d" % i] = np.arange(i + 1, dtype="<f8")
            cont["x"].attrs["a%02d" % i] = "value %d" % i

        # 300 hard links to one dataset: a two-level group B-tree in a tiny file.
        wide = f.create_group("wide")
        target = wide.create_dataset("m000", data=np.int64(42))
        for i in range(1, 300):
            wide["m%03d" % i] = target


def sbv1_file(path):
    """Superblock version 1 (written when the chunk B-tree K is not default)."""
    fcpl = h5py.h5p.create(h5py.h5p.FILE_CREATE)
    # h5py has no wrapper for H5Pset_istore_k, so call the C library directly.
    lib = ctypes.CDLL(ctypes.util.find_library("hdf5_serial") or "libhdf5_serial.so.103")
    lib.H5Pset_istore_k.argtypes = [ctypes.c_int64, ctypes.c_uint]
    if lib.H5Pset_istore_k(fcpl.id, 8) < 0:
        raise RuntimeError("H5Pset_istore_k failed")
    fid = h5py.h5f.create(path.encode(), h5py.h5f.ACC_TRUNC, fcpl=fcpl)
    with h5py.File(fid) as f:
        f.create_dataset("v", data=np.arange(40, dtype="<f4"), chunks=(3,), compression="gzip")
        f["s"] = "sb1"


def offsets4_file(path):
    """4-byte addresses and lengths."""
    fcpl = h5py.h5p.create(h5py.h5p.FILE_CREATE)
    fcpl.set_sizes(4, 4)
    fid = h5py.h5f.create(path.encode(), h5py.h5f.ACC_TRUNC, fcpl=fcpl)
    with h5py.File(fid) as f:
        g = f.create_group("g")
        g.create_dataset("v", data=np.arange(6, dtype="<i8").reshape(2, 3))
        g.create_dataset("c", data=np.arange(20, dtype="<f8"), chunks=(7,), compression="gzip")
        g["s"] = "four"
        g.attrs["a"] = np.float32(1.5)


def unsupported_files(prefix):
    with h5py.File(prefix + "latest.h5", "w", libver="latest") as f:
        f["x"] = np.arange(3)
    with h5py.File(prefix + "shuffle.h5", "w") as f:
        f.create_dataset("x", data=np.arange(8, dtype="<i4"), chunks=(4,), shuffle=True)
    with h5py.File(prefix + "compound.h5", "w") as f:
        f["x"] = np.zeros(2, dtype=[("a", "<i4"), ("b", "<f8")])
    with h5py.File(prefix + "softlink.h5", "w") as f:
        f["x"] = np.arange(3)
        f["y"] = h5py.SoftLink("/x")




def listing(path):
    """The canonical listing that reference_test.go recomputes in Go: one line
    per group, dataset and attribute, with a SHA-256 of the values."""
    lines = []

    def payload(dtype, value):
        if dtype.kind in "OS":  # strings: length-prefixed bytes
            out = b""
            for s in np.asarray(value, dtype=object).ravel():
                s = s.encode() if isinstance(s, str) else bytes(s)
                out += len(s).to_bytes(8, "little") + s
            return out
        return np.ascontiguousarray(np.asarray(value, dtype=dtype)).tobytes()

    def shape(s):
        return "(" + ",".join(str(n) for n in s) + ")"

    def line(kind, name, dtype, shp, value):
        digest = hashlib.sha256(payload(dtype, value)).hexdigest()
        lines.append(f"{kind} {name} {dtype.str} {shape(shp)} {digest}")

    def attrs(obj, path):
        for name in obj.attrs:
            aid = obj.attrs.get_id(name)
            line("A", path + "@" + name, aid.dtype, aid.shape, obj.attrs[name])

    def walk(group, path):
        # Follows every link; visititems would skip repeated hard links.
        lines.append("G " + path)
        attrs(group, path)
        for name in group:
            obj = group[name]
            sub = path.rstrip("/") + "/" + name
            if isinstance(obj, h5py.Group):
                walk(obj, sub)
            else:
                line("D", sub, obj.dtype, obj.shape, obj[()])
                attrs(obj, sub)

    with h5py.File(path, "r") as f:
        walk(f, "/")
    lines.sort()
    return lines


def digests(ref_dir, out):
    """Writes the listing digest of every reference file and test file."""
    result = {}
    for base, prefix in [(ref_dir, "ref/"), (".", "testdata/")]:
        for root, _, files in os.walk(base):
            for name in sorted(files):
                if not name.endswith((".nir", ".nird", ".h5")) or name.startswith("unsupported_"):
                    continue
                full = os.path.join(root, name)
                lines = listing(full)
                text = "\n".join(lines).encode()
                rel = prefix + os.path.relpath(full, base)
                result[rel] = {"lines": len(lines), "sha256": hashlib.sha256(text).hexdigest()}
    with open(out, "w") as fp:
        json.dump(result, fp, indent=1, sort_keys=True)
        fp.write("\n")


if __name__ == "__main__":
    # Usage, inside testdata/: gen_testdata.py [REFERENCE_DIR]
    # or gen_testdata.py --list FILE to print one file's listing.
    if sys.argv[1:2] == ["--list"]:
        print("\n".join(listing(sys.argv[2])))
        sys.exit(0)
    types_file("types.h5")
    sbv1_file("sbv1.h5")
    offsets4_file("offsets4.h5")
    unsupported_files("unsupported_")
    ref = sys.argv[1] if len(sys.argv) > 1 else "../../../../shared/reference/nir"
    digests(ref, "digests.json")
