"""Training: augmented data, a validation split, early stopping, the best weights kept, then
temperature and fallback threshold chosen on the validation data."""

from __future__ import annotations

import contextlib
import functools
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from chatcore.builtin.qa.data import augment
from chatcore.builtin.qa.data.bank import REJECT, AnswerBank, data_hash
from chatcore.builtin.qa.data.lexicon import UnknownWords, unknown_words
from chatcore.builtin.qa.data.sources import Pair
from chatcore.builtin.qa.data.text import detokenize, reading, tokenize
from chatcore.builtin.qa.model.decoder import DecoderConfig
from chatcore.builtin.qa.model.encoder import DIM as SENTENCE_DIM
from chatcore.builtin.qa.model.features import Featurizer, sentence_vectors
from chatcore.builtin.qa.model.network import ModelConfig, build_model, combine
from chatcore.builtin.qa.train.batches import BOUNDS, bucketed
from chatcore.builtin.qa.train.calibrate import (
    background_gate,
    choose_threshold,
    decide,
    fit_temperature,
    softmax,
)

VAL_BATCH = 512
VAL_LIMIT = 8000  # validation rows kept (at random) for large banks: scoring them is x classes
MEMBER_SEED_STEP = 100  # member k trains on noise drawn from seed + 100 k (not the val seed)


class TrainSettings(BaseModel):
    """Everything that decides a trained model; stored with it."""

    model_config = ConfigDict(extra="forbid")

    seed: int = 0
    epochs: int = Field(20, ge=1)
    batch_size: int = Field(256, ge=1)
    learning_rate: float = Field(3e-3, gt=0)
    patience: int = Field(3, ge=1)
    bucket_by_length: bool = Field(True, description="batches of similar lengths (faster)")
    augment_copies: int = Field(8, ge=0, description="noisy copies of each question per class")
    max_train_rows: int = Field(
        60000,
        ge=1,
        description="fewer noisy copies (down to 2) for banks whose questions and copies "
        "would exceed this many rows, so an epoch grows linearly with the pairs",
    )
    val_copies: int = Field(2, ge=1)
    negatives_ratio: float = Field(0.15, ge=0)
    real_word_negatives: bool = Field(
        True, description="out-of-domain examples also use real words the data never uses"
    )
    ensemble: int = Field(
        1, ge=1, le=8, description="networks trained apart whose probabilities are averaged"
    )
    min_fallback_recall: float = Field(
        0.9,
        ge=0,
        le=1,
        description="share of out-of-domain questions sent to fallback: of the background "
        "questions by the similarity gate (models with the retrieval head), else of the "
        "validation negatives by the threshold",
    )
    sampled_softmax_above: int = Field(
        2048,
        ge=1,
        description="answer classes above which training scores each batch against a sample "
        "of them (qa.train.sampled): an epoch then grows with the pairs, not their square",
    )
    sampled_negatives: int = Field(1024, ge=1, description="random classes per sampled batch")
    model: ModelConfig = Field(default_factory=ModelConfig)
    decoder: DecoderConfig = Field(default_factory=DecoderConfig)


@dataclass
class Trained:
    """A trained model and everything saved beside it."""

    model: Any
    featurizer: Featurizer
    bank: AnswerBank
    settings: TrainSettings
    temperature: float
    threshold: float
    data_hash: str
    history: dict[str, list[float]] = field(default_factory=dict)
    metrics: dict[str, float] = field(default_factory=dict)
    generator: Any = None  # chatcore.builtin.qa.train.generator.TrainedGenerator, when trained
    min_similarity: float = 0.0  # the retrieval head's fallback gate (0: none)


@dataclass
class KnownQuestions:
    """The bank's questions, tokenized, and the real words they never use: computed once per
    training and shared by its splits."""

    questions: list[list[str]]
    unknown: UnknownWords | None

    @classmethod
    def of(cls, bank: AnswerBank, settings: TrainSettings) -> KnownQuestions:
        questions = [tokenize(q) for q, _ in bank.labelled_questions()]
        known = {t for q in questions for t in q}
        return cls(questions, unknown_words(known) if settings.real_word_negatives else None)


def build_split(
    bank: AnswerBank,
    settings: TrainSettings,
    copies: int,
    seed: int,
    rounds: int = 1,
    known: KnownQuestions | None = None,
):
    """Tokenized questions (originals plus noisy copies) and labels, plus negatives. The
    validation split is noised twice (``rounds=2``): real users stray further from the known
    wording than one round of noise, and the fallback threshold is chosen on this split."""
    known = known or KnownQuestions.of(bank, settings)
    rng = random.Random(seed)
    tokens, labels = [], []
    for base, (_, label) in zip(known.questions, bank.labelled_questions(), strict=True):
        for variant in [base, *augment.variants(base, rng, copies, rounds)]:
            tokens.append(variant)
            labels.append(label)
    count = int(len(tokens) * settings.negatives_ratio)
    tokens += augment.negatives(known.questions, rng, count, known.unknown)
    labels += [REJECT] * count
    return tokens, np.array(labels, dtype=np.int32)


def train(
    pairs: list[Pair],
    settings: TrainSettings,
    verbose: int = 0,
    callbacks: Sequence[Any] = (),
    announce: Callable[[str], None] | None = None,
) -> Trained:
    """Train on cleaned pairs; deterministic for the same pairs, settings and seed.
    ``callbacks`` are extra Keras callbacks for each network's fit (timing, logging);
    ``announce`` hears which network of the ensemble starts."""
    _training_threads()
    started = time.perf_counter()
    bank = AnswerBank.from_pairs(pairs)
    config = settings.model
    featurizer = Featurizer.fit(
        (q for q, _ in bank.labelled_questions()), sentence=config.use_sentence or config.retrieval
    )
    known = KnownQuestions.of(bank, settings)
    keys = retrieval_keys(bank, known, config.retrieval_answers) if config.retrieval else None
    v_tokens, v_y = build_split(bank, settings, settings.val_copies, settings.seed + 1, 2, known)
    v_tokens, v_y = _at_most(VAL_LIMIT, v_tokens, v_y, settings.seed + 1)
    v = featurizer.encode_many(v_tokens)
    idf = featurizer.idf(known.questions)
    fit = functools.partial(_fit, featurizer, len(bank), settings, (idf, keys), verbose, callbacks)
    networks, copies = [], copies_for(settings, len(known.questions))
    for index in range(settings.ensemble):
        if announce and settings.ensemble > 1:
            announce(f"network {index + 1} of {settings.ensemble}")
        seed = settings.seed + MEMBER_SEED_STEP * index
        split = build_split(bank, settings, copies, seed, 1, known)
        networks.append(_Network.trained(fit, split, (v, v_y), seed))
    model = combine([n.model for n in networks], [n.temperature for n in networks])
    v_logits = _predict(model, v)
    temperature = fit_temperature(v_logits, v_y)
    probs = softmax(v_logits, temperature)
    threshold = choose_threshold(probs, v_y, settings.min_fallback_recall)
    min_similarity = 0.0
    if keys is not None:  # the encoder's similarity separates known from unknown far better
        min_similarity = background_gate(keys[0], settings.min_fallback_recall)
        threshold = 0.0
    metrics = _metrics([n.history for n in networks], probs, v_y, threshold)
    metrics["min_similarity"] = round(min_similarity, 4)
    splits = networks[0].split, (v_tokens, v_y)
    generator = _generator(networks[0].model, featurizer, bank, settings, splits, known, verbose)
    if generator is not None:
        metrics.update({f"generator_{k}": v for k, v in generator.metrics.items()})
    metrics["train_seconds"] = round(time.perf_counter() - started, 1)
    trained = Trained(
        model,
        featurizer,
        bank,
        settings,
        temperature,
        threshold,
        data_hash(pairs),
        _history(networks[0].history),
        metrics,
    )
    trained.generator = generator
    trained.min_similarity = min_similarity
    return trained


@dataclass
class _Network:
    """One network of the ensemble, with its training split (the generator reuses the
    first's) and the temperature that calibrates it on the validation split."""

    model: Any
    split: tuple[list[list[str]], np.ndarray]
    history: dict[str, list]
    temperature: float

    @classmethod
    def trained(cls, fit: Callable[..., Any], split, val, seed: int) -> _Network:
        (tokens, labels), (v, v_y) = split, val
        model = fit(tokens, labels, val, seed)
        temperature = fit_temperature(_predict(model, v), v_y)
        return cls(model, split, model.history.history, temperature)


def copies_for(settings: TrainSettings, questions: int) -> int:
    """Noisy copies per question: ``augment_copies``, fewer (not below 2) when the questions
    and their copies would pass ``max_train_rows`` (the synthetic negatives come on top)."""
    fitting = settings.max_train_rows // max(questions, 1) - 1
    return min(settings.augment_copies, max(fitting, 2))


def _at_most(limit: int, tokens: list[list[str]], labels: np.ndarray, seed: int):
    """At most ``limit`` rows, drawn at random (in their order) when there are more."""
    if len(labels) <= limit:
        return tokens, labels
    rows = np.sort(np.random.default_rng(seed).choice(len(labels), limit, replace=False))
    return [tokens[i] for i in rows], labels[rows]


def _predict(model: Any, arrays: tuple[np.ndarray, ...]) -> np.ndarray:
    return model.predict(list(arrays), batch_size=VAL_BATCH, verbose=0)


def _generator(model, featurizer, bank, settings, splits, known, verbose):
    """The second stage (the generation head), unless switched off or there is no LSTM
    encoder to share."""
    if not (settings.decoder.enabled and settings.model.use_lstm):
        return None
    from chatcore.builtin.qa.train.generator import train_generator

    decoder = settings.decoder
    (x_tokens, y), val_split = splits
    if decoder.copies < settings.augment_copies:  # fewer noisy copies: the decoder is slower
        x_tokens, y = build_split(bank, settings, decoder.copies, settings.seed + 2, 1, known)
    splits = ((x_tokens, y), val_split)
    return train_generator(model, featurizer, bank, splits, decoder, verbose)


def _training_threads() -> None:
    """One thread per op (independent ops still run side by side): the LSTM's small matrix
    products lose more to splitting across cores than they gain (docs/model.md). Only
    possible before TensorFlow starts its thread pools."""
    import tensorflow as tf

    with contextlib.suppress(RuntimeError):  # already running in this process: keep its pools
        tf.config.threading.set_intra_op_parallelism_threads(1)


def retrieval_keys(bank: AnswerBank, known: KnownQuestions, answers: bool):
    """The texts the retrieval head compares with (every known question, and each class's
    answers when ``answers``) as sentence vectors, with their classes."""
    texts = [detokenize(tokens) for tokens in known.questions]
    labels = [label for _, label in bank.labelled_questions()]
    if answers:
        for label, answer_class in enumerate(bank.classes):
            texts += [reading(a) for a in answer_class.answers]
            labels += [label] * len(answer_class.answers)
    return sentence_vectors(texts), np.array(labels, dtype=np.int32)


def _fit(featurizer, classes, settings, fixed, verbose, callbacks, tokens, labels, val_xy, seed):
    """One network trained on ``tokens``/``labels``, from ``seed`` (its initial weights,
    dropout and batch order); ``fixed`` holds the weights that are not learned (the subwords'
    IDF, the retrieval head's key vectors and their classes)."""
    import keras

    keras.utils.set_random_seed(seed)
    config, (idf, keys) = settings.model, fixed
    model = build_model(
        config,
        featurizer.vocab_size,
        featurizer.buckets,
        classes,
        sentence_dim=SENTENCE_DIM if featurizer.sentence else 0,
        retrieval_keys=0 if keys is None else len(keys[1]),
    )
    if config.use_grams:
        model.get_layer("subwords").set_idf(idf)
    if keys is not None:
        model.get_layer("nearest_known").set_keys(*keys)
    trainer = model
    if classes > settings.sampled_softmax_above:
        from chatcore.builtin.qa.train.sampled import SampledSoftmaxTrainer

        trainer = SampledSoftmaxTrainer(model, classes, settings.sampled_negatives, keys)
    trainer.compile(
        optimizer=keras.optimizers.Adam(settings.learning_rate),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    stop = keras.callbacks.EarlyStopping(
        monitor="val_accuracy",
        patience=settings.patience,
        restore_best_weights=True,
        mode="max",
    )
    x, y, (v, v_y) = featurizer.encode_many(tokens), labels, val_xy
    bounds = BOUNDS if settings.bucket_by_length else ()
    model.history = trainer.fit(
        bucketed(x, y, settings.batch_size, seed, bounds),
        validation_data=bucketed(v, v_y, VAL_BATCH, None, bounds),
        epochs=settings.epochs,
        shuffle=False,  # the bucketed dataset shuffles itself, per epoch
        callbacks=[stop, *callbacks],
        verbose=verbose,
    )
    return model


def _history(history: dict[str, list]) -> dict[str, list[float]]:
    return {k: [round(float(x), 5) for x in vals] for k, vals in history.items()}


def _metrics(histories, probs, labels, threshold) -> dict[str, float]:
    """Validation figures of the whole model; epochs and best accuracy of its first network
    (the others' epochs listed when there are several)."""
    history = histories[0]
    best, conf = decide(probs)
    inside = labels != REJECT
    answered = conf >= threshold
    extra = {}
    if len(histories) > 1:
        extra["ensemble_epochs"] = "+".join(str(len(h.get("loss", []))) for h in histories)
    return {
        **extra,
        "epochs": len(history.get("loss", [])),
        "best_val_accuracy": round(max(history.get("val_accuracy", [0.0])), 4),
        "val_answer_accuracy": round(float((best == labels)[inside].mean()), 4),
        "val_answered_correct": round(float((answered & (best == labels))[inside].mean()), 4),
        "val_negatives_fallback": round(float((~answered)[~inside].mean()), 4)
        if (~inside).any()
        else 0.0,
    }
