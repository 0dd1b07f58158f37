#!/usr/bin/env python3
"""Test checkpoints for the .bin / single-file loaders, made by torch itself (issue 13).

Run with Debian's python3-torch 1.13 (no safetensors / diffusers wheels needed):

    git -C <diffusers checkout> show v0.27.2:scripts/convert_diffusers_to_original_stable_diffusion.py > /tmp/convert.py
    /usr/bin/python3 tools/reference/make_checkpoints.py --mini ../shared/reference/models/sd15-mini \
        --convert-script /tmp/convert.py --out src/test/resources/checkpoints

What it writes (see tools/reference/README.md):
  micro/                 a diffusers bundle (fp16 safetensors), the reference's sd15-mini shrunk 8x in every channel
                         dimension (its tensors sliced; configs adjusted) so that all files stay small
  micro-bin/             the same weights as PyTorch .bin files: unet sharded (index.json), vae with both a .bin
                         (negated weights: must NOT be read) and the right .safetensors, text_encoder pytorch_model.bin
  micro-controlnet[-bin]/ controlnet-mini shrunk the same way, safetensors and torch.save .bin
  micro.ckpt             diffusers' convert_diffusers_to_original_stable_diffusion.py output (torch.save, zip)
  micro.safetensors      the same script with --use_safetensors
  micro-ema.ckpt         micro.ckpt plus model_ema.* (negated UNet weights), LDM schedule buffers and
                         Lightning-style top-level entries; diffusers 0.27.2's from_single_file ignores the EMA copy
  <stem>.config/         unet/vae/text_encoder config.json beside each single file (the micro architecture)
  reader/dtypes.pt + dtypes.expected.safetensors   float32/16, bfloat16, int64/32, views, strides, shared storage
  reader/module.pt       nn.Module.state_dict() (OrderedDict with _metadata: BUILD), nn.Parameter values
  reader/legacy.pt       torch.save(..., _use_new_zipfile_serialization=False): must be refused
  hostile/*.pt           os.system payload, unknown global, truncated zip, offset past data, 10 GB declared size
"""
import argparse
import collections
import io
import json
import os
import pickle
import shutil
import struct
import subprocess
import sys
import tempfile
import zipfile

import torch

MARKER = "/tmp/t2vzero-pickle-rce-marker"

# ---------------------------------------------------------------- safetensors, pure python (format of the reference)
ST_DTYPES = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16, "I64": torch.int64,
             "I32": torch.int32, "F64": torch.float64}
ST_NAMES = {v: k for k, v in ST_DTYPES.items()}


def st_load(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = collections.OrderedDict()
    for k, v in header.items():
        if k == "__metadata__":
            continue
        b, e = v["data_offsets"]
        dt = ST_DTYPES[v["dtype"]]
        t = torch.frombuffer(bytearray(data[b:e]), dtype=dt) if e > b else torch.empty(0, dtype=dt)
        out[k] = t.reshape(v["shape"]).clone()
    return out


def st_save(tensors, path, metadata=None):
    items = sorted(tensors.items(), key=lambda kv: (-kv[1].element_size(), kv[0]))
    header, blobs, off = {}, [], 0
    for k, t in items:
        t = t.contiguous()
        raw = t.reshape(-1).view(torch.uint8).numpy().tobytes() if t.numel() else b""
        header[k] = {"dtype": ST_NAMES[t.dtype], "shape": list(t.shape), "data_offsets": [off, off + len(raw)]}
        blobs.append(raw)
        off += len(raw)
    if metadata:
        header["__metadata__"] = metadata
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - (8 + len(h)) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


# a `safetensors.torch` stand-in so that diffusers' conversion script runs unmodified
SHIM = '''
import importlib.util, os
_spec = importlib.util.spec_from_file_location("mk", os.environ["MAKE_CHECKPOINTS"])
_mk = importlib.util.module_from_spec(_spec); _spec.loader.exec_module(_mk)
def load_file(path, device="cpu"):
    return _mk.st_load(path)
def save_file(tensors, path, metadata=None):
    _mk.st_save(tensors, path, metadata)
'''

# ---------------------------------------------------------------- micro family: sd15-mini / 8 in every channel dim
COMPONENTS = {"unet": "diffusion_pytorch_model.safetensors", "vae": "diffusion_pytorch_model.safetensors",
              "text_encoder": "model.safetensors"}


def micro_shape(key, shape):
    # every sd15-mini channel dimension is a multiple of 16 (32, 64, 96, 128, 256, 512); the others (4 latent or
    # input channels, 3 kernel/RGB, 8 = 2 x latent, 1, 37 CLIP MLP, 77 positions, 49408 vocabulary) are kept
    return [d if (d < 16 or d % 16 or (key.endswith("token_embedding.weight") and i == 0)) else d // 8
            for i, d in enumerate(shape)]


def micro_configs(mini):
    cfg = {c: json.load(open(os.path.join(mini, c, "config.json"))) for c in COMPONENTS}
    u = cfg["unet"]
    u["block_out_channels"] = [c // 8 for c in u["block_out_channels"]]
    u["cross_attention_dim"] = u["cross_attention_dim"] // 8
    u["attention_head_dim"] = 2
    u["norm_num_groups"] = 4
    v = cfg["vae"]
    v["block_out_channels"] = [c // 8 for c in v["block_out_channels"]]
    v["norm_num_groups"] = 4
    t = cfg["text_encoder"]
    t["hidden_size"] = t["hidden_size"] // 8
    t["projection_dim"] = t["projection_dim"] // 8
    t["num_attention_heads"] = 2
    return cfg


def write_configs(cfg, folder):
    for c, conf in cfg.items():
        os.makedirs(os.path.join(folder, c), exist_ok=True)
        with open(os.path.join(folder, c, "config.json"), "w") as f:
            json.dump(conf, f, indent=2)


def make_micro(mini, out):
    cfg = micro_configs(mini)
    bundle = os.path.join(out, "micro")
    write_configs(cfg, bundle)
    shutil.copy(os.path.join(mini, "model_index.json"), bundle)
    os.makedirs(os.path.join(bundle, "scheduler"), exist_ok=True)
    shutil.copy(os.path.join(mini, "scheduler", "scheduler_config.json"), os.path.join(bundle, "scheduler"))
    sds = {}
    for c, f in COMPONENTS.items():
        sd = st_load(os.path.join(mini, c, f))
        micro = collections.OrderedDict()
        for k, t in sd.items():
            s = micro_shape(k, list(t.shape))
            micro[k] = t[tuple(slice(0, n) for n in s)].contiguous().half() if t.dim() else t.half()
        st_save(micro, os.path.join(bundle, c, f), {"format": "pt"})
        sds[c] = micro
    return cfg, sds


def make_bin_bundle(cfg, sds, out):
    b = os.path.join(out, "micro-bin")
    write_configs(cfg, b)
    # unet: two .bin shards + index, as transformers/diffusers save_pretrained(max_shard_size=...) writes them
    keys = list(sds["unet"].keys())
    half = len(keys) // 2
    shards = {"diffusion_pytorch_model-00001-of-00002.bin": keys[:half],
              "diffusion_pytorch_model-00002-of-00002.bin": keys[half:]}
    weight_map = {}
    for name, ks in shards.items():
        torch.save(collections.OrderedDict((k, sds["unet"][k]) for k in ks), os.path.join(b, "unet", name))
        weight_map.update({k: name for k in ks})
    with open(os.path.join(b, "unet", "diffusion_pytorch_model.bin.index.json"), "w") as f:
        json.dump({"metadata": {"total_size": sum(t.numel() * t.element_size() for t in sds["unet"].values())},
                   "weight_map": weight_map}, f, indent=2)
    # vae: both files; the .bin holds negated weights, so reading it instead of the .safetensors shows in the test
    st_save(sds["vae"], os.path.join(b, "vae", "diffusion_pytorch_model.safetensors"), {"format": "pt"})
    torch.save(collections.OrderedDict((k, -v) for k, v in sds["vae"].items()),
               os.path.join(b, "vae", "diffusion_pytorch_model.bin"))
    torch.save(sds["text_encoder"], os.path.join(b, "text_encoder", "pytorch_model.bin"))


def make_controlnet(controlnet_mini, out):
    """controlnet-mini shrunk like the micro family, as safetensors and as a torch.save .bin (a ControlNet repo)."""
    conf = json.load(open(os.path.join(controlnet_mini, "config.json")))
    conf["block_out_channels"] = [c // 8 for c in conf["block_out_channels"]]
    conf["conditioning_embedding_out_channels"] = [c // 8 for c in conf["conditioning_embedding_out_channels"]]
    conf["cross_attention_dim"] = conf["cross_attention_dim"] // 8
    conf["attention_head_dim"] = 2
    conf["norm_num_groups"] = 4
    sd = st_load(os.path.join(controlnet_mini, "diffusion_pytorch_model.safetensors"))
    micro = collections.OrderedDict(
        (k, t[tuple(slice(0, n) for n in micro_shape(k, list(t.shape)))].contiguous().half()) for k, t in sd.items())
    for name, writer in (("micro-controlnet", lambda d: st_save(micro, os.path.join(d, "diffusion_pytorch_model.safetensors"),
                                                                   {"format": "pt"})),
                         ("micro-controlnet-bin", lambda d: torch.save(micro, os.path.join(d, "diffusion_pytorch_model.bin")))):
        d = os.path.join(out, name)
        os.makedirs(d)
        with open(os.path.join(d, "config.json"), "w") as f:
            json.dump(conf, f, indent=2)
        writer(d)


def make_single_files(cfg, out, convert_script):
    shim = tempfile.mkdtemp()
    os.makedirs(os.path.join(shim, "safetensors"))
    open(os.path.join(shim, "safetensors", "__init__.py"), "w").close()
    with open(os.path.join(shim, "safetensors", "torch.py"), "w") as f:
        f.write(SHIM)
    env = dict(os.environ, PYTHONPATH=shim, MAKE_CHECKPOINTS=os.path.abspath(__file__))
    src = os.path.join(out, "micro")
    for target, extra in (("micro.ckpt", []), ("micro.safetensors", ["--use_safetensors"])):
        subprocess.run([sys.executable, convert_script, "--model_path", src, "--checkpoint_path",
                        os.path.join(out, target)] + extra, check=True, env=env, stdout=subprocess.DEVNULL)
    shutil.rmtree(shim)
    # EMA variant: the script's checkpoint plus what an LDM training checkpoint carries besides the weights
    ckpt = torch.load(os.path.join(out, "micro.ckpt"))
    sd = ckpt["state_dict"]
    unet_keys = [k for k in sd if k.startswith("model.diffusion_model.")]
    for k in unet_keys:
        sd["model_ema." + "".join(k.split(".")[1:])] = -sd[k]   # flat EMA names, as LDM's LitEma stores them
    sd["model_ema.decay"] = torch.tensor(0.9999)
    sd["model_ema.num_updates"] = torch.tensor(1000, dtype=torch.int32)
    betas = torch.linspace(0.00085 ** 0.5, 0.012 ** 0.5, 1000, dtype=torch.float64) ** 2
    sd["betas"] = betas.float()
    sd["alphas_cumprod"] = torch.cumprod(1 - betas, 0).float()
    sd["cond_stage_model.transformer.text_model.embeddings.position_ids"] = torch.arange(77).unsqueeze(0)
    torch.save({"epoch": 1, "global_step": 1000, "pytorch-lightning_version": "1.4.2", "state_dict": sd},
               os.path.join(out, "micro-ema.ckpt"))
    for stem in ("micro", "micro-ema"):
        write_configs(cfg, os.path.join(out, stem + ".config"))


# ---------------------------------------------------------------- reader fixtures
def make_reader_fixtures(out):
    d = os.path.join(out, "reader")
    os.makedirs(d, exist_ok=True)
    g = torch.Generator().manual_seed(13)
    base = torch.randn(3, 4, generator=g)
    shared = torch.randn(10, generator=g)
    sd = collections.OrderedDict()
    sd["f32"] = torch.randn(2, 3, generator=g)
    sd["f16"] = torch.randn(2, 3, generator=g).half()
    sd["bf16"] = torch.randn(5, generator=g).bfloat16()
    sd["i64"] = torch.tensor([[1, -2, 3], [2 ** 40, 5, -6]], dtype=torch.int64)
    sd["i32"] = torch.tensor([7, -8, 9], dtype=torch.int32)
    sd["scalar"] = torch.tensor(2.5)
    sd["row_view"] = base[1]                     # storage offset 4, contiguous
    sd["transposed"] = base.t()                  # stride (1, 4): not contiguous
    sd["strided"] = base[:, ::2]                 # stride (4, 2)
    sd["shared_a"] = shared[2:6]                 # both views of one storage
    sd["shared_b"] = shared.view(2, 5)
    sd["conv_1x1"] = torch.randn(3, 3, generator=g).reshape(3, 3, 1, 1)
    sd["empty"] = torch.zeros(0, 3)
    torch.save(sd, os.path.join(d, "dtypes.pt"))
    st_save(collections.OrderedDict((k, v.contiguous()) for k, v in sd.items()),
            os.path.join(d, "dtypes.expected.safetensors"))

    torch.manual_seed(13)
    m = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.LayerNorm(2))
    torch.save(m.state_dict(), os.path.join(d, "module.pt"))        # OrderedDict + _metadata (BUILD)
    torch.save({"weight": torch.nn.Parameter(torch.ones(2, 2))}, os.path.join(d, "parameter.pt"))
    st_save({k: v.contiguous() for k, v in m.state_dict().items()}, os.path.join(d, "module.expected.safetensors"))
    torch.save({"w": torch.ones(2)}, os.path.join(d, "legacy.pt"), _use_new_zipfile_serialization=False)


class _Storage:
    def __init__(self, key, numel, kind=torch.FloatStorage):
        self.key, self.numel, self.kind = key, numel, kind


class _Tensor:
    """Pickles as torch does: torch._utils._rebuild_tensor_v2(storage, offset, size, stride, False, OrderedDict())."""

    def __init__(self, storage, offset, size, stride):
        self.args = (storage, offset, size, stride, False, collections.OrderedDict())

    def __reduce__(self):
        return torch._utils._rebuild_tensor_v2, self.args


class _TorchPickler(pickle.Pickler):
    def persistent_id(self, obj):
        if isinstance(obj, _Storage):
            return "storage", obj.kind, obj.key, "cpu", obj.numel
        return None


class _System:
    def __reduce__(self):
        return os.system, ("touch " + MARKER,)


def torch_zip(path, obj, storages):
    """A zip laid out as torch.save writes it (archive/data.pkl, archive/data/<key>, archive/version)."""
    buf = io.BytesIO()
    _TorchPickler(buf, protocol=2).dump(obj)
    def entry(name):
        return zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))   # fixed: the files are reproducible
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        z.writestr(entry("archive/data.pkl"), buf.getvalue())
        for key, raw in storages.items():
            z.writestr(entry("archive/data/" + key), raw)
        z.writestr(entry("archive/version"), "3\n")


def make_hostile(out):
    d = os.path.join(out, "hostile")
    os.makedirs(d, exist_ok=True)
    ok = torch.arange(4, dtype=torch.float32).numpy().tobytes()
    # os.system: what a malicious "model.bin" does (GLOBAL posix system + REDUCE); torch.load would run it
    torch.save({"weight": torch.ones(2), "payload": _System()}, os.path.join(d, "os-system.pt"))
    # an unknown global: numpy scalars are common in Lightning checkpoints and are still not a state dict
    import numpy
    torch.save({"weight": torch.ones(2), "step": numpy.int64(3)}, os.path.join(d, "unknown-global.pt"))
    # truncated: the first half of a valid file (no central directory)
    good = os.path.join(d, "good.tmp")
    torch.save({"weight": torch.randn(64, 64)}, good)
    raw = open(good, "rb").read()
    open(os.path.join(d, "truncated.pt"), "wb").write(raw[: len(raw) // 2])
    os.remove(good)
    # a view that starts past the end of its 4-element storage
    torch_zip(os.path.join(d, "offset-past-data.pt"),
              collections.OrderedDict(w=_Tensor(_Storage("0", 4), 100, (2,), (1,))), {"0": ok})
    # a storage declared as 2.5e9 floats (10 GB) whose entry holds 16 bytes
    torch_zip(os.path.join(d, "declared-10gb.pt"),
              collections.OrderedDict(w=_Tensor(_Storage("0", 2_500_000_000), 0, (50_000, 50_000), (50_000, 1))),
              {"0": ok})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mini", required=True, help="the reference's sd15-mini bundle")
    ap.add_argument("--controlnet-mini", help="the reference's controlnet-mini (default: beside --mini)")
    ap.add_argument("--convert-script", required=True,
                    help="diffusers v0.27.2 scripts/convert_diffusers_to_original_stable_diffusion.py")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    if os.path.exists(a.out):
        shutil.rmtree(a.out)
    os.makedirs(a.out)
    cfg, sds = make_micro(a.mini, a.out)
    make_bin_bundle(cfg, sds, a.out)
    make_controlnet(a.controlnet_mini or os.path.join(os.path.dirname(os.path.abspath(a.mini)), "controlnet-mini"), a.out)
    make_single_files(cfg, a.out, a.convert_script)
    make_reader_fixtures(a.out)
    make_hostile(a.out)
    print("torch", torch.__version__, "->", a.out)


if __name__ == "__main__":
    main()
