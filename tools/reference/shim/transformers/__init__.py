"""Minimal stand-in for `transformers` 4.38.2: the slow `CLIPTokenizer` and the `CLIPTextModel` that Stable
Diffusion 1.x pipelines call, nothing else.

Why: the transformers repository is too large to fetch here and is not in Debian 12. What diffusers 0.27.2's
TextToVideoZeroPipeline needs of it is small: `tokenizer(prompts, padding="max_length", max_length=77,
truncation=True, return_tensors="pt").input_ids`, `tokenizer.tokenize`, and `text_encoder(ids)[0]` (the
last hidden state). Both follow transformers 4.38.2 operation by operation (CLIPAttention's eager path: q scaled
before q k^T, additive causal mask of finfo.min, float32 softmax; quick_gelu MLP; pre-LayerNorm blocks) and
make_reference_extra.py checks them against the public reference set's `tokenizer` and `text_encoder` cases
(produced with the real transformers 4.38.2) before generating anything.

Any other name imported from `transformers` (diffusers imports many at module level: CLIPVisionModel,
PreTrainedModel, ...) resolves to a placeholder class that refuses to be instantiated.
"""
import gzip
import html
import json
import os
import unicodedata
from functools import lru_cache

import regex
import torch
from torch import nn

__version__ = "4.38.2+shim"


# ----------------------------------------------------------------------------------------------- tokenizer
@lru_cache()
def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(2 ** 8):
        if b not in bs:
            bs.append(b)
            cs.append(2 ** 8 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs]))


def _is_cjk(cp):
    return (0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0x20000 <= cp <= 0x2A6DF or 0x2A700 <= cp <= 0x2B73F
            or 0x2B740 <= cp <= 0x2B81F or 0x2B820 <= cp <= 0x2CEAF or 0xF900 <= cp <= 0xFAFF
            or 0x2F800 <= cp <= 0x2FA1F)


def _basic_clean(text):
    """transformers' BasicTokenizer(do_lower_case=True, strip_accents=False, do_split_on_punc=False) fallback that
    CLIPTokenizer uses without ftfy: drop control chars, whitespace -> space, pad CJK, NFC, lowercase, split."""
    out = []
    for ch in text:
        cp = ord(ch)
        if cp == 0 or cp == 0xFFFD:
            continue
        cat = unicodedata.category(ch)
        if ch in ("\t", "\n", "\r") or ch == " " or cat == "Zs":
            out.append(" ")
        elif cat.startswith("C"):
            continue
        elif _is_cjk(cp):
            out.append(" " + ch + " ")
        else:
            out.append(ch)
    text = unicodedata.normalize("NFC", "".join(out))
    return " ".join(tok.lower() for tok in text.strip().split())


class BatchEncoding(dict):
    def __getattr__(self, item):
        try:
            return self[item]
        except KeyError as e:
            raise AttributeError(item) from e


class CLIPTokenizer:
    """The slow CLIPTokenizer of transformers 4.38.2 (vocab.json + merges.txt), without ftfy."""

    def __init__(self, vocab_file, merges_file, model_max_length=77):
        with open(vocab_file, encoding="utf-8") as f:
            self.encoder = json.load(f)
        self.decoder = {v: k for k, v in self.encoder.items()}
        with open(merges_file, encoding="utf-8") as f:
            merges = f.read().strip().split("\n")[1: 49152 - 256 - 2 + 1]
        self.bpe_ranks = {tuple(m.split()): i for i, m in enumerate(merges)}
        self.byte_encoder = bytes_to_unicode()
        self.byte_decoder = {v: k for k, v in self.byte_encoder.items()}
        self.cache = {"<|startoftext|>": "<|startoftext|>", "<|endoftext|>": "<|endoftext|>"}
        self.pat = regex.compile(r"""<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+""",
                                 regex.IGNORECASE)
        self.model_max_length = model_max_length
        self.bos_token_id = self.encoder["<|startoftext|>"]
        self.eos_token_id = self.encoder["<|endoftext|>"]
        self.pad_token_id = self.eos_token_id  # pad_token "<|endoftext|>" in SD 1.5's tokenizer config
        self.added_tokens_encoder = {"<|startoftext|>": self.bos_token_id, "<|endoftext|>": self.eos_token_id}

    @classmethod
    def from_pretrained(cls, path, subfolder=None, **kwargs):
        d = os.path.join(path, subfolder) if subfolder else path
        with open(os.path.join(d, "tokenizer_config.json"), encoding="utf-8") as f:
            cfg = json.load(f)
        return cls(os.path.join(d, "vocab.json"), os.path.join(d, "merges.txt"), cfg.get("model_max_length", 77))

    def bpe(self, token):
        if token in self.cache:
            return self.cache[token]
        word = tuple(token[:-1]) + (token[-1] + "</w>",)
        pairs = {(word[i], word[i + 1]) for i in range(len(word) - 1)}
        if not pairs:
            return token + "</w>"
        while True:
            bigram = min(pairs, key=lambda p: self.bpe_ranks.get(p, float("inf")))
            if bigram not in self.bpe_ranks:
                break
            first, second = bigram
            new_word, i = [], 0
            while i < len(word):
                try:
                    j = word.index(first, i)
                except ValueError:
                    new_word.extend(word[i:])
                    break
                new_word.extend(word[i:j])
                i = j
                if word[i] == first and i < len(word) - 1 and word[i + 1] == second:
                    new_word.append(first + second)
                    i += 2
                else:
                    new_word.append(word[i])
                    i += 1
            word = tuple(new_word)
            if len(word) == 1:
                break
            pairs = {(word[i], word[i + 1]) for i in range(len(word) - 1)}
        word = " ".join(word)
        self.cache[token] = word
        return word

    def tokenize(self, text):
        # special tokens are split out first (transformers' added-tokens trie), the rest is cleaned and BPE'd
        out = []
        for piece in regex.split(r"(<\|startoftext\|>|<\|endoftext\|>)", text):
            if piece in self.added_tokens_encoder:
                out.append(piece)
                continue
            for tok in regex.findall(self.pat, _basic_clean(piece)):
                tok = "".join(self.byte_encoder[b] for b in tok.encode("utf-8"))
                out.extend(self.bpe(tok).split(" "))
        return out

    def _ids(self, text):
        return [self.encoder.get(t, self.eos_token_id) for t in self.tokenize(text)]

    def __call__(self, text, padding=False, max_length=None, truncation=False, return_tensors=None):
        texts = [text] if isinstance(text, str) else list(text)
        rows = []
        for t in texts:
            ids = self._ids(t)
            if truncation and max_length is not None:
                ids = ids[: max_length - 2]
            rows.append([self.bos_token_id] + ids + [self.eos_token_id])
        if padding == "max_length":
            length = max_length
        elif padding in ("longest", True):
            length = max(len(r) for r in rows)
        else:
            length = None
        masks = [[1] * len(r) for r in rows]
        if length is not None:
            masks = [m + [0] * (length - len(r)) for m, r in zip(masks, rows)]
            rows = [r + [self.pad_token_id] * (length - len(r)) for r in rows]
        if return_tensors == "pt":
            return BatchEncoding(input_ids=torch.tensor(rows, dtype=torch.long),
                                 attention_mask=torch.tensor(masks, dtype=torch.long))
        return BatchEncoding(input_ids=rows, attention_mask=masks)

    def batch_decode(self, ids):
        out = []
        for row in ids:
            text = "".join(self.decoder[int(i)] for i in row)
            out.append(bytearray(self.byte_decoder[c] for c in text).decode("utf-8", errors="replace")
                       .replace("</w>", " ").strip())
        return out


# --------------------------------------------------------------------------------------------- text model
class _Config:
    def __init__(self, d):
        self.__dict__.update(d)
        self.use_attention_mask = False

    def to_dict(self):
        return dict(self.__dict__)


class CLIPAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.num_heads = c.num_attention_heads
        self.head_dim = c.hidden_size // c.num_attention_heads
        self.scale = self.head_dim ** -0.5
        self.k_proj = nn.Linear(c.hidden_size, c.hidden_size)
        self.v_proj = nn.Linear(c.hidden_size, c.hidden_size)
        self.q_proj = nn.Linear(c.hidden_size, c.hidden_size)
        self.out_proj = nn.Linear(c.hidden_size, c.hidden_size)

    def _shape(self, t, seq, bsz):
        return t.view(bsz, seq, self.num_heads, self.head_dim).transpose(1, 2).contiguous()

    def forward(self, h, causal_mask):
        bsz, tgt, embed = h.size()
        q = self.q_proj(h) * self.scale
        k = self._shape(self.k_proj(h), -1, bsz)
        v = self._shape(self.v_proj(h), -1, bsz)
        shape = (bsz * self.num_heads, -1, self.head_dim)
        q = self._shape(q, tgt, bsz).view(*shape)
        k = k.view(*shape)
        v = v.view(*shape)
        w = torch.bmm(q, k.transpose(1, 2))
        w = w.view(bsz, self.num_heads, tgt, tgt) + causal_mask
        w = w.view(bsz * self.num_heads, tgt, tgt)
        w = nn.functional.softmax(w, dim=-1)
        o = torch.bmm(w, v)
        o = o.view(bsz, self.num_heads, tgt, self.head_dim).transpose(1, 2).reshape(bsz, tgt, embed)
        return self.out_proj(o)


class CLIPMLP(nn.Module):
    def __init__(self, c):
        super().__init__()
        if c.hidden_act != "quick_gelu":
            raise ValueError("shim implements hidden_act quick_gelu only")
        self.fc1 = nn.Linear(c.hidden_size, c.intermediate_size)
        self.fc2 = nn.Linear(c.intermediate_size, c.hidden_size)

    def forward(self, h):
        h = self.fc1(h)
        h = h * torch.sigmoid(1.702 * h)  # transformers' QuickGELUActivation
        return self.fc2(h)


class CLIPEncoderLayer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.self_attn = CLIPAttention(c)
        self.layer_norm1 = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)
        self.mlp = CLIPMLP(c)
        self.layer_norm2 = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)

    def forward(self, h, causal_mask):
        r = h
        h = r + self.self_attn(self.layer_norm1(h), causal_mask)
        r = h
        return r + self.mlp(self.layer_norm2(h))


class CLIPTextEmbeddings(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.token_embedding = nn.Embedding(c.vocab_size, c.hidden_size)
        self.position_embedding = nn.Embedding(c.max_position_embeddings, c.hidden_size)
        self.register_buffer("position_ids", torch.arange(c.max_position_embeddings).expand((1, -1)), persistent=False)

    def forward(self, ids):
        return self.token_embedding(ids) + self.position_embedding(self.position_ids[:, : ids.shape[-1]])


class CLIPEncoder(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.layers = nn.ModuleList([CLIPEncoderLayer(c) for _ in range(c.num_hidden_layers)])


class CLIPTextTransformer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.embeddings = CLIPTextEmbeddings(c)
        self.encoder = CLIPEncoder(c)
        self.final_layer_norm = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)

    def forward(self, ids):
        h = self.embeddings(ids)
        seq = ids.shape[-1]
        # transformers' _create_4d_causal_attention_mask: 0 on and below the diagonal, finfo.min above
        mask = torch.full((seq, seq), torch.finfo(h.dtype).min, dtype=h.dtype)
        cond = torch.arange(seq)
        mask.masked_fill_(cond < (cond + 1).view(seq, 1), 0)
        mask = mask[None, None, :, :].expand(ids.shape[0], 1, seq, seq)
        for layer in self.encoder.layers:
            h = layer(h, mask)
        return self.final_layer_norm(h)


class CLIPTextModel(nn.Module):
    """Returns a tuple whose [0] is the last hidden state (all diffusers' encode_prompt reads)."""

    def __init__(self, config):
        super().__init__()
        self.config = config
        self.text_model = CLIPTextTransformer(config)

    @classmethod
    def from_pretrained(cls, path, subfolder=None, **kwargs):
        from safetensors.torch import load_file
        d = os.path.join(path, subfolder) if subfolder else path
        with open(os.path.join(d, "config.json"), encoding="utf-8") as f:
            model = cls(_Config(json.load(f)))
        state = load_file(os.path.join(d, "model.safetensors"))
        state.pop("text_model.embeddings.position_ids", None)
        missing, unexpected = model.load_state_dict(state, strict=False)
        if missing or unexpected:
            raise ValueError(f"text encoder weights: missing {missing}, unexpected {unexpected}")
        return model.eval()

    @property
    def dtype(self):
        return next(self.parameters()).dtype

    @property
    def device(self):
        return next(self.parameters()).device

    def forward(self, input_ids, attention_mask=None, **kwargs):
        if attention_mask is not None:
            raise ValueError("shim: SD pipelines call the text encoder without an attention mask")
        return (self.text_model(input_ids),)


class CLIPImageProcessor:
    """Unused by TextToVideoZeroPipeline without a safety checker; present for its constructor signature."""


def __getattr__(name):
    if name.startswith("__"):
        raise AttributeError(name)

    def _refuse(self, *a, **k):
        raise NotImplementedError(f"transformers shim: {name} is not implemented")

    cls = type(name, (), {"__init__": _refuse})
    globals()[name] = cls
    return cls
