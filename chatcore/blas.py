"""One BLAS thread for the process that serves (or trains, or evaluates: the limit is set when
the encoder or the NumPy forward pass is first built, and holds for the whole process).

Inference multiplies small matrices (one question at a time, or a few): there OpenBLAS's
spinning helper threads only steal the core the event loop needs, so serving runs BLAS on one
thread. The limit is set once for the process, not around each call: entering and leaving
threadpoolctl's limit costs more than the matrix products it would wrap (docs/model.md)."""

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
