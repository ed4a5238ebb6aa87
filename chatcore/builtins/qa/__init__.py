"""The LSTM question-answering model, one package per stage: ``data`` (pair files, hygiene,
tokens, the answer bank, noisy copies), ``model`` (features, the sentence encoder, the network,
the model directory), ``train``, ``serve`` (the predictor and the responder) and ``eval``.

TensorFlow is imported lazily by the modules that need it; its logging is quieted here, before
any of them can import it (TensorFlow reads these variables once, at import).
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # no C++ info/warning lines
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")  # no oneDNN banner; deterministic numerics
