"""Model publishing across workers on a real Redis: publish and fetch verify every byte, a
responder swaps models between messages without dropping one, and watchers follow the
published version (or refuse it and keep serving). Model A is the session's tiny model, model B
the shop FAQ (tests/conftest.py); the Redis-only tests use small hand-made model directories."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import shutil
import sys
import time
import uuid
from pathlib import Path

import pytest

from chatcore.builtin.qa.errors import ModelFormatError
from chatcore.builtin.qa.model import modeldir
from chatcore.builtin.qa.serve.responder import QAResponder, QASettings
from chatcore.builtin.workers import models
from chatcore.builtin.workers.models import ModelPublishError, ModelWatcher
from chatcore.errors import ChatcoreError
from chatcore.types import Message

A_QUESTION, A_ANSWER = "what is the capital of france", "Paris."
B_QUESTION, B_ANSWER = "do you rent bikes", "Yes, we rent city bikes by the day."


@pytest.fixture
async def client(redis_url):
    import redis.asyncio as aioredis

    client = aioredis.from_url(redis_url)  # bytes: no decode_responses
    yield client
    await client.aclose()


@pytest.fixture
def prefix() -> str:
    return f"test:{uuid.uuid4().hex}:"


def fake_model(path: Path, tag: str) -> Path:
    """A complete, valid model directory as far as hashes go (no network inside): enough for
    publishing and fetching, which never load it."""
    path.mkdir(parents=True)
    for name in modeldir.FILES:
        (path / name).write_bytes(f"{name} of {tag}".encode())
    hashes = {n: hashlib.sha256((path / n).read_bytes()).hexdigest() for n in modeldir.FILES}
    metadata = {"format_version": modeldir.FORMAT_VERSION, "files": hashes}
    (path / modeldir.METADATA).write_text(json.dumps(metadata), encoding="utf-8")
    return path


def tampered_copy(model_dir: Path, to: Path) -> Path:
    shutil.copytree(model_dir, to)
    answers = to / "answers.json"
    data = bytearray(answers.read_bytes())
    data[len(data) // 2] ^= 0x01
    answers.write_bytes(bytes(data))
    return to


def model_files(path: Path) -> dict[str, bytes]:
    """What is published: the files the metadata lists, the metadata, and the NumPy fast-path
    entry if there is one (never other files beside them, e.g. a training-curve picture that
    ``chatcore eval`` writes next to the model)."""
    from chatcore.builtin.workers.models import FAST_PATH

    metadata = json.loads((path / modeldir.METADATA).read_text(encoding="utf-8"))
    names = {modeldir.METADATA, *modeldir.listed_files(metadata)}
    names |= {p.name for p in path.iterdir() if FAST_PATH.fullmatch(p.name)}
    return {name: (path / name).read_bytes() for name in names}


async def corrupt_in_redis(client, prefix: str, version: str, name: str = "answers.json"):
    key = f"{prefix}model:files:{version}"
    data = bytearray(await client.hget(key, name))
    data[0] ^= 0x01
    await client.hset(key, name, bytes(data))


# publishing and fetching


async def test_publish_then_fetch_gives_the_same_files(client, prefix, tiny_model_dir, tmp_path):
    source = tmp_path / "a"
    shutil.copytree(tiny_model_dir, source)
    (source / ".fastpath-0123-4567.npz").write_bytes(b"a cache, not part of the model")
    version = await models.publish(client, prefix, source)
    assert version == models.model_version(source) == modeldir.version(tiny_model_dir)
    assert len(version) == 16 and int(version, 16) >= 0
    assert await models.current(client, prefix) == version
    stored = await client.hkeys(f"{prefix}model:files:{version}")
    assert sorted(n.decode() for n in stored) == sorted(model_files(tiny_model_dir))
    fetched = await models.fetch(client, prefix, version, tmp_path / "cache")
    assert fetched == tmp_path / "cache" / version
    assert model_files(fetched) == model_files(tiny_model_dir)
    assert [p.name for p in (tmp_path / "cache").iterdir()] == [version]  # no temporary left
    info = await client.hgetall(f"{prefix}model:info:{version}")
    assert int(info[b"files"]) == len(stored) and int(info[b"size"]) > 0
    assert abs(float(info[b"published_at"]) - time.time()) < 60
    assert await models.publish(client, prefix, source) == version  # stable


async def test_a_tampered_or_incomplete_directory_is_refused_by_publish(client, prefix, tmp_path):
    good = fake_model(tmp_path / "good", "good")
    bad = tampered_copy(good, tmp_path / "bad")
    with pytest.raises(ModelPublishError, match=r"bad.*refused.*answers\.json"):
        await models.publish(client, prefix, bad)
    (good / "vocab.json").unlink()
    with pytest.raises(ModelPublishError, match=r"good.*vocab\.json.*missing"):
        await models.publish(client, prefix, good)
    with pytest.raises(ModelPublishError, match="no trained model"):
        await models.publish(client, prefix, tmp_path / "nothing")
    assert await models.current(client, prefix) is None
    assert await client.keys(f"{prefix}*") == []


async def test_a_real_model_with_a_changed_byte_is_refused(
    client, prefix, tiny_model_dir, tmp_path
):
    bad = tampered_copy(tiny_model_dir, tmp_path / "bad")
    with pytest.raises(ModelPublishError, match=r"answers\.json"):
        await models.publish(client, prefix, bad)
    assert await models.current(client, prefix) is None


async def test_a_corrupt_or_missing_version_is_refused_by_fetch(client, prefix, tmp_path):
    version = await models.publish(client, prefix, fake_model(tmp_path / "m", "m"))
    await corrupt_in_redis(client, prefix, version)
    cache = tmp_path / "cache"
    with pytest.raises(ModelPublishError, match=rf"{version}.*answers\.json"):
        await models.fetch(client, prefix, version, cache)
    assert not cache.exists()  # refused before anything was written
    with pytest.raises(ModelPublishError, match=r"0123456789abcdef.*not in Redis"):
        await models.fetch(client, prefix, "0123456789abcdef", cache)
    with pytest.raises(ModelPublishError, match="not a version"):
        await models.fetch(client, prefix, "../../etc", cache)


async def test_corrupt_metadata_in_redis_is_refused(client, prefix, tmp_path):
    version = await models.publish(client, prefix, fake_model(tmp_path / "m", "m"))
    await corrupt_in_redis(client, prefix, version, "metadata.json")
    with pytest.raises(ModelPublishError, match=f"{version}.*metadata"):
        await models.fetch(client, prefix, version, tmp_path / "cache")


async def test_fetch_reuses_a_sound_copy_and_replaces_a_broken_one(client, prefix, tmp_path):
    version = await models.publish(client, prefix, fake_model(tmp_path / "m", "m"))
    cache = tmp_path / "cache"
    path = await models.fetch(client, prefix, version, cache)
    await client.delete(f"{prefix}model:files:{version}")
    assert await models.fetch(client, prefix, version, cache) == path  # Redis not needed
    await models.publish(client, prefix, tmp_path / "m")
    (path / "vocab.json").write_bytes(b"broken")
    assert await models.fetch(client, prefix, version, cache) == path
    assert model_files(path) == model_files(tmp_path / "m")


async def test_keep_drops_old_versions_but_never_the_current(client, prefix, tmp_path):
    published = []
    for tag in "abcd":
        version = await models.publish(client, prefix, fake_model(tmp_path / tag, tag), keep=2)
        published.append(version)
    assert len(set(published)) == 4
    assert await models.versions(client, prefix) == published[2:]
    for old in published[:2]:
        assert not await client.exists(f"{prefix}model:files:{old}", f"{prefix}model:info:{old}")
    assert await models.current(client, prefix) == published[-1]
    assert await models.publish(client, prefix, tmp_path / "a", keep=1) == published[0]
    assert await models.versions(client, prefix) == [published[0]]  # republished: a rollback
    with pytest.raises(ValueError, match="keep"):
        await models.publish(client, prefix, tmp_path / "a", keep=0)


def test_importing_the_module_imports_no_tensorflow():
    import subprocess

    code = (
        "import sys, chatcore.builtin.workers.models; "
        "sys.exit('tensorflow' in sys.modules or 'keras' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


# the responder's swap


async def started(model_dir: Path, **settings) -> QAResponder:
    responder = QAResponder(QASettings(seed=1, **settings), model_dir)
    await responder.start()
    await responder.ready()
    return responder


async def ask(responder: QAResponder, text: str, chat: str = "c"):
    return await responder.respond(Message("t", chat, "u", text), [])


async def test_swap_answers_from_the_new_model(tiny_model_dir, shop_model_dir):
    responder = QAResponder(QASettings(seed=1), tiny_model_dir)
    assert responder.model_version is None
    await responder.start()
    await responder.ready()
    assert responder.model_version == modeldir.version(tiny_model_dir)
    assert (await ask(responder, A_QUESTION)).text == A_ANSWER
    began = time.perf_counter()
    await responder.swap_model(shop_model_dir)
    took = time.perf_counter() - began
    assert (await ask(responder, B_QUESTION)).text == B_ANSWER
    assert (await ask(responder, A_QUESTION)).text != A_ANSWER
    assert responder.model_version == modeldir.version(shop_model_dir)
    assert responder.model_dir == shop_model_dir
    await responder.swap_model(tiny_model_dir)  # and back
    assert (await ask(responder, A_QUESTION)).text == A_ANSWER
    await responder.close()
    assert responder._executor is None and responder._batcher is None
    logging.getLogger(__name__).info("swap took %.3f s", took)


async def test_a_failing_swap_leaves_the_old_model_serving(
    tiny_model_dir, shop_model_dir, tmp_path, monkeypatch
):
    responder = await started(tiny_model_dir)
    version = responder.model_version
    with pytest.raises(ModelFormatError, match=r"answers\.json"):
        await responder.swap_model(tampered_copy(shop_model_dir, tmp_path / "bad"))
    with pytest.raises(ChatcoreError, match="no trained model"):
        await responder.swap_model(tmp_path / "missing")

    class Mute:  # loads, but answers no question
        def predict_many(self, texts):
            return []

    from chatcore.builtin.qa.serve import responder as module

    monkeypatch.setattr(module, "_load_answerer", lambda settings, path: (Mute(), "f" * 16))
    with pytest.raises(ModelFormatError, match="0 answers for 1 question"):
        await responder.swap_model(shop_model_dir)
    assert (await ask(responder, A_QUESTION)).text == A_ANSWER
    assert (responder.model_version, responder.model_dir) == (version, tiny_model_dir)
    await responder.close()


async def test_questions_in_flight_during_a_swap_are_all_answered(tiny_model_dir, shop_model_dir):
    """40 chats ask without pause while the model is swapped: none fails, each reply is model
    A's or model B's, and every question asked after swap_model returned gets B's."""
    responder = await started(tiny_model_dir, top_k=1)
    questions = [A_QUESTION, B_QUESTION, "how much are helmets", "who wrote hamlet"]
    swapped = asyncio.Event()
    replies: list[tuple[str, bool, object]] = []

    async def chat(index: int) -> None:
        last = False
        while not last:
            last = swapped.is_set()
            question = questions[index % len(questions)]
            replies.append((question, last, await ask(responder, question, f"c{index}")))

    async def swap() -> None:
        await asyncio.sleep(0.01)  # the chats are asking by now
        await responder.swap_model(shop_model_dir)
        swapped.set()

    predict_a = (await responder._ensure_loading()).predict_many
    await asyncio.gather(swap(), *(chat(i) for i in range(40)))
    predict_b = (await responder._ensure_loading()).predict_many
    await responder.close()
    a, b = (
        {q: p for q, p in zip(questions, f(questions), strict=True)} for f in (predict_a, predict_b)
    )
    assert all(a[q].confidence != pytest.approx(b[q].confidence, abs=1e-4) for q in questions)
    for question, after, reply in replies:
        by_b = reply.confidence == pytest.approx(b[question].confidence, abs=1e-4)
        by_a = reply.confidence == pytest.approx(a[question].confidence, abs=1e-4)
        assert by_b if after else by_a or by_b, (question, after, reply)
    assert sum(after for _, after, _ in replies) == 40
    before = [r for _, after, r in replies if not after]
    assert len(before) > 40  # questions were answered by A while B loaded


async def test_close_after_swaps_and_a_swap_racing_close(tiny_model_dir, shop_model_dir):
    responder = await started(tiny_model_dir)
    await responder.swap_model(shop_model_dir)
    await responder.swap_model(tiny_model_dir)
    await responder.close()
    with pytest.raises(RuntimeError, match="closed"):
        await responder.swap_model(shop_model_dir)

    responder = await started(tiny_model_dir)
    swapping = asyncio.create_task(responder.swap_model(shop_model_dir))
    while responder._swapping is None:
        await asyncio.sleep(0.001)
    await responder.close()
    with pytest.raises(RuntimeError, match="closed"):
        await swapping
    assert (responder._executor, responder._loading, responder._batcher) == (None, None, None)
    assert responder.model_dir == tiny_model_dir
    with pytest.raises(RuntimeError, match="closed"):
        await ask(responder, A_QUESTION)


# watchers


async def test_two_workers_follow_the_published_model(
    client, prefix, tiny_model_dir, shop_model_dir, tmp_path, caplog
):
    workers = [await started(tiny_model_dir) for _ in range(2)]
    events: list[tuple[int, str, str]] = []
    watchers = [
        ModelWatcher(
            client,
            prefix,
            tmp_path / f"cache{i}",
            lambda path, version, r=responder: r.swap_model(path),
            on_event=lambda kind, version, i=i: events.append((i, kind, version)),
            applied=responder.model_version,
        )
        for i, responder in enumerate(workers)
    ]
    assert [await w.check_once() for w in watchers] == [None, None]  # nothing published
    version_b = await models.publish(client, prefix, shop_model_dir)
    assert [await w.check_once() for w in watchers] == ["applied", "applied"]
    for responder in workers:
        assert responder.model_version == version_b
        assert (await ask(responder, B_QUESTION)).text == B_ANSWER
    assert events == [(0, "applied", version_b), (1, "applied", version_b)]
    assert [await w.check_once() for w in watchers] == [None, None]

    with pytest.raises(ModelPublishError):  # an invalid model never reaches the workers
        await models.publish(client, prefix, tampered_copy(tiny_model_dir, tmp_path / "bad"))
    assert await models.current(client, prefix) == version_b

    version_a = await models.publish(client, prefix, tiny_model_dir)
    await corrupt_in_redis(client, prefix, version_a)  # damaged after it was published
    with caplog.at_level(logging.ERROR, logger="chatcore.builtin.workers.models"):
        assert [await w.check_once() for w in watchers] == ["refused", "refused"]
    assert [version_a in r.getMessage() for r in caplog.records] == [True, True]
    assert [await w.check_once() for w in watchers] == [None, None]  # not retried every poll
    for watcher, responder in zip(watchers, workers, strict=True):
        assert (watcher.applied, watcher.refused) == (version_b, version_a)
        assert responder.model_version == version_b
        assert (await ask(responder, B_QUESTION)).text == B_ANSWER
    assert events[2:] == [(0, "refused", version_a), (1, "refused", version_a)]
    for responder in workers:
        await responder.close()


async def test_a_failing_swap_is_refused_once_and_a_newer_version_applies(client, prefix, tmp_path):
    calls: list[str] = []

    async def swap(path: Path, version: str) -> None:
        calls.append(version)
        if (path / "vocab.json").read_bytes().endswith(b"bad"):
            raise ModelFormatError(f"{path}: does not load")

    watcher = ModelWatcher(client, prefix, tmp_path / "cache", swap)
    bad = await models.publish(client, prefix, fake_model(tmp_path / "bad", "bad"))
    assert await watcher.check_once() == "refused"
    assert await watcher.check_once() is None
    good = await models.publish(client, prefix, fake_model(tmp_path / "good", "good"))
    assert await watcher.check_once() == "applied"
    assert calls == [bad, good]
    assert (watcher.applied, watcher.refused) == (good, None)


class Flaky:
    """A Redis client that is unreachable while ``down`` is set."""

    def __init__(self, client):
        self.client = client
        self.down = False

    def __getattr__(self, name):
        if self.down:
            from redis.exceptions import ConnectionError

            raise ConnectionError("Connection refused")
        return getattr(self.client, name)


async def test_the_watcher_survives_a_redis_outage(client, prefix, tmp_path, caplog):
    flaky = Flaky(client)
    applied = asyncio.Event()

    async def swap(path: Path, version: str) -> None:
        applied.set()

    watcher = ModelWatcher(flaky, prefix, tmp_path / "cache", swap, poll_seconds=0.005)
    flaky.down = True
    with caplog.at_level(logging.INFO, logger="chatcore.builtin.workers.models"):
        running = asyncio.create_task(watcher.run())
        await asyncio.sleep(0.1)  # many polls, one error line
        flaky.down = False
        version = await models.publish(client, prefix, fake_model(tmp_path / "m", "m"))
        await asyncio.wait_for(applied.wait(), 5)
        running.cancel()
        with pytest.raises(asyncio.CancelledError):
            await running
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and "Connection refused" in errors[0].getMessage()
    assert watcher.applied == version


async def test_the_fast_path_travels_with_the_model_and_is_checked(
    client, prefix, tmp_path, tiny_model_dir
):
    """A model's NumPy fast path is published with it (a worker then swaps without Keras);
    one whose bytes do not match the hash in its name is refused on fetch."""
    from chatcore.builtin.qa.serve.predictor import Predictor
    from chatcore.builtin.workers import models

    Predictor.load(tiny_model_dir)  # a load leaves the fast path beside the model
    entries = [p.name for p in tiny_model_dir.iterdir() if models.FAST_PATH.fullmatch(p.name)]
    assert entries
    version = await models.publish(client, prefix, tiny_model_dir)
    fetched = await models.fetch(client, prefix, version, tmp_path / "a")
    assert (fetched / entries[0]).read_bytes() == (tiny_model_dir / entries[0]).read_bytes()
    await corrupt_in_redis(client, prefix, version, entries[0])
    with pytest.raises(models.ModelPublishError, match="does not match the hash"):
        await models.fetch(client, prefix, version, tmp_path / "b")


# the cache of fetched versions


def version_dirs(cache: Path, *names: str) -> list[Path]:
    made = [cache / name for name in names]
    for path in made:
        path.mkdir(parents=True)
        (path / "metadata.json").write_text("{}", encoding="utf-8")
    return made


def test_prune_cache_removes_only_version_directories_not_kept(tmp_path):
    cache = tmp_path / "cache"
    kept = ["0" * 16, "1" * 16]
    old = ["a" * 16, "b" * 16]
    version_dirs(cache, *kept, *old)
    others = version_dirs(
        cache,
        f".{'c' * 16}.tmp-x1y2",  # a fetch in progress
        f".{'d' * 16}.old-42",  # a broken copy being replaced
        "e" * 15,  # not a version id: too short, upper case, not hex, or longer
        "E" * 16,
        "g" * 16,
        "f" * 17,
        "default",
    )
    (cache / ("9" * 16)).write_text("a file, not a directory", encoding="utf-8")
    outside = version_dirs(tmp_path, "elsewhere")[0]
    (cache / ("8" * 16)).symlink_to(outside, target_is_directory=True)
    assert models.prune_cache(cache, set(kept)) == old
    assert sorted(p.name for p in cache.iterdir()) == sorted(
        [*kept, *(p.name for p in others), "9" * 16, "8" * 16]
    )
    assert (outside / "metadata.json").is_file()  # the link's target is untouched
    assert models.prune_cache(cache, set(kept)) == []
    assert models.prune_cache(tmp_path / "none", set()) == []  # no cache yet


def test_prune_cache_leaves_a_directory_younger_than_min_age(tmp_path):
    import os

    cache = tmp_path / "cache"
    young, aged = version_dirs(cache, "a" * 16, "b" * 16)
    hour_ago = time.time() - 3600
    os.utime(aged, (hour_ago, hour_ago))
    assert models.prune_cache(cache, set(), min_age=600) == [aged.name]
    assert young.is_dir() and not aged.exists()


async def test_the_watcher_keeps_the_applied_and_the_previous_version_cached(
    client, prefix, tmp_path
):
    swapped: list[str] = []

    async def swap(path: Path, version: str) -> None:
        swapped.append(version)

    cache = tmp_path / "cache"
    watcher = ModelWatcher(client, prefix, cache, swap)
    assert watcher.prune_min_age == models.PRUNE_MIN_AGE > 0
    watcher.prune_min_age = 0  # as if every copy were old enough
    published = []
    for tag in "abc":
        published.append(await models.publish(client, prefix, fake_model(tmp_path / tag, tag)))
        assert await watcher.check_once() == "applied"
    assert swapped == published
    assert sorted(p.name for p in cache.iterdir()) == sorted(published[1:])

    bad = await models.publish(client, prefix, fake_model(tmp_path / "bad", "bad"))
    await corrupt_in_redis(client, prefix, bad)
    assert await watcher.check_once() == "refused"  # a refusal prunes nothing
    assert sorted(p.name for p in cache.iterdir()) == sorted(published[1:])

    young = ModelWatcher(client, prefix, cache, swap, applied=published[2])
    await models.publish(client, prefix, tmp_path / "a")  # a rollback to a
    assert await young.check_once() == "applied"
    assert sorted(p.name for p in cache.iterdir()) == sorted(published)  # b is too young


# chatcore model status


def test_model_status_shows_every_stored_version(redis_url, prefix, tmp_path):
    import json
    from datetime import UTC, datetime

    import redis.asyncio as aioredis
    from click.testing import CliRunner

    from chatcore.cli import build_cli

    config = tmp_path / "workers.yaml"
    config.write_text(
        f"data_dir: {tmp_path / 'home'}\nstore: redis\n"
        f"redis:\n  url: {redis_url}\n  key_prefix: '{prefix}'\n",
        encoding="utf-8",
    )

    def status(*extra: str) -> str:
        args = ["model", "status", "-c", str(config), *extra]
        result = CliRunner().invoke(build_cli(args), args, catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.output

    assert status() == "current: none\nversions: none\n"
    assert json.loads(status("--json")) == {"current": None, "versions": []}

    async def publish_two() -> tuple[list[str], list[dict[bytes, bytes]]]:
        client = aioredis.from_url(redis_url)
        try:
            published = [
                await models.publish(client, prefix, fake_model(tmp_path / tag, tag))
                for tag in "ab"
            ]
            infos = [await client.hgetall(f"{prefix}model:info:{v}") for v in published]
            assert await models.info(client, prefix, published[0]) == {
                "published_at": float(infos[0][b"published_at"]),
                "size": int(infos[0][b"size"]),
                "files": int(infos[0][b"files"]),
            }
            assert await models.info(client, prefix, "0" * 16) is None
            return published, infos
        finally:
            await client.aclose()

    (old, new), infos = asyncio.run(publish_two())
    expected = [
        {
            "version": version,
            "published_at": datetime.fromtimestamp(float(info[b"published_at"]), UTC).isoformat(
                timespec="seconds"
            ),
            "size": int(info[b"size"]),
            "files": int(info[b"files"]),
        }
        for version, info in zip((old, new), infos, strict=True)
    ]
    shown = json.loads(status("--json"))
    assert shown == {"current": new, "versions": expected}
    stamp = datetime.fromisoformat(shown["versions"][0]["published_at"])
    assert stamp.utcoffset().total_seconds() == 0 and abs(stamp.timestamp() - time.time()) < 60
    assert expected[0]["files"] == len(modeldir.FILES) + 1  # the files and the metadata
    size = expected[0]["size"]
    assert 0 < size < 1000

    lines = status().splitlines()
    assert lines[:2] == [f"current: {new}", "versions:"]
    for line, entry in zip(lines[2:], expected, strict=True):
        published = entry["published_at"]
        assert line.startswith(f"  {entry['version']}  published {published}  ")
        assert f"  {entry['size']} B  {entry['files']} files" in line
    assert lines[3].endswith("(current)") and not lines[2].endswith("(current)")
