"""Export a sentence-transformers model's transformer to ONNX: `python -m actors.models.onnx_export
MODEL_DIR OUT.onnx`. Run in a subprocess by actors/models/onnx_encoder.py (and by `make install`),
so torch is loaded only for the export; the file is written next to OUT and renamed into place,
so a reader never sees half of it."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

OPSET = 17


def export(model_dir: Path, out: Path) -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import torch
    from transformers import AutoModel, AutoTokenizer

    model = AutoModel.from_pretrained(str(model_dir), local_files_only=True).eval()
    tokenizer = AutoTokenizer.from_pretrained(str(model_dir), local_files_only=True)
    sample = tokenizer(["an example", "a second, longer example sentence"], padding=True, return_tensors="pt")
    names = [n for n in ("input_ids", "attention_mask", "token_type_ids") if n in sample]

    class LastHiddenState(torch.nn.Module):
        """The transformer's token vectors: pooling and normalising happen in the encoder."""

        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
            return self.model(**dict(zip(names, inputs, strict=True))).last_hidden_state

    out.parent.mkdir(parents=True, exist_ok=True)
    descriptor, partial = tempfile.mkstemp(prefix=out.name, suffix=".partial", dir=out.parent)
    os.close(descriptor)
    try:
        with torch.no_grad():
            torch.onnx.export(
                LastHiddenState(),
                tuple(sample[n] for n in names),
                partial,
                input_names=names,
                output_names=["last_hidden_state"],
                dynamic_axes={n: {0: "batch", 1: "tokens"} for n in [*names, "last_hidden_state"]},
                opset_version=OPSET,
                dynamo=False,  # the TorchScript exporter: no onnxscript needed, exact for BERT
            )
        os.chmod(partial, 0o644)  # mkstemp makes it 0600; the cache is a plain shared file
        os.replace(partial, out)
    finally:
        if os.path.exists(partial):
            os.unlink(partial)


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m actors.models.onnx_export MODEL_DIR OUT.onnx", file=sys.stderr)
        return 2
    export(Path(argv[0]), Path(argv[1]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
