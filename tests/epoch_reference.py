"""A training epoch simulated in NumPy, the reference for the C epoch loop
(tests/test_kernels.py, tests/test_threads.py): the batches of `order`, each
step computed from the network's loss_grad on that batch, with scikit-learn's
SGD (Nesterov momentum) or Adam."""

import numpy as np

MOMENTUM, BETA_1, BETA_2, EPSILON = 0.875, 0.875, 0.984375, 1e-8


def simulate_epoch(net, params, X, Y, sw, batch, order, solver, lr, alpha, t0):
    p, vel, m, v, t = params.copy(), 0.0, 0.0, 0.0, t0
    for start in range(0, len(order), batch):
        rows = order[start:start + batch]
        _, g = net.loss_grad(p, X[rows], Y[rows], None if sw is None else sw[rows], alpha)
        if solver == "sgd":
            vel = MOMENTUM * vel - lr * g
            p = p + MOMENTUM * vel - lr * g
        else:
            t += 1
            m = BETA_1 * m + (1 - BETA_1) * g
            v = BETA_2 * v + (1 - BETA_2) * g**2
            p = p - lr * np.sqrt(1 - BETA_2**t) / (1 - BETA_1**t) * m / (np.sqrt(v) + EPSILON)
    return p
