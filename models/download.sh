#!/usr/bin/env bash
# Downloads the files of a Hugging Face diffusers repo that t2vzero reads (configs, tokenizer, safetensors).
# Usage: models/download.sh <owner/repo> <target dir> [--fp16] [--revision REV]
# Needs internet access (run it where the models volume is prepared, not in the service).
set -euo pipefail
repo="${1:?usage: download.sh <owner/repo> <target dir> [--fp16] [--revision REV]}"
target="${2:?target dir}"
shift 2
variant=""
revision="main"
while [ $# -gt 0 ]; do
  case "$1" in
    --fp16) variant="fp16" ;;
    --revision) revision="$2"; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
patterns=("*.json" "*.txt")
if [ -n "$variant" ]; then patterns+=("*.${variant}.safetensors"); else patterns+=("*.safetensors"); fi

if command -v huggingface-cli >/dev/null 2>&1; then
  args=()
  for p in "${patterns[@]}"; do args+=(--include "$p"); done
  huggingface-cli download "$repo" --revision "$revision" --local-dir "$target" "${args[@]}"
  exit 0
fi

# plain curl: list the repo's files through the Hub API, keep the ones the service reads
api="https://huggingface.co/api/models/${repo}/tree/${revision}?recursive=true"
files=$(curl -fsSL "$api" | python3 -c '
import json, sys, fnmatch
pats = sys.argv[1:]
for e in json.load(sys.stdin):
    if e.get("type") == "file" and any(fnmatch.fnmatch(e["path"].split("/")[-1], p) for p in pats):
        print(e["path"])' "${patterns[@]}")
for f in $files; do
  mkdir -p "$target/$(dirname "$f")"
  echo "fetching $f"
  curl -fL --retry 3 -o "$target/$f.part" "https://huggingface.co/${repo}/resolve/${revision}/${f}"
  mv "$target/$f.part" "$target/$f"
done
