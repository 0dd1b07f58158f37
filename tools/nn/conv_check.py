"""Shared by the tools/nn convolution generators: checks a scripted 3x3 convolution module (stride 1, padding 1)
against torch.conv2d in float64, next to the direct float32 convolution's own error, before the module is written."""
import torch


def check_against_conv2d(module, filters, cases, times_direct, name):
    """cases: (N, C, H, W, K); fails when the module's error exceeds times_direct x the direct conv's (+ 1e-6)."""
    torch.manual_seed(0)
    for (n, c, h, w, k) in cases:
        x = torch.randn(n, c, h, w)
        weight = torch.randn(k, c, 3, 3) / (3 * c ** 0.5)
        b = torch.randn(k)
        exact = torch.conv2d(x.double(), weight.double(), b.double(), 1, 1)
        direct = (torch.conv2d(x, weight, b, 1, 1).double() - exact).abs().max().item()
        ours = (module(x, filters(weight), b).double() - exact).abs().max().item()
        print(f"N{n} C{c} {h}x{w} K{k}: |{name} - f64| {ours:.2e}, |direct - f64| {direct:.2e}")
        assert ours <= times_direct * direct + 1e-6, f"{name} deviates beyond its expected float rounding"
