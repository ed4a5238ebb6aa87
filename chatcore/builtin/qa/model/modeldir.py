"""The model directory: written atomically, verified on load.

Files: ``model.keras`` (native Keras format, loaded with ``safe_mode=True``), ``vocab.json``,
``answers.json``, ``settings.json``, ``history.json`` and ``metadata.json`` (format version,
data hash, training date, metrics and a SHA-256 of every other file), and with the optional
generation head ``generator.keras`` and ``generator.json`` (its vocabulary and confidence
threshold). ``model.keras`` may hold an ensemble of networks
(``chatcore.builtin.qa.model.network.combine``); the network may read the pretrained sentence
encoder's vector (``vocab.json`` says ``sentence``), and ``settings.json`` holds the similarity
gate (``min_similarity``).

One format is read: ``FORMAT_VERSION``. A directory of any other version is refused with the
command that retrains it (models of earlier versions were made with another tokenizer for the
sentence encoder and another fallback calibration, so they would answer differently).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chatcore.builtin.qa.errors import ModelFormatError
from chatcore.errors import ModelNotFoundError

FORMAT_VERSION = 5
METADATA = "metadata.json"
FILES = ("model.keras", "vocab.json", "answers.json", "settings.json", "history.json")
GENERATOR_FILES = ("generator.keras", "generator.json")
VERSION_DIGITS = 16  # hex characters of the metadata's SHA-256 in a model's version id


@dataclass
class ModelFiles:
    """What ``load`` reads: the parsed JSON files and the path of the Keras file."""

    path: Path
    metadata: dict[str, Any]
    vocab: dict[str, Any]
    answers: list[dict[str, Any]]
    settings: dict[str, Any]
    history: dict[str, list[float]]
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def keras_path(self) -> Path:
        return self.path / "model.keras"


def train_command(path: Path) -> str:
    return f"chatcore train --out {path}"


def exists(path: Path) -> bool:
    return (Path(path) / METADATA).is_file()


def format_version(path: Path) -> Any:
    """The format version a model directory says it has (None when unreadable)."""
    try:
        return json.loads((Path(path) / METADATA).read_text(encoding="utf-8")).get("format_version")
    except (OSError, ValueError, AttributeError):
        return None


def save(trained: Any, out: Path) -> Path:
    """Write every file into a temporary directory beside ``out``, then rename it into place,
    so a crash never leaves a half-written model."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    remove_leftovers(out)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    tmp.chmod(0o755)  # mkdtemp makes it private; a model directory is an ordinary one
    try:
        _write_all(trained, tmp)
        _replace_dir(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out


STALE_SECONDS = 3600  # writing a model takes seconds: a temporary one this old was abandoned


def remove_leftovers(out: Path) -> None:
    """Delete the temporary and replaced directories of saves of ``out`` that were killed
    (SIGKILL, power loss) before they could clean up; a save in progress is younger."""
    cutoff = time.time() - STALE_SECONDS
    for pattern in (f".{out.name}.tmp-*", f".{out.name}.old-*"):
        for left in out.parent.glob(pattern):
            try:
                if left.is_dir() and left.stat().st_mtime < cutoff:
                    shutil.rmtree(left, ignore_errors=True)
            except OSError:
                continue


def _write_all(trained: Any, tmp: Path) -> None:
    _without_optimizer(trained.model).save(tmp / "model.keras")
    _write_json(tmp / "vocab.json", trained.featurizer.to_dict())
    _write_json(tmp / "answers.json", trained.bank.to_list())
    settings = {
        "train": trained.settings.model_dump(),
        "temperature": trained.temperature,
        "threshold": trained.threshold,
        "min_similarity": getattr(trained, "min_similarity", 0.0),
    }
    _write_json(tmp / "settings.json", settings)
    _write_json(tmp / "history.json", trained.history)
    names = FILES
    generator = getattr(trained, "generator", None)
    if generator is not None:
        _without_optimizer(generator.model).save(tmp / "generator.keras")
        _write_json(tmp / "generator.json", generator.to_dict())
        names = FILES + GENERATOR_FILES
    metadata = {
        "format_version": FORMAT_VERSION,
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "data_hash": trained.data_hash,
        "classes": len(trained.bank),
        "metrics": trained.metrics,
        "files": {name: _sha256(tmp / name) for name in names},
    }
    _write_json(tmp / METADATA, metadata)


def _without_optimizer(model: Any) -> Any:
    """The model as inference needs it (the optimizer state would triple the file's size)."""
    if getattr(model, "optimizer", None) is None:
        return model
    from chatcore.builtin.qa.model.network import inference_copy

    return inference_copy(model)


def _replace_dir(tmp: Path, out: Path) -> None:
    old = None
    if out.exists():
        old = out.with_name(f".{out.name}.old-{os.getpid()}")
        shutil.rmtree(old, ignore_errors=True)
        os.replace(out, old)
    os.replace(tmp, out)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def version(path: Path) -> str:
    """A short stable id of a model directory: the start of its metadata's SHA-256 (the
    metadata holds every other file's hash, so it names the whole content)."""
    return version_id((Path(path) / METADATA).read_bytes())


def version_id(metadata: bytes) -> str:
    return hashlib.sha256(metadata).hexdigest()[:VERSION_DIGITS]


def listed_files(metadata: dict[str, Any]) -> tuple[str, ...]:
    """The files besides ``metadata.json`` a directory with this metadata holds and verifies."""
    hashes = metadata.get("files") or {}
    return FILES + tuple(n for n in GENERATOR_FILES if n in hashes)


def verify(path: Path) -> dict[str, Any]:
    """The metadata of a complete model directory of this format whose every file matches its
    hash (no TensorFlow needed); else ModelNotFoundError or ModelFormatError naming the file."""
    path = Path(path)
    if not exists(path):
        raise ModelNotFoundError(
            f"no trained model in {path}. Train one with:\n  {train_command(path)}"
        )
    metadata = _read_json(path / METADATA)
    if not isinstance(metadata, dict):
        raise ModelFormatError(f"{path / METADATA}: not a JSON object")
    found = metadata.get("format_version")
    if found != FORMAT_VERSION:
        raise ModelFormatError(
            f"{path / METADATA}: model format version {found!r}, this chatcore reads version "
            f"{FORMAT_VERSION}; retrain with: {train_command(path)}"
        )
    hashes = metadata.get("files")
    if not isinstance(hashes, dict):
        raise ModelFormatError(
            f"{path / METADATA}: no file hashes; retrain with: {train_command(path)}"
        )
    _verify(path, hashes, listed_files(metadata))
    return metadata


def load_files(path: Path) -> ModelFiles:
    """Read and verify a model directory (everything but the Keras weights themselves)."""
    path = Path(path)
    metadata = verify(path)
    names = listed_files(metadata)
    extra = {n: _read_json(path / n) for n in names if n.endswith(".json") and n not in FILES}
    return ModelFiles(
        path,
        metadata,
        _read_json(path / "vocab.json"),
        _read_json(path / "answers.json"),
        _read_json(path / "settings.json"),
        _read_json(path / "history.json"),
        extra,
    )


def _verify(path: Path, hashes: dict[str, str], names: tuple[str, ...] = FILES) -> None:
    for name in names:
        file = path / name
        if not file.is_file():
            raise ModelFormatError(
                f"{file}: missing from the model directory; retrain with: {train_command(path)}"
            )
        if hashes.get(name) != _sha256(file):
            raise ModelFormatError(
                f"{file}: content does not match the hash in {METADATA} (corrupt or modified)"
            )


def load_keras(files: ModelFiles, name: str = "model.keras") -> Any:
    """A Keras model of the directory, loaded with ``safe_mode=True`` (no arbitrary code from
    the file)."""
    import keras

    import chatcore.builtin.qa.model.gen_layers
    import chatcore.builtin.qa.model.layers  # noqa: F401  (both register their custom layers)

    path = files.path / name
    try:
        return keras.saving.load_model(path, safe_mode=True, compile=False)
    except Exception as exc:
        raise ModelFormatError(f"{path}: cannot load the Keras model: {exc}") from exc


def _write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelFormatError(f"{path}: missing from the model directory") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise ModelFormatError(f"{path}: not valid JSON ({exc})") from None


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
