"""Inference: a loaded model directory behind one compiled ``tf.function``.

The function has a fixed input signature, so it is traced once (never ``model.predict`` per
question). Normally the NumPy forward pass of the same weights answers instead, in chunks of
``FAST_BATCH`` (qa.serve.fastforward: far cheaper per question than a graph call); it is
checked against the graph when loading and dropped if they disagree. A checked pass is cached
(qa.serve.fastload), so later loads of the same model skip Keras and TensorFlow entirely;
the Keras model is then loaded only if something asks for ``model``.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from chatcore.builtin.qa.data.bank import REJECT, AnswerBank
from chatcore.builtin.qa.errors import ModelFormatError
from chatcore.builtin.qa.model import modeldir
from chatcore.builtin.qa.model.features import Featurizer
from chatcore.builtin.qa.serve.context import ContextSettings, Previous
from chatcore.builtin.qa.train.calibrate import decide, log_softmax

log = logging.getLogger(__name__)
BATCH = 256
FAST_BATCH = 64
PROBES = ("hello", "what is your name", "你好吗", "tell me a joke about computers", "?")
# In a bank with answers in several languages, an answer in another language than the
# question's must be this much likelier (in log-probability: e^3 = 20x) to be chosen, so a
# Chinese question gets the Chinese answer of a question the corpus asks in both languages.
LANGUAGE_PRIOR = 3.0
CHOICES = 3  # at most this many "did you mean" questions after a fallback
CHOICE_FLOOR = 0.1  # ... each of an answer class at least this likely (docs/handoff.md)


@dataclass(frozen=True)
class Prediction:
    """The best answer class for one question and how sure the model is."""

    index: int
    confidence: float
    fallback: bool
    answers: tuple[str, ...]
    similarity: float = 1.0  # the nearest known text's cosine (models with the encoder)
    read_as: str = ""  # the known question a follow-up was read as ("" when read alone)
    # a fallback's nearest known questions, in the question's language, likeliest first:
    # what the bot offers as "did you mean ...?"
    nearest: tuple[str, ...] = ()

    def answer(self, rng: random.Random) -> str:
        """One of the class's answers: seeded sampling when the data gave several."""
        if not self.answers:
            return ""
        return self.answers[0] if len(self.answers) == 1 else rng.choice(self.answers)


NOTHING = Prediction(REJECT, 0.0, True, ())


class Predictor:
    """Answers questions with a trained model directory."""

    def __init__(
        self,
        files: modeldir.ModelFiles,
        model: Any | None,
        threshold: float | None = None,
        fast: bool = True,
        forward: Any | None = None,
        min_similarity: float | None = None,
    ):
        self.files = files
        self._model = model
        self._graph = None
        self.featurizer = Featurizer.from_dict(files.vocab)
        self.bank = AnswerBank.from_list(files.answers)
        self.temperature = float(files.settings["temperature"])
        self.threshold = float(files.settings["threshold"] if threshold is None else threshold)
        stored = files.settings.get("min_similarity", 0.0)
        self.min_similarity = float(stored if min_similarity is None else min_similarity)
        self._keys_t: np.ndarray | None = None
        self._keys_read = False
        self._language_penalty = _language_penalties(self.bank)
        self.context = ContextSettings()
        self.choice_floor = CHOICE_FLOOR
        self._answer_classes: dict[str, int] | None = None
        self._forward = forward or (self._checked_forward() if fast else None)

    @property
    def model(self) -> Any:
        """The Keras model (loaded on first use when the cached NumPy pass served so far)."""
        if self._model is None:
            self._model = modeldir.load_keras(self.files)
        return self._model

    @property
    def _fn(self):
        if self._graph is None:
            self._graph = _compile(self.model, self.featurizer, self.temperature)
        return self._graph

    @property
    def fast(self) -> bool:
        """Whether small batches use the NumPy forward pass."""
        return self._forward is not None

    def _checked_forward(self):
        """The NumPy forward pass, if it matches the graph on probe questions."""
        from chatcore.builtin.qa.data.text import tokenize
        from chatcore.builtin.qa.serve import fastforward

        forward = fastforward.build(self.model)
        if forward is None:
            return None
        inputs = self.featurizer.encode_many([tokenize(t) for t in PROBES])
        want = np.exp(self._fn(*inputs).numpy())
        got = np.exp(log_softmax(forward(*inputs), self.temperature))
        if not np.allclose(got, want, atol=1e-4) or (got.argmax(1) != want.argmax(1)).any():
            log.warning("numpy forward pass disagrees with the model; using the graph only")
            return None
        return forward

    def _log_probs_and_similarity(
        self, inputs: tuple[np.ndarray, ...]
    ) -> tuple[np.ndarray, np.ndarray]:
        """Calibrated log-probabilities (in log space, the order of even the most unlikely
        answers survives: probabilities of an ensemble's confident rows round to 0) and each
        text's nearest-known cosine, from one pass of the network."""
        if self._forward is None:
            return self._fn(*inputs).numpy(), self._similarity(inputs)
        chunks = range(0, len(inputs[0]), FAST_BATCH)  # small batches keep arrays in cache
        scored = [self._forward.scores(*(a[i : i + FAST_BATCH] for a in inputs)) for i in chunks]
        logits = np.concatenate([logits for logits, _ in scored])
        nearest = np.concatenate([nearest for _, nearest in scored]).astype(np.float32)
        return log_softmax(logits, self.temperature), nearest

    @classmethod
    def load(
        cls,
        path: Path,
        threshold: float | None = None,
        fast: bool = True,
        min_similarity: float | None = None,
    ) -> Predictor:
        """Verify and load a model directory (through Keras only when the checked NumPy pass
        is not cached yet, or ``fast`` is off), and warm up the inference path."""
        from chatcore.builtin.qa.serve import fastload

        files = modeldir.load_files(Path(path))
        gate = {"threshold": threshold, "min_similarity": min_similarity}
        try:
            forward = fastload.load(files) if fast else None
            if forward is not None:
                predictor = cls(files, None, forward=forward, **gate)
            else:
                predictor = cls(files, modeldir.load_keras(files), fast=fast, **gate)
                if predictor.fast:
                    fastload.store(files, predictor._forward)
            predictor.predict("hello")  # warm up now, not on the first user's message
        except (KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
            raise ModelFormatError(
                f"{files.path}: the model directory's files do not fit together ({exc!r}); "
                f"retrain with: {modeldir.train_command(files.path)}"
            ) from exc
        return predictor

    def probabilities(self, texts: list[str]) -> np.ndarray:
        """Calibrated class probabilities, one row per text."""
        return np.exp(self._log_probabilities(texts))

    def _log_probabilities(self, texts: list[str]) -> np.ndarray:
        return self._scored(texts)[0]

    def _scored(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Log-probabilities and nearest-known similarities, in batches."""
        from chatcore.builtin.qa.data.text import tokenize

        rows, similarities = [], []
        for start in range(0, len(texts), BATCH):
            chunk = [tokenize(t) for t in texts[start : start + BATCH]]
            log_probs, similarity = self._log_probs_and_similarity(
                self.featurizer.encode_many(chunk)
            )
            rows.append(log_probs)
            similarities.append(similarity)
        if not rows:
            return np.zeros((0, len(self.bank)), np.float32), np.zeros(0, np.float32)
        return np.concatenate(rows), np.concatenate(similarities)

    def _similarity(self, inputs: tuple[np.ndarray, ...]) -> np.ndarray:
        """The graph's path: per text, the best cosine between its sentence vector and any
        known text's (1.0 for models without the encoder's retrieval head: no gate)."""
        keys = self._retrieval_keys()
        if keys is None:
            return np.ones(len(inputs[0]), np.float32)
        return (inputs[2] @ keys).max(axis=1)

    def _retrieval_keys(self) -> np.ndarray | None:
        """The retrieval head's key vectors (transposed), read once; None without one."""
        if not self._keys_read and self.featurizer.sentence:
            from chatcore.builtin.qa.serve import fastforward

            forward = self._forward or fastforward.build(self.model)
            network = getattr(forward, "members", [forward])[0]
            self._keys_t = getattr(network, "key_vectors_t", None)
            if self._keys_t is None and self.min_similarity > 0:
                log.warning("model has a similarity gate but no readable keys; gate off")
        self._keys_read = True
        return self._keys_t

    def predict(self, text: str) -> Prediction:
        from chatcore.builtin.qa.data.text import tokenize

        tokens = tokenize(text)
        if not tokens:  # nothing but punctuation or spaces: nothing to answer
            return NOTHING
        inputs = self.featurizer.encode_many([tokens])
        return self._prediction(*self._log_probs_and_similarity(inputs), [text])[0]

    def predict_many(self, texts: list[str]) -> list[Prediction]:
        from chatcore.builtin.qa.data.text import tokenize

        predictions = self._prediction(*self._scored(texts), texts)
        return [p if tokenize(t) else NOTHING for p, t in zip(predictions, texts, strict=True)]

    def predict_in_context(self, items: list[tuple[str, Previous | None]]) -> list[Prediction]:
        """Predictions for messages, each read with the question answered just before it
        when there is one (chatcore.builtin.qa.serve.context). One pass of the network reads every
        message and every contextual text. Without the NumPy pass or a retrieval head (no
        per-answer similarity) messages are read alone."""
        from chatcore.builtin.qa.data.text import tokenize
        from chatcore.builtin.qa.serve.context import contextual_text

        texts = [text for text, _ in items]
        follows = [
            i for i, (text, previous) in enumerate(items) if previous is not None and tokenize(text)
        ]
        if not follows or not hasattr(self._forward, "scores_per_class"):
            return self.predict_many(texts)
        together = [contextual_text(items[i][1], texts[i]) for i in follows]
        log_probs, per_class = self._scored_per_class(texts + together)
        if per_class is None:
            return self.predict_many(texts)
        alone = self._prediction(log_probs[: len(texts)], per_class[: len(texts)].max(1), texts)
        alone = [p if tokenize(t) else NOTHING for p, t in zip(alone, texts, strict=True)]
        chosen = self._in_their_language(log_probs, texts + [texts[i] for i in follows])
        for row, i in enumerate(follows, start=len(texts)):
            alone[i] = self._in_context(alone[i], chosen[i], chosen[row], per_class, i, row, items)
        return alone

    def _in_context(self, alone, mine, theirs, per_class, i, row, items) -> Prediction:
        """The contextual reading when it is sure and near a known question, else ``alone``."""
        from chatcore.builtin.qa.serve.context import accepted, choose

        choice = choose(mine, theirs, per_class[i], per_class[row], items[i][1], self.context)
        if not alone.fallback and alone.index in (choice.index, items[i][1].index):
            return alone  # it stands on its own, or asks the previous question again
        if not accepted(choice, self.context, self.min_similarity):
            return alone
        if choice.confidence < self.threshold:
            return alone
        questions = self.bank.classes[choice.index].questions
        return Prediction(
            choice.index,
            choice.confidence,
            False,
            tuple(self.bank.answers(choice.index)),
            round(choice.similarity, 4),
            read_as=questions[0] if questions else "",
        )

    def _scored_per_class(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray | None]:
        """Log-probabilities and best cosines per class (NumPy pass only), in batches."""
        from chatcore.builtin.qa.data.text import tokenize

        rows, sims = [], []
        for start in range(0, len(texts), FAST_BATCH):
            chunk = [tokenize(t) for t in texts[start : start + FAST_BATCH]]
            logits, per_class = self._forward.scores_per_class(*self.featurizer.encode_many(chunk))
            if per_class is None:
                return logits, None
            rows.append(log_softmax(logits, self.temperature))
            sims.append(per_class)
        return np.concatenate(rows), np.concatenate(sims)

    def answer_class(self, answer: str) -> int | None:
        """The answer class that can answer ``answer`` (a reply the bot gave), if any."""
        if self._answer_classes is None:
            self._answer_classes = {}
            for index, klass in enumerate(self.bank.classes):
                for text in klass.answers:
                    self._answer_classes.setdefault(text, index)
        return self._answer_classes.get(answer)

    def _prediction(
        self, log_probs: np.ndarray, similarity: np.ndarray, texts: list[str]
    ) -> list[Prediction]:
        """The best class per row, preferring answers in the text's language; it falls back
        when it is the reject class, when the model is unsure (``threshold``) or when nothing
        known is as close as ``min_similarity``. The confidence is the model's own
        probability of that class (the threshold was chosen on those), not the preference's."""
        preferred = self._in_their_language(log_probs, texts)
        best, _ = decide(preferred)
        log_conf = log_probs[np.arange(len(best)), best]
        rows = zip(best.tolist(), np.exp(log_conf).tolist(), similarity.tolist(), strict=True)
        out = []
        for row, (index, confidence, near) in enumerate(rows):
            fallback = confidence < self.threshold or index == REJECT or near < self.min_similarity
            answers = tuple(self.bank.answers(index))
            nearest = self._nearest(preferred[row], log_probs[row], texts[row]) if fallback else ()
            out.append(
                Prediction(index, confidence, fallback, answers, round(near, 4), "", nearest)
            )
        return out

    def _nearest(self, preferred: np.ndarray, log_probs: np.ndarray, text: str) -> tuple[str, ...]:
        """A known question of each of the likeliest answer classes (at least ``CHOICE_FLOOR``
        likely, the reject class never), in the text's language: what the user may have
        meant."""
        from chatcore.language import detect_language

        language = detect_language(text)
        found: list[str] = []
        for index in np.argsort(-preferred)[: CHOICES * 3].tolist():
            if index == REJECT or np.exp(log_probs[index]) < self.choice_floor:
                continue
            question = _question_in(self.bank.classes[index].questions, language)
            if question and question not in found:
                found.append(question)
            if len(found) == CHOICES:
                break
        return tuple(found)

    def _in_their_language(self, log_probs: np.ndarray, texts: list[str]) -> np.ndarray:
        """Log-probabilities with ``LANGUAGE_PRIOR`` taken off the answers in another language
        than each text's (unchanged for a bank in one language): for choosing, not for the
        confidence."""
        if not self._language_penalty:
            return log_probs
        from chatcore.language import detect_language

        none = np.zeros(log_probs.shape[1], np.float32)
        penalty = [self._language_penalty.get(detect_language(t), none) for t in texts]
        return log_probs - np.stack(penalty)


def _question_in(questions: list[str], language: str) -> str:
    """The first of a class's questions written in ``language`` ("" when none is)."""
    from chatcore.language import detect_language

    return next((q for q in questions if detect_language(q) == language), "")


def _language_penalties(bank: AnswerBank) -> dict[str, np.ndarray]:
    """Per language of the bank's answers, ``LANGUAGE_PRIOR`` on the classes answered in
    another (never on the reject class); empty for a bank in one language."""
    from chatcore.language import detect_language

    languages = np.array([detect_language(" ".join(bank.answers(i))) for i in range(len(bank))])
    languages[REJECT] = ""
    spoken = set(languages.tolist()) - {""}
    if len(spoken) < 2:
        return {}
    answered = languages != ""
    return {
        lang: (LANGUAGE_PRIOR * (answered & (languages != lang))).astype(np.float32)
        for lang in spoken
    }


def _compile(model: Any, featurizer: Featurizer, temperature: float):
    import tensorflow as tf

    from chatcore.builtin.qa.model.encoder import DIM

    signature = [
        tf.TensorSpec((None, featurizer.max_words), tf.int32, name="words"),
        tf.TensorSpec((None, featurizer.max_grams), tf.int32, name="grams"),
    ]
    if featurizer.sentence:
        signature.append(tf.TensorSpec((None, DIM), tf.float32, name="sentence"))

    @tf.function(input_signature=signature)
    def log_probabilities(*inputs):
        logits = model(list(inputs), training=False)
        return tf.nn.log_softmax(logits / temperature, axis=-1)

    return log_probabilities
