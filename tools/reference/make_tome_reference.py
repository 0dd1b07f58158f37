#!/usr/bin/env python3
"""Generates src/test/resources/reference-tome/: golden cases, in the public reference set's format, of token merging
as tomesd 0.1.3 does it (ToMe for Stable Diffusion, github.com/dbolya/tomesd), the `merging_ratio` switch of the
original Text2Video-Zero app (`tomesd.apply_patch(pipe, ratio=merging_ratio)`):

  * kind `token_merging`: tomesd.merge.bipartite_soft_matching_random2d itself on random tensors: the merge of `x`
    and the unmerge of `y`, for grids that divide by the cell and grids that do not, random and fixed dst tokens,
    a ratio above tomesd's 3/4 limit (r clamped to the src count), a 3 x 2 cell;
  * kind `unet` with `params.token_merging`: one forward of the public set's sd15-mini UNet patched by
    tomesd.apply_patch (plain and cross-frame attention, an odd latent, an odd batch).

Run (tomesd and diffusers sources fetched from their repositories; nothing is installed, nothing copied here):
    mkdir -p /tmp/tomeenv && git -C <tomesd clone> archive v0.1.3 tomesd | tar x -C /tmp/tomeenv
    PYTHONPATH=/tmp/tomeenv:/tmp/refenv/src:tools/reference/shim:tools/reference \
        /usr/bin/python3 tools/reference/make_tome_reference.py [--shared ../shared/reference] [--out DIR]
(/tmp/refenv/src holds diffusers v0.27.2 and huggingface_hub v0.20.3, as for make_reference_extra.py, whose
runtime workarounds for Debian's torch 1.13 this script imports: see tools/reference/README.md.)

Recording, not patching: tomesd draws its random dst tokens (`rand_idx`) with torch.randint from a generator forked
from torch's global RNG; the draws are recorded per transformer block (`tome_rand_idx/<block path>`, int64
[h/sy, w/sx, 1]) and replayed by the Java side. tomesd splits dst|src with torch's argsort, which is not stable, so
the order of the tokens within each group is whatever this torch build's sort gives; ours is the stable order
(ascending positions). Self-attention and unmerge do not depend on it, but the merged tensor's rows do, so the
`token_merging` cases store the merged tokens, and take the unmerge input, in the stable order: `merged` is tomesd's
output with its dst rows reordered by ascending dst position, and `y` is given to tomesd's unmerge reordered the
other way (its unmerged-src rows come first in both, ordered by similarity, which no sort tie touches for random
data).
"""
import argparse
import json
import math
import os

import numpy as np
import torch

# diffusers 0.27.2 with the runtime workarounds for Debian's torch 1.13 (zeroed baddbmm input, UNet recomputed while
# not finite), and the helpers of the extra set's generator
import make_reference_extra as extra
from diffusers import UNet2DConditionModel
from diffusers.models.attention import BasicTransformerBlock
from diffusers.models.attention_processor import AttnProcessor
from diffusers.pipelines.text_to_video_synthesis.pipeline_text_to_video_zero import CrossFrameAttnProcessor
from safetensors.torch import save_file

import tomesd
from tomesd import merge as tome_merge

REPO = extra.REPO
KIND_FLOOR = {"token_merging": 1e-5, "unet": 1e-4}
KIND_RTOL = {"token_merging": 1e-5, "unet": 1e-4}


# ------------------------------------------------------------------------------------------------ recording
class RandIdxRecorder:
    """Records every torch.randint draw (tomesd's rand_idx) under the name of the transformer block drawing it."""

    def __init__(self):
        self.block = None
        self.draws = {}
        self._randint = torch.randint

    def __enter__(self):
        original = self._randint

        def randint(*args, **kwargs):
            out = original(*args, **kwargs)
            if self.block in self.draws:
                raise RuntimeError(f"two rand_idx draws in {self.block}")
            self.draws[self.block] = out.clone()
            return out
        torch.randint = randint
        return self

    def __exit__(self, *exc):
        torch.randint = self._randint

    def hook(self, name):
        def pre(module, args):
            self.block = name
        return pre


def closure(fn):
    """The variables a tomesd closure (merge, unmerge, split) captured, by name."""
    return dict(zip(fn.__code__.co_freevars, (c.cell_contents for c in fn.__closure__)))


# ------------------------------------------------------------------------------------- bipartite matching
def case_merge(b, h, w, c_metric, c_x, sx, sy, ratio, use_rand, seed):
    g = torch.Generator().manual_seed(seed)
    n = h * w
    metric = torch.randn((b, n, c_metric), generator=g)
    x = torch.randn((b, n, c_x), generator=g)
    r = int(n * ratio)
    rec = RandIdxRecorder()
    rec.block = "bipartite_soft_matching_random2d"
    with rec:
        m, u = tome_merge.bipartite_soft_matching_random2d(metric, w, h, sx, sy, r, no_rand=not use_rand,
                                                           generator=torch.Generator().manual_seed(seed + 1))
    mc = closure(m)
    sc = closure(mc["split"])
    r_eff, num_dst = mc["r"], sc["num_dst"]
    b_idx = sc["b_idx"][0, :, 0]                                   # dst positions in tomesd's (sort) order
    to_stable = torch.argsort(b_idx)                               # stable row k = tomesd row to_stable[k]
    merged_tomesd = m(x)
    unm_len = merged_tomesd.shape[1] - num_dst
    merged = torch.cat([merged_tomesd[:, :unm_len], merged_tomesd[:, unm_len:][:, to_stable]], dim=1)
    y = torch.randn(merged.shape, generator=g)                     # unmerge input, stable order
    y_tomesd = torch.cat([y[:, :unm_len], y[:, unm_len:][:, torch.argsort(to_stable)]], dim=1)
    unmerged = u(y_tomesd)
    inputs = {"metric": metric, "x": x, "y": y}
    if use_rand:
        inputs["rand_idx"] = rec.draws["bipartite_soft_matching_random2d"]
    params = {"w": w, "h": h, "sx": sx, "sy": sy, "r": r, "r_merged": r_eff, "use_rand": use_rand,
              "num_dst": num_dst, "seed": seed,
              "call": "m, u = tomesd.merge.bipartite_soft_matching_random2d(metric, w, h, sx, sy, r, "
                      "no_rand=not use_rand, generator=...); merged = m(x); unmerged = u(y)",
              "order": "merged (and y) = [unmerged src rows as tomesd orders them (most similar first) | dst rows by "
                       "ascending dst position]; tomesd's own dst row order is the unstable argsort's"}
    return params, inputs, {"merged": merged, "unmerged": unmerged}


# ----------------------------------------------------------------------------------------------- unet
def case_unet(shared, b, h, w, ratio, cross_frame_batch, seed):
    unet = UNet2DConditionModel.from_pretrained(os.path.join(shared, "models/sd15-mini/unet")).eval()
    processor = CrossFrameAttnProcessor(batch_size=cross_frame_batch) if cross_frame_batch else AttnProcessor()
    unet.set_attn_processor(processor)
    g = torch.Generator().manual_seed(seed)
    sample = torch.randn((b, unet.config.in_channels, h, w), generator=g)
    timestep = torch.tensor(500, dtype=torch.int64)
    text = torch.randn((b, 77, unet.config.cross_attention_dim), generator=g)
    tomesd.apply_patch(unet, ratio=ratio)                          # the original app's call (defaults otherwise)
    rec = RandIdxRecorder()
    for name, module in unet.named_modules():
        if isinstance(module, BasicTransformerBlock):
            module.register_forward_pre_hook(rec.hook(name))
    torch.manual_seed(seed + 1)                                    # tomesd forks its generator from the global one
    with rec, torch.no_grad():
        noise_pred = unet(sample, timestep, encoder_hidden_states=text).sample
    tomesd.remove_patch(unet)
    inputs = {"sample": sample, "timestep": timestep, "encoder_hidden_states": text}
    for block, draw in sorted(rec.draws.items()):
        inputs[f"tome_rand_idx/{block}"] = draw
    args = unet._tome_info["args"]
    params = {
        "attn_processor": "CrossFrameAttnProcessor" if cross_frame_batch else "AttnProcessor",
        "batch": b, "height": h, "width": w,
        "token_merging": {"ratio": ratio, "max_downsample": args["max_downsample"], "sx": args["sx"],
                          "sy": args["sy"], "use_rand": args["use_rand"], "merge_attn": args["merge_attn"],
                          "merge_crossattn": args["merge_crossattn"], "merge_mlp": args["merge_mlp"],
                          "rand_idx": "inputs tome_rand_idx/<transformer block path>, one per merged block (none "
                                      "when the batch is odd: tomesd then uses the top-left token of every cell)",
                          "call": "tomesd.apply_patch(unet, ratio=ratio)"},
        "seed": seed}
    if cross_frame_batch:
        params["cross_frame_batch_size"] = cross_frame_batch
    return params, inputs, {"noise_pred": noise_pred}


# ------------------------------------------------------------------------------------------------ driver
def specs(shared):
    return [
        ("tome_merge_8x8_rand", "token_merging", None, lambda: case_merge(2, 8, 8, 16, 24, 2, 2, 0.5, True, 401)),
        ("tome_merge_7x9_rand", "token_merging", None, lambda: case_merge(4, 7, 9, 16, 8, 2, 2, 0.5, True, 402)),
        ("tome_merge_12x10_fixed_r090", "token_merging", None,
         lambda: case_merge(2, 12, 10, 8, 8, 2, 2, 0.9, False, 403)),
        ("tome_merge_5x7_cell3x2_rand", "token_merging", None,
         lambda: case_merge(2, 5, 7, 8, 8, 3, 2, 0.3, True, 404)),
        ("unet_tome_12x10_b2", "unet", "sd15", lambda: case_unet(shared, 2, 12, 10, 0.5, None, 411)),
        ("unet_tome_crossframe_9x11_b4", "unet", "sd15", lambda: case_unet(shared, 4, 9, 11, 0.5, 2, 412)),
        ("unet_tome_odd_batch_b3", "unet", "sd15", lambda: case_unet(shared, 3, 8, 8, 0.4, None, 413)),
    ]


def run(fn, threads):
    torch.set_num_threads(threads)
    params, inputs, outputs = fn()
    return params, {k: extra.as_case_tensor(v) for k, v in inputs.items()}, \
        {k: extra.as_case_tensor(v) for k, v in outputs.items()}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default=os.path.join(REPO, "..", "shared", "reference"))
    ap.add_argument("--out", default=os.path.join(REPO, "src", "test", "resources", "reference-tome"))
    args = ap.parse_args()
    shared, out = os.path.abspath(args.shared), os.path.abspath(args.out)
    os.makedirs(os.path.join(out, "cases"), exist_ok=True)
    sd15 = os.path.relpath(os.path.join(shared, "models", "sd15-mini"), out)
    with open(os.path.join(shared, "manifest.json")) as f:
        public = json.load(f)
    manifest = {
        "format_version": 1, "set": "tome", "generator": "tools/reference/make_tome_reference.py",
        "libraries": {"tomesd": "0.1.3", "diffusers": extra.diffusers.__version__, "torch": torch.__version__,
                      "numpy": np.__version__},
        "models": {"sd15": sd15}, "model_seed": public.get("model_seed"), "device": "cpu", "dtype": "float32",
        "tolerance_rule": public["tolerance_rule"], "cases": []}
    for name, kind, model, fn in specs(shared):
        params, inputs, out1 = run(fn, 1)
        _, _, again = run(fn, 1)
        _, _, out2 = run(fn, 2)
        variation = {k: max(float((v - again[k]).abs().max()), float((v - out2[k]).abs().max()))
                     for k, v in out1.items()}
        if not all(math.isfinite(v) for v in variation.values()) or max(variation.values()) > 1e-4:
            raise SystemExit(f"{name}: runs disagree: {variation}")
        tensors = {**inputs, **out1}
        floor = KIND_FLOOR[kind]
        atol_per = {k: max(floor, extra.round_up_1sig(20 * variation[k])) for k in out1}
        entry = {
            "name": name, "kind": kind, "file": f"cases/{name}.safetensors",
            "model": os.path.join(sd15, "unet") if model else None, "params": params,
            "inputs": list(inputs), "outputs": list(out1),
            "shapes": {k: list(v.shape) for k, v in tensors.items()},
            "dtypes": {k: extra.dtype_name(v) for k, v in tensors.items()},
            "atol": max(atol_per.values()), "rtol": KIND_RTOL[kind],
            "max_abs_outputs": {k: float(v.abs().max()) for k, v in out1.items()},
            "atol_per_output": atol_per, "measured_variation": variation}
        save_file(tensors, os.path.join(out, entry["file"]), metadata={"case": name, "kind": kind})
        manifest["cases"].append(entry)
        size = os.path.getsize(os.path.join(out, entry["file"]))
        print(f"{name}: {len(tensors)} tensors, {size} bytes, atol {entry['atol']:.1g}", flush=True)
    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
