"""Shared by the tools/nn module generators: scripts a parameter-free torch.nn.Module and writes it as a TorchScript
archive without its .debug_pkl entries (source ranges, only used in error messages)."""
import io
import zipfile

import torch


def save_scripted(module, out):
    buf = io.BytesIO()
    torch.jit.save(torch.jit.script(module), buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as dst:
        for info in src.infolist():
            if not info.filename.endswith(".debug_pkl"):
                dst.writestr(info, src.read(info.filename))
    print("wrote", out)
