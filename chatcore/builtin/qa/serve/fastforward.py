"""The answer-selection network's forward pass in NumPy, for small inference batches.

A graph call has a fixed cost whatever the batch, several times what the same arithmetic costs
in NumPy on the real (non-padding) steps of a question or a few (bench/RESULTS.md: the
predictor's NumPy pass against its graph). Exactness tricks, none approximate:
- the input projection of every word (embedding @ kernel + bias) is one table lookup;
- the forward LSTM stops at the last real word (padding after it is masked by attention);
- the backward LSTM starts at the last real word (padding is masked).
``build`` returns None for any network it does not know, and the predictor checks the result
against the Keras model when loading, so a changed architecture falls back to the graph.
BLAS runs on one thread (chatcore.blas): for matrices this small, OpenBLAS's spinning helper
threads only steal the core the event loop needs.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from chatcore.builtin.qa.train.calibrate import log_softmax

KNOWN = {"InputLayer", "Embedding", "Bidirectional", "AttentionPooling", "BagEmbedding"}
KNOWN |= {"Concatenate", "Dropout", "Dense", "CosineClassifier", "NearestKnown", "Add"}
MEMBER = "member_"  # array-name prefix of an ensemble member: "member_0/fwd_table"


class _LSTM:
    """One direction of a Keras LSTM. Keras orders the gates i, f, g, o; the columns are
    reordered once to i, f, o, g so a step takes one sigmoid over three gates and one tanh."""

    def __init__(self, table: np.ndarray, recurrent: np.ndarray):
        units = recurrent.shape[0]
        order = np.r_[0 : 2 * units, 3 * units : 4 * units, 2 * units : 3 * units]
        self.units = units
        self.table = np.ascontiguousarray(table[:, order])  # (vocab, 4u): embedding @ kernel + bias
        self.recurrent = np.ascontiguousarray(recurrent[:, order])  # (u, 4u)

    def step(self, z: np.ndarray, h: np.ndarray, c: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        z = z + h @ self.recurrent
        u = self.units
        gates = _sigmoid(z[:, : 3 * u])
        c = gates[:, u : 2 * u] * c + gates[:, :u] * np.tanh(z[:, 3 * u :])
        return gates[:, 2 * u : 3 * u] * np.tanh(c), c


def _sigmoid(x: np.ndarray) -> np.ndarray:
    """The logistic function as one tanh (no overflow warning for large negative inputs)."""
    y = np.tanh(x * np.float32(0.5))
    y += 1.0
    y *= 0.5
    return y


class NumpyForward:
    """Logits of the chatcore_qa network for its inputs (``words``, ``grams`` id arrays and,
    in models with the pretrained branch, ``sentence`` vectors), from the plain arrays
    ``weights`` returns (so they can be cached and loaded without Keras)."""

    def __init__(self, arrays: dict[str, np.ndarray]):
        from chatcore.blas import use_one_thread

        use_one_thread()
        self.arrays = arrays
        self.lstm = "fwd_table" in arrays
        if self.lstm:
            self.fwd = _LSTM(arrays["fwd_table"], arrays["fwd_recurrent"])
            self.bwd = _LSTM(arrays["bwd_table"], arrays["bwd_recurrent"])
            self.units = self.fwd.recurrent.shape[0]
            self.att_w, self.att_b, self.att_v = (arrays[k] for k in ("att_w", "att_b", "att_v"))
        self.grams = "bag_embedding" in arrays
        self.sentence = bool(arrays.get("sentence", False))
        if self.grams:
            self.bag_embedding, self.idf = arrays["bag_embedding"], arrays["idf"]
        self.hidden_w, self.hidden_b = arrays["hidden_w"], arrays["hidden_b"]
        self.head, self.scale = arrays["head"], np.float32(arrays["scale"])
        self.retrieval = "key_vectors" in arrays
        if self.retrieval:
            self._set_keys(arrays)

    def _set_keys(self, arrays: dict[str, np.ndarray]) -> None:
        """Keys sorted by class, so a class's best cosine is one ``maximum.reduceat``."""
        labels = arrays["key_labels"]
        order = np.argsort(labels, kind="stable")
        self.key_vectors_t = np.ascontiguousarray(arrays["key_vectors"][order].T)
        self.key_classes, self.key_starts = np.unique(labels[order], return_index=True)
        self.key_scale, self.key_floor = np.float32(arrays["key_scale"]), arrays["key_floor"]
        self.classes = self.head.shape[1]

    def _per_class(self, keyed: np.ndarray, fill: float) -> np.ndarray:
        """The best cosines of the classes with keys (``keyed``) spread over every class;
        ``fill`` for classes without keys (such as the reject class)."""
        best = np.full((len(keyed), self.classes), fill, np.float32)
        best[:, self.key_classes] = keyed
        return best

    def __call__(self, *inputs: np.ndarray) -> np.ndarray:
        return self._logits(*inputs)

    def scores(self, *inputs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Logits and each text's best cosine with any key (the similarity gate's input; 1.0
        without a retrieval head), from one pass over the keys: with a large bank, reading
        the keys is most of a question's cost."""
        logits, keyed = self._pass(*inputs)
        return logits, (keyed.max(axis=1) if keyed is not None else np.ones(len(logits)))

    def scores_per_class(self, *inputs: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """Logits and each text's best cosine per class (None without a retrieval head): how
        close a text is to the questions of the very answer chosen for it."""
        logits, keyed = self._pass(*inputs)
        return logits, (self._per_class(keyed, -1.0) if keyed is not None else None)

    def _logits(self, *inputs: np.ndarray) -> np.ndarray:
        return self._pass(*inputs)[0]

    def _pass(self, words: np.ndarray, grams: np.ndarray, sentence=None):
        """(logits, each keyed class's best cosine, or None without a retrieval head): the
        keys are read once, and the gate's nearest cosine is the best over those classes."""
        parts = []
        if self.lstm:
            parts.append(self._pooled(words))
        if self.grams:
            parts.append(self._bag(grams))
        if self.sentence:
            parts.append(sentence)
        x = parts[0] if len(parts) == 1 else np.concatenate(parts, axis=-1)
        x = np.maximum(x @ self.hidden_w + self.hidden_b, 0.0)
        x = x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), 1e-6)
        logits = self.scale * (x @ self.head)
        if not self.retrieval:
            return logits, None
        keyed = np.maximum.reduceat(sentence @ self.key_vectors_t, self.key_starts, axis=1)
        return logits + self.key_scale * self._per_class(keyed, self.key_floor), keyed

    def _pooled(self, words: np.ndarray) -> np.ndarray:
        """BiLSTM over the real words, then attention pooling (padding weighs nothing)."""
        lengths = (words != 0).sum(axis=1)
        steps = int(lengths.max(initial=0))
        batch, units = len(words), self.units
        if steps == 0:
            return np.zeros((batch, 2 * units), np.float32)
        ids = words[:, :steps]
        fwd_in, bwd_in = self.fwd.table[ids], self.bwd.table[ids]
        out = np.zeros((batch, steps, 2 * units), np.float32)
        h = c = np.zeros((batch, units), np.float32)
        for t in range(steps):
            h, c = self.fwd.step(fwd_in[:, t], h, c)
            out[:, t, :units] = h
        h = c = np.zeros((batch, units), np.float32)  # each text's last real word
        for t in range(steps - 1, -1, -1):
            nh, nc = self.bwd.step(bwd_in[:, t], h, c)
            real = (t < lengths)[:, None]
            h, c = np.where(real, nh, h), np.where(real, nc, c)
            out[:, t, units:] = h
        mask = np.arange(steps)[None, :] < lengths[:, None]
        scores = np.tanh(out @ self.att_w + self.att_b) @ self.att_v
        scores = np.where(mask, scores, -1e9)
        weights = np.exp(scores - scores.max(axis=1, keepdims=True)) * mask
        weights /= np.maximum(weights.sum(axis=1, keepdims=True), 1e-30)
        return (out * weights[:, :, None]).sum(axis=1)

    def _bag(self, grams: np.ndarray) -> np.ndarray:
        """IDF-weighted mean of the subword embeddings, plus the share of unseen subwords."""
        width = int((grams != 0).sum(axis=1).max(initial=0))
        ids = grams[:, : max(width, 1)]
        present = (ids != 0).astype(np.float32)
        idf = self.idf[ids]
        weight = idf * present
        total = np.einsum("bt,btd->bd", weight, self.bag_embedding[ids])
        mean = total / np.maximum(weight.sum(axis=1, keepdims=True), 1e-6)
        unseen = (idf == 0.0) * present
        share = unseen.sum(axis=1, keepdims=True) / np.maximum(
            present.sum(axis=1, keepdims=True), 1.0
        )
        return np.concatenate([mean, share], axis=-1).astype(np.float32)


def _np(variable: Any) -> np.ndarray:
    return np.asarray(variable.numpy() if hasattr(variable, "numpy") else variable, np.float32)


def weights(model: Any) -> dict[str, np.ndarray]:
    """The arrays the NumPy pass needs, precomputed (projections, normalized head)."""
    layers = {layer.name: layer for layer in model.layers}
    out: dict[str, np.ndarray] = {}
    if "encoder" in layers:
        embedding = _np(layers["word_embedding"].embeddings)
        encoder = layers["encoder"]
        for key, cell in (
            ("fwd", encoder.forward_layer.cell),
            ("bwd", encoder.backward_layer.cell),
        ):
            out[f"{key}_table"] = embedding @ _np(cell.kernel) + _np(cell.bias)
            out[f"{key}_recurrent"] = _np(cell.recurrent_kernel)
        attention = layers["attention"]
        out["att_w"] = _np(attention.score_hidden.kernel)
        out["att_b"] = _np(attention.score_hidden.bias)
        out["att_v"] = _np(attention.score.kernel)[:, 0]
    if "subwords" in layers:
        out["bag_embedding"] = _np(layers["subwords"].embedding.embeddings)
        out["idf"] = _np(layers["subwords"].idf)
    out["hidden_w"], out["hidden_b"] = _np(layers["hidden"].kernel), _np(layers["hidden"].bias)
    out["sentence"] = np.int64(_sentence_is_a_feature(out))
    head = layers["answer_logits"]
    kernel = _np(head.kernel)
    out["head"] = kernel / np.maximum(np.linalg.norm(kernel, axis=0, keepdims=True), 1e-6)
    out["scale"] = np.float32(head.scale)
    if "nearest_known" in layers:
        nearest = layers["nearest_known"]
        out["key_vectors"] = _np(nearest.key_vectors)
        out["key_labels"] = np.asarray(nearest.key_labels.numpy(), np.int64)
        out["key_scale"], out["key_floor"] = _np(nearest.scale), _np(nearest.floor)
    return out


def _sentence_is_a_feature(arrays: dict[str, np.ndarray]) -> bool:
    """Whether the hidden layer reads the sentence vector beside the LSTM and the subwords
    (the vector may also feed only the retrieval head): its input is wider than those two."""
    width = 2 * arrays["fwd_recurrent"].shape[0] if "fwd_recurrent" in arrays else 0
    width += arrays["bag_embedding"].shape[1] + 1 if "bag_embedding" in arrays else 0
    return arrays["hidden_w"].shape[0] > width


class NumpyEnsemble:
    """The ensemble's output (log of the mean calibrated probability of its members)."""

    def __init__(self, arrays: dict[str, np.ndarray]):
        self.arrays = arrays
        self.temperatures = arrays["temperatures"].astype(np.float32)
        self.members = [
            NumpyForward(_unprefixed(arrays, f"{MEMBER}{index}/"))
            for index in range(len(self.temperatures))
        ]
        self.head = self.members[0].head

    def __call__(self, *inputs: np.ndarray) -> np.ndarray:
        return self.scores(*inputs)[0]

    def scores(self, *inputs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The mean's log-probabilities and the best cosine (the members share their keys)."""
        scored = [member.scores(*inputs) for member in self.members]
        return self._mean([logits for logits, _ in scored]), scored[0][1]

    def scores_per_class(self, *inputs: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """The mean's log-probabilities and the best cosine per class."""
        scored = [member.scores_per_class(*inputs) for member in self.members]
        return self._mean([logits for logits, _ in scored]), scored[0][1]

    def _mean(self, logits: list[np.ndarray]) -> np.ndarray:
        log_probs = [
            log_softmax(member, temperature)
            for member, temperature in zip(logits, self.temperatures, strict=True)
        ]
        mean = np.logaddexp.reduce(log_probs, axis=0) - np.log(len(log_probs))
        return mean.astype(np.float32)


def _unprefixed(arrays: dict[str, np.ndarray], prefix: str) -> dict[str, np.ndarray]:
    return {k[len(prefix) :]: v for k, v in arrays.items() if k.startswith(prefix)}


def from_arrays(arrays: dict[str, np.ndarray]) -> NumpyForward | NumpyEnsemble:
    """The forward pass of cached arrays: an ensemble's when they hold temperatures."""
    return NumpyEnsemble(arrays) if "temperatures" in arrays else NumpyForward(arrays)


def build(model: Any) -> NumpyForward | NumpyEnsemble | None:
    """The NumPy forward pass of ``model`` (one network or an ensemble of them), or None
    when its layers are not the known ones."""
    if "ensemble" in {layer.name for layer in model.layers}:
        return _build_ensemble(model)
    return _build_network(model)


def _build_network(model: Any) -> NumpyForward | None:
    kinds = {type(layer).__name__ for layer in model.layers}
    names = {layer.name for layer in model.layers}
    if not kinds <= KNOWN or not {"hidden", "answer_logits"} <= names:
        return None
    try:
        return NumpyForward(weights(model))
    except (AttributeError, KeyError, ValueError, IndexError):
        return None


def _build_ensemble(model: Any) -> NumpyEnsemble | None:
    members = [layer for layer in model.layers if layer.name.startswith(MEMBER)]
    temperatures = model.get_layer("ensemble").temperatures
    arrays: dict[str, np.ndarray] = {"temperatures": np.asarray(temperatures, np.float32)}
    for index, member in enumerate(members):
        forward = _build_network(member)
        if forward is None or member.name != f"{MEMBER}{index}":
            return None
        arrays.update({f"{MEMBER}{index}/{k}": v for k, v in forward.arrays.items()})
    return NumpyEnsemble(arrays) if len(members) == len(temperatures) else None
