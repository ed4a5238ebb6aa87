"""Text normalization and tokenization for English and Chinese, without a server.

Latin text is split into words (plus hashed character n-grams, so typos and unseen words still
land); CJK text is split into characters (plus character bigrams). Case, punctuation,
full-width forms, curly quotes and extra spaces never change the tokens.
"""

from __future__ import annotations

import re
import unicodedata
import zlib

from chatcore.language import is_cjk

MAX_CHARS = 2000  # longer input is cut: questions are short, and work stays bounded
_QUOTES = str.maketrans({"‘": "'", "’": "'", "‚": "'", "`": "'", "“": '"', "”": '"', "´": "'"})
_CONTRACTIONS = [
    (re.compile(r"n't\b"), " not"),
    (re.compile(r"'re\b"), " are"),
    (re.compile(r"'m\b"), " am"),
    (re.compile(r"'ll\b"), " will"),
    (re.compile(r"'ve\b"), " have"),
    (re.compile(r"'d\b"), " would"),
    (re.compile(r"\b(what|that|it|who|where|how|there|here|he|she|when|why)'s\b"), r"\1 is"),
    (re.compile(r"'s\b"), ""),
]
_SPACES = re.compile(r"\s+")


def clean(text: str) -> str:
    """The display-safe cleanup the data hygiene applies: NFKC (full-width, non-breaking
    spaces), straight quotes, single spaces, stripped."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    return _SPACES.sub(" ", text).strip()


def normalize(text: str) -> str:
    """The matching key of a text: cleaned, case-folded, simplified Chinese, contractions
    expanded. Two questions with the same key are the same question."""
    text = clean(text[:MAX_CHARS]).casefold()
    if any(is_cjk(c) for c in text):
        import zhconv  # traditional -> simplified, so both scripts share one vocabulary

        text = zhconv.convert(text, "zh-hans")
    for pattern, repl in _CONTRACTIONS:
        text = pattern.sub(repl, text)
    return text


def tokenize(text: str) -> list[str]:
    """Words for Latin text, single characters for CJK; punctuation dropped, symbols such as
    emoji kept as their own tokens."""
    tokens: list[str] = []
    word: list[str] = []
    for char in normalize(text):
        if is_cjk(char) or _is_symbol(char):
            _flush(word, tokens)
            tokens.append(char)
        elif char.isalnum():
            word.append(char)
        else:
            _flush(word, tokens)
    _flush(word, tokens)
    return tokens


def detokenize(tokens: list[str]) -> str:
    """Tokens back into text: CJK characters side by side, everything else spaced."""
    out: list[str] = []
    for token in tokens:
        if out and not (is_cjk(token[0]) and is_cjk(out[-1][-1])):
            out.append(" ")
        out.append(token)
    return "".join(out)


def reading(text: str) -> str:
    """A text as the QA model's sentence encoder reads it: tokenized and rejoined, so
    training, serving and the meaning filter make the same vector of the same message."""
    return detokenize(tokenize(text))


def _flush(word: list[str], tokens: list[str]) -> None:
    if word:
        tokens.append("".join(word))
        word.clear()


def _is_symbol(char: str) -> bool:
    return unicodedata.category(char) in ("So", "Sk") and not char.isspace()


def subword_features(tokens: list[str]) -> list[str]:
    """fastText-style features: each word, its character 3- and 4-grams with boundary marks,
    and bigrams of neighbouring CJK characters."""
    feats: list[str] = []
    for i, token in enumerate(tokens):
        feats.append(token)
        if len(token) == 1 and is_cjk(token):
            if i + 1 < len(tokens) and is_cjk(tokens[i + 1][0]):
                feats.append(token + tokens[i + 1])
            continue
        marked = f"<{token}>"
        for n in (3, 4):
            feats.extend(marked[j : j + n] for j in range(len(marked) - n + 1))
    return feats


def hash_feature(feature: str, buckets: int) -> int:
    """A stable bucket id in 1..buckets-1 (0 is padding); crc32, not hash(), so it is the same
    in every process."""
    return 1 + zlib.crc32(feature.encode("utf-8")) % (buckets - 1)


def question_key(text: str) -> str:
    """The matching key of a question: its tokens. Questions with one key are one question."""
    return " ".join(tokenize(text))
