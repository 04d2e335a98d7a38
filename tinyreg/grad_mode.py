"""Gradient mode: whether operations record the graph, one small piece of per-thread state.

Recording is on by default. :class:`no_grad` switches it off inside a
``with`` block or a decorated function (evaluation, in-place parameter
updates); :class:`enable_grad` switches it back on inside such a block. The
engine's backward pass sets one more switch, ``numpy_backward``, for the
vector-Jacobian products it runs (:class:`_Backward`): on arrays with
recording off (an ordinary backward: plain numpy, ``_Backward.NUMPY``), or
on tensors with recording on (``create_graph=True``: the backward pass is
itself recorded, ``_Backward.RECORDED``).

The mode belongs to the thread that sets it: a ``no_grad`` block in one
thread never switches recording off in another, and every thread starts with
recording on.
"""

from __future__ import annotations

import contextlib
import threading

__all__ = ["enable_grad", "is_grad_enabled", "no_grad"]


class _GradMode(threading.local):
    """This thread's gradient mode. Every thread starts with recording on."""

    def __init__(self) -> None:
        self.enabled = True  # operations on tensors that require grad are recorded
        self.numpy_backward = False  # inside an ordinary backward: ops on arrays stay numpy
        self.saved: list[tuple[bool, bool]] = []  # modes to restore, one per open block


_mode = _GradMode()


def is_grad_enabled() -> bool:
    """True when operations record the graph (the default) in this thread."""
    return _mode.enabled


class _SetGradMode(contextlib.ContextDecorator):
    """Change this thread's gradient mode inside a ``with`` block or a decorated function.

    Each entry pushes the thread's mode on a per-thread stack and each exit
    pops it, so blocks nest, can be re-entered (a decorated recursive
    function) and never touch another thread's mode.
    """

    def __enter__(self) -> None:
        _mode.saved.append((_mode.enabled, _mode.numpy_backward))
        self._set()

    def __exit__(self, *exc_info: object) -> None:
        _mode.enabled, _mode.numpy_backward = _mode.saved.pop()

    def _set(self) -> None:
        raise NotImplementedError


class no_grad(_SetGradMode):
    """Do not record the graph: ``with no_grad(): ...`` or ``@no_grad()``.

    Results computed inside have ``requires_grad=False``. Use it for
    evaluation and for updating parameters in place.
    """

    def _set(self) -> None:
        _mode.enabled = False


class enable_grad(_SetGradMode):
    """Record the graph again inside a :class:`no_grad` region."""

    def _set(self) -> None:
        _mode.enabled = True


class _Backward(_SetGradMode):
    """The mode VJPs run in: recorded, on tensors (``create_graph``), or as plain numpy."""

    RECORDED: _Backward
    NUMPY: _Backward

    def __init__(self, create_graph: bool) -> None:
        self.create_graph = create_graph

    def _set(self) -> None:
        _mode.enabled, _mode.numpy_backward = self.create_graph, not self.create_graph


_Backward.RECORDED, _Backward.NUMPY = _Backward(True), _Backward(False)
