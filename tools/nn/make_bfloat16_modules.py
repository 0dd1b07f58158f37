#!/usr/bin/env python3
"""Writes three parameter-free TorchScript modules for bfloat16 products (t2v.models.dtype=bf16) next to
Bfloat16Products.java under src/main/resources/ai/t2vzero/model/nn/:

  bfloat16_cast.pt    x -> x as bfloat16 when it is float32, else as float32 (weights at load; tests read them back)
  linear_bfloat16.pt  x float32 [..., in], w bfloat16 [out, in], b float32 [out] or [0] -> float32 [..., out]
  conv2d_bfloat16.pt  x float32 [B, in, H, W], w bfloat16 [out, in, k, k], b float32 [out] or [0],
                      geometry int64 [stride, padding] -> float32 [B, out, H', W']

The weights of the linear and convolution layers are kept in bfloat16 and their products run in bfloat16 (oneDNN's
AVX512_BF16 / AMX kernels on CPUs that have them, tensor cores on CUDA), accumulated in float32 by those kernels;
everything else (activations, norms, softmax, attention, the schedulers) stays float32, as torch.autocast does for
these ops, with the bias added in float32. Why modules: DJL 0.36 maps libtorch's bfloat16 to DataType "unknown" and
aborts the JVM on every call that passes a dtype (toType(BFLOAT16), softmax, zeros, ...), so bfloat16 arrays must
never reach DJL's own operators; they are only created, passed to and used inside these modules. No Python at run
time. The .debug_pkl entries are dropped. Requires only python3-torch (1.13+); checks itself before writing.

    /usr/bin/python3 tools/nn/make_bfloat16_modules.py [out dir]
"""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from script_module import save_scripted  # noqa: E402

OUT = sys.argv[1] if len(sys.argv) > 1 else "src/main/resources/ai/t2vzero/model/nn"


class Bfloat16Cast(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dtype == torch.float32:
            return x.to(torch.bfloat16)
        return x.to(torch.float32)


class LinearBfloat16(torch.nn.Module):
    def forward(self, x: torch.Tensor, w: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        y = torch.nn.functional.linear(x.to(w.dtype), w).to(x.dtype)
        if b.numel() > 0:
            y.add_(b)
        return y


class Conv2dBfloat16(torch.nn.Module):
    def forward(self, x: torch.Tensor, w: torch.Tensor, b: torch.Tensor, geometry: torch.Tensor) -> torch.Tensor:
        stride = int(geometry[0])
        padding = int(geometry[1])
        y = torch.nn.functional.conv2d(x.to(w.dtype), w, None, stride, padding).to(x.dtype)
        if b.numel() > 0:
            y.add_(b.view(1, -1, 1, 1))
        return y


def self_check(cast, linear, conv):
    torch.manual_seed(0)
    w = torch.randn(24, 16)
    wb = cast(w)
    assert wb.dtype == torch.bfloat16 and cast(wb).dtype == torch.float32
    x = torch.randn(3, 5, 16)
    b = torch.randn(24)
    exact = torch.nn.functional.linear(x.double(), w.double(), b.double())
    err = (linear(x, wb, b).double() - exact).abs().max().item()
    scale = exact.abs().max().item()
    print(f"linear: |bf16 - f64| {err:.2e} of max {scale:.2e}")
    assert linear(x, wb, b).dtype == torch.float32 and err < 2e-2 * scale
    assert torch.equal(linear(x, wb, torch.empty(0)) + b, linear(x, wb, b))
    for (k, s, p) in [(3, 1, 1), (3, 2, 1), (1, 1, 0), (3, 2, 0), (2, 1, 1)]:
        xc = torch.randn(2, 8, 9, 7)
        wc = torch.randn(6, 8, k, k) * 0.3
        bc = torch.randn(6)
        exact = torch.conv2d(xc.double(), wc.double(), bc.double(), s, p)
        ours = conv(xc, cast(wc), bc, torch.tensor([s, p]))
        err = (ours.double() - exact).abs().max().item()
        scale = exact.abs().max().item()
        print(f"conv k{k} s{s} p{p}: |bf16 - f64| {err:.2e} of max {scale:.2e}")
        assert ours.dtype == torch.float32 and ours.shape == exact.shape and err < 2e-2 * scale


modules = {"bfloat16_cast.pt": Bfloat16Cast(), "linear_bfloat16.pt": LinearBfloat16(),
           "conv2d_bfloat16.pt": Conv2dBfloat16()}
self_check(*(torch.jit.script(m) for m in modules.values()))
for name, m in modules.items():
    save_scripted(m, os.path.join(OUT, name))
