"""Every test gets its own data directory: nothing reads or writes the user's real models,
conversations or REPL history (a test may still point CHATCORE_HOME elsewhere). The tiny QA
model is trained once per session, for every test module that needs one. Tests are marked
(slow, redis, tf, pty, e2e) by what they use: tests/markers.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from chatcore.tfquiet import quiet_tensorflow
from tests import markers
from tests.tiny import tiny_pairs, tiny_settings

quiet_tensorflow()  # before any test imports TensorFlow


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    markers.apply(items)  # `make test-fast` deselects them: -m 'not (slow or redis or ...)'


@pytest.fixture(autouse=True)
def _isolated_chatcore_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch) -> None:
    monkeypatch.setenv("CHATCORE_HOME", str(tmp_path_factory.mktemp("chatcore-home")))
    monkeypatch.delenv("CHATCORE_CONFIG", raising=False)


@pytest.fixture(autouse=True)
def _logging_as_it_was():
    """Logging's record factory and library levels are process-wide; a test that runs a
    command in-process installs chatcore's masking (chatcore.logmask) or a token filter, and
    the next test must not inherit them."""
    import logging

    from chatcore.logmask import PAYLOAD_LOGGERS

    factory = logging.getLogRecordFactory()
    levels = {name: logging.getLogger(name).level for name in PAYLOAD_LOGGERS}
    yield
    logging.setLogRecordFactory(factory)
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """A real redis-server for the session, on a free loopback port (tests/redis_server.py);
    tests keep apart by key prefix. Fails loudly when redis-server is not installed."""
    from tests.redis_server import RedisServer

    try:
        server = RedisServer().start()
    except RuntimeError as exc:
        pytest.fail(str(exc))
    yield server.url
    server.kill()


@pytest.fixture(scope="session")
def tiny_trained():
    from chatcore.builtin.qa.train.training import train

    return train(tiny_pairs(), tiny_settings())


@pytest.fixture(scope="session")
def tiny_model_dir(tiny_trained, tmp_path_factory) -> Path:
    from chatcore.builtin.qa.model import modeldir

    return modeldir.save(tiny_trained, tmp_path_factory.mktemp("models") / "tiny")


@pytest.fixture(scope="session")
def tiny_predictor(tiny_model_dir):
    from chatcore.builtin.qa.serve.predictor import Predictor

    return Predictor.load(tiny_model_dir)


SHOP = Path(__file__).parent / "qa" / "fixtures" / "shop.yml"


@pytest.fixture(scope="session")
def shop_model_dir(tmp_path_factory) -> Path:
    """A tiny shop FAQ (English and Chinese) whose price questions differ only by topic, so
    "how much?" means one of them only in context (tests of follow-up questions)."""
    from chatcore.builtin.qa.data import hygiene, sources
    from chatcore.builtin.qa.model import modeldir
    from chatcore.builtin.qa.train.training import train

    pairs = hygiene.check(sources.load_file(SHOP)).kept
    trained = train(pairs, tiny_settings(ensemble=1))
    return modeldir.save(trained, tmp_path_factory.mktemp("models") / "shop")
