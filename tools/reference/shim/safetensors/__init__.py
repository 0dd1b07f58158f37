"""Pure-python stand-in for the `safetensors` package (the real one is compiled Rust and not in Debian 12).

Implements the file format exactly as /work/shared/reference/README.md ("File format") describes it: an 8-byte
little-endian header length N, N bytes of JSON (padded with spaces so that 8 + N is a multiple of 8), then the raw
little-endian C-order tensor bytes. Only what diffusers 0.27.2 and make_reference_extra.py call is provided.
"""
import json
import struct

__version__ = "0.4.2+shim"

_DTYPES = {"F32": "float32", "F16": "float16", "BF16": "bfloat16", "F64": "float64", "I64": "int64",
           "I32": "int32", "I16": "int16", "I8": "int8", "U8": "uint8", "BOOL": "bool"}


def read_header(path):
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n).decode("utf-8"))
    return 8 + n, header


class safe_open:
    """`with safe_open(path, framework="pt") as f: f.keys(), f.get_tensor(name), f.metadata()`."""

    def __init__(self, path, framework="pt", device="cpu"):
        if framework not in ("pt", "torch"):
            raise ValueError("this shim only supports framework='pt'")
        self._path = path
        self._start, self._header = read_header(path)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def keys(self):
        return [k for k in self._header if k != "__metadata__"]

    def metadata(self):
        return self._header.get("__metadata__")

    def get_tensor(self, name):
        from .torch import _load_one
        return _load_one(self._path, self._start, self._header[name])
