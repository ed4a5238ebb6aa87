"""The LSTM question-answering model, one package per stage: ``data`` (pair files, hygiene,
tokens, the answer bank, noisy copies), ``model`` (features, the sentence encoder, the network,
the model directory), ``train``, ``serve`` (the predictor and the responder) and ``eval``.

TensorFlow is imported lazily by the modules that need it; its logging is quieted here, before
any of them can import it (chatcore.tfquiet).
"""

from chatcore.tfquiet import quiet_tensorflow

quiet_tensorflow()
