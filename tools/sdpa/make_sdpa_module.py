#!/usr/bin/env python3
"""Writes src/main/resources/ai/t2vzero/model/nn/scaled_dot_product_attention.pt: a parameter-free TorchScript
module that calls libtorch's torch.scaled_dot_product_attention (flash / memory-efficient kernels on CUDA, the flash
kernel on CPU), which DJL 0.36's NDArray API does not expose. Attention.java loads it through DJL
(JniUtils.loadModule) at run time; no Python is involved then.

A TorchScript archive is a zip whose code/*.py entries are TorchScript source that libtorch compiles when it loads
the archive. Debian 12's python3-torch is 1.13, which has no public scaled_dot_product_attention, so the module is
scripted around a placeholder (torch.bmm) and the one placeholder line of its code text is then replaced by the real
call (scale=1.: our queries come pre-scaled by head_dim^-0.5, folded into to_q). The .debug_pkl entry (source
ranges of the placeholder text) is dropped. Requires only python3-torch (any 1.13+).

    /usr/bin/python3 tools/sdpa/make_sdpa_module.py [out.pt]
"""
import io
import sys
import zipfile

import torch

OUT = sys.argv[1] if len(sys.argv) > 1 else "src/main/resources/ai/t2vzero/model/nn/scaled_dot_product_attention.pt"


class ScaledDotProductAttention(torch.nn.Module):
    # q [B, N, C], k and v [B, M, C] -> [B, N, C], heads H, d = C / H
    def forward(self, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, heads: int) -> torch.Tensor:
        b, n, c = q.shape
        m = k.shape[1]
        d = c // heads
        qh = q.reshape(b, n, heads, d).transpose(1, 2)  # [B, H, N, d] (view)
        kh = k.reshape(b, m, heads, d).transpose(1, 2)  # [B, H, M, d]
        vh = v.reshape(b, m, heads, d).transpose(1, 2)  # [B, H, M, d]
        o = torch.bmm(qh, kh)                            # placeholder, replaced below
        return o.transpose(1, 2).reshape(b, n, c)       # [B, N, C]


PLACEHOLDER = "    o = torch.bmm(qh, kh)\n"
REAL = ("    vh = torch.transpose(torch.reshape(v, [b, m, heads, d]), 1, 2)\n"
        "    o = torch.scaled_dot_product_attention(qh, kh, vh, None, 0., False, scale=1.)\n")

buf = io.BytesIO()
torch.jit.save(torch.jit.script(ScaledDotProductAttention()), buf)
src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
with zipfile.ZipFile(OUT, "w", zipfile.ZIP_STORED) as dst:
    for info in src.infolist():
        if info.filename.endswith(".debug_pkl"):
            continue
        data = src.read(info.filename)
        if info.filename.endswith("code/__torch__.py"):
            text = data.decode()
            if PLACEHOLDER not in text:
                sys.exit("placeholder line not found in the scripted code:\n" + text)
            data = text.replace(PLACEHOLDER, REAL).encode()
        dst.writestr(info, data)
print("wrote", OUT)
