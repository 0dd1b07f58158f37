#!/usr/bin/env python3
"""Writes src/main/resources/ai/t2vzero/model/nn/winograd_conv3x3.pt: a parameter-free TorchScript module computing a
3x3 convolution, stride 1, zero padding 1, by Winograd's minimal filtering F(2x2, 3x3) (Lavin & Gray, "Fast
Algorithms for Convolutional Neural Networks", 2015): each 2x2 output tile is A^T [(G g G^T) . (B^T d B)] A over the
4x4 input tile d around it, so the channel reduction becomes 16 matrix products [K, C] x [C, tiles] with 16 instead of
36 multiply-adds per output pixel and input channel. Float rounding stays at the direct convolution's level (the
transforms only add, subtract and halve); F(4x4, 3x3) would save more but loses about a decimal digit.

WinogradConv3x3.java transforms the filters once at load time (ut = (G g G^T)^T per tap, [16, K, C]) and calls this
module through DJL (TorchScriptOp); no Python at run time. libtorch's CPU convolution (oneDNN) has no Winograd path on
CPUs without AVX-512, and there the products of the deep UNet/VAE layers run 1.3-1.9x faster this way (README,
performance section). The .debug_pkl entries are dropped. Requires only python3-torch (1.13+); checks itself against
torch.conv2d in float64 before writing.

    /usr/bin/python3 tools/nn/make_winograd_conv_module.py [out.pt]
"""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from conv_check import check_against_conv2d  # noqa: E402
from script_module import save_scripted  # noqa: E402

OUT = sys.argv[1] if len(sys.argv) > 1 else "src/main/resources/ai/t2vzero/model/nn/winograd_conv3x3.pt"


TILES_PER_BAND = 1024


class WinogradConv3x3(torch.nn.Module):
    """x [N, C, H, W]; ut [16, K, C]: the transformed filter of tap (i, j) at 4i + j, transposed; b [K] -> [N, K, H, W].

    The tiles are taken in bands of tile rows across the batch, about TILES_PER_BAND tiles at a time: the transforms
    are memory passes, and over a whole VAE level (128 channels at 256x256) their temporaries (4x the input, 4x the
    output) made the layer slower than the direct convolution (0.7x); in bands of ~1024 tiles the same layer ran
    1.27x faster, and no measured shape lost (README, performance section)."""

    tiles_per_band: torch.jit.Final[int]

    def __init__(self):
        super().__init__()
        self.tiles_per_band = TILES_PER_BAND

    def forward(self, x: torch.Tensor, ut: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        n, c, h, w = x.shape
        k = ut.shape[1]
        # odd sides: one more zero row/column at the end, cropped from the output (exact: it only feeds the crop)
        oh = h % 2
        ow = w % 2
        th = (h + oh) // 2
        tw = (w + ow) // 2
        band = max(1, min(th, self.tiles_per_band // (n * tw)))
        xp = torch.nn.functional.pad(x, [1, 1 + ow, 1, 1 + oh]).transpose(0, 1)  # view [C, N, H + 2, W + 2]
        y = torch.empty([n, k, 2 * th, 2 * tw], dtype=x.dtype, device=x.device)
        bias = b.view(k, 1, 1, 1)
        for t0 in range(0, th, band):
            bt = min(band, th - t0)
            xb = xp[:, :, 2 * t0:2 * (t0 + bt) + 2]  # the band's padded input rows, one tile row = 2 rows + 2 halo
            # B^T d B, columns first. Tile t spans padded columns 2t .. 2t + 3: even e[t], odd o[t], e[t + 1],
            # o[t + 1]; B^T = [[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]]
            e = xb[:, :, :, 0::2]
            o = xb[:, :, :, 1::2]
            col = torch.empty([4, c, n, 2 * bt + 2, tw], dtype=x.dtype, device=x.device)
            torch.sub(e[..., :tw], e[..., 1:], out=col[0])
            torch.add(o[..., :tw], e[..., 1:], out=col[1])
            torch.sub(e[..., 1:], o[..., :tw], out=col[2])
            torch.sub(o[..., :tw], o[..., 1:], out=col[3])
            ee = col[:, :, :, 0::2]
            oo = col[:, :, :, 1::2]
            v = torch.empty([4, 4, c, n, bt, tw], dtype=x.dtype, device=x.device)  # [row tap, column tap, C, N, ...]
            torch.sub(ee[:, :, :, :bt], ee[:, :, :, 1:], out=v[0])
            torch.add(oo[:, :, :, :bt], ee[:, :, :, 1:], out=v[1])
            torch.sub(ee[:, :, :, 1:], oo[:, :, :, :bt], out=v[2])
            torch.sub(oo[:, :, :, :bt], oo[:, :, :, 1:], out=v[3])
            # the channel reduction: 16 products [K, C] x [C, N * bt * tw]
            m = torch.bmm(ut, v.view(16, c, n * bt * tw)).view(4, 4, k, n, bt, tw)
            # A^T M A with A^T = [[1, 1, 1, 0], [0, 1, -1, -1]]: tap (1, 1) reaches all four outputs with weight 1,
            # so the bias is added there once
            m[1, 1].add_(bias)
            s = torch.empty([2, 4, k, n, bt, tw], dtype=x.dtype, device=x.device)
            torch.add(m[0], m[1], out=s[0])
            s[0].add_(m[2])
            torch.sub(m[1], m[2], out=s[1])
            s[1].sub_(m[3])
            # view [row in tile, column in tile, K, N, bt, tw] of the band's output rows
            yv = y[:, :, 2 * t0:2 * (t0 + bt)].view(n, k, bt, 2, tw, 2).permute(3, 5, 1, 0, 2, 4)
            torch.add(s[:, 0], s[:, 1], out=yv[:, 0])
            yv[:, 0].add_(s[:, 2])
            torch.sub(s[:, 1], s[:, 2], out=yv[:, 1])
            yv[:, 1].sub_(s[:, 3])
        if oh != 0 or ow != 0:
            return y[:, :, :h, :w].contiguous()
        return y


def filters(weight):
    """[K, C, 3, 3] -> [16, K, C]: G g G^T per filter, taps (i, j) flattened; as WinogradConv3x3.filters does."""
    g = torch.tensor([[1.0, 0.0, 0.0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0.0, 0.0, 1.0]], dtype=weight.dtype)
    u = torch.matmul(torch.matmul(g, weight), g.t())  # [K, C, 4, 4]
    return u.permute(2, 3, 0, 1).reshape(16, weight.shape[0], weight.shape[1])


def self_check(module):
    # the last two span several bands (1024 tiles each)
    check_against_conv2d(module, filters, [(2, 32, 16, 12, 48), (3, 8, 7, 10, 5), (1, 4, 5, 9, 6), (2, 16, 1, 1, 3), (1, 3, 2, 3, 4),
                            (1, 4, 131, 70, 3), (3, 2, 50, 45, 2)],
                         4, "F(2x2,3x3)")


module = torch.jit.script(WinogradConv3x3())
self_check(module)
save_scripted(WinogradConv3x3(), OUT)
