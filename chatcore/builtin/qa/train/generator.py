"""Second training stage: the generation head, with teacher forcing, on the same pairs (and
noisy copies of their questions) with the selection model's encoder frozen. Then the
confidence threshold (mean token log-prob) is chosen on the validation split."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from chatcore.builtin.qa.data.bank import REJECT, AnswerBank
from chatcore.builtin.qa.model.decoder import DecoderConfig, TargetVocab, build_generator
from chatcore.builtin.qa.model.features import Featurizer

VAL_ROWS = 1000  # validation rows for the decoder's early stopping
MAX_ANSWERS = 3  # answers per question taught to the decoder (greedy decoding picks one)


@dataclass
class TrainedGenerator:
    """The generation head and what ``generator.json`` stores beside it."""

    model: Any
    vocab: TargetVocab
    threshold: float
    history: dict[str, list[float]] = field(default_factory=dict)
    metrics: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "vocab": self.vocab.to_dict(),
            "threshold": self.threshold,
            "history": self.history,
            "metrics": self.metrics,
        }


def teacher_pairs(bank: AnswerBank, tokens: list, labels: np.ndarray) -> tuple[list, list[str]]:
    """(question tokens, answer text) for every question and its first answers; negatives
    (out-of-domain questions) are taught the empty answer, END at once, which never answers."""
    questions, answers = [], []
    for toks, label in zip(tokens, labels.tolist(), strict=True):
        for answer in [""] if label == REJECT else bank.answers(label)[:MAX_ANSWERS]:
            questions.append(toks)
            answers.append(answer)
    return questions, answers


def train_generator(
    selection: Any,
    featurizer: Featurizer,
    bank: AnswerBank,
    splits: tuple,
    config: DecoderConfig,
    verbose: int = 0,
) -> TrainedGenerator:
    """Fit the decoder on ``splits`` = ((tokens, labels) train, (tokens, labels) validation)."""
    import keras

    (x_tokens, y), (v_tokens, v_y) = splits
    x_q, x_a = teacher_pairs(bank, x_tokens, y)
    v_q, v_a = teacher_pairs(bank, v_tokens, v_y)
    vocab = TargetVocab.fit(x_a, config.max_vocab, config.max_len)
    model = build_generator(selection, config, vocab.size, featurizer.max_words, vocab.max_len)
    model.compile(
        optimizer=keras.optimizers.Adam(config.learning_rate),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    train_xy = _arrays(featurizer, vocab, x_q, x_a)
    keep = np.random.default_rng(0).permutation(len(v_q))[:VAL_ROWS]  # a cheaper val pass
    val_xy = _arrays(featurizer, vocab, [v_q[i] for i in keep], [v_a[i] for i in keep])
    stop = keras.callbacks.EarlyStopping(patience=config.patience, restore_best_weights=True)
    fit = model.fit(
        train_xy[0],
        train_xy[1],
        sample_weight=train_xy[2],
        validation_data=val_xy,
        epochs=config.epochs,
        batch_size=config.batch_size,
        shuffle=True,
        callbacks=[stop],
        verbose=verbose,
    )
    history = {k: [round(float(x), 5) for x in v] for k, v in fit.history.items()}
    threshold, metrics = choose_threshold(model, featurizer, vocab, bank, v_tokens, v_y)
    metrics["epochs"] = len(history.get("loss", []))
    return TrainedGenerator(model, vocab, threshold, history, metrics)


def _arrays(featurizer, vocab, questions, answers):
    words = featurizer.word_ids(questions)
    dec_in, targets = vocab.teacher_arrays(answers)
    weights = (targets != 0).astype(np.float32)
    return [words, dec_in], targets, weights


def choose_threshold(model, featurizer, vocab, bank, tokens, labels) -> tuple[float, dict]:
    """The mean-log-prob cut that maximizes correct answers minus wrong ones on validation
    questions (negatives included: any non-empty answer to them is wrong)."""
    from chatcore.builtin.qa.serve.generate import Generator

    generator = Generator(model, featurizer, vocab, 0.0)
    texts = [" ".join(t) for t in tokens]
    ids, logps = generator.decode(texts)
    good = np.array(
        [
            label != REJECT and vocab.text(row) in bank.answers(label)
            for row, label in zip(ids, labels.tolist(), strict=True)
        ]
    )
    said = np.array([bool(vocab.text(row)) for row in ids])
    best, best_gain = float(logps.min(initial=0.0)) - 1e-3, -np.inf
    for cut in np.unique(logps):
        kept = said & (logps >= cut)
        gain = int((kept & good).sum()) - int((kept & ~good).sum())
        if gain > best_gain:
            best, best_gain = float(cut), gain
    inside = labels != REJECT
    kept = said & (logps >= best)
    metrics = {
        "val_generate_accuracy": round(float(good[inside].mean()), 4) if inside.any() else 0.0,
        "val_generate_answered_correct": round(float((good & kept)[inside].mean()), 4)
        if inside.any()
        else 0.0,
        "val_negatives_fallback": round(float((~kept)[~inside].mean()), 4)
        if (~inside).any()
        else 0.0,
    }
    return best, metrics
