#!/usr/bin/env python3
"""The diffusers 0.27.2 side of the side-by-side benchmark: the same work as our `Benchmark` (cli/Benchmark.java)
on the same diffusers folder, printed with the same component names so that tools/bench/side_by_side.sh can pair
the lines and print ratios measured in one run on one machine.

Components (fp32, torch.no_grad, median of --repeat after one warm-up):
  text encoder, 2 prompts              CLIPTextModel on 2 x 77 ids
  unet step, batch 2, LxL              UNet2DConditionModel, diffusers' default attention processor
  unet step, 2xF frames, cross-frame   the same UNet with TextToVideoZero's CrossFrameAttnProcessor(batch_size=2)
  vae decode, 1 x LxL                  AutoencoderKL.decode
  controlnet, batch 2, LxL             ControlNetModel (with --controlnet)
  job                                  TextToVideoZeroPipeline, DDIM, F frames, the bundle's native size (--job)

Run it with Debian 13's python3-torch (2.6) and diffusers v0.27.2's sources on PYTHONPATH (tools/bench/README.md);
transformers is not in Debian: tools/reference/shim stands in for CLIPTextModel/CLIPTokenizer (the same
layers; verified against the public reference's text-encoder cases by make_reference_extra.py).
"""
import argparse
import os
import resource
import statistics
import sys
import time

import safetensors.torch  # noqa: F401  (diffusers reads safetensors.torch without importing it; transformers would)
import torch

from diffusers import AutoencoderKL, ControlNetModel, DDIMScheduler, TextToVideoZeroPipeline, UNet2DConditionModel
from diffusers.models.attention_processor import AttnProcessor2_0
from diffusers.pipelines.text_to_video_synthesis.pipeline_text_to_video_zero import CrossFrameAttnProcessor
from transformers import CLIPTextModel, CLIPTokenizer


def median_seconds(fn, repeat):
    fn()  # warm-up: allocator, oneDNN primitive caches
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def line(name, seconds):
    print(f"{name:<44} {seconds * 1000:>12.1f}   peak RSS {peak_rss_mb():.0f} MB", flush=True)


def print_blas_rate():
    """Debian's torch multiplies through whatever libblas.so.3 the system selects: the reference BLAS (what
    --no-install-recommends leaves) is ~20x slower than OpenBLAS and would make every linear layer the anchor's
    bottleneck, so the rate is printed and a slow one refused."""
    a = torch.randn(1024, 1024)
    a @ a
    t = time.perf_counter()
    for _ in range(3):
        a @ a
    rate = 3 * 2 * 1024 ** 3 / (time.perf_counter() - t) / 1e9
    print(f"blas     matmul 1024^2 {rate:.0f} GFLOP/s", flush=True)
    if rate < 10:
        sys.exit("the BLAS behind this torch is the reference one: install libopenblas0-pthread (tools/bench/README.md)")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bundle", required=True, help="diffusers folder (e.g. models/sd15-random)")
    ap.add_argument("--controlnet", help="ControlNet folder (e.g. models/sd15-controlnet-random)")
    ap.add_argument("--latent", type=int, default=32)
    ap.add_argument("--frames", type=int, default=8)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--components", default="text,unet,crossframe,vae,controlnet")
    ap.add_argument("--job", action="store_true", help="instead: one whole text-to-video job on --bundle")
    ap.add_argument("--steps", type=int, default=50)
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    wanted = set(args.components.split(","))
    lat, frames = args.latent, args.frames
    print(f"engine   PyTorch {torch.__version__}, diffusers {__import__('diffusers').__version__}, "
          f"{torch.get_num_threads()} threads", flush=True)
    print(f"load     {' '.join(f'{x:.2f}' for x in os.getloadavg())} (1/5/15 min load average at start)")
    print_blas_rate()

    with torch.no_grad():
        if args.job:
            job(args)
            return
        unet = UNet2DConditionModel.from_pretrained(args.bundle, subfolder="unet").eval()
        te = CLIPTextModel.from_pretrained(args.bundle, subfolder="text_encoder").eval()
        tok = CLIPTokenizer.from_pretrained(args.bundle, subfolder="tokenizer")
        vae = AutoencoderKL.from_pretrained(args.bundle, subfolder="vae").eval()
        cross = unet.config.cross_attention_dim
        print(f"loaded   peak RSS {peak_rss_mb():.0f} MB\n")
        print(f"{'component':<44} {'median ms':>12}")
        t = torch.tensor(500)
        if "text" in wanted:
            ids = tok(["a horse galloping on a street", ""], padding="max_length", max_length=77,
                      truncation=True, return_tensors="pt").input_ids
            line("text encoder, 2 prompts", median_seconds(lambda: te(ids), args.repeat))
        if "unet" in wanted:
            unet.set_attn_processor(AttnProcessor2_0())  # diffusers' default on torch 2
            x, h = torch.randn(2, 4, lat, lat), torch.randn(2, 77, cross)
            line(f"unet step, batch 2, {lat}x{lat}", median_seconds(lambda: unet(x, t, h), args.repeat))
        if "crossframe" in wanted:
            unet.set_attn_processor(CrossFrameAttnProcessor(batch_size=2))
            x, h = torch.randn(2 * frames, 4, lat, lat), torch.randn(2 * frames, 77, cross)
            line(f"unet step, 2x{frames} frames, cross-frame",
                 median_seconds(lambda: unet(x, t, h), args.repeat))
            unet.set_attn_processor(AttnProcessor2_0())
        if "vae" in wanted:
            z = torch.randn(1, 4, lat, lat)
            line(f"vae decode, 1 x {lat}x{lat}", median_seconds(lambda: vae.decode(z), args.repeat))
        if "controlnet" in wanted and args.controlnet:
            cn = ControlNetModel.from_pretrained(args.controlnet).eval()
            x, h = torch.randn(2, 4, lat, lat), torch.randn(2, 77, cross)
            cond = torch.rand(2, 3, 8 * lat, 8 * lat)
            line(f"controlnet, batch 2, {lat}x{lat}",
                 median_seconds(lambda: cn(x, t, h, controlnet_cond=cond), args.repeat))


def job(args):
    """One default text-to-video job, as our `--job` runs it (DDIM, t0/t1 44/47 at 50 steps, native size)."""
    pipe = TextToVideoZeroPipeline(
        vae=AutoencoderKL.from_pretrained(args.bundle, subfolder="vae").eval(),
        text_encoder=CLIPTextModel.from_pretrained(args.bundle, subfolder="text_encoder").eval(),
        tokenizer=CLIPTokenizer.from_pretrained(args.bundle, subfolder="tokenizer"),
        unet=UNet2DConditionModel.from_pretrained(args.bundle, subfolder="unet").eval(),
        scheduler=DDIMScheduler.from_pretrained(args.bundle, subfolder="scheduler"),
        safety_checker=None, feature_extractor=None, requires_safety_checker=False)
    pipe.set_progress_bar_config(disable=True)
    start = time.perf_counter()
    frames = pipe(prompt="a horse galloping on a street", video_length=args.frames,
                  num_inference_steps=args.steps, generator=torch.Generator().manual_seed(0),
                  output_type="np").images
    seconds = time.perf_counter() - start
    print(f"{'job':<44} {seconds * 1000:>12.1f}   peak RSS {peak_rss_mb():.0f} MB ({len(frames)} frames "
          f"{frames[0].shape[1]}x{frames[0].shape[0]}, {args.steps} steps)", flush=True)


if __name__ == "__main__":
    sys.exit(main())
