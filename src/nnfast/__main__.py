"""`python -m nnfast` / `nnfast`: the demo — train on scikit-learn's digits.

Trains nnfast's MLPClassifier and scikit-learn's with the same arguments on the
same split, then prints the test accuracy, nnfast's confusion matrix and both fit
times. Nothing is downloaded: digits ships with scikit-learn.
"""

import argparse
import sys
import time
import warnings


def _fit_timed(model, X, y):
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X, y)
    return time.perf_counter() - start


def demo(args):
    import numpy as np
    from sklearn.datasets import load_digits
    from sklearn.metrics import confusion_matrix
    from sklearn.model_selection import train_test_split
    from sklearn.neural_network import MLPClassifier as SklearnMLP

    from nnfast import MLPClassifier

    X, y = load_digits(return_X_y=True)
    X = (X / 16.0).astype(np.float32)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, stratify=y, random_state=args.seed
    )
    params = dict(hidden_layer_sizes=(100,), max_iter=args.epochs, random_state=args.seed)
    print(f"digits: {X_train.shape[0]} training and {X_test.shape[0]} test images of "
          f"{X.shape[1]} pixels, 10 classes; MLP {params}")

    ours = MLPClassifier(**params)
    ours_time = _fit_timed(ours, X_train, y_train)
    y_pred = ours.predict(X_test)
    print(f"\nnnfast        accuracy {np.mean(y_pred == y_test):.4f}   "
          f"fit {ours_time:.3f} s ({ours.n_iter_} epochs)")

    if not args.no_sklearn:
        theirs = SklearnMLP(**params)
        theirs_time = _fit_timed(theirs, X_train, y_train)
        print(f"scikit-learn  accuracy {theirs.score(X_test, y_test):.4f}   "
              f"fit {theirs_time:.3f} s ({theirs.n_iter_} epochs)")
        print(f"nnfast trains {theirs_time / ours_time:.1f}x faster "
              f"({theirs_time / theirs.n_iter_ * 1e3:.2f} ms vs "
              f"{ours_time / ours.n_iter_ * 1e3:.2f} ms per epoch)")

    print("\nconfusion matrix (rows: true digit, columns: predicted digit)")
    cm = confusion_matrix(y_test, y_pred, labels=ours.classes_)
    print("     " + " ".join(f"{c:>4}" for c in ours.classes_))
    for label, row in zip(ours.classes_, cm):
        print(f"{label:>4} " + " ".join(f"{v:>4}" for v in row))
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(prog="nnfast", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command")
    p_demo = sub.add_parser("demo", help="train on scikit-learn's digits (the default)")
    for p in (parser, p_demo):
        p.add_argument("--epochs", type=int, default=200, help="max_iter (default 200)")
        p.add_argument("--seed", type=int, default=0, help="random_state (default 0)")
        p.add_argument("--no-sklearn", action="store_true",
                       help="skip the scikit-learn comparison")
    args = parser.parse_args(argv)
    return demo(args)


if __name__ == "__main__":
    sys.exit(main())
