"""
Deploying a model: ONNX export and onnxruntime
==============================================

A digits network with gelu and silu hidden layers goes to ONNX with
:func:`nnfast.onnx.to_onnx` and runs in onnxruntime, without nnfast: the labels and
probabilities of both are compared, then the time each takes to answer one row
(best of several repeats; which one is faster depends on the machine and the model).
"""

import time
import warnings

# sphinx_gallery_start_ignore
# Run as a script: draw off-screen. (The gallery hides this from the pages and
# notebooks, where figures are shown.)
import matplotlib

matplotlib.use("Agg")
# sphinx_gallery_end_ignore
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import onnxruntime as ort  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402

# sphinx_gallery_start_ignore
# QUICK: the tests' quick mode; save(fig): write the figure (examples/_common.py).
from _common import QUICK, save  # noqa: E402
# sphinx_gallery_end_ignore
from nnfast import MLPClassifier  # noqa: E402
from nnfast.onnx import to_onnx  # noqa: E402

warnings.simplefilter("ignore", ConvergenceWarning)  # fixed-length fits on purpose

# %%
# Train
# -----
# gelu and silu are activations scikit-learn's MLP does not have, so skl2onnx's own
# MLP converter cannot export them; nnfast.onnx writes them from standard ONNX
# operators (Erf for gelu, Exp for the logistic inside silu).
EPOCHS = 30 if QUICK else 200
X, y = load_digits(return_X_y=True)
X = (X / 16.0).astype(np.float32)  # the model computes in float32, its default dtype
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, stratify=y,
                                                    random_state=0)
clf = MLPClassifier(hidden_layer_sizes=(64, 32), activation=["gelu", "silu"],
                    max_iter=EPOCHS, random_state=0).fit(X_train, y_train)
print(f"MLPClassifier 64-64-32-10 (gelu, silu), {clf.n_iter_} epochs: "
      f"test accuracy {clf.score(X_test, y_test):.3f}")

# %%
# Export to ONNX
# --------------
# The graph's type is the model's compute dtype (float32 here). zipmap=False gives
# the probabilities as an (N, 10) tensor rather than one {class: probability} dict
# per row. ``onnx_bytes`` is what one would write to a ``.onnx`` file and ship.
onx = to_onnx(clf, X_train[:1], zipmap=False)
onnx_bytes = onx.SerializeToString()
operators = sorted({node.op_type for node in onx.graph.node})
print(f"ONNX model: opset {onx.opset_import[0].version}, {len(onx.graph.node)} nodes, "
      f"{len(onnx_bytes) / 1024:.1f} KiB")
print(f"  operators: {', '.join(operators)}")
print(f"  input {onx.graph.input[0].name}, outputs "
      f"{', '.join(output.name for output in onx.graph.output)}")

# %%
# Run with onnxruntime and compare
# --------------------------------
# One thread for onnxruntime's operators: nnfast answers a single row on one thread
# too, so the latencies below compare like with like.
options = ort.SessionOptions()
options.intra_op_num_threads = 1
options.inter_op_num_threads = 1
session = ort.InferenceSession(onnx_bytes, options, providers=["CPUExecutionProvider"])
labels_ort, proba_ort = session.run(None, {"X": X_test})
labels_nnfast, proba_nnfast = clf.predict(X_test), clf.predict_proba(X_test)
difference = np.abs(proba_ort - proba_nnfast)
relative = difference / np.maximum(proba_nnfast, np.finfo(np.float32).tiny)
print(f"onnxruntime vs nnfast on {len(X_test)} test rows:")
print(f"  equal labels: {np.sum(labels_ort == labels_nnfast)} of {len(X_test)}")
print(f"  max |difference| of the probabilities: {difference.max():.2e}, "
      f"relative: {relative.max():.2e}")
print("  (float32 rounding: the two runtimes sum in different orders)")

# %%
# Single-row latency
# ------------------
# The time of one call on one row, as a service answering one request at a time
# sees it: the best, over several repeats, of the mean over many calls (the best
# is the least disturbed by other work on the machine).
REPEATS, CALLS = (5, 100) if QUICK else (20, 200)
row = X_test[:1]


def best_latency(call):
    best = np.inf
    for _ in range(REPEATS):
        start = time.perf_counter()
        for _ in range(CALLS):
            call()
        best = min(best, (time.perf_counter() - start) / CALLS)
    return best


latency = {
    "nnfast\npredict_proba": best_latency(lambda: clf.predict_proba(row)),
    "onnxruntime\nsession.run": best_latency(lambda: session.run(["probabilities"], {"X": row})),
}
t_nnfast, t_ort = latency.values()
print(f"single-row latency, best of {REPEATS} repeats of {CALLS} calls:")
print(f"  nnfast predict_proba:      {t_nnfast * 1e6:8.1f} us")
print(f"  onnxruntime (1 thread):    {t_ort * 1e6:8.1f} us")
print(f"  onnxruntime / nnfast:      {t_ort / t_nnfast:8.2f}")

# %%
# Figure
# ------
fig, axes = plt.subplots(1, 3, figsize=(16, 5), layout="constrained")

ax = axes[0]
bars = ax.bar(list(latency), [t * 1e6 for t in latency.values()], color=["C0", "C1"])
ax.bar_label(bars, fmt="%.1f µs")
ax.set_ylabel("time per call on one row (µs), best of repeats")
ax.set_title("Single-row latency")

ax = axes[1]
for k in range(proba_ort.shape[1]):
    ax.scatter(proba_nnfast[:, k], proba_ort[:, k], s=8, alpha=0.6, label=f"class {k}")
ax.plot([0, 1], [0, 1], "k--", lw=1, label="equal")
ax.set_xlabel("nnfast predict_proba")
ax.set_ylabel("onnxruntime probabilities")
ax.set_title(f"Probabilities of {len(X_test)} test rows, every class")
ax.legend(ncol=2, fontsize=7, loc="upper left")

ax = axes[2]
# Equal results (a difference of exactly 0) cannot go on a log scale: they are
# drawn on the floor line.
floor = 1e-12
ax.scatter(np.maximum(proba_nnfast.ravel(), floor), np.maximum(difference.ravel(), floor),
           s=6, alpha=0.5, c=np.tile(np.arange(proba_ort.shape[1]), len(X_test)),
           cmap="tab10")
p = np.logspace(np.log10(max(proba_nnfast.min(), floor)), 0, 50)
ax.plot(p, p * np.finfo(np.float32).eps, "k--", lw=1,
        label="p x float32 epsilon (one rounding of p)")
ax.axhline(floor, color="grey", lw=0.8, label=f"equal (drawn at {floor:g})")
ax.set_xscale("log")
ax.set_yscale("log")
ax.set_ylim(bottom=floor / 3)
ax.set_xlabel("nnfast probability p")
ax.set_ylabel("|onnxruntime - nnfast|")
ax.set_title(f"Differences: at most {difference.max():.1e} ({relative.max():.1e} relative)")
ax.legend(loc="upper left", fontsize=8)

save(fig)
