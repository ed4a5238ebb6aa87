"""The generation head: an attention LSTM decoder on the selection model's encoder.

Trained as a second stage with teacher forcing on the same pairs: the word embedding, the
BiLSTM encoder and the attention pooling are the selection model's own layers, frozen, so the
two heads share one encoder (the generator's file holds a copy of those weights). Layers are
named so inference (qa.serve.generate) rebuilds the encoder and a one-step decoder from
them, as in keras-io's lstm_seq2seq example.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from chatcore.language import is_cjk

PAD, OOV, START, END = 0, 1, 2, 3
SPECIAL = 4
_TOKEN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]|[^\W\u3400-\u9fff\uf900-\ufaff]+|[^\w\s]")
_NO_SPACE_BEFORE = set(".,!?;:%)]}'\"…。，！？；：、）")
_NO_SPACE_AFTER = set("([{'\"$#（")


class DecoderConfig(BaseModel):
    """Sizes and training of the generation head; stored with the training settings."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    units: int = Field(128, ge=4)
    embed_dim: int = Field(64, ge=4)
    max_len: int = Field(32, ge=2, description="answer tokens generated at most (END included)")
    max_vocab: int = Field(8000, ge=8)
    copies: int = Field(0, ge=0, description="noisy copies of each question for the decoder")
    epochs: int = Field(25, ge=1)
    patience: int = Field(2, ge=1)
    batch_size: int = Field(32, ge=1)
    learning_rate: float = Field(1e-2, gt=0)


def answer_tokens(text: str) -> list[str]:
    """Answer text -> tokens that keep case and punctuation (CJK by character)."""
    return _TOKEN.findall(text)


def _is_cjk(token: str) -> bool:
    """A token that is one Han character (written without spaces around it)."""
    return len(token) == 1 and is_cjk(token)


def detokenize(tokens: list[str]) -> str:
    """Best-effort inverse of ``answer_tokens`` for sequences not seen in training."""
    out = ""
    for prev, token in zip(["", *tokens], tokens, strict=False):
        glue = (
            not prev
            or _is_cjk(prev)
            or _is_cjk(token)
            or token in _NO_SPACE_BEFORE
            or prev in _NO_SPACE_AFTER
        )
        out += token if glue else " " + token
    return out


@dataclass
class TargetVocab:
    """The decoder's output vocabulary and the exact texts of the training answers (so a
    generated sequence equal to a known answer's tokens reads exactly like it)."""

    tokens: list[str] = field(default_factory=list)
    max_len: int = 32
    known: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._index = {t: i + SPECIAL for i, t in enumerate(self.tokens)}

    @classmethod
    def fit(cls, answers: list[str], max_vocab: int, max_len: int) -> TargetVocab:
        counts = Counter(t for a in answers for t in answer_tokens(a))
        tokens = sorted(counts, key=lambda t: (-counts[t], t))[: max_vocab - SPECIAL]
        vocab = cls(tokens, max_len)
        vocab.known = {vocab._key(vocab.ids(a)): a for a in sorted(set(answers))}
        return vocab

    @property
    def size(self) -> int:
        return len(self.tokens) + SPECIAL

    def ids(self, text: str) -> list[int]:
        ids = [self._index.get(t, OOV) for t in answer_tokens(text)]
        return [*ids[: self.max_len - 1], END]

    @staticmethod
    def _key(ids: list[int]) -> str:
        return " ".join(map(str, ids))

    def teacher_arrays(self, answers: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Decoder inputs (START + answer) and targets (answer + END), zero-padded."""
        inputs = np.zeros((len(answers), self.max_len), np.int32)
        targets = np.zeros((len(answers), self.max_len), np.int32)
        for row, answer in enumerate(answers):
            ids = self.ids(answer)
            targets[row, : len(ids)] = ids
            inputs[row, : len(ids)] = [START, *ids[:-1]]
        return inputs, targets

    def text(self, ids: list[int]) -> str:
        """Generated ids (up to and including END) -> text."""
        known = self.known.get(self._key(ids))
        if known is not None:
            return known
        words = [self.tokens[i - SPECIAL] for i in ids if i >= SPECIAL]
        return detokenize(words)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TargetVocab:
        return cls(**data)


def build_generator(
    selection: Any, config: DecoderConfig, vocab_size: int, max_words: int, max_len: int
) -> Any:
    """The teacher-forcing training model: inputs ``words`` and ``decoder_in``, logits out.
    Reuses (and freezes) the selection model's encoder layers."""
    import keras

    from chatcore.builtin.qa.model.gen_layers import DecoderAttention

    shared = [selection.get_layer(n) for n in ("word_embedding", "encoder", "attention")]
    for layer in shared:
        layer.trainable = False
    embedding, encoder, pooling = shared
    words = keras.Input((max_words,), dtype="int32", name="words")
    dec_in = keras.Input((max_len,), dtype="int32", name="decoder_in")
    encoded = encoder(embedding(words))
    pooled = pooling([encoded, words])
    state_h = keras.layers.Dense(config.units, activation="tanh", name="gen_init_h")(pooled)
    state_c = keras.layers.Dense(config.units, name="gen_init_c")(pooled)
    x = keras.layers.Embedding(vocab_size, config.embed_dim, name="gen_embedding")(dec_in)
    lstm = keras.layers.LSTM(config.units, return_sequences=True, name="gen_lstm")
    out = lstm(x, initial_state=[state_h, state_c])
    context = DecoderAttention(config.units, name="gen_attention")([out, encoded, words])
    both = keras.layers.Concatenate(name="gen_concat")([out, context])
    hidden = keras.layers.Dense(config.units, activation="tanh", name="gen_combine")(both)
    logits = keras.layers.Dense(vocab_size, name="gen_logits")(hidden)
    return keras.Model([words, dec_in], logits, name="chatcore_generator")
