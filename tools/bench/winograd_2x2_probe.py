#!/usr/bin/env python3
"""Probe, kept as the record of an idea measured and not adopted (README, performance section): the VAE upsampling's
phase convolution (model/nn/Upsample2D: one 2x2 convolution, padding 1, with 4 x out filters) as Winograd F(2x2, 2x2)
(9 instead of 16 products per 2x2 output tile), against torch's direct convolution, on the SD 1.5 VAE's and UNet's
upsampling shapes. Checks itself against float64 first. On the 2-vCPU AMD EPYC (AVX2) of 2026-12-01 it ran
0.84-1.11x the direct convolution on the VAE shapes (which already reaches 67-70 GFLOP/s there) and 1.1-1.3x on
the UNet's (about 4% of a UNet step's FLOPs: ~1% of a step).

    chroot /srv/trixie env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python3 tools/bench/winograd_2x2_probe.py
"""
import time

import torch

torch.set_num_threads(2)


def winograd_2x2(x, ut, b, tiles_per_band=1024):
    """2x2 convolution, stride 1, padding 1 -> [N, K, H + 1, W + 1] by F(2x2, 2x2); ut [9, K, C]."""
    n, c, h, w = x.shape
    k = ut.shape[1]
    oh, ow = h + 1, w + 1
    eh, ew = oh % 2, ow % 2
    th, tw = (oh + eh) // 2, (ow + ew) // 2
    band = max(1, min(th, tiles_per_band // (n * tw)))
    xp = torch.nn.functional.pad(x, [1, 1 + ew, 1, 1 + eh]).transpose(0, 1)  # [C, N, 2th + 1, 2tw + 1]
    y = torch.empty([n, k, 2 * th, 2 * tw], dtype=x.dtype)
    bias = b.view(k, 1, 1, 1)
    for t0 in range(0, th, band):
        bt = min(band, th - t0)
        xb = xp[:, :, 2 * t0:2 * (t0 + bt) + 1]
        e = xb[:, :, :, 0::2]
        o = xb[:, :, :, 1::2]
        # B^T = [[1, -1, 0], [0, 1, 0], [0, -1, 1]] over (e[t], o[t], e[t + 1]), columns then rows
        col = torch.empty([3, c, n, 2 * bt + 1, tw], dtype=x.dtype)
        torch.sub(e[..., :tw], o, out=col[0])
        col[1].copy_(o)
        torch.sub(e[..., 1:], o, out=col[2])
        ee = col[:, :, :, 0::2]
        oo = col[:, :, :, 1::2]
        v = torch.empty([3, 3, c, n, bt, tw], dtype=x.dtype)
        torch.sub(ee[:, :, :, :bt], oo, out=v[0])
        v[1].copy_(oo)
        torch.sub(ee[:, :, :, 1:], oo, out=v[2])
        m = torch.bmm(ut, v.view(9, c, n * bt * tw)).view(3, 3, k, n, bt, tw)
        m[1, 1].add_(bias)
        # A^T = [[1, 1, 0], [0, 1, 1]]
        s = torch.empty([2, 3, k, n, bt, tw], dtype=x.dtype)
        torch.add(m[0], m[1], out=s[0])
        torch.add(m[1], m[2], out=s[1])
        yv = y[:, :, 2 * t0:2 * (t0 + bt)].view(n, k, bt, 2, tw, 2).permute(3, 5, 1, 0, 2, 4)
        torch.add(s[:, 0], s[:, 1], out=yv[:, 0])
        torch.add(s[:, 1], s[:, 2], out=yv[:, 1])
    return y[:, :, :oh, :ow].contiguous() if eh or ew else y


def filters(weight):
    """[K, C, 2, 2] -> [9, K, C]: G g G^T with G = [[1, 0], [1, 1], [0, 1]]."""
    g = torch.tensor([[1.0, 0.0], [1.0, 1.0], [0.0, 1.0]], dtype=weight.dtype)
    u = torch.matmul(torch.matmul(g, weight), g.t())
    return u.permute(2, 3, 0, 1).reshape(9, weight.shape[0], weight.shape[1]).contiguous()


def fastest(f, reps=5):
    best = float("inf")
    for _ in range(reps):
        t = time.perf_counter()
        f()
        best = min(best, time.perf_counter() - t)
    return best


torch.manual_seed(0)
for (n, c, h, w, k) in [(2, 8, 6, 6, 5), (1, 4, 7, 10, 3), (2, 3, 1, 1, 2), (1, 4, 50, 33, 3)]:
    x, wt, b = torch.randn(n, c, h, w), torch.randn(k, c, 2, 2), torch.randn(k)
    exact = torch.conv2d(x.double(), wt.double(), b.double(), 1, 1)
    direct = (torch.conv2d(x, wt, b, 1, 1).double() - exact).abs().max().item()
    ours = (winograd_2x2(x, filters(wt), b, 64).double() - exact).abs().max().item()
    assert ours <= 4 * direct + 1e-6, f"F(2x2, 2x2) off: {ours} vs direct {direct}"
with torch.no_grad():
    # (channels, input side, batch): VAE 512@32, 512@64, 256@128; UNet 1280@8, 640@32 (batch 2)
    for (c, h, nb) in [(512, 32, 1), (512, 64, 1), (256, 128, 1), (1280, 8, 2), (640, 32, 2)]:
        x = torch.randn(nb, c, h, h)
        wt = torch.randn(4 * c, c, 2, 2) * 0.05
        b = torch.randn(4 * c)
        u = filters(wt)
        td = fastest(lambda: torch.conv2d(x, wt, b, 1, 1))
        tw = fastest(lambda: winograd_2x2(x, u, b))
        gflops = 2.0 * 4 * c * 4 * c * (h + 1) ** 2 * nb / td / 1e9
        print(f"{c} ch, {h}x{h}, batch {nb}: direct {td * 1e3:.0f} ms ({gflops:.0f} GFLOP/s), "
              f"F(2x2, 2x2) {tw * 1e3:.0f} ms: {td / tw:.2f}x", flush=True)
