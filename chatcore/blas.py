"""One BLAS thread for the serving process.

Inference multiplies small matrices (one question at a time, or a few): there OpenBLAS's
spinning helper threads only steal the core the event loop needs, so serving runs BLAS on one
thread. The limit is set once for the process, not around each call: entering and leaving
threadpoolctl's limit costs ~0.2 ms a call, more than the matrix products it wraps."""

from __future__ import annotations

import functools
import logging

log = logging.getLogger(__name__)


@functools.cache
def use_one_thread() -> None:
    """Limit BLAS to one thread in this process (idempotent; a no-op without threadpoolctl)."""
    try:
        from threadpoolctl import threadpool_limits  # comes with scikit-learn
    except ImportError:
        log.debug("threadpoolctl not installed; BLAS keeps its threads")
        return
    threadpool_limits(limits=1, user_api="blas")
