"""bench/after_numpy.py prints, per workload, the fit's median and fastest time
alone and right after a NumPy product, with every core and with one thread."""

import re

import after_numpy


def test_prints_alone_and_after_a_product_for_both_thread_counts(capsys):
    after_numpy.main(["--rounds", "1", "--workloads", "tabular_small", "--scale", "0.2"])
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["workload", "threads", "alone", "s", "after", "A", "@", "A", "s"]
    cell = r"([\d.]+) \(([\d.]+)\)"
    pattern = re.compile(rf"tabular_small +(every core|one thread) +{cell} +{cell}$")
    matches = [pattern.match(line) for line in lines[1:]]
    assert all(matches) and [m.group(1) for m in matches] == ["every core", "one thread"], lines
    for m in matches:
        median_alone, best_alone, median_after, best_after = (float(m.group(i)) for i in range(2, 6))
        # one round: the median is the only time, and so the fastest
        assert median_alone == best_alone > 0 and median_after == best_after > 0
