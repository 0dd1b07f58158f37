#!/usr/bin/env python3
"""Writes src/main/resources/ai/t2vzero/model/nn/winograd4_conv3x3.pt: a parameter-free TorchScript module computing a
3x3 convolution, stride 1, zero padding 1, by Winograd's minimal filtering F(4x4, 3x3) (Lavin & Gray 2015, points 0,
+-1, +-2, infinity): each 4x4 output tile is A^T [(G g G^T) . (B^T d B)] A over the 6x6 input tile d around it, so the
channel reduction becomes 36 matrix products [K, C] x [C, tiles] for 16 outputs: 2.25 instead of 9 multiply-adds per
output pixel and input channel (F(2x2, 3x3): 4), with fewer transform passes per output too. The price is rounding:
the transforms scale by up to 8 and 1/24, about 5x the direct convolution's float32 error per layer (self-check below),
so WinogradConv3x3.java uses it only where a caller allows it (the VAE decoder: its output is decoded once to 8-bit
pixels, no denoising loop carries the error on); everything else keeps F(2x2, 3x3) (make_winograd_conv_module.py).

Filters come transformed from Java (ut = G g G^T per tap (i, j) at 6i + j, [36, K, C]); no Python at run time. The
tiles are taken in bands of tile rows (about TILES_PER_BAND tiles), as in the F(2x2, 3x3) module. The .debug_pkl
entries are dropped. Requires only python3-torch (1.13+); checks itself against torch.conv2d in float64 first.

    /usr/bin/python3 tools/nn/make_winograd4_conv_module.py [out.pt]
"""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from conv_check import check_against_conv2d  # noqa: E402
from script_module import save_scripted  # noqa: E402

OUT = sys.argv[1] if len(sys.argv) > 1 else "src/main/resources/ai/t2vzero/model/nn/winograd4_conv3x3.pt"

TILES_PER_BAND = 512


def input_transform(d0, d1, d2, d3, d4, d5, out):
    """B^T = [[4, 0, -5, 0, 1, 0], [0, -4, -4, 1, 1, 0], [0, 4, -4, -1, 1, 0], [0, -2, -1, 2, 1, 0],
    [0, 2, -1, -2, 1, 0], [0, 4, 0, -5, 0, 1]] applied to (d0 .. d5), written to out[0 .. 5]."""
    torch.add(d4, d0, alpha=4.0, out=out[0])
    out[0].add_(d2, alpha=-5.0)
    t1 = torch.add(d4, d2, alpha=-4.0)
    t2 = torch.add(d3, d1, alpha=-4.0)
    torch.add(t1, t2, out=out[1])
    torch.sub(t1, t2, out=out[2])
    t3 = torch.sub(d4, d2)
    t4 = torch.sub(d3, d1)
    torch.add(t3, t4, alpha=2.0, out=out[3])
    torch.add(t3, t4, alpha=-2.0, out=out[4])
    torch.add(d5, d1, alpha=4.0, out=out[5])
    out[5].add_(d3, alpha=-5.0)


def output_transform(m0, m1, m2, m3, m4, m5, out0, out1, out2, out3):
    """A^T = [[1, 1, 1, 1, 1, 0], [0, 1, -1, 2, -2, 0], [0, 1, 1, 4, 4, 0], [0, 1, -1, 8, -8, 1]]."""
    a = torch.add(m1, m2)
    b = torch.sub(m1, m2)
    c = torch.add(m3, m4)
    d = torch.sub(m3, m4)
    torch.add(m0, a, out=out0)
    out0.add_(c)
    torch.add(b, d, alpha=2.0, out=out1)
    torch.add(a, c, alpha=4.0, out=out2)
    torch.add(b, d, alpha=8.0, out=out3)
    out3.add_(m5)


class WinogradConv3x3F4(torch.nn.Module):
    """x [N, C, H, W]; ut [36, K, C]: the transformed filter of tap (i, j) at 6i + j; b [K] -> [N, K, H, W]."""

    tiles_per_band: torch.jit.Final[int]

    def __init__(self):
        super().__init__()
        self.tiles_per_band = TILES_PER_BAND

    def forward(self, x: torch.Tensor, ut: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        n, c, h, w = x.shape
        k = ut.shape[1]
        th = (h + 3) // 4
        tw = (w + 3) // 4
        band = max(1, min(th, self.tiles_per_band // (n * tw)))
        # padded to 4 * tiles + 2 (the halo): one zero row/column in front, the rest behind (cropped from the output)
        xp = torch.nn.functional.pad(x, [1, 4 * tw + 1 - w, 1, 4 * th + 1 - h]).transpose(0, 1)  # [C, N, .., ..]
        y = torch.empty([n, k, 4 * th, 4 * tw], dtype=x.dtype, device=x.device)
        bias = b.view(k, 1, 1, 1)
        for t0 in range(0, th, band):
            bt = min(band, th - t0)
            xb = xp[:, :, 4 * t0:4 * (t0 + bt) + 2]  # the band's rows: 4 per tile row + 2 halo
            # columns: tile t spans padded columns 4t .. 4t + 5
            col = torch.empty([6, c, n, 4 * bt + 2, tw], dtype=x.dtype, device=x.device)
            input_transform(xb[..., 0:4 * tw:4], xb[..., 1:4 * tw + 1:4], xb[..., 2:4 * tw + 2:4],
                            xb[..., 3:4 * tw + 3:4], xb[..., 4:4 * tw + 4:4], xb[..., 5:4 * tw + 5:4], col)
            v = torch.empty([6, 6, c, n, bt, tw], dtype=x.dtype, device=x.device)  # [row tap, column tap, ...]
            input_transform(col[:, :, :, 0:4 * bt:4], col[:, :, :, 1:4 * bt + 1:4], col[:, :, :, 2:4 * bt + 2:4],
                            col[:, :, :, 3:4 * bt + 3:4], col[:, :, :, 4:4 * bt + 4:4], col[:, :, :, 5:4 * bt + 5:4],
                            v)
            # the channel reduction: 36 products [K, C] x [C, N * bt * tw]
            m = torch.bmm(ut, v.view(36, c, n * bt * tw)).view(6, 6, k, n, bt, tw)
            # A^T's column 1 is all ones: tap (1, 1) reaches all 16 outputs with weight 1, so the bias goes there
            m[1, 1].add_(bias)
            s = torch.empty([4, 6, k, n, bt, tw], dtype=x.dtype, device=x.device)  # rows done, [row in tile, ...]
            output_transform(m[0], m[1], m[2], m[3], m[4], m[5], s[0], s[1], s[2], s[3])
            # view [row in tile, column in tile, K, N, bt, tw] of the band's output rows
            yv = y[:, :, 4 * t0:4 * (t0 + bt)].view(n, k, bt, 4, tw, 4).permute(3, 5, 1, 0, 2, 4)
            output_transform(s[:, 0], s[:, 1], s[:, 2], s[:, 3], s[:, 4], s[:, 5],
                             yv[:, 0], yv[:, 1], yv[:, 2], yv[:, 3])
        if h % 4 != 0 or w % 4 != 0:
            return y[:, :, :h, :w].contiguous()
        return y


def filters(weight):
    """[K, C, 3, 3] -> [36, K, C]: G g G^T per filter, taps (i, j) flattened; as WinogradConv3x3.filters does."""
    g = torch.tensor([[1 / 4, 0, 0], [-1 / 6, -1 / 6, -1 / 6], [-1 / 6, 1 / 6, -1 / 6], [1 / 24, 1 / 12, 1 / 6],
                      [1 / 24, -1 / 12, 1 / 6], [0, 0, 1]], dtype=torch.float64)
    u = torch.matmul(torch.matmul(g, weight.double()), g.t())  # [K, C, 6, 6]
    return u.permute(2, 3, 0, 1).reshape(36, weight.shape[0], weight.shape[1]).to(weight.dtype).contiguous()


def self_check(module):
    # odd and non-multiple-of-4 sides, 1x1, several bands (512 tiles each: 131x70, 50x45), a realistic width
    check_against_conv2d(module, filters, [(2, 32, 16, 12, 48), (3, 8, 7, 10, 5), (1, 4, 5, 9, 6), (2, 16, 1, 1, 3), (1, 3, 2, 3, 4),
                            (1, 4, 131, 70, 3), (3, 2, 50, 45, 2), (1, 256, 24, 24, 256)],
                         16, "F(4x4,3x3)")


module = torch.jit.script(WinogradConv3x3F4())
self_check(module)
save_scripted(WinogradConv3x3F4(), OUT)
