"""Golden cases for timestep_spacing "trailing" at step counts where numpy's arange yields one more timestep than
asked for, the last one being -1 (1000 training steps: 61, 122, ...): diffusers 0.27.2 keeps that entry and runs it
(DDIM and PNDM (PLMS, skip_prk_steps as in SD 1.5's config) index alphas_cumprod[-1] python-style and step to the
final alpha).

DPM-Solver++ (dpmsolver++, order 2, midpoint) with trailing spacing is there too, at those step counts and at 20. Its
float32 chain is only as exact as its own rounding: h = lambda_t - lambda_s is a difference of two float32 logs (up to
about 7) while h is about 0.1-0.5, so a 1-ulp difference in log (libm vs torch's vectorised log, one build or another)
becomes ~1e-6 of h, and samples reach |x| = 30-50 early in these chains: two correct float32 implementations differ
by several 1e-5. So each DPM case's atol is derived from diffusers itself: the same chain run in float64 (every
0-d coefficient and tensor; see float64_chain), atol = max(ATOL, 2 x the largest |float32 - float64| of that
output). PNDM's chains ending on -1 get the same: like DDIM's, that step multiplies the sample by
sqrt(alpha_final / alphas_cumprod[999]) = 14.6, and PNDM's sample carries more rounding into it (its 4-step history);
the DDIM chains keep ATOL. (Measured when these were made: diffusers' float32 chains are 4.0e-5, 7.3e-5 and
8.0e-5 from the float64 ones at 20, 61 and 122 steps, our Java chains 2.7e-5, 5.5e-5 and 6.1e-5; PNDM: diffusers'
2.5e-5, 5.6e-4 and 1.2e-3, ours 1.8e-5, 4.1e-4 and 1.0e-3.)

Writes src/test/resources/reference-trailing in the format of ../shared/reference (manifest.json, cases/*.safetensors,
models/schedulers/<kind>/scheduler_config.json), step_chain cases only, checked by the same SchedulerParity checker.
Needs diffusers 0.27.2 sources on PYTHONPATH and a torch (Debian 13's torch 2.6 was used: see tools/bench/README.md):

    PYTHONPATH=/tmp/refenv/src python3 tools/reference/make_trailing_reference.py
"""
import json
import os

import diffusers
import diffusers.schedulers.scheduling_dpmsolver_multistep as dpm_module
import numpy as np
import torch
from diffusers import DDIMScheduler, DPMSolverMultistepScheduler, PNDMScheduler
from safetensors.torch import save_file

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHARED = os.path.join(REPO, "..", "shared", "reference")
OUT = os.path.join(REPO, "src", "test", "resources", "reference-trailing")
RTOL = 1e-5    # the scheduler kind's rtol in the shared set
# atol: twice the shared set's scheduler floor (1e-5). The step at timestep -1 divides by sqrt(alphas_cumprod[999])
# = 0.068, which amplifies float32 rounding 15x: on a 62-step chain of random model outputs the last step differs by
# up to 1.3e-5 while every earlier step stays below 1e-5.
ATOL = 2e-5


def chain(s, n, seed, dtype=torch.float32):
    s.set_timesteps(n)
    g = torch.Generator().manual_seed(seed)
    initial_noise = torch.randn((2, 4, 8, 8), generator=g).to(dtype)
    model_outputs = torch.randn((len(s.timesteps), 2, 4, 8, 8), generator=g).to(dtype)
    sample = initial_noise * s.init_noise_sigma
    initial_sample = sample
    scaled, prev = [], []
    for i, t in enumerate(s.timesteps):
        scaled.append(s.scale_model_input(sample, t))
        out = s.step(model_outputs[i], t, sample)
        prev.append(out.prev_sample)
        sample = out.prev_sample
    params = {"what": "step_chain", "num_inference_steps": n, "init_noise_sigma": float(s.init_noise_sigma),
              "noise_order": [], "noise_count": 0, "seed": seed,
              "timesteps_count": len(s.timesteps), "last_timestep": int(s.timesteps[-1]),
              "semantics": "sample_0 = initial_sample = initial_noise * init_noise_sigma; for step i: "
                           "scaled_model_inputs[i] = scale_model_input(sample_i, timesteps[i]); sample_{i+1} = "
                           "prev_samples[i] = step(model_outputs[i], timesteps[i], sample_i)"}
    inputs = {"initial_noise": initial_noise, "model_outputs": model_outputs}
    outputs = {"timesteps": s.timesteps, "initial_sample": initial_sample, "scaled_model_inputs": torch.stack(scaled),
               "prev_samples": torch.stack(prev)}
    return params, inputs, outputs


class _Float64Torch:
    """torch, except that torch.float32 reads as float64: DPMSolverMultistepScheduler.step upcasts its sample with
    sample.to(torch.float32); in the float64 reference run that must keep float64."""

    def __getattr__(self, name):
        return torch.float64 if name == "float32" else getattr(torch, name)


def float64_chain(cls, config, n, seed):
    """diffusers' own chain with every tensor and 0-d coefficient in float64: the schedule (betas, alphas_cumprod and,
    for DPM-Solver++, alpha_t/sigma_t/lambda_t and the np.interp sigmas) recomputed in float64, the inputs (the same
    draws) widened, and DPM-Solver++'s float32 upcast in step read as float64. Its outputs are float64."""
    s = cls.from_config(config)
    c = s.config
    if c.beta_schedule == "scaled_linear":
        s.betas = torch.linspace(c.beta_start ** 0.5, c.beta_end ** 0.5, c.num_train_timesteps, dtype=torch.float64) ** 2
    elif c.beta_schedule == "linear":
        s.betas = torch.linspace(c.beta_start, c.beta_end, c.num_train_timesteps, dtype=torch.float64)
    else:
        raise ValueError(f"float64_chain: beta_schedule {c.beta_schedule} not rebuilt in float64")
    s.alphas = 1.0 - s.betas
    s.alphas_cumprod = torch.cumprod(s.alphas, dim=0)
    if cls is PNDMScheduler:
        s.final_alpha_cumprod = torch.tensor(1.0, dtype=torch.float64) if c.set_alpha_to_one else s.alphas_cumprod[0]
        return chain(s, n, seed, torch.float64)
    if cls is not DPMSolverMultistepScheduler:
        raise ValueError(f"float64_chain: {cls.__name__} not rebuilt in float64")
    s.alpha_t = torch.sqrt(s.alphas_cumprod)
    s.sigma_t = torch.sqrt(1 - s.alphas_cumprod)
    s.lambda_t = torch.log(s.alpha_t) - torch.log(s.sigma_t)
    set_float32 = s.set_timesteps

    def set_timesteps(num_inference_steps):
        set_float32(num_inference_steps)
        train = (((1 - s.alphas_cumprod) / s.alphas_cumprod) ** 0.5).numpy()
        sigmas = np.interp(s.timesteps.numpy(), np.arange(0, len(train)), train)
        last = 0.0 if s.config.final_sigmas_type == "zero" else float(train[0])
        s.sigmas = torch.from_numpy(np.concatenate([sigmas, [last]]))

    s.set_timesteps = set_timesteps
    saved = dpm_module.torch
    dpm_module.torch = _Float64Torch()
    try:
        return chain(s, n, seed, torch.float64)
    finally:
        dpm_module.torch = saved


def tensor(t):
    t = torch.as_tensor(t).detach().contiguous()
    return t.float() if t.dtype in (torch.float64, torch.float16) else t


def main():
    torch.set_num_threads(1)
    with open(os.path.join(SHARED, "models", "schedulers", "pndm", "scheduler_config.json")) as f:
        sd15 = json.load(f)   # Stable Diffusion 1.5's scheduler config, as a user's bundle carries it
    classes = {"ddim_trailing": DDIMScheduler, "pndm_trailing": PNDMScheduler,
               "dpmpp_trailing": DPMSolverMultistepScheduler}
    configs = {kind: cls.from_config(sd15, timestep_spacing="trailing").config for kind, cls in classes.items()}
    os.makedirs(os.path.join(OUT, "cases"), exist_ok=True)
    for kind, config in configs.items():
        classes[kind].from_config(config).save_config(os.path.join(OUT, "models", "schedulers", kind))
    manifest = {"format_version": 1, "set": "trailing", "generator": "tools/reference/make_trailing_reference.py",
                "libraries": {"diffusers": diffusers.__version__, "torch": torch.__version__,
                              "numpy": np.__version__},
                "models": {"schedulers": "models/schedulers"}, "device": "cpu", "dtype": "float32",
                "tolerance_rule": "pass if |java - ref| <= atol + rtol * |ref| elementwise (numpy.allclose "
                                  "convention); DDIM chains on 8x8 tensors: atol 2e-5 (see ATOL in the "
                                  "generator), rtol 1e-5; DPM-Solver++ and PNDM chains: atol per output = max(2e-5, 2 x "
                                  "that output's |float32 - float64| in diffusers' own chain), rtol 1e-5; "
                                  "integer timesteps must match exactly.",
                "cases": []}
    cases = [("ddim_trailing", 61, 501), ("ddim_trailing", 122, 502), ("ddim_trailing", 20, 503),
             ("dpmpp_trailing", 61, 511), ("dpmpp_trailing", 122, 512), ("dpmpp_trailing", 20, 513),
             ("pndm_trailing", 61, 521), ("pndm_trailing", 122, 522), ("pndm_trailing", 20, 523)]
    for kind, n, seed in cases:
        params, inputs, outputs = chain(classes[kind].from_config(configs[kind]), n, seed)
        params["scheduler"] = kind
        name = f"scheduler_chain_{kind}_{n}"
        tensors = {k: tensor(v) for k, v in {**inputs, **outputs}.items()}
        atol = {k: ATOL for k in outputs}
        if not kind.startswith("ddim"):
            _, _, exact = float64_chain(classes[kind], configs[kind], n, seed)
            assert torch.equal(exact["timesteps"], outputs["timesteps"])
            for k in outputs:
                if outputs[k].is_floating_point():
                    spread = float((outputs[k].double() - exact[k]).abs().max())
                    atol[k] = max(ATOL, 2 * spread)
            params["float32_vs_float64"] = {k: atol[k] / 2 for k in outputs if atol[k] > ATOL}
        entry = {"name": name, "kind": "scheduler", "file": f"cases/{name}.safetensors",
                 "model": f"models/schedulers/{kind}", "params": params,
                 "inputs": list(inputs), "outputs": list(outputs),
                 "shapes": {k: list(v.shape) for k, v in tensors.items()},
                 "dtypes": {k: str(v.dtype).replace("torch.", "") for k, v in tensors.items()},
                 "atol": max(atol.values()), "rtol": RTOL,
                 "max_abs_outputs": {k: float(tensors[k].abs().max()) for k in outputs},
                 "atol_per_output": atol}
        save_file(tensors, os.path.join(OUT, entry["file"]), metadata={"case": name, "kind": "scheduler"})
        manifest["cases"].append(entry)
        print(name, len(outputs["timesteps"]), "timesteps, last", int(outputs["timesteps"][-1]), "atol", atol)
    with open(os.path.join(OUT, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
