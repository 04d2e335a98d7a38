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

The loop is one function, ``_train_epochs``, with the minibatch pass of
``_run_epoch`` inside it and a hook after each epoch that is the
stopping rule. ``fit``'s hook measures the losses above and counts
``patience``; the estimators of :mod:`tinyreg.estimators` run the same
loop with scikit-learn's rule as their hook.
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
from tinyreg.random import GeneratorLike, resolve_generator, seed_alias
from tinyreg.validation import (
    check_finite_array,
    check_int,
    check_same_samples,
    user_stacklevel,
)

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


@seed_alias
def fit(
    model: Any,
    loss_fn: Any,
    optimizer: Any,
    X: Any,
    y: Any,
    epochs: int,
    batch_size: int | None = None,
    validation: tuple[Any, Any] | None = None,
    generator: GeneratorLike = None,
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
        generator: the source of the shuffling: an int (a fresh generator
            seeded with it), a numpy Generator, or ``None`` for the package
            generator of :func:`tinyreg.manual_seed`. ``seed`` is another
            spelling of ``generator``, deprecated.
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
    batch = len(X) if batch_size is None else min(batch_size, len(X))
    rule = _PatienceRule(model, loss_fn, (X, y), val, epochs, patience, verbose, callback)
    history, was_training = rule.history, model.training
    try:
        try:
            stopped = _train_epochs(
                model, loss_fn, optimizer, X, y, epochs, batch, resolve_generator(generator), rule
            )
            history.stopped_early = stopped and len(history.train_loss) < epochs
        except _Diverged as error:
            where = f"epoch {len(history.train_loss) + 1}: {error}"
            _recover(model, history, rule.best_state, where, error)
        if patience is not None and rule.best_state is not None:
            model.load_state_dict(rule.best_state)
    finally:
        model.train(was_training)
    return history


@dataclass
class _PatienceRule:
    """fit's stopping rule, the hook after each epoch: measure, record, report, stop on patience.

    The losses are those of the whole training set (and of the validation
    set), in eval mode, under ``no_grad()``; ``best_state`` holds the
    parameters of the best epoch when there is a validation set.
    """

    model: Any
    loss_fn: Any
    data: tuple[np.ndarray, np.ndarray]
    validation: tuple[np.ndarray, np.ndarray] | None
    epochs: int
    patience: int | None
    verbose: bool
    callback: Callable[[int], Any] | None
    history: History = field(default_factory=History)
    best_state: Any = None

    def __call__(self, epoch: int, _minibatch_loss: float) -> bool:
        """Record the epoch just run (0 for the first); True to stop training."""
        self.model.eval()
        train_loss = _finite(self._loss(*self.data), "the training loss")
        val_loss = None
        if self.validation is not None:
            val_loss = _finite(self._loss(*self.validation), "the validation loss")
        if self.history._record(epoch, train_loss, val_loss) and val_loss is not None:
            self.best_state = self.model.state_dict()  # restored after early stopping, divergence
        if self.verbose:
            _print_epoch(self.history, self.epochs)
        if self.callback is not None:
            self.callback(epoch + 1)
        return self.patience is not None and epoch - self.history.best_epoch >= self.patience

    def _loss(self, inputs: np.ndarray, targets: np.ndarray) -> float:
        """The loss of the model as it is, on all of ``inputs``."""
        with no_grad():
            return float(self.loss_fn(self.model(Tensor(inputs)), Tensor(targets)).item())


def _check_data(
    X: Any, y: Any, validation: tuple[Any, Any] | None
) -> tuple[np.ndarray, np.ndarray, tuple[np.ndarray, np.ndarray] | None]:
    """The training and validation data as arrays (Tensors give their data), checked:
    matching numbers of samples, and no NaN or infinity (a ValueError naming the array)."""
    X, y = _finite_data("X", X), _finite_data("y", y)
    check_same_samples(X=X, y=y)
    if validation is None:
        return X, y, None
    X_val, y_val = _finite_data("X_val", validation[0]), _finite_data("y_val", validation[1])
    check_same_samples(X_val=X_val, y_val=y_val)
    return X, y, (X_val, y_val)


def _finite_data(name: str, data: Any) -> np.ndarray:
    """``data`` as an array, its dtype kept (class indices stay integers); NaN or infinity
    in it is a ValueError that names it and says how many and where."""
    array = np.asarray(data)
    if array.dtype.kind == "f" and not np.isfinite(array).all():
        check_finite_array(name, array)  # raises, with the count and the first position
    return array


def _print_epoch(history: History, epochs: int) -> None:
    """The verbose line of the epoch just recorded, on stderr."""
    shown = f" val_loss {history.val_loss[-1]:.6g}" if history.val_loss else ""
    print(
        f"epoch {len(history.train_loss)}/{epochs} train_loss {history.train_loss[-1]:.6g}{shown}",
        file=sys.stderr,
    )


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


# ---------------------------------------------------------------------------
# The loop itself, shared with the estimators of tinyreg.estimators
# ---------------------------------------------------------------------------


def _train_epochs(
    model: Any,
    loss_fn: Any,
    optimizer: Any,
    X: np.ndarray,
    y: np.ndarray,
    epochs: int,
    batch: int,
    rng: np.random.Generator,
    end_of_epoch: Callable[[int, float], bool],
) -> bool:
    """Run up to ``epochs`` epochs of ``_run_epoch``; True if ``end_of_epoch`` stopped them.

    After each epoch, ``end_of_epoch(epoch, minibatch_loss)`` -- the epoch's
    index from 0 and its mean minibatch loss -- measures and records what it
    needs and says whether to stop: this hook is the stopping rule.
    Non-finite values raise ``_Diverged``, from an epoch or from the hook.
    """
    for epoch in range(epochs):
        if end_of_epoch(epoch, _run_epoch(model, loss_fn, optimizer, X, y, batch, rng)):
            return True
    return False


def _run_epoch(
    model: Any,
    loss_fn: Any,
    optimizer: Any,
    X: np.ndarray,
    y: np.ndarray,
    batch: int,
    rng: np.random.Generator,
) -> float:
    """One pass over a fresh shuffle of the rows, one optimizer step per minibatch.

    Returns the mean of the minibatch losses, each weighted by its number
    of rows. A non-finite minibatch loss, or the optimizer's
    FloatingPointError for a non-finite gradient, raises ``_Diverged``.
    """
    model.train()
    n = len(X)
    order = rng.permutation(n) if batch < n else np.arange(n)
    total = 0.0
    for start in range(0, n, batch):
        rows = order[start : start + batch]
        optimizer.zero_grad()
        loss = loss_fn(model(Tensor(X[rows])), Tensor(y[rows]))
        value = _finite(float(loss.item()), f"the loss on minibatch {start // batch + 1}")
        loss.backward()
        try:
            optimizer.step()
        except FloatingPointError as error:
            raise _Diverged(str(error)) from error
        total += value * len(rows)
    return total / n


def _finite(value: float, what: str) -> float:
    """``value`` if it is finite, else ``_Diverged`` naming ``what``."""
    if not math.isfinite(value):
        raise _Diverged(f"{what} is {value}")
    return value
