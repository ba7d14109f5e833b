"""The workloads of ``mytorch bench``, by name, in the order the table lists them.

Each entry: (``module`` or ``module:function`` under ``benchmarks.workloads``, the function defaulting to
``build``; target ratio mytorch/PyTorch of throughput, what one
step is). The targets are issue 11's (a per-op time ≤ 1.5x PyTorch's is a throughput ratio ≥ 1/1.5).
"""
from __future__ import annotations

WORKLOADS: dict[str, tuple[str, float, str]] = {
    "ops": ("small_ops", 1 / 1.5, "8 small ops on 32x32 tensors, each forward + backward"),
    "mlp": ("mlp", 1.0, "MLP 784-512-512-10, batch 128, cross-entropy, Adam"),
    "mlp-infer": ("mlp:build_inference", 1.0, "the same MLP, inference, batch 1024"),
    "lenet": ("lenet", 0.9, "LeNet-5, batch 64 of 1x28x28, SGD with momentum"),
    "resnet": ("resnet", 0.8, "mytorch.models.ResNet (16-32-64), batch 64 of 1x28x28, SGD with momentum"),
    "char-gpt": ("char_gpt", 0.9, "GPT, 4 layers, d_model 128, 4 heads, context 128, batch 16, AdamW"),
    "lstm": ("lstm", 0.8, "2-layer LSTM, input 64, hidden 256, sequence 50, batch 32, Adam"),
    "minilm": ("minilm", 1.0, "all-MiniLM-L6-v2 sentence embeddings of 64 sentences"),
    "smollm2": ("smollm2", 1.0, "SmolLM2-135M greedy decoding with a KV cache, 32 new tokens"),
    "whisper": ("whisper", 1.0, "Whisper tiny.en transcribing 7 s of speech, greedy (faster-whisper as reference)"),
    "asr": ("asr", 0.9, "SpeechRecognizer of the ASR recipe, batch 32 of 200-300 log-mel frames, CTC + attention, "
                        "AdamW"),
    "gemm": ("gemm", 0.8, "float32 matmul 1024x1024 @ 1024x1024"),
}
