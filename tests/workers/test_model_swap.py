"""A model published while two workers answer under load: replies come from the old model
until each worker swapped, from the new one after; none fails; a corrupt model is refused by
``chatcore model publish`` and, slipped into Redis directly, by every worker, which keep
serving the model they have."""

from __future__ import annotations

import asyncio
import itertools
import shutil
import subprocess
import sys
import time

import pytest

from tests.workers.deployment import Deployment, deliver_until_accepted, deployment_config

QUESTION = "Do you sell helmets?"
NEW_ANSWER = "Yes, we sell helmets for adults and children."  # the shop model's (model B)
UPDATE_IDS = itertools.count(50_000)


@pytest.fixture
async def qa_deployment(tmp_path, server, redis, tiny_model_dir):
    config = deployment_config(server, redis, tmp_path / "home", model_poll_seconds=0.5)
    config["responders"] = ["qa"]
    config["qa"] = {"model_dir": str(tiny_model_dir), "seed": 1}
    config["plugins"]["disabled"] = ["moderation", "repl"]
    deployed = Deployment(tmp_path, config)
    yield deployed
    await deployed.close()


def publish(deployment: Deployment, model_dir) -> subprocess.CompletedProcess:
    cli = [sys.executable, "-m", "chatcore", "model", "publish", "--model", str(model_dir)]
    cli += ["-c", str(deployment.config_path)]
    return subprocess.run(cli, env=deployment.env, capture_output=True, text=True, timeout=120)


async def versions(deployment: Deployment, names) -> set[str]:
    return {(await deployment.get(n, "/readyz"))[1]["model_version"] for n in names}


async def test_a_model_swap_under_load(server, redis, qa_deployment: Deployment, shop_model_dir):
    from chatcore.builtin.workers.models import model_version

    deployment, workers = qa_deployment, ("w1", "w2")
    await deployment.gateway()
    for name in workers:
        await deployment.worker(name)
    new = model_version(shop_model_dir)
    assert new not in await versions(deployment, workers)
    chats = range(1, 6)
    swapped_at: list[float] = []
    stop = asyncio.Event()

    async def chat_until_stopped(chat: int) -> None:
        while not stop.is_set():
            sent = len(server.texts(chat))
            message = server.message(QUESTION, user_id=chat)
            at = time.monotonic()
            await deliver_until_accepted(
                server, {"update_id": next(UPDATE_IDS), "message": message}
            )
            await server.wait_for(lambda s=sent: len(server.texts(chat)) > s, timeout=60)
            asked.setdefault(chat, []).append(at)
            await asyncio.sleep(0.2)  # a person reads the answer before asking again

    asked: dict[int, list[float]] = {}
    load = [asyncio.create_task(chat_until_stopped(c)) for c in chats]
    await asyncio.sleep(2)
    published_at = time.monotonic()  # the command starts: it loads and checks the model
    result = await asyncio.to_thread(publish, deployment, shop_model_dir)
    assert result.returncode == 0, result.stderr
    assert new in result.stdout
    landed_at = time.monotonic()  # the model is current in Redis: workers swap from here
    while await versions(deployment, workers) != {new}:
        assert time.monotonic() - landed_at < 30, "workers did not swap within 30 s"
        await asyncio.sleep(0.1)
    swapped_at.append(time.monotonic())
    await asyncio.sleep(2)
    stop.set()
    await asyncio.gather(*load)

    for chat in chats:
        replies = server.texts(chat)
        assert len(replies) == len(asked[chat])  # each question answered once
        is_new = [text == NEW_ANSWER for text in replies]
        assert is_new == sorted(is_new), f"chat {chat} went back to the old model: {replies}"
        assert not any("went wrong" in text for text in replies)
        after = [t for at, t in zip(asked[chat], replies, strict=True) if at > swapped_at[0]]
        assert after and all(text == NEW_ANSWER for text in after)
        before = [t for at, t in zip(asked[chat], replies, strict=True) if at < published_at]
        assert before and NEW_ANSWER not in before
    print(
        f"publish command {landed_at - published_at:.1f} s; "
        f"then {swapped_at[0] - landed_at:.2f} s until both workers served the new model"
    )

    # a tampered model directory is refused by publish, naming it
    tampered = deployment.tmp / "tampered"
    shutil.copytree(shop_model_dir, tampered)
    answers = tampered / "answers.json"
    answers.write_bytes(answers.read_bytes().replace(b"helmets", b"HELMETS", 1))
    refused = await asyncio.to_thread(publish, deployment, tampered)
    assert refused.returncode != 0 and str(tampered) in refused.stderr
    assert await versions(deployment, workers) == {new}

    # a corrupt version slipped into Redis: each worker refuses it and keeps serving B
    import redis as sync_redis

    client = sync_redis.Redis.from_url(redis.url)
    files = client.hgetall(f"t:model:files:{new}")
    files[b"answers.json"] = files[b"answers.json"].replace(b"helmets", b"HELMETS", 1)
    client.hset("t:model:files:00000000deadbeef", mapping=files)
    client.set("t:model:current", "00000000deadbeef")
    await asyncio.sleep(2)  # several polls
    assert await versions(deployment, workers) == {new}
    sent = len(server.texts(1))
    await deliver_until_accepted(
        server, {"update_id": next(UPDATE_IDS), "message": server.message(QUESTION, user_id=1)}
    )
    await server.wait_for(lambda: len(server.texts(1)) > sent, timeout=30)
    assert server.texts(1)[-1] == NEW_ANSWER
    assert "refused" in deployment.log("w1") + deployment.log("w2")


async def test_a_new_worker_without_a_model_starts_on_the_published_one(
    tmp_path, server, redis, qa_deployment: Deployment, shop_model_dir
):
    """A worker on a machine with no model of its own fetches the published model before it
    loads one, and serves it from its first message."""
    import yaml

    from chatcore.builtin.workers.models import model_version

    deployment = qa_deployment
    result = await asyncio.to_thread(publish, deployment, shop_model_dir)
    assert result.returncode == 0, result.stderr
    config = yaml.safe_load(deployment.config_path.read_text(encoding="utf-8"))
    config["qa"]["model_dir"] = str(tmp_path / "no-model-here")
    config["data_dir"] = str(tmp_path / "another-machine")
    bare = tmp_path / "bare.yaml"
    bare.write_text(yaml.safe_dump(config), encoding="utf-8")
    await deployment.gateway()
    await deployment.start("w3", "worker", config=bare)
    ready = (await deployment.get("w3", "/readyz"))[1]
    assert ready["model_version"] == model_version(shop_model_dir)
    await deliver_until_accepted(
        server, {"update_id": next(UPDATE_IDS), "message": server.message(QUESTION, user_id=3)}
    )
    assert await server.wait_for_texts(1, chat_id=3) == [NEW_ANSWER]
    assert "starting on the published model" in deployment.log("w3")
