"""What scikit-learn's ProgressBar costs an nnfast fit, two ways (issue 20, item 3).

    python bench/callback_overhead.py [--rounds 7]

1. The machinery alone: a fit's callback tasks opened and closed with no
   training in between (setup/teardown of ProgressBar's display thread, then
   one subtask per epoch). This is what a callback adds, free of the noise of
   the fit itself.
2. mnist_like (2 epochs of 60000 x 784) fitted without callbacks, with
   ProgressBar and with ModelCheckpoint, interleaved round by round so that the
   machine's load hits all three alike; min and median of the rounds.

ProgressBar's output goes to a discarded buffer (rich draws only at the end
when stdout is not a terminal).
"""

import argparse
import contextlib
import io
import os
import statistics
import tempfile
import time
import warnings

import numpy as np


def machinery(n_epochs):
    """Seconds to open a fit's tasks with a ProgressBar, run n_epochs empty
    subtasks, and close them (teardown included)."""
    from sklearn.callback import ProgressBar
    from sklearn.callback._callback_support import callback_management_context

    import nnfast
    from nnfast import callbacks

    model = nnfast.MLPClassifier().set_callbacks(ProgressBar())
    X, y = np.zeros((10, 3)), np.zeros(10)
    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()), callback_management_context(model):
        tasks = callbacks.fit_tasks(model, "fit", n_epochs, X, y, None)
        for _ in range(n_epochs):
            tasks.begin("epoch", None)
            tasks.end(None)
        tasks.finish()
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    warnings.simplefilter("ignore")

    import nnfast
    from nnfast._workloads import dataset, workload
    from sklearn.callback import ProgressBar

    machinery(2)  # imports rich, starts the first thread
    per_fit = statistics.median(machinery(0) for _ in range(9))
    per_epoch = (statistics.median(machinery(1000) for _ in range(3)) - per_fit) / 1000
    print(f"ProgressBar machinery: {per_fit * 1e3:.2f} ms per fit (setup, teardown), "
          f"{per_epoch * 1e6:.0f} us per epoch (median of rounds)")

    w = workload("mnist_like")
    X, y = dataset(w, "float32")
    folder = tempfile.mkdtemp()
    kinds = {
        "no callback": lambda: [],
        "ProgressBar": lambda: [ProgressBar()],
        "ModelCheckpoint": lambda: [
            nnfast.callbacks.ModelCheckpoint(os.path.join(folder, "checkpoint.npz"))],
    }
    times = {kind: [] for kind in kinds}
    nnfast.MLPClassifier(**w.estimator_params()).fit(X, y)  # warm-up
    for _ in range(args.rounds):
        for kind, make in kinds.items():
            model = nnfast.MLPClassifier(**w.estimator_params()).set_callbacks(*make())
            with contextlib.redirect_stdout(io.StringIO()):
                start = time.perf_counter()
                model.fit(X, y)
                times[kind].append(time.perf_counter() - start)
    base = times["no callback"]
    print(f"mnist_like fit ({w.epochs} epochs), {args.rounds} interleaved rounds:")
    for kind, values in times.items():
        print(f"  {kind:16s} min {min(values):.3f} s ({min(values) / min(base):.3f}x)  "
              f"median {statistics.median(values):.3f} s "
              f"({statistics.median(values) / statistics.median(base):.3f}x)")
    fit = min(base)
    print(f"ProgressBar's machinery on this fit: {(per_fit + w.epochs * per_epoch) * 1e3:.1f} ms "
          f"= {(per_fit + w.epochs * per_epoch) / fit:.2%} of the fastest fit without callbacks")


if __name__ == "__main__":
    main()
