"""The answer-selection network: Embedding -> BiLSTM -> attention pooling, beside a bag of
character n-grams and the pretrained sentence encoder's vector of the text, -> Dense -> cosine
softmax over the answer bank (logits out; softmax at inference).

The LSTM and the subwords learn the owner's wording (typos, the data's own words); the sentence
vector brings what the data cannot teach (synonyms, abbreviations, other phrasings, the other
language), learned from far more text than any FAQ.

Several such networks, trained apart from different seeds, make an ensemble
(``combine``): one model whose output is the mean of their calibrated probabilities.

Inputs have no fixed length and padding (id 0) is masked, so training can feed batches
bucketed by length (a third of the LSTM steps on the default data) and padding never changes
an answer."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator


class ModelConfig(BaseModel):
    """Sizes and switches of the network; stored in the model directory's settings."""

    model_config = ConfigDict(extra="forbid")

    embed_dim: int = Field(96, ge=4)
    lstm_units: int = Field(96, ge=4)
    gram_dim: int = Field(96, ge=4)
    hidden: int = Field(256, ge=4)
    dropout: float = Field(0.3, ge=0, lt=1)
    cosine_scale: float = Field(
        4.0,
        gt=0,
        description="logits = scale x cosine. Small beside the retrieval head (scale 16), so "
        "the network corrects the encoder's choice rather than overrules it (data/dev: 4 beat "
        "16 and 2); 16 suits a network without the head",
    )
    use_lstm: bool = True
    use_grams: bool = True
    use_sentence: bool = Field(True, description="the pretrained sentence encoder's vector")
    retrieval: bool = Field(
        True, description="logits from the encoder's nearest known texts, added to the network's"
    )
    retrieval_scale: float = Field(
        16.0, gt=0, description="the retrieval head's initial scale (it is learned)"
    )
    retrieval_answers: bool = Field(
        False, description="answers count as known texts of their class for the retrieval"
    )

    @model_validator(mode="after")
    def _reads_something(self) -> ModelConfig:
        if not (self.use_lstm or self.use_grams or self.use_sentence):
            raise ValueError("the network needs use_lstm, use_grams or use_sentence")
        return self


def build_model(
    config: ModelConfig,
    vocab_size: int,
    buckets: int,
    classes: int,
    sentence_dim: int = 0,
    retrieval_keys: int = 0,
) -> Any:
    """A compiled-ready Keras model with inputs ``words``, ``grams`` (and ``sentence`` when
    ``sentence_dim``) and logits out."""
    import keras

    from chatcore.builtin.qa.model.layers import (
        AttentionPooling,
        BagEmbedding,
        CosineClassifier,
        NearestKnown,
    )

    words = keras.Input((None,), dtype="int32", name="words")
    grams = keras.Input((None,), dtype="int32", name="grams")
    parts = []
    if config.use_lstm:
        embedded = keras.layers.Embedding(
            vocab_size, config.embed_dim, mask_zero=True, name="word_embedding"
        )(words)
        lstm = keras.layers.LSTM(config.lstm_units, return_sequences=True)
        encoded = keras.layers.Bidirectional(lstm, name="encoder")(embedded)
        parts.append(AttentionPooling(64, name="attention")([encoded, words]))
    if config.use_grams:
        parts.append(BagEmbedding(buckets, config.gram_dim, name="subwords")(grams))
    inputs = [words, grams]
    if sentence_dim:
        inputs.append(keras.Input((sentence_dim,), dtype="float32", name="sentence"))
        if config.use_sentence:
            parts.append(inputs[-1])
    x = parts[0] if len(parts) == 1 else keras.layers.Concatenate(name="features")(parts)
    x = keras.layers.Dropout(config.dropout)(x)
    x = keras.layers.Dense(config.hidden, activation="relu", name="hidden")(x)
    x = keras.layers.Dropout(config.dropout)(x)
    logits = CosineClassifier(classes, config.cosine_scale, name="answer_logits")(x)
    if retrieval_keys:
        nearest = NearestKnown(
            retrieval_keys, classes, sentence_dim, config.retrieval_scale, name="nearest_known"
        )
        logits = keras.layers.Add(name="with_retrieval")([logits, nearest(inputs[-1])])
    return keras.Model(inputs, logits, name="chatcore_qa")


def combine(members: list[Any], temperatures: list[float]) -> Any:
    """One Keras model answering with the mean of the members' calibrated probabilities (as
    log-probabilities); a single member is returned as it is."""
    if len(members) == 1:
        return members[0]
    import keras

    from chatcore.builtin.qa.model.layers import EnsembleMean

    inputs = [
        keras.Input(tensor.shape[1:], dtype=tensor.dtype, name=tensor.name.split(":")[0])
        for tensor in members[0].inputs
    ]
    copies = [inference_copy(member, f"member_{i}") for i, member in enumerate(members)]
    logits = [copy(inputs) for copy in copies]
    mean = EnsembleMean(temperatures, name="ensemble")(logits)
    return keras.Model(inputs, mean, name="chatcore_qa_ensemble")


def inference_copy(model: Any, name: str | None = None) -> Any:
    """A model with the same weights and no training state: the optimizer's would triple
    the file's size (``clone_model`` compiles its copy again, so it is not used)."""
    import keras

    copy = keras.Model.from_config(model.get_config())
    copy.set_weights(model.get_weights())
    if name:
        copy.name = name
    return copy
