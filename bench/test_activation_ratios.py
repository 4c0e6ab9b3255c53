"""bench/activation_ratios.py prints one line per dtype and activation whose
ratio is the activation's fastest fit over relu's."""

import re

import activation_ratios


def test_prints_each_activations_fit_over_relus(capsys):
    activation_ratios.main(["1", "tanh,gelu", "float32"])
    lines = capsys.readouterr().out.splitlines()
    pattern = re.compile(r"float32 (\w+) +relu ([\d.]+) s  \1 ([\d.]+) s  ratio ([\d.]+)$")
    matches = [pattern.match(line) for line in lines]
    assert all(matches) and [m.group(1) for m in matches] == ["tanh", "gelu"], lines
    for m in matches:
        relu, other, ratio = (float(m.group(i)) for i in (2, 3, 4))
        assert relu > 0 and other > 0
        assert abs(ratio - other / relu) <= 0.006, f"{m.group(1)}: ratio {ratio} of {other}/{relu}"
