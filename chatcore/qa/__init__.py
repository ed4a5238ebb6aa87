"""The LSTM question-answering model: data, tokenizer, model, training, inference, evaluation.

TensorFlow is imported lazily by the modules that need it; its logging is quieted here, before
any of them can import it (TensorFlow reads these variables once, at import).
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # no C++ info/warning lines
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")  # no oneDNN banner; deterministic numerics
