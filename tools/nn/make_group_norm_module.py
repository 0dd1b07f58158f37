#!/usr/bin/env python3
"""Writes src/main/resources/ai/t2vzero/model/nn/group_norm.pt: a parameter-free TorchScript module that calls
libtorch's native group norm (one statistics pass, one pass applying the per-channel affine), optionally followed by
an in-place SiLU: what every ResNet block does (norm -> silu -> conv). DJL 0.36's NDArray API has no group norm; the
fallback in GroupNorm.java composes batch norm + scale + shift + sigmoid * x (five passes over the activation instead
of two or three). GroupNorm.java loads this module through DJL (TorchScriptOp) at run time, as the attention does
with tools/sdpa's module; no Python is involved then.

The .debug_pkl entries (source ranges, only for error messages) are dropped. Requires only python3-torch (1.13+).

    /usr/bin/python3 tools/nn/make_group_norm_module.py [out.pt]
"""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from script_module import save_scripted  # noqa: E402

OUT = sys.argv[1] if len(sys.argv) > 1 else "src/main/resources/ai/t2vzero/model/nn/group_norm.pt"


class GroupNormSilu(torch.nn.Module):
    # x [B, C, ...], weight and bias [C] -> [B, C, ...]; silu: apply x * sigmoid(x) in place afterwards
    def forward(self, x: torch.Tensor, groups: int, weight: torch.Tensor, bias: torch.Tensor, eps: float,
                silu: bool) -> torch.Tensor:
        y = torch.group_norm(x, groups, weight, bias, eps)
        if silu:
            y = torch.nn.functional.silu(y, inplace=True)
        return y


save_scripted(GroupNormSilu(), OUT)
