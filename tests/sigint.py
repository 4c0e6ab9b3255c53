"""Ctrl-C in tests: a timer thread sends SIGINT to this process while training
runs (tests/test_estimators.py, tests/test_interrupts.py)."""

import contextlib
import os
import signal
import threading
import time
import warnings

import pytest


@contextlib.contextmanager
def sigint_after(seconds):
    """A timer sends SIGINT to this process `seconds` into the block; skips the
    test where SIGINT does not raise KeyboardInterrupt."""
    if signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        pytest.skip("SIGINT does not raise KeyboardInterrupt in this process")
    timer = threading.Timer(seconds, os.kill, args=(os.getpid(), signal.SIGINT))
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
        timer.join()


def interrupted_after(seconds, call):
    """Run call() while a timer sends SIGINT after `seconds`; returns (the
    warnings raised, seconds taken). A KeyboardInterrupt escaping call() fails
    the test."""
    start = time.perf_counter()
    try:
        with warnings.catch_warnings(record=True) as caught, sigint_after(seconds):
            warnings.simplefilter("always")
            call()
    except KeyboardInterrupt:
        pytest.fail("KeyboardInterrupt escaped training")
    return caught, time.perf_counter() - start
