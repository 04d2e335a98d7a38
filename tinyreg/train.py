"""``fit``: the training loop, packaged, with loss curves and early stopping.

This is a convenience. The documented way to train stays the explicit loop,
which is all that :func:`fit` runs for each minibatch::

    model.train()
    optimizer.zero_grad()
    loss = loss_fn(model(X_batch), y_batch)
    loss.backward()
    optimizer.step()

After each epoch the model is put in eval mode and, under ``no_grad()``,
the loss is computed on the *whole* training set (and on the validation
set): these are the curves in :class:`History`. Measuring in eval mode means
dropout is off, so the curves show the model, not the noise of its masks
or of the minibatch order. Penalties belong to the optimizer
(``SGD(..., penalty=L2(1e-3))``), so the recorded losses are the data term
alone -- what you would compare between a regularized and a plain model.

Training that diverges never ends quietly with NaN weights. A minibatch
loss, or an end-of-epoch loss, that is NaN or infinite -- or a
FloatingPointError from the optimizer's non-finite check -- stops training:
with a validation set, the parameters of the best epoch so far are restored
and a RuntimeWarning says so (``History.diverged`` is then True); without
one, ``fit`` raises FloatingPointError.
"""

from __future__ import annotations

import math
import sys
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tinyreg.autograd import Tensor, no_grad
from tinyreg.random import resolve_generator
from tinyreg.validation import check_int, check_same_samples, user_stacklevel

__all__ = ["History", "fit"]


@dataclass
class History:
    """What :func:`fit` measured, one entry per completed epoch.

    Attributes:
        train_loss: loss on the whole training set after each epoch (eval mode).
        val_loss: loss on the validation set after each epoch (empty without one).
        best_epoch: index (from 0) of the epoch with the lowest validation
            loss -- or the lowest training loss when there is no validation set.
        stopped_early: True if training ended before ``epochs``, by early
            stopping or because it diverged.
        diverged: True if training diverged and the best epoch's parameters
            were restored.
    """

    train_loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    best_epoch: int = 0
    stopped_early: bool = False
    diverged: bool = False

    def _record(self, epoch: int, train_loss: float, val_loss: float | None) -> bool:
        """Append one epoch's losses; True if it is the best epoch so far."""
        self.train_loss.append(train_loss)
        if val_loss is not None:
            self.val_loss.append(val_loss)
        watched = self.val_loss or self.train_loss
        if len(watched) == 1 or watched[-1] < watched[self.best_epoch]:
            self.best_epoch = epoch
            return True
        return False


class _Diverged(Exception):
    """Training produced a non-finite loss or gradient; the message says where."""


def fit(
    model: Any,
    loss_fn: Any,
    optimizer: Any,
    X: Any,
    y: Any,
    epochs: int,
    batch_size: int | None = None,
    validation: tuple[Any, Any] | None = None,
    seed: int | np.random.Generator | None = None,
    verbose: bool = False,
    patience: int | None = None,
    callback: Callable[[int], Any] | None = None,
) -> History:
    """Train ``model`` to minimise ``loss_fn(model(X), y)`` with ``optimizer``.

    Args:
        model: a :class:`tinyreg.nn.Module` (anything with ``train``, ``eval``,
            ``state_dict`` and ``load_state_dict``).
        loss_fn: ``loss_fn(prediction, target) -> scalar Tensor``, e.g. ``nn.MSELoss()``.
        optimizer: e.g. ``optim.SGD(model.parameters(), lr=0.1, penalty=L2(1e-3))``.
        X: training inputs (an array or a Tensor), first axis = samples.
        y: training targets (an array or a Tensor), first axis = samples.
        epochs: number of passes over the training set.
        batch_size: rows per gradient step; ``None`` means the full batch
            (one step per epoch). Minibatches are drawn from a fresh shuffle
            of the rows at every epoch.
        validation: ``(X_val, y_val)``, evaluated after every epoch.
        seed: seeds the shuffling (an int or a Generator); ``None`` uses the
            package generator of :func:`tinyreg.manual_seed`.
        verbose: print one line per epoch to stderr.
        patience: early stopping -- stop once the validation loss has not
            improved on its best for ``patience`` epochs in a row, and in any
            case end with the parameters of the best epoch restored. Needs
            ``validation``.
        callback: called as ``callback(n)`` after each epoch, with n the
            number of epochs completed so far (e.g. to report progress).

    Returns:
        a :class:`History`. The model ends in the training/eval mode it
        had when ``fit`` was called.

    Raises:
        FloatingPointError: training diverged (see the module docstring)
            and there is no validation set, or no epoch to go back to.
    """
    epochs = check_int("epochs", epochs)
    if batch_size is not None:
        batch_size = check_int("batch_size", batch_size)
    if patience is not None:
        patience = check_int("patience", patience)
        if validation is None:
            raise ValueError("early stopping (patience) needs validation=(X_val, y_val)")
    X, y, val = _check_data(X, y, validation)
    rng = resolve_generator(seed)
    batch = len(X) if batch_size is None else min(batch_size, len(X))

    def evaluate(inputs: np.ndarray, targets: np.ndarray) -> float:
        with no_grad():
            return float(loss_fn(model(Tensor(inputs)), Tensor(targets)).item())

    history, best_state = History(), None
    was_training = model.training
    try:
        for epoch in range(epochs):
            try:
                _run_epoch(model, loss_fn, optimizer, X, y, batch, rng)
                model.eval()
                train_loss = _finite(evaluate(X, y), "the training loss")
                val_loss = None if val is None else _finite(evaluate(*val), "the validation loss")
            except _Diverged as error:
                _recover(model, history, best_state, f"epoch {epoch + 1}: {error}", error)
                break
            if history._record(epoch, train_loss, val_loss) and val is not None:
                best_state = model.state_dict()  # to restore after early stopping or divergence
            if verbose:
                _print_epoch(history, epochs)
            if callback is not None:
                callback(epoch + 1)
            if patience is not None and epoch - history.best_epoch >= patience:
                history.stopped_early = epoch + 1 < epochs
                break
        if patience is not None and best_state is not None:
            model.load_state_dict(best_state)
    finally:
        model.train(was_training)
    return history


def _check_data(
    X: Any, y: Any, validation: tuple[Any, Any] | None
) -> tuple[np.ndarray, np.ndarray, tuple[np.ndarray, np.ndarray] | None]:
    """The training and validation data as arrays (Tensors give their data), checked."""
    X, y = np.asarray(X), np.asarray(y)
    check_same_samples(X=X, y=y)
    if validation is None:
        return X, y, None
    X_val, y_val = np.asarray(validation[0]), np.asarray(validation[1])
    check_same_samples(X_val=X_val, y_val=y_val)
    return X, y, (X_val, y_val)


def _print_epoch(history: History, epochs: int) -> None:
    """The verbose line of the epoch just recorded, on stderr."""
    shown = f" val_loss {history.val_loss[-1]:.6g}" if history.val_loss else ""
    print(
        f"epoch {len(history.train_loss)}/{epochs} train_loss {history.train_loss[-1]:.6g}{shown}",
        file=sys.stderr,
    )


def _run_epoch(
    model: Any,
    loss_fn: Any,
    optimizer: Any,
    X: np.ndarray,
    y: np.ndarray,
    batch: int,
    rng: np.random.Generator,
) -> None:
    """One pass over a fresh shuffle of the rows, one optimizer step per minibatch."""
    model.train()
    n = len(X)
    order = rng.permutation(n) if batch < n else np.arange(n)
    for start in range(0, n, batch):
        rows = order[start : start + batch]
        optimizer.zero_grad()
        loss = loss_fn(model(Tensor(X[rows])), Tensor(y[rows]))
        _finite(float(loss.item()), f"the loss on minibatch {start // batch + 1}")
        loss.backward()
        try:
            optimizer.step()
        except FloatingPointError as error:
            raise _Diverged(str(error)) from error


def _finite(value: float, what: str) -> float:
    if not math.isfinite(value):
        raise _Diverged(f"{what} is {value}")
    return value


def _recover(model: Any, history: History, best_state: Any, where: str, error: _Diverged) -> None:
    """After divergence: restore the best epoch's parameters and warn, or raise."""
    if best_state is None:
        raise FloatingPointError(
            f"fit(): training diverged in {where}. Lower the learning rate, or pass "
            "validation=(X_val, y_val) to get the best epoch's parameters back"
        ) from error.__cause__
    model.load_state_dict(best_state)
    history.diverged = history.stopped_early = True
    epoch = history.best_epoch
    warnings.warn(
        f"fit(): training diverged in {where}; restored the parameters of epoch {epoch + 1}, "
        f"the best on validation (val_loss {history.val_loss[epoch]:.6g})",
        RuntimeWarning,
        stacklevel=user_stacklevel(),
    )
