"""The small helpers several packages share: percentiles, YAML positions, a free port, and the
environment that quiets TensorFlow."""

from __future__ import annotations

import os
import socket

import pytest
import yaml

from chatcore import safeyaml
from chatcore.errors import ConfigError
from chatcore.stats import percentile
from chatcore.testing import free_port
from chatcore.tfquiet import QUIET_ENV, quiet_env, quiet_tensorflow


def test_percentile_is_the_sample_at_the_rounded_rank():
    samples = [float(n) for n in range(1, 101)]  # 1..100, in any order
    shuffled = samples[::2] + samples[1::2]
    assert percentile(shuffled, 0) == 1.0 and percentile(shuffled, 100) == 100.0
    assert percentile(shuffled, 95) == 95.0  # rank round(0.95 * 99) = 94
    assert percentile(shuffled, 5) == 6.0  # rank round(0.05 * 99) = 5
    assert percentile(shuffled, 50) == 51.0  # a sample, never the mean of the middle two
    assert percentile([3.5], 95) == 3.5
    assert percentile((x for x in (2.0, 1.0)), 95) == 2.0  # any iterable


@pytest.mark.parametrize("q", [-1, 100.5])
def test_percentile_refuses_a_q_outside_0_to_100(q):
    with pytest.raises(ValueError, match="outside"):
        percentile([1.0], q)


def test_percentile_of_nothing_is_an_error():
    with pytest.raises(ValueError, match="no samples"):
        percentile([], 95)


def test_yaml_positions_count_from_one():
    node = yaml.compose("a:\n  - x\n  - y\n")
    item = node.value[0][1].value[1]
    assert safeyaml.line(item) == 3
    assert safeyaml.where("f.yml", item.start_mark) == "f.yml:3:5"
    assert safeyaml.where("f.yml", item.start_mark, column=False) == "f.yml:3"
    assert safeyaml.where("f.yml", None) == "f.yml"


def test_yaml_errors_are_formatted_by_the_same_helper(tmp_path):
    with pytest.raises(ConfigError) as info:
        safeyaml.compose("a: [1, 2\nb: 3\n", "f.yml", ConfigError)
    assert str(info.value).startswith("f.yml:2:2: invalid YAML: ")
    with pytest.raises(ConfigError, match=r"^f\.yml:2:4: YAML aliases \(\*x\) are not allowed"):
        safeyaml.compose("a: &x 1\nb: *x\n", "f.yml", ConfigError)


def test_free_port_can_be_listened_on():
    port = free_port()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))
        sock.listen()


def test_quiet_tensorflow_sets_only_what_is_not_set(monkeypatch):
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "0")  # a developer who wants the logs
    monkeypatch.delenv("TF_ENABLE_ONEDNN_OPTS", raising=False)
    quiet_tensorflow()
    assert os.environ["TF_CPP_MIN_LOG_LEVEL"] == "0"
    assert os.environ["TF_ENABLE_ONEDNN_OPTS"] == QUIET_ENV["TF_ENABLE_ONEDNN_OPTS"]


def test_quiet_env_is_a_subprocess_environment_that_keeps_what_is_set():
    env = quiet_env({"PATH": "/bin", "TF_CPP_MIN_LOG_LEVEL": "1"})
    assert env == {**QUIET_ENV, "PATH": "/bin", "TF_CPP_MIN_LOG_LEVEL": "1"}
    assert quiet_env()["PATH"] == os.environ["PATH"]
