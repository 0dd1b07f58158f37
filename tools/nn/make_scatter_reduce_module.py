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
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from script_module import save_scripted  # noqa: E402

OUT = sys.argv[1] if len(sys.argv) > 1 else "src/main/resources/ai/t2vzero/model/nn/scatter_reduce_mean.pt"


class ScatterReduceMean(torch.nn.Module):
    # dst [B, M, C], index and src [B, R, C] (index int64, values in [0, M)) -> [B, M, C]:
    # out[b, index[b, i, c], c] = mean(dst[b, j, c] and every src[b, i, c] with index[b, i, c] = j)
    def forward(self, dst: torch.Tensor, dim: int, index: torch.Tensor, src: torch.Tensor) -> torch.Tensor:
        return dst.scatter_reduce(dim, index, src, reduce="mean", include_self=True)


save_scripted(ScatterReduceMean(), OUT)
