#!/usr/bin/env python3
"""Writes src/main/resources/ai/t2vzero/model/nn/scatter_reduce_mean.pt: a parameter-free TorchScript module that
calls torch.Tensor.scatter_reduce(dim, index, src, reduce="mean", include_self=True), the merge step of token merging
(tomesd's bipartite_soft_matching_random2d averages every merged src token into its dst token with it). DJL 0.36's
NDArray API has gather and scatter but no scatter_reduce; BipartiteSoftMatching.java loads this module through DJL
(JniUtils.loadModule, via TorchScriptOp, like the attention and group norm modules) at run time; no Python is
involved then.

The .debug_pkl entries (source ranges, only for error messages) are dropped. Requires only python3-torch >= 1.12
(Debian 12's 1.13 is enough).

    /usr/bin/python3 tools/nn/make_scatter_reduce_module.py [out.pt]
"""
import io
import sys
import zipfile

import torch

OUT = sys.argv[1] if len(sys.argv) > 1 else "src/main/resources/ai/t2vzero/model/nn/scatter_reduce_mean.pt"


class ScatterReduceMean(torch.nn.Module):
    # dst [B, M, C], index and src [B, R, C] (index int64, values in [0, M)) -> [B, M, C]:
    # out[b, index[b, i, c], c] = mean(dst[b, j, c] and every src[b, i, c] with index[b, i, c] = j)
    def forward(self, dst: torch.Tensor, dim: int, index: torch.Tensor, src: torch.Tensor) -> torch.Tensor:
        return dst.scatter_reduce(dim, index, src, reduce="mean", include_self=True)


buf = io.BytesIO()
torch.jit.save(torch.jit.script(ScatterReduceMean()), buf)
src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
with zipfile.ZipFile(OUT, "w", zipfile.ZIP_STORED) as dst:
    for info in src.infolist():
        if info.filename.endswith(".debug_pkl"):
            continue
        dst.writestr(info, src.read(info.filename))
print("wrote", OUT)
