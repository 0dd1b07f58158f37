#!/usr/bin/env bash
# Side by side in one run on one machine: our Benchmark, then diffusers 0.27.2 (Debian 13's PyTorch 2.6, in a chroot)
# on the same random-weight SD 1.5 bundle, then a table of the two medians and their ratio per component.
# Usage (from the repository root; set-up in tools/bench/README.md):
#   tools/bench/side_by_side.sh [components|job] [repeat] [component list, e.g. text,unet,vae]
# T2V_BENCH_SIZE="--latent 64" (or --frames N) is passed to both sides (default: 32x32 latents, 8 frames).
set -euo pipefail
what=${1:-components}
repeat=${2:-3}
only=${3:-}                                              # both sides' --components (default: all of each)
size=${T2V_BENCH_SIZE:-}                                 # e.g. "--latent 64": both sides
chroot_dir=${T2V_BENCH_CHROOT:-/srv/trixie}
refenv=${T2V_BENCH_DIFFUSERS:-/tmp/refenv/src}          # diffusers v0.27.2 (+ huggingface_hub) sources
repo=$(pwd)
out=target/side-by-side
mkdir -p "$out"
# OpenBLAS tuning variables set by this environment slow Debian's torch: a fair anchor runs without them
unset OPENBLAS_CORETYPE OPENBLAS_L2_SIZE

if [ "$what" = job ]; then
  # the demo preset: the app's demo bundle dimensions (SD 1.5 layout, small), written once by our Benchmark
  ours_args="--preset demo --models models --job"
  theirs_args="--bundle $repo/models/demo-random --job"
else
  ours_args="--preset sd15 --models models --repeat $repeat${only:+ --components $only}${size:+ $size}"
  theirs_args="--bundle $repo/models/sd15-random --controlnet $repo/models/sd15-controlnet-random --repeat $repeat${only:+ --components $only}${size:+ $size}"
fi

echo "== t2vzero =="
./mvnw -q compile exec:exec@benchmark -Dargs="$ours_args" | tee "$out/ours.txt"

echo "== diffusers 0.27.2 =="
mkdir -p "$chroot_dir$repo" "$chroot_dir$refenv"
mountpoint -q "$chroot_dir/proc" || mount -t proc proc "$chroot_dir/proc"     # torch reads /proc/cpuinfo
mountpoint -q "$chroot_dir$repo" || mount --bind "$repo" "$chroot_dir$repo"
mountpoint -q "$chroot_dir$refenv" || mount --bind "$refenv" "$chroot_dir$refenv"
# only the transformers stand-in from tools/reference/shim: Debian 13 has the real safetensors
mkdir -p "$out/pyshim"
for f in "$repo"/tools/reference/shim/transformers*; do ln -sfn "$f" "$out/pyshim/$(basename "$f")"; done
chroot "$chroot_dir" env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \
    PYTHONPATH="$refenv:$repo/$out/pyshim" \
    /usr/bin/python3 "$repo/tools/bench/diffusers_components.py" $theirs_args | tee "$out/diffusers.txt"

echo "== ratio (t2vzero / diffusers, this run) =="
python3 - "$out/ours.txt" "$out/diffusers.txt" <<'PY'
import re, sys
def medians(path, ours):
    found = {}
    for line in open(path):
        m = re.match(r"(\S.*?)\s{2,}(\d+\.\d)\b", line) if not line.startswith(" ") else None
        if m and m.group(1) not in ("component",):
            found[m.group(1).strip()] = float(m.group(2))
        t = re.match(r"\s+total\s+(\d+\.\d) ms", line)
        if t and ours:
            found["job"] = float(t.group(1))
    return found
a, b = medians(sys.argv[1], True), medians(sys.argv[2], False)
print(f"{'work':<44} {'t2vzero ms':>11} {'diffusers ms':>13} {'ratio':>7}")
for name, ms in a.items():
    if name in b:
        print(f"{name:<44} {ms:>11.1f} {b[name]:>13.1f} {ms / b[name]:>7.2f}")
PY
