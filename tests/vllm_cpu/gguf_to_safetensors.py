"""Turn a GGUF chat model into a Hugging Face safetensors directory that vLLM's CPU build loads.

    python gguf_to_safetensors.py SmolLM2-135M-Instruct.Q4_1.gguf OUT_DIR

Runs in the environment that has vLLM (it brings torch and transformers; ``gguf`` and
``accelerate`` are installed beside them). The quantized weights are dequantized to
bfloat16; the result is the same model as the GGUF, in the layout ``vllm serve`` reads.
A directory that already holds a converted model with the same source hash is kept.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def convert(gguf_file: Path, out_dir: Path) -> Path:
    import torch
    from safetensors.torch import save_file
    from transformers import AutoModelForCausalLM, AutoTokenizer, GenerationConfig

    source_hash = _sha256(gguf_file)
    stamp = out_dir / "converted-from.json"
    if stamp.exists() and json.loads(stamp.read_text()).get("sha256") == source_hash:
        return out_dir
    out_dir.mkdir(parents=True, exist_ok=True)
    model = AutoModelForCausalLM.from_pretrained(gguf_file.parent, gguf_file=gguf_file.name, dtype=torch.bfloat16)
    tokenizer = AutoTokenizer.from_pretrained(gguf_file.parent, gguf_file=gguf_file.name)
    state = {name: tensor.contiguous() for name, tensor in model.state_dict().items()}
    if getattr(model.config, "tie_word_embeddings", False):
        state.pop("lm_head.weight", None)  # tied to the embeddings; vLLM rebuilds it
    save_file(state, str(out_dir / "model.safetensors"), metadata={"format": "pt"})
    config = model.config.to_dict()
    config.pop("quantization_config", None)
    config["architectures"] = [type(model).__name__]
    config["torch_dtype"] = "bfloat16"
    (out_dir / "config.json").write_text(json.dumps(config, indent=2))
    tokenizer.save_pretrained(out_dir)
    GenerationConfig.from_model_config(model.config).save_pretrained(out_dir)
    stamp.write_text(json.dumps({"gguf": gguf_file.name, "sha256": source_hash}))
    return out_dir


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: gguf_to_safetensors.py MODEL.gguf OUT_DIR")
    print(convert(Path(sys.argv[1]), Path(sys.argv[2])))
