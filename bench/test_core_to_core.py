"""The core-to-core probe builds, measures, and its driver summarises a round."""

import os
import sys

import pytest

import core_to_core


def _cpus():
    return os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else set()


pytestmark = [
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the probe pins (Linux)"),
    pytest.mark.skipif(not {0, 1} <= _cpus(), reason="the probe runs on CPUs 0 and 1"),
    pytest.mark.skipif(core_to_core.compiler() is None, reason="no C compiler"),
]


def test_probe_prints_a_plausible_time_per_line(tmp_path):
    program = core_to_core.build(tmp_path)
    ns = core_to_core.probe(program, 1)
    # a cache line between two cores takes from about a nanosecond (shared
    # cache, many lines in flight) to a few hundred (another socket)
    assert 0.05 < ns < 1000


def test_driver_summarises_its_rounds(capsys):
    assert core_to_core.main(["--seconds", "0.01", "--workloads", "deep_narrow",
                              "--fits", "1"]) == 0
    out = capsys.readouterr().out
    summary = out.split("median over rounds\n")[1].splitlines()
    assert [line.split(":")[0].strip() for line in summary] == ["near", "far", "mixed"]
    counted = sum(int(line.split()[2]) for line in summary if "no rounds" not in line)
    assert counted == 1
