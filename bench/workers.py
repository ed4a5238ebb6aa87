"""Scale-out workers: several ``chatcore worker`` processes answering one Redis queue.

Real processes throughout: a redis-server (tests/redis_server.py; no persistence, see the
note), ``chatcore worker`` processes started as a user would (tests/workers/deployment.py:
``store: redis``, the echo responder of tests/telegram/tg_echo_plugin.py), and the fake Bot
API server (chatcore.testing.telegram_server) in this process as the only stand-in. Messages
are queued with ``RedisQueue.enqueue`` exactly as the Telegram gateway queues them
(chatcore.builtin.telegram.queued: the Update's JSON, chat key ``telegram:<chat id>``, dedupe
``telegram:<update_id>``).

1. replies/s with 1 and 2 workers: 1,000 messages over 200 chats queued while the workers are
   paused (SIGSTOP), timed from SIGCONT until the fake server got every sendMessage, runs of a
   1-worker and a 2-worker deployment alternating; baseline: the same engine in this process
   (``Engine.handle``, echo responder, Redis store). 1,000 rather than 2,000 per run: a worker
   answers 100-150 a second here, and the whole bench should stay within minutes;
2. queue-to-reply latency with 2 workers at 1,000 msgs/s offered (token bucket, 5 s) and at
   half the measured 2-worker maximum;
3. recovery after SIGKILL of one of 2 workers under steady load (workers.lease_seconds 3);
4. model swap: ``chatcore model publish`` of another tiny QA model until both workers'
   /readyz report its version.

python -m bench workers
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import math
import os
import re
import signal
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.common import Stats, fresh_python, table
from chatcore.stats import percentile

MESSAGES = 1000  # per throughput run
CHATS = 200
RUNS = 5  # throughput runs per row (+1 warm-up of MESSAGES // 4)
MAX_IN_FLIGHT = 32  # workers.max_in_flight's default; the baseline engine gets the same
OFFERED = 1000  # msgs/s for the latency run
OFFER_SECONDS = 5.0
KILLS = 5
KILL_RATE = 50  # msgs/s of steady load while a worker is killed (one worker keeps up)
KILL_WORK = 0.2  # seconds the echo responder sleeps per message then ("slow 0.2 ...")
BEFORE_KILL, AFTER_KILL = 2.0, 6.0  # seconds of load around the kill
LEASE = 3.0  # workers.lease_seconds for the recovery runs (the default)
SWAPS = 10  # publishes, alternating between two models
PARTITIONS = 16  # workers.partitions (the default)
ENQUEUES_IN_FLIGHT = 256  # the paced enqueuer's bound
ROOT = Path(__file__).resolve().parents[1]
TELEGRAM_TESTS = ROOT / "tests" / "telegram"

TRAIN_CODE = """\
import sys
from pathlib import Path
sys.path.insert(0, sys.argv[2])
from chatcore.tfquiet import quiet_tensorflow
quiet_tensorflow()
from chatcore.builtin.qa.data import hygiene, sources
from chatcore.builtin.qa.model import modeldir
from chatcore.builtin.qa.serve.predictor import Predictor
from chatcore.builtin.qa.train.training import train
from tests.tiny import tiny_pairs, tiny_settings

out, root = Path(sys.argv[1]), Path(sys.argv[2])
shop = hygiene.check(sources.load_file(root / "tests" / "qa" / "fixtures" / "shop.yml")).kept
settings = tiny_settings(ensemble=1, epochs=30, patience=30)
for name, pairs in (("a", tiny_pairs()), ("b", shop)):
    path = modeldir.save(train(pairs, settings), out / name)
    Predictor.load(path)  # writes the NumPy pass cache: workers start without TensorFlow
print("trained")
"""
B_QUESTION, B_ANSWER = "do you rent bikes", "Yes, we rent city bikes by the day."


# --- helpers -----------------------------------------------------------------------------------


class Updates:
    """Queue entries shaped as the Telegram gateway writes them (queued.py)."""

    def __init__(self, server: Any) -> None:
        self.server = server
        self.ids = itertools.count(10_000)

    def make(self, chat: int, text: str) -> tuple[str, str, str, str]:
        from telegram import Update

        update_id = next(self.ids)
        data = {"update_id": update_id, "message": self.server.message(text, user_id=chat)}
        payload = Update.de_json(data, None).to_json()
        return "telegram", f"telegram:{chat}", payload, f"telegram:{update_id}"


def _cpu(pid: int) -> float:
    """CPU seconds (user + system) a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _machine_cpu() -> float:
    """CPU seconds every core of the machine has been busy so far (all processes)."""
    ticks = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    return (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")  # less idle, iowait


def _own_cpu() -> float:
    times = os.times()
    return times.user + times.system


def _arrivals(server: Any) -> dict[str, list[float]]:
    """Each reply text and the times (monotonic) the fake server received it."""
    found: dict[str, list[float]] = {}
    for call in server.calls:
        if call.method == "sendMessage":
            found.setdefault(str(call.params["text"]), []).append(call.at)
    return found


def _reset(server: Any) -> None:
    server.calls.clear()
    server.sent.clear()


async def _wait_replies(server: Any, count: int, timeout: float) -> bool:
    try:
        await server.wait_for(lambda: len(server.sent) >= count, timeout)
        return True
    except TimeoutError:
        return False


async def _enqueue_all(queue: Any, jobs: list[tuple[str, str, str, str]]) -> None:
    """Queue as fast as Redis takes it; no chat has two messages in one batch (order kept)."""
    for start in range(0, len(jobs), CHATS // 2):
        await asyncio.gather(*(queue.enqueue(*job) for job in jobs[start : start + CHATS // 2]))


async def _offer(
    queue: Any, jobs: list[tuple[str, str, str, str]], rate: float, sent_at: list[float]
) -> float:
    """Queue ``jobs`` paced at ``rate`` per second (a token bucket checked every ms), at most
    ENQUEUES_IN_FLIGHT at once (when Redis stalls, the offering waits and then catches up);
    ``sent_at[i]`` is when job i's enqueue began. Returns the seconds the offering took."""
    pending: set[asyncio.Task] = set()
    failed: list[BaseException] = []

    def finished(task: asyncio.Task) -> None:
        pending.discard(task)
        if not task.cancelled() and task.exception() is not None:
            failed.append(task.exception())

    started = time.monotonic()
    done = 0
    while done < len(jobs):
        due = min(len(jobs), int((time.monotonic() - started) * rate) + 1)
        while done < due:
            if len(pending) >= ENQUEUES_IN_FLIGHT:
                await asyncio.wait(set(pending), return_when=asyncio.FIRST_COMPLETED)
            sent_at[done] = time.monotonic()
            task = asyncio.create_task(queue.enqueue(*jobs[done]))
            pending.add(task)
            task.add_done_callback(finished)
            done += 1
        await asyncio.sleep(0.001)
    seconds = time.monotonic() - started
    await asyncio.gather(*pending, return_exceptions=True)
    if failed:
        raise RuntimeError(f"{len(failed)} enqueues failed, the first: {failed[0]!r}")
    return seconds


async def _ready_detail(deployment: Any, name: str) -> dict[str, Any]:
    with contextlib.suppress(OSError):
        _, body = await deployment.get(name, "/readyz")
        if isinstance(body, dict):
            return body
    return {}


async def _balanced(deployment: Any, names: list[str], timeout: float = 60.0) -> None:
    """Wait until the partitions are shared evenly (each worker holds its fair share)."""
    share = math.ceil(PARTITIONS / len(names))
    deadline = time.monotonic() + timeout
    held: list[Any] = []
    while time.monotonic() < deadline:
        held = [(await _ready_detail(deployment, n)).get("partitions") for n in names]
        if all(h == share for h in held):
            return
        await asyncio.sleep(0.1)
    raise RuntimeError(f"workers {names} never balanced: {held}")


def _config(server: Any, redis: Any, home: Path, prefix: str, **workers: Any) -> dict[str, Any]:
    from tests.workers.deployment import deployment_config

    config = deployment_config(server, redis, home, **workers)
    config["redis"]["key_prefix"] = prefix
    config["engine"] = {"rate_limit": {"messages": 10**9}}
    config["logging"] = {"level": "WARNING"}
    return config


async def _queue(redis_url: str, prefix: str) -> Any:
    import redis.asyncio as aioredis

    from chatcore.builtin.workers.queue import RedisQueue

    queue = RedisQueue(aioredis.from_url(redis_url, max_connections=2000), prefix, PARTITIONS)
    await queue.ensure_groups()
    return queue


# --- 1. throughput ---------------------------------------------------------------------------


async def _engine_rates(redis_url: str, home: Path) -> tuple[list[float], list[float]]:
    """The single-process engine's replies/s: the same echo responder and Redis store, 200
    chats each sending in order, at most MAX_IN_FLIGHT messages in the engine at once."""
    from chatcore.testing import make_runtime
    from chatcore.types import Message

    if str(TELEGRAM_TESTS) not in sys.path:
        sys.path.insert(0, str(TELEGRAM_TESTS))
    config = {
        "data_dir": str(home),
        "store": "redis",
        "redis": {"url": redis_url, "key_prefix": "base:"},
        "responders": ["echo"],
        "engine": {"rate_limit": {"messages": 10**9}},
        "plugins": {"modules": ["tg_echo_plugin"], "disabled": ["qa", "moderation", "repl"]},
    }
    ids = itertools.count(1)
    rates, per_reply = [], []
    async with make_runtime(config).build_engine() as engine:
        limit = asyncio.Semaphore(MAX_IN_FLIGHT)

        async def chat(run: int, c: int) -> None:
            for i in range(MESSAGES // CHATS):
                message = Message(
                    "telegram", str(c), str(c), f"b{run} c{c} m{i}", "en", message_id=str(next(ids))
                )
                async with limit:
                    reply = await engine.handle(message)
                assert reply.text == f"echo: b{run} c{c} m{i}", reply

        for run in range(RUNS + 1):
            started, cpu = time.perf_counter(), _own_cpu()
            await asyncio.gather(*(chat(run, c) for c in range(1, CHATS + 1)))
            rates.append(MESSAGES / (time.perf_counter() - started))
            per_reply.append((_own_cpu() - cpu) / MESSAGES * 1000)
    return rates[1:], per_reply[1:]


async def _throughput_run(
    deployment: Any, names: list[str], queue: Any, server: Any, updates: Updates, tag: str, redis
) -> tuple[float, dict[str, float], int]:
    """One run: pause the workers, queue MESSAGES, resume them, time until all answered.
    Returns (replies/s, cores busy by process group, replies missing or repeated)."""
    procs = [deployment.procs[n] for n in names]
    count = MESSAGES // 4 if tag.endswith("warm") else MESSAGES
    jobs = [updates.make(1 + i % CHATS, f"{tag} m{i}") for i in range(count)]
    _reset(server)
    for proc in procs:
        proc.send_signal(signal.SIGSTOP)
    try:
        await _enqueue_all(queue, jobs)
    finally:
        cpu = {"workers": sum(_cpu(p.pid) for p in procs), "redis": _cpu(redis.proc.pid)}
        cpu["bench"], cpu["machine"] = _own_cpu(), _machine_cpu()
        started = time.monotonic()
        for proc in procs:
            proc.send_signal(signal.SIGCONT)
    if not await _wait_replies(server, count, 120):
        raise RuntimeError(f"{tag}: only {len(server.sent)} of {count} answered in 120 s")
    arrivals = _arrivals(server)
    seconds = max(max(at) for at in arrivals.values()) - started
    cpu["workers"] = sum(_cpu(p.pid) for p in procs) - cpu["workers"]
    cpu["redis"] = _cpu(redis.proc.pid) - cpu["redis"]
    cpu["bench"] = _own_cpu() - cpu["bench"]
    cpu["machine"] = _machine_cpu() - cpu["machine"]
    await asyncio.sleep(0.2)  # a repeated reply would show by now
    wrong = abs(len(server.sent) - count) + (count - len(_arrivals(server)))
    return count / seconds, {k: v / seconds for k, v in cpu.items()}, wrong


def _log_warnings(deployment: Any) -> list[str]:
    """WARNING and ERROR lines of every process's log, with numbers blanked (to count kinds)."""
    lines = []
    for path in sorted(deployment.tmp.glob("*.log")):
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            if " WARNING " in line or " ERROR " in line:
                kind = line.split(" ", 2)[-1]
                lines.append(re.sub(r"\d+", "N", kind)[:120])
    return lines


# --- 2. latency ------------------------------------------------------------------------------


async def _latency(
    deployment: Any, queue: Any, server: Any, updates: Updates, rate: float, tag: str
) -> dict:
    procs = list(deployment.procs.values())
    count = int(rate * OFFER_SECONDS)
    texts = [f"{tag} c{1 + i % CHATS} m{i}" for i in range(count)]
    jobs = [updates.make(1 + i % CHATS, text) for i, text in enumerate(texts)]
    sent_at = [0.0] * count
    _reset(server)
    cpu = (sum(_cpu(p.pid) for p in procs), _machine_cpu())
    offered = await _offer(queue, jobs, rate, sent_at)
    await _wait_replies(server, count, 120)
    workers = sum(_cpu(p.pid) for p in procs) - cpu[0]
    machine = _machine_cpu() - cpu[1]
    arrivals = _arrivals(server)
    latency = {
        i: (arrivals[f"echo: {text}"][0] - sent_at[i]) * 1000
        for i, text in enumerate(texts)
        if f"echo: {text}" in arrivals
    }
    last = max(min(at) for at in arrivals.values())
    tail = [ms for i, ms in latency.items() if sent_at[i] > sent_at[0] + offered - 1]
    seconds = time.monotonic() - sent_at[0]
    return {
        "offered": count / offered,
        "replied": len(latency) / (last - sent_at[0]),
        "latency": Stats(tuple(latency.values())),
        "last_second": statistics.median(tail) if tail else float("nan"),
        "max": max(latency.values()),
        "count": count,
        "missing": count - len(latency),
        "cores": (workers / seconds, machine / seconds),
    }


# --- 3. recovery -----------------------------------------------------------------------------


async def _held_by(queue: Any, worker_id: str) -> set[int]:
    """The partitions a worker holds (a lease's value is "<worker id>#<n>")."""
    keys = [queue.lease_key(p) for p in range(PARTITIONS)]
    values = await queue.client.mget(keys)
    mark = f"{worker_id}#"
    return {p for p, v in enumerate(values) if v is not None and v.decode().startswith(mark)}


async def _recovery_run(deployment, queue, server, updates, run: int) -> dict[str, Any]:
    from chatcore.builtin.workers.queue import partition_of

    victim = f"w{1 + run % 2}"
    count = int(KILL_RATE * (BEFORE_KILL + AFTER_KILL))
    plain = [f"k{run} c{1 + i % CHATS} m{i}" for i in range(count)]
    jobs = [updates.make(1 + i % CHATS, f"slow {KILL_WORK} {text}") for i, text in enumerate(plain)]
    sent_at = [0.0] * count
    _reset(server)
    offering = asyncio.create_task(_offer(queue, jobs, KILL_RATE, sent_at))
    await asyncio.sleep(BEFORE_KILL)
    proc = deployment.procs[victim]
    held = await _held_by(queue, (await deployment.get(victim, "/healthz"))[1]["id"])
    deployment.kill(victim)
    killed = time.monotonic()
    await proc.wait()
    await offering
    await _wait_replies(server, count, 60)
    await asyncio.sleep(1.0)  # repeated replies would show by now
    arrivals = _arrivals(server)
    chats = {c for c in range(1, CHATS + 1) if partition_of(f"telegram:{c}", PARTITIONS) in held}
    mine = [i for i in range(count) if 1 + i % CHATS in chats]
    first = {i: min(arrivals[f"echo: {plain[i]}"]) for i in mine if f"echo: {plain[i]}" in arrivals}
    pending = [i for i in mine if sent_at[i] < killed and first.get(i, killed + 1) > killed]
    answered = [first[i] for i in pending if i in first]
    replies = sorted(at for i in mine for at in arrivals.get(f"echo: {plain[i]}", []))
    gaps = [b - a for a, b in itertools.pairwise(replies) if b > killed]
    return {
        "victim": victim,
        "partitions": len(held),
        "pending": len(pending),
        "recovered": max(answered) - killed if answered else float("nan"),
        "gap": max(gaps) if gaps else float("nan"),
        "worst": max(first[i] - sent_at[i] for i in first) if first else float("nan"),
        "duplicates": sum(len(v) - 1 for v in arrivals.values()),
        "lost": count - sum(f"echo: {t}" in arrivals for t in plain),
    }


# --- 4. model swap ---------------------------------------------------------------------------


async def _publish(deployment: Any, model: Path) -> str:
    cli = [sys.executable, "-m", "chatcore", "model", "publish", "--model", str(model)]
    cli += ["-c", str(deployment.config_path)]
    proc = await asyncio.create_subprocess_exec(
        *cli, env=deployment.env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    out, _ = await proc.communicate()
    found = re.search(r"as version ([0-9a-f]+)", out.decode(errors="replace"))
    if proc.returncode != 0 or found is None:
        raise RuntimeError(f"model publish failed ({proc.returncode}): {out.decode()[-2000:]}")
    return found.group(1)


async def _swap_seconds(deployment: Any, queue: Any, names: list[str], model: Path) -> float:
    """From the publish (the published_at it records in Redis) until every worker's /readyz
    reports the version; the workers are polled from the moment the command starts."""
    from chatcore.builtin.workers.models import model_version

    version = model_version(model)
    publishing = asyncio.create_task(_publish(deployment, model))
    seen: dict[str, float] = {}
    deadline = time.monotonic() + 180
    while len(seen) < len(names) and time.monotonic() < deadline:
        if publishing.done() and publishing.exception() is not None:
            break
        for name in names:
            if name not in seen:
                detail = await _ready_detail(deployment, name)
                if detail.get("model_version") == version:
                    seen[name] = time.time()
        await asyncio.sleep(0.02)
    if await publishing != version:
        raise RuntimeError(f"{model}: published under another version than {version}")
    if len(seen) < len(names):
        raise RuntimeError(f"model {version} not applied by {set(names) - set(seen)} in 180 s")
    info = await queue.client.hget(f"{queue.prefix}model:info:{version}", "published_at")
    return max(seen.values()) - float(info)


async def _answer_after_swap(queue: Any, server: Any, updates: Updates) -> str:
    _reset(server)
    await queue.enqueue(*updates.make(CHATS + 1, B_QUESTION))
    if not await _wait_replies(server, 1, 30):
        return "no reply"
    return server.sent[0]["text"]


# --- the run ---------------------------------------------------------------------------------


async def _throughput_phase(tmp: Path, server, redis, updates, results, deployments, queues):
    """1 + 2. Two deployments on the same Redis, under their own key prefixes: one worker, and
    two workers; their runs alternate, so both see the same noise of the shared machine (the
    idle one's workers wait on a blocking read). A long lease: a paused worker keeps its share."""
    from tests.workers.deployment import Deployment

    setups = []
    for label, names in (("one", ["w1"]), ("two", ["w1", "w2"])):
        home = tmp / label
        home.mkdir()
        prefix = f"{label}:"
        deployment = Deployment(
            home, _config(server, redis, home / "data", prefix, lease_seconds=30)
        )
        deployments.append(deployment)
        queue = await _queue(redis.url, prefix)
        queues.append(queue)
        for name in names:
            await deployment.worker(name)
        setups.append((label, deployment, names, queue))
    for label, deployment, names, queue in setups:
        await _balanced(deployment, names)
        await _throughput_run(deployment, names, queue, server, updates, f"{label}warm", redis)
    for label, *_ in setups:
        results[label] = ([], [], 0)
    for run in range(RUNS):
        for label, deployment, names, queue in setups:
            rate, cpu, wrong = await _throughput_run(
                deployment, names, queue, server, updates, f"{label}r{run}", redis
            )
            rates, cores, bad = results[label]
            results[label] = ([*rates, rate], [*cores, cpu], bad + wrong)
    _, deployment, _, queue = setups[1]
    results["offered"] = await _latency(deployment, queue, server, updates, OFFERED, "l1000")
    half = round(statistics.median(results["two"][0]) / 2)
    results["half"] = await _latency(deployment, queue, server, updates, half, f"l{half}")
    for _, deployment, _, _ in setups:
        await deployment.close()
        results["warnings"] = results.get("warnings", []) + _log_warnings(deployment)


async def _recovery_phase(tmp: Path, server, redis, updates, results, deployments, queues):
    from tests.workers.deployment import Deployment

    home = tmp / "recovery"
    home.mkdir()
    deployment = Deployment(home, _config(server, redis, home / "data", "r:", lease_seconds=LEASE))
    deployments.append(deployment)
    queue = await _queue(redis.url, "r:")
    queues.append(queue)
    await deployment.worker("w1")
    await deployment.worker("w2")
    runs = []
    for run in range(KILLS):
        await _balanced(deployment, ["w1", "w2"])
        found = await _recovery_run(deployment, queue, server, updates, run)
        runs.append(found)
        await deployment.worker(found["victim"])
    results["recovery"] = runs
    await deployment.close()
    results["warnings"] = results.get("warnings", []) + _log_warnings(deployment)


async def _swap_phase(tmp: Path, server, redis, updates, results, deployments, queues):
    """The qa responder on two tiny models, trained here in a fresh process."""
    from tests.workers.deployment import Deployment

    started = time.perf_counter()
    models = tmp / "models"
    await asyncio.to_thread(fresh_python, "-c", TRAIN_CODE, str(models), str(ROOT))
    results["train_seconds"] = time.perf_counter() - started
    home = tmp / "swap"
    home.mkdir()
    config = _config(server, redis, home / "data", "s:")
    config["responders"] = ["qa"]
    config["qa"] = {"model_dir": str(models / "a")}
    config["plugins"] = {"modules": [], "disabled": ["moderation", "repl"]}
    deployment = Deployment(home, config)
    deployments.append(deployment)
    queue = await _queue(redis.url, "s:")
    queues.append(queue)
    await deployment.worker("w1")
    await deployment.worker("w2")
    swaps = []
    for n in range(SWAPS):
        model = models / ("b" if n % 2 == 0 else "a")
        swaps.append(await _swap_seconds(deployment, queue, ["w1", "w2"], model))
        if n == SWAPS - 2:  # model B serving
            results["b_answer"] = await _answer_after_swap(queue, server, updates)
    results["swaps"] = swaps
    await deployment.close()
    results["warnings"] = results.get("warnings", []) + _log_warnings(deployment)


PHASES = (_throughput_phase, _recovery_phase, _swap_phase)


async def _measure(tmp: Path, phases=PHASES) -> dict[str, Any]:
    from chatcore.testing.telegram_server import FakeTelegramServer
    from tests.redis_server import RedisServer
    from tests.workers.deployment import TOKEN

    results: dict[str, Any] = {}
    redis = RedisServer().start()  # no persistence: see the note
    deployments: list[Any] = []
    queues: list[Any] = []
    try:
        async with FakeTelegramServer(TOKEN) as server:
            updates = Updates(server)
            if _throughput_phase in phases:
                results["baseline"] = await _engine_rates(redis.url, tmp / "base")
            for phase in phases:
                await phase(tmp, server, redis, updates, results, deployments, queues)
    finally:
        for deployment in deployments:
            await deployment.close()
        for queue in queues:
            with contextlib.suppress(Exception):
                await queue.client.aclose()
        redis.kill()
    return results


# --- the report ------------------------------------------------------------------------------


def _rate_row(name: str, rates: list[float], cpu_ms: list[float], extra: str = "") -> list[str]:
    low = percentile(rates, 5)
    median = f"{statistics.median(rates):,.0f}"
    return [name, median, f"{low:,.0f}", str(len(rates)), f"{statistics.median(cpu_ms):.1f}", extra]


def _worker_ms(result) -> list[float]:
    """CPU ms the workers spent per reply, each run."""
    rates, cores, _ = result
    return [c["workers"] / rate * 1000 for rate, c in zip(rates, cores, strict=True)]


def _cores(cores: list[dict[str, float]]) -> str:
    """Median cores busy per process group while the run went on."""

    def med(key: str) -> float:
        return statistics.median(c[key] for c in cores)

    others = statistics.median(
        max(0.0, c["machine"] - c["workers"] - c["redis"] - c["bench"]) for c in cores
    )
    return (
        f"workers {med('workers'):.2f}, redis {med('redis'):.2f}, "
        f"bench + fake server {med('bench'):.2f}, other processes {others:.2f} "
        f"(machine {med('machine'):.2f} of {os.cpu_count()})"
    )


def _stat(samples: list[float], fmt: Callable[[float], str]) -> list[str]:
    """Median and p95 of the samples that are numbers (a run with nothing pending has none)."""
    found = [x for x in samples if not math.isnan(x)]
    if not found:
        return ["-", "-"]
    return [fmt(statistics.median(found)), fmt(percentile(found, 95))]


def report(r: dict[str, Any], seconds: float) -> None:
    one, two = r["one"], r["two"]
    ratio = statistics.median(two[0]) / statistics.median(one[0])
    paired = [t / o for t, o in zip(two[0], one[0], strict=True)]
    pairs = f"runs alternate; ratio per pair: median {statistics.median(paired):.2f}x, "
    pairs += f"range {min(paired):.2f}-{max(paired):.2f}x"
    rows = [
        _rate_row("baseline: Engine.handle in-process, Redis store", *r["baseline"]),
        _rate_row("1 worker", one[0], _worker_ms(one), _cores(one[1])),
        _rate_row("2 workers", two[0], _worker_ms(two), _cores(two[1])),
        ["2 workers / 1 worker (issue target >= 1.7x)", f"{ratio:.2f}x", "", "", "", pairs],
    ]
    headers = [
        "path",
        "replies/s median",
        "replies/s p5",
        "runs",
        "CPU ms per reply",
        "CPU cores busy while it ran (median)",
    ]
    title = f"Throughput: {MESSAGES:,} queued messages over {CHATS} chats, echo responder"
    print(table(title, headers, rows))
    wrong = one[2] + two[2]
    print(
        f"Every run answered all {MESSAGES:,} messages exactly once"
        if wrong == 0
        else f"WARNING: {wrong} replies missing or repeated over the runs"
    )
    print()

    rows = []
    for key in ("offered", "half"):
        x = r[key]
        rows.append(
            [
                f"{x['count'] / OFFER_SECONDS:,.0f}",
                f"{x['offered']:,.0f}",
                f"{x['replied']:,.0f}",
                f"{x['latency'].median:.1f}",
                f"{x['latency'].p95:.1f}",
                f"{x['max']:.0f}",
                f"{x['last_second']:.1f}",
                f"{x['cores'][0]:.2f} / {x['cores'][1]:.2f}",
                f"{x['count']:,}" + (f" ({x['missing']} missing)" if x["missing"] else ""),
            ]
        )
    headers = [
        "offered msgs/s",
        "enqueued msgs/s",
        "replies/s",
        "p50 ms",
        "p95 ms",
        "max ms",
        "p50 ms, last second",
        "cores busy: workers / machine",
        "messages",
    ]
    print(table("Queue-to-reply latency, 2 workers, echo responder", headers, rows))

    runs = r["recovery"]

    def col(key: str) -> list[float]:
        return [run[key] for run in runs]

    seconds_fmt = lambda v: f"{v:.2f}"  # noqa: E731
    rows = [
        ["kill -> every message pending on it answered, s", *_stat(col("recovered"), seconds_fmt)],
        ["largest gap between replies in its partitions, s", *_stat(col("gap"), seconds_fmt)],
        ["worst queue-to-reply in its partitions, s", *_stat(col("worst"), seconds_fmt)],
        ["messages pending on it at the kill", *_stat(col("pending"), lambda v: f"{v:.0f}")],
        ["replies sent twice (per run)", *_stat(col("duplicates"), lambda v: f"{v:.0f}")],
        ["messages never answered (per run)", *_stat(col("lost"), lambda v: f"{v:.0f}")],
    ]
    title = (
        f"Recovery after SIGKILL of 1 of 2 workers, lease_seconds {LEASE:g} "
        f"(target <= 5 s), {len(runs)} kills"
    )
    print(table(title, ["measure", "median", "p95"], rows))

    swaps = r["swaps"]
    cold, warm = swaps[:2], swaps[2:]
    first = "first publish of a version (fetched from Redis, loaded, checked)"
    rows = [
        [first, *_stat(cold, seconds_fmt), str(len(cold))],
        ["a version published before (already fetched)", *_stat(warm, seconds_fmt), str(len(warm))],
    ]
    title = "Model swap: `chatcore model publish` -> both workers' /readyz on the new version"
    print(table(title, ["publish", "s median", "s p95", "runs"], rows))
    answer = r.get("b_answer", "")
    check = "as expected" if answer == B_ANSWER else f"UNEXPECTED: {answer!r}"
    print(f"reply to {B_QUESTION!r} after the swap to model B: {check}")
    print(f"two tiny models trained in {r['train_seconds']:.0f} s; bench total {seconds:.0f} s")
    warnings = r.get("warnings", [])
    if warnings:
        kinds = Counter(warnings).most_common(3)
        shown = "; ".join(f"{n} x {kind}" for kind, n in kinds)
        print(f"worker logs: {len(warnings)} WARNING/ERROR lines, most often: {shown}")
    else:
        print("worker logs: no WARNING or ERROR line in any run")
    print(
        f"""
Method:
- Real processes: redis-server, `chatcore worker` processes, the fake Bot API server in this
  process. Redis keeps no append-only file here: with one (fsync every second) a run stalled
  for seconds, the machine near idle but deep in I/O wait from other people's processes,
  most likely Redis waiting on the shared disk. Messages are queued with RedisQueue.enqueue
  as the Telegram gateway queues them. The echo responder is the engine's own per-message cost
  (Redis store, no model); a worker adds reading the Update, the queue's checkpoint and
  acknowledgement, and the sendMessage call.
- Throughput: the messages are queued while the workers are paused (SIGSTOP; lease_seconds 30
  so the pause costs no lease), timed from SIGCONT to the last sendMessage; one smaller
  warm-up run first. CPU ms per reply: the answering process(es)' user+system time / replies.
  What bounds 2 workers on this 2-core machine: the cores. The workers, redis-server and this
  process (enqueuer + fake Bot API server, one event loop) share them, and so do other
  people's processes ('other processes'; machine = all cores busy, of {os.cpu_count()}).
- Latency: enqueues paced by a token bucket for {OFFER_SECONDS:g} s; latency = arrival of the
  reply at the fake server minus the start of its enqueue, every message. The second row
  offers half the measured 2-worker replies/s.
- Recovery: {KILL_RATE} msgs/s of `slow {KILL_WORK}` messages (the echo responder sleeps
  {KILL_WORK * 1000:.0f} ms, so work is in flight), one worker SIGKILLed {BEFORE_KILL:g} s in,
  load kept {AFTER_KILL:g} s more; the killed worker is restarted between runs. 'Pending' =
  queued to its partitions before the kill and not answered by then.
- Swap: the qa responder on two tiny models (tests/tiny.py settings, 30 epochs; model B is
  tests/qa/fixtures/shop.yml), published alternately with `chatcore model publish`; from the
  published_at it records until both /readyz report the version (polled every 20 ms;
  workers.model_poll_seconds 1)."""
    )


def main() -> None:
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="chatcore-bench-") as tmp:
        results = asyncio.run(_measure(Path(tmp)))
    report(results, time.perf_counter() - started)


if __name__ == "__main__":
    main()
