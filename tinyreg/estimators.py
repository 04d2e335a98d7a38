"""Neural networks with scikit-learn's face: ``MLPRegressor`` and ``MLPClassifier``.

They are built from the rest of tinyreg -- an ``nn.Sequential`` of
``Linear`` layers, activations and ``Dropout``, trained by an ``optim``
optimizer with a ``penalties`` penalty -- and they keep the names of
``sklearn.neural_network``, so they work in ``Pipeline``, ``GridSearchCV``
and ``cross_val_score``. What scikit-learn's MLPs do not have: an L1 or
elastic-net penalty, applied by the optimizer's proximal step, which sets
weights to exactly zero; and dropout.

The network, for ``hidden_layer_sizes=(h1, h2)``::

    Linear(n_features, h1), activation, Dropout(dropout),
    Linear(h1, h2),         activation, Dropout(dropout),
    Linear(h2, n_outputs)

(no Dropout layer when ``dropout=0``). The regressor has one output per
target; the classifier one logit for two classes (a logistic output) and one
per class otherwise (softmax).

The objective
-------------
Training minimises, over the weights W and biases b of every layer,

    mean data loss  +  R(W)

The data loss is half the squared error for the regressor, ½·mean((y −
f(x))²) over samples and targets, and the cross-entropy (log loss) for the
classifier. The penalty R applies to the weights only, never to the biases:

=================  ===================================================  ===================
``penalty``        R(W)                                                 the optimizer uses
=================  ===================================================  ===================
``"l2"``           (alpha/2)·‖W‖²                                       its gradient
``"l1"``           alpha·‖W‖₁                                           its proximal step
``"elasticnet"``   alpha·l1_ratio·‖W‖₁ + (alpha·(1 − l1_ratio)/2)·‖W‖²  both
a ``Penalty``      its ``value`` (``alpha`` and ``l1_ratio`` unused)     ``grad``, ``prox``
``None``           0
=================  ===================================================  ===================

These are the penalties of :mod:`tinyreg.penalties`, with the same alpha as
``tinyreg.linear``: a network with no hidden layer (``hidden_layer_sizes=()``)
and ``penalty="l1"`` minimises exactly the objective of ``Lasso(alpha)``.
With ``solver="adamw"`` the L2 part is applied as AdamW's decoupled weight
decay (``weight_decay = alpha·(1 − l1_ratio)``) instead of a gradient.

alpha and scikit-learn's alpha
------------------------------
scikit-learn's ``MLPRegressor``/``MLPClassifier`` add (alpha/(2·B))·‖W‖² to
the mean loss of each minibatch of B samples (B = n_samples with full
batches). Here alpha does not depend on the batch or data size, so

    tinyreg ``alpha``  =  scikit-learn ``alpha`` / B,

e.g. scikit-learn's default ``alpha=1e-4`` with its default batch of 200
samples is ``alpha=5e-7`` here. The data losses agree (scikit-learn's squared
error is also halved).

Training
--------
Each epoch visits the training samples once, in minibatches of
``batch_size`` (``"auto"`` = min(200, n_samples)) drawn from a fresh
shuffle, one optimizer step per minibatch. ``loss_curve_`` records, per
epoch, the mean minibatch loss plus R(W). Training stops when that loss has
not improved by more than ``tol`` for more than ``n_iter_no_change`` epochs in
a row (scikit-learn's rule); or, with ``early_stopping=True``, when the score
(R² or accuracy) on a held-out ``validation_fraction`` of the training data
has not, and then the weights of the best epoch are restored; or after
``max_iter`` epochs, with a :class:`ConvergenceWarning`. ``partial_fit`` runs
one more epoch on the data it is given. The loop is :func:`tinyreg.train.fit`'s,
with this stopping rule as the hook that ends each epoch.

All randomness (initial weights, minibatch order, dropout masks, the
validation split) comes from one generator made from ``random_state``, so
fitting twice with the same ``random_state`` gives bit-identical weights.
``random_state=None`` draws from tinyreg's package generator
(:func:`tinyreg.manual_seed`).

If the loss becomes NaN or infinite (typically a learning rate too large for
the scale of the data), training stops with a FloatingPointError and the
estimator is left exactly as it was before the call.

``module_`` is the trained network: its ``state_dict()`` has PyTorch's keys
and shapes, so it loads into the same ``torch.nn.Sequential``.
"""

from __future__ import annotations

import copy
import math
import sys
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from tinyreg import functional as F
from tinyreg import nn, optim, penalties
from tinyreg.autograd import Tensor, no_grad
from tinyreg.base import ConvergenceWarning, Estimator, check_class_labels, check_is_fitted
from tinyreg.metrics import accuracy_score, r2_score
from tinyreg.random import resolve_generator
from tinyreg.train import _Diverged, _finite, _train_epochs
from tinyreg.validation import (
    check_choice,
    check_in_range,
    check_int,
    check_nonnegative,
    check_positive,
    check_same_samples,
    check_X,
    check_X_y,
    user_stacklevel,
)

__all__ = ["MLPClassifier", "MLPRegressor"]

_ACTIVATIONS: dict[str, Callable[[], nn.Module]] = {
    "relu": nn.ReLU,
    "tanh": nn.Tanh,
    "logistic": nn.Sigmoid,
    "identity": nn.Identity,
}
_PENALTIES = ("l2", "l1", "elasticnet")
_SOLVERS = ("sgd", "adam", "adamw")


# ---------------------------------------------------------------------------
# Training, shared by both estimators
# ---------------------------------------------------------------------------


@dataclass
class _Progress:
    """What the training loop tracks across epochs (and across partial_fit calls)."""

    loss_curve: list[float] = field(default_factory=list)
    best_loss: float = math.inf
    validation_scores: list[float] = field(default_factory=list)
    best_validation_score: float = -math.inf
    no_improvement: int = 0

    def record(self, loss: float, score: float | None, tol: float) -> bool:
        """Append one epoch's loss (and validation score); True if the score is the best yet.

        ``no_improvement`` counts the epochs in a row in which the monitored
        value -- the validation score if there is one, else the loss -- has
        not improved on its best by more than ``tol``.
        """
        self.loss_curve.append(loss)
        best = False
        if score is None:
            improved = loss < self.best_loss - tol
            self.best_loss = min(self.best_loss, loss)
        else:
            self.validation_scores.append(score)
            improved = score > self.best_validation_score + tol
            best = score > self.best_validation_score
            if best:
                self.best_validation_score = score
        self.no_improvement = 0 if improved else self.no_improvement + 1
        return best


def _as_generator(random_state: Any) -> np.random.Generator:
    """The generator for one fit: fresh from an int, the package one for None."""
    if isinstance(random_state, np.random.RandomState):
        return np.random.default_rng(random_state.randint(0, 2**31 - 1))
    if isinstance(random_state, (bool, np.bool_)) or not (
        random_state is None or isinstance(random_state, (int, np.integer, np.random.Generator))
    ):
        raise TypeError(
            "random_state must be None, an int, a numpy Generator or RandomState, "
            f"got {type(random_state).__name__} {random_state!r}"
        )
    if isinstance(random_state, np.integer):
        random_state = int(random_state)
    return resolve_generator(random_state)


def _split_validation(
    X: np.ndarray, Y: np.ndarray, fraction: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, tuple[np.ndarray, np.ndarray]]:
    """Hold out ceil(fraction·n) random samples for early stopping: ``X, Y, (X_val, Y_val)``."""
    n = len(X)
    n_val = math.ceil(fraction * n)
    if n_val >= n:
        raise ValueError(
            f"early stopping holds out validation_fraction={fraction} of the {n} samples "
            "and leaves none to train on: give more samples or a smaller fraction"
        )
    order = rng.permutation(n)
    validation, train = order[:n_val], order[n_val:]
    return X[train], Y[train], (X[validation], Y[validation])


@dataclass
class _NoImprovementRule:
    """scikit-learn's stopping rule: the hook that ends each epoch of the estimators' training.

    It adds the penalty R(W) to the epoch's mean minibatch loss (the
    objective of ``loss_curve_``), scores the validation set if there is
    one, records both in ``progress``, and stops once the monitored value
    has not improved by more than ``tol`` for more than ``n_iter_no_change``
    epochs in a row. ``best_state`` holds the weights of the best-scoring
    epoch. A non-finite objective or parameter raises ``_Diverged``.
    """

    estimator: _MLP
    module: nn.Sequential
    progress: _Progress
    params: dict[str, Any]
    validation: tuple[np.ndarray, np.ndarray] | None
    best_state: Any = None

    def __call__(self, _epoch: int, minibatch_loss: float) -> bool:
        """Record the epoch just run; True to stop training."""
        loss = _finite(minibatch_loss + self._penalty_value(), "the training loss")
        module, params, validation = self.module, self.params, self.validation
        names = [name for name, p in module.named_parameters() if not np.isfinite(p.data).all()]
        if names:
            raise _Diverged(f"parameters {', '.join(names)} became NaN or infinite")
        score = None
        if validation is not None:
            score = self.estimator._score_output(_evaluate(module, validation[0]), validation[1])
        if self.progress.record(loss, score, params["tol"]):
            self.best_state = module.state_dict()
        stop = self.progress.no_improvement > params["n_iter_no_change"]
        if params["verbose"]:
            self._report(loss, score, stop)
        return stop

    def _penalty_value(self) -> float:
        """R(W) at the current weights (0 without a penalty)."""
        objective, _, _ = self.estimator._penalty(self.params)
        weights = [p.data for p in self.module.parameters() if p.regularize]
        return sum(float(objective.value(w)) for w in weights) if objective else 0.0

    def _report(self, loss: float, score: float | None, stop: bool) -> None:
        """The verbose line of the epoch just recorded, and of the stop, on stderr."""
        owner, epoch = type(self.estimator).__name__, len(self.progress.loss_curve)
        shown = "" if score is None else f", validation score {score:.6g}"
        print(f"{owner}: epoch {epoch}, loss {loss:.8g}{shown}", file=sys.stderr)
        if stop:
            measured = "training loss" if score is None else "validation score"
            tol, patience = self.params["tol"], self.params["n_iter_no_change"]
            print(
                f"{owner}: the {measured} did not improve by more than tol={tol} for "
                f"{patience + 1} consecutive epochs; stopping.",
                file=sys.stderr,
            )


class _MLP(Estimator):
    """What MLPRegressor and MLPClassifier share: parameters, network, training loop.

    Subclasses say how targets are encoded (``_targets``), what the network
    outputs and how the loss reads it (``_n_outputs``, ``_loss``), and how
    outputs are scored (``_score_output``, ``score``).
    """

    def __init__(
        self,
        hidden_layer_sizes: int | tuple[int, ...] = (100,),
        activation: str = "relu",
        *,
        solver: str = "adam",
        alpha: float = 1e-4,
        penalty: Any = "l2",
        l1_ratio: float = 0.5,
        dropout: float = 0.0,
        batch_size: int | str = "auto",
        learning_rate_init: float = 1e-3,
        max_iter: int = 200,
        tol: float = 1e-4,
        momentum: float = 0.9,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        n_iter_no_change: int = 10,
        random_state: Any = None,
        verbose: bool = False,
    ) -> None:
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.penalty = penalty
        self.l1_ratio = l1_ratio
        self.dropout = dropout
        self.batch_size = batch_size
        self.learning_rate_init = learning_rate_init
        self.max_iter = max_iter
        self.tol = tol
        self.momentum = momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.random_state = random_state
        self.verbose = verbose

    # -- parameters -------------------------------------------------------

    def _check_params(self, params: dict[str, Any]) -> dict[str, Any]:
        sizes = params["hidden_layer_sizes"]
        if isinstance(sizes, (int, np.integer)):
            sizes = [sizes]
        elif not isinstance(sizes, (tuple, list, np.ndarray)):
            raise TypeError(
                "hidden_layer_sizes must be a tuple of layer widths such as (100,) or (64, 32), "
                f"or an int, got {type(sizes).__name__} {sizes!r}"
            )
        checked = {
            **params,
            "hidden_layer_sizes": tuple(
                check_int(f"hidden_layer_sizes[{i}]", size) for i, size in enumerate(sizes)
            ),
            "activation": check_choice("activation", params["activation"], tuple(_ACTIVATIONS)),
            "solver": check_choice("solver", params["solver"], _SOLVERS),
            "alpha": check_nonnegative("alpha", params["alpha"]),
            "l1_ratio": check_in_range("l1_ratio", params["l1_ratio"], 0.0, 1.0),
            "dropout": check_in_range("dropout", params["dropout"], 0.0, 1.0, closed=(True, False)),
            "learning_rate_init": check_positive(
                "learning_rate_init", params["learning_rate_init"]
            ),
            "max_iter": check_int("max_iter", params["max_iter"]),
            "tol": check_nonnegative("tol", params["tol"]),
            "momentum": check_in_range(
                "momentum", params["momentum"], 0.0, 1.0, closed=(True, False)
            ),
            "early_stopping": check_choice(
                "early_stopping", params["early_stopping"], (True, False)
            ),
            "validation_fraction": check_in_range(
                "validation_fraction",
                params["validation_fraction"],
                0.0,
                1.0,
                closed=(False, False),
            ),
            "n_iter_no_change": check_int("n_iter_no_change", params["n_iter_no_change"]),
        }
        if not (isinstance(params["batch_size"], str) and params["batch_size"] == "auto"):
            checked["batch_size"] = check_int("batch_size", params["batch_size"])
        penalty = params["penalty"]
        if isinstance(penalty, str) or penalty is None:
            check_choice("penalty", penalty, (*_PENALTIES, None))
        elif isinstance(penalty, type) or not all(
            callable(getattr(penalty, method, None)) for method in ("value", "grad", "prox")
        ):
            raise TypeError(
                f"penalty must be one of {', '.join(map(repr, _PENALTIES))}, None, or a penalty "
                f"object with value, grad and prox methods (see tinyreg.penalties); got {penalty!r}"
            )
        return checked

    def _penalty(self, params: dict[str, Any]) -> tuple[Any, Any, float]:
        """``(R, optimizer penalty, decoupled weight decay)`` for these parameters.

        R is the penalty of the objective (for ``loss_curve_``); the
        optimizer applies all of it, except that AdamW takes the L2 part as
        decoupled weight decay.
        """
        penalty, alpha, l1_ratio = params["penalty"], params["alpha"], params["l1_ratio"]
        if not isinstance(penalty, str):
            return penalty, penalty, 0.0
        share = {"l2": 0.0, "l1": 1.0, "elasticnet": l1_ratio}[penalty]
        objective = penalties.ElasticNet(alpha, share)
        if params["solver"] == "adamw":
            return objective, penalties.L1(alpha * share) if share else None, alpha * (1 - share)
        exact = {"l2": penalties.L2(alpha), "l1": penalties.L1(alpha)}.get(penalty, objective)
        return objective, exact, 0.0

    # -- the network --------------------------------------------------------

    def _build(
        self, n_features: int, n_outputs: int, params: dict[str, Any], rng: np.random.Generator
    ) -> tuple[nn.Sequential, optim.Optimizer]:
        """A freshly initialised network and its optimizer."""
        layers: list[nn.Module] = []
        width = n_features
        for size in params["hidden_layer_sizes"]:
            layers += [nn.Linear(width, size, generator=rng), _ACTIVATIONS[params["activation"]]()]
            if params["dropout"] > 0:
                layers.append(nn.Dropout(params["dropout"], generator=rng))
            width = size
        module = nn.Sequential(*layers, nn.Linear(width, n_outputs, generator=rng))
        _, penalty, weight_decay = self._penalty(params)
        lr = params["learning_rate_init"]
        optimizer: optim.Optimizer
        if params["solver"] == "sgd":
            optimizer = optim.SGD(module, lr=lr, momentum=params["momentum"], penalty=penalty)
        elif params["solver"] == "adam":
            optimizer = optim.Adam(module, lr=lr, penalty=penalty)
        else:
            optimizer = optim.AdamW(module, lr=lr, weight_decay=weight_decay, penalty=penalty)
        return module, optimizer

    def _layers(self) -> list[nn.Linear]:
        return [m for m in self.module_ if isinstance(m, nn.Linear)]

    @property
    def coefs_(self) -> list[np.ndarray]:
        """Weight matrices, layer by layer, in scikit-learn's layout (n_in, n_out).

        Views (transposes) of ``module_``'s weights, which PyTorch stores (n_out, n_in).
        """
        check_is_fitted(self, "module_")
        return [layer.weight.data.T for layer in self._layers()]

    @property
    def intercepts_(self) -> list[np.ndarray]:
        """Bias vectors, layer by layer (views of ``module_``'s biases)."""
        check_is_fitted(self, "module_")
        return [layer.bias.data for layer in self._layers() if layer.bias is not None]

    def _forward(self, X: ArrayLike) -> np.ndarray:
        """The network's output on ``X`` in eval mode (no dropout), as an array."""
        X = self._check_input(X).astype(np.float64, copy=False)  # first: fitted?
        return _evaluate(self.module_, X)

    # -- training -----------------------------------------------------------

    def _targets(
        self, X: np.ndarray, y: Any, classes: Any = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """``y`` as the network's targets, and the fitted attributes read from it."""
        raise NotImplementedError

    def _n_outputs(self, Y: np.ndarray, found: dict[str, Any]) -> int:
        raise NotImplementedError

    def _loss(self, output: Tensor, target: Tensor) -> Tensor:
        """The mean data loss of network outputs against encoded targets."""
        raise NotImplementedError

    def _score_output(self, output: np.ndarray, Y: np.ndarray) -> float:
        """The score (R², accuracy) of network outputs against encoded targets."""
        raise NotImplementedError

    def fit(self, X: ArrayLike, y: ArrayLike) -> _MLP:
        """Train a new network on ``X`` (n_samples, n_features) and ``y``; return ``self``.

        Nothing is changed if an argument is invalid or training fails.
        """
        params = self._check_params(self.get_params())
        X_in, X = X, check_X(X).astype(np.float64, copy=False)
        Y, found = self._targets(X, y)
        rng = _as_generator(params["random_state"])  # last: it may advance a user's generator
        module, optimizer = self._build(X.shape[1], self._n_outputs(Y, found), params, rng)
        progress, validation = _Progress(), None
        if params["early_stopping"]:
            X, Y, validation = _split_validation(X, Y, params["validation_fraction"], rng)
        self._train(module, optimizer, progress, X, Y, params, rng, params["max_iter"], validation)
        self._store(module, optimizer, rng, progress, params, X_in, found)
        return self

    def _partial_fit(self, X: ArrayLike, y: ArrayLike, classes: Any = None) -> _MLP:
        """One more epoch on ``X``, ``y`` (a new network on the first call); see partial_fit."""
        params = self._check_params(self.get_params())
        X_in = X
        if not hasattr(self, "module_"):
            X = check_X(X).astype(np.float64, copy=False)
            Y, found = self._targets(X, y, classes)
            rng = _as_generator(params["random_state"])
            module, optimizer = self._build(X.shape[1], self._n_outputs(Y, found), params, rng)
            progress = _Progress()
        else:
            X = check_X(self._check_input(X)).astype(np.float64, copy=False)
            Y, found = self._targets(X, y, classes)
            module, optimizer, rng, progress = copy.deepcopy(
                (self.module_, self._optimizer, self._rng, self._progress)
            )
        self._train(module, optimizer, progress, X, Y, params, rng, 1, None, warn=False)
        self._store(module, optimizer, rng, progress, params, X_in, found)
        return self

    def _train(
        self,
        module: nn.Sequential,
        optimizer: optim.Optimizer,
        progress: _Progress,
        X: np.ndarray,
        Y: np.ndarray,
        params: dict[str, Any],
        rng: np.random.Generator,
        epochs: int,
        validation: tuple[np.ndarray, np.ndarray] | None,
        warn: bool = True,
    ) -> None:
        """Run up to ``epochs`` epochs, updating ``module``, ``optimizer`` and ``progress``.

        The loop is :mod:`tinyreg.train`'s, with ``_NoImprovementRule``
        as its stopping rule; with validation, ``module`` ends with the
        weights of its best-scoring epoch. A non-finite loss or parameter
        raises FloatingPointError (the callers train a copy, so the estimator
        is left as it was).
        """
        owner, lr = type(self).__name__, params["learning_rate_init"]
        batch = min(200 if params["batch_size"] == "auto" else params["batch_size"], len(X))
        rule = _NoImprovementRule(self, module, progress, params, validation)
        try:
            stopped = _train_epochs(module, self._loss, optimizer, X, Y, epochs, batch, rng, rule)
        except _Diverged as error:
            raise FloatingPointError(
                f"{owner}: training diverged in epoch {len(progress.loss_curve) + 1}: {error}. "
                f"The learning rate (learning_rate_init={lr}) is probably too large for the "
                "scale of the data: lower it, or standardize X (and y). "
                "The estimator was left as it was before this call."
            ) from error.__cause__
        if warn and not stopped:
            warnings.warn(
                f"{owner}: stopped after max_iter={epochs} epochs, and the optimization has "
                f"not converged yet (the {'validation score' if validation else 'loss'} was "
                f"still improving by more than tol={params['tol']}). Increase max_iter, or raise "
                "learning_rate_init.",
                ConvergenceWarning,
                stacklevel=user_stacklevel(),
            )
        if rule.best_state is not None:
            module.load_state_dict(rule.best_state)
        module.eval()

    def _store(
        self,
        module: nn.Sequential,
        optimizer: optim.Optimizer,
        rng: np.random.Generator,
        progress: _Progress,
        params: dict[str, Any],
        X_in: Any,
        found: dict[str, Any],
    ) -> None:
        """Assign the fitted attributes (only once training has succeeded)."""
        self.module_ = module
        self._optimizer, self._rng, self._progress = optimizer, rng, progress
        self.loss_curve_ = list(progress.loss_curve)
        self.n_iter_ = len(progress.loss_curve)
        early = bool(progress.validation_scores)
        self.best_loss_ = None if early else progress.best_loss
        self.validation_scores_ = list(progress.validation_scores) if early else None
        self.best_validation_score_ = progress.best_validation_score if early else None
        layers = self._layers()
        self.n_layers_ = len(layers) + 1
        self.n_outputs_ = layers[-1].out_features
        for name, value in found.items():
            setattr(self, name, value)
        self._remember_input(X_in, layers[0].in_features)


def _evaluate(module: nn.Sequential, X: np.ndarray) -> np.ndarray:
    """``module``'s output on ``X`` in eval mode (dropout off), as an array."""
    module.eval()
    with no_grad():
        return module(Tensor(X)).data


class MLPRegressor(_MLP):
    """A multi-layer perceptron trained on half the mean squared error, with L1, L2 or dropout.

    See :mod:`tinyreg.estimators` for the network, the objective, the
    penalty table, how ``alpha`` relates to scikit-learn's, and the training
    loop.

    Parameters:
        hidden_layer_sizes: the width of each hidden layer; ``()`` gives a
            linear model.
        activation: after each hidden layer: ``"relu"``, ``"tanh"``,
            ``"logistic"`` or ``"identity"``.
        solver: ``"sgd"`` (with ``momentum``), ``"adam"`` or ``"adamw"``.
        alpha: penalty strength (see the module docstring for scikit-learn's scale).
        penalty: ``"l2"``, ``"l1"``, ``"elasticnet"``, None, or a
            :class:`tinyreg.penalties.Penalty` object. Weights only, never biases.
        l1_ratio: the L1 share of ``"elasticnet"``.
        dropout: probability of dropping each unit after each hidden layer.
        batch_size: samples per minibatch, or ``"auto"`` = min(200, n_samples).
        learning_rate_init: the optimizer's learning rate.
        max_iter: the most epochs ``fit`` runs.
        tol: stop when the loss (or the validation score) has not improved
            by more than ``tol`` for more than ``n_iter_no_change`` epochs in a row.
        n_iter_no_change: the number of epochs in that stopping rule.
        momentum: SGD's momentum.
        early_stopping: hold out ``validation_fraction`` of the training
            data, stop on its R², keep the best epoch's weights.
        validation_fraction: the fraction held out for early stopping.
        random_state: None, an int, or a numpy Generator (or RandomState).
        verbose: print one line per epoch on stderr.

    Attributes:
        module_: the trained ``nn.Sequential`` (in eval mode).
        coefs_, intercepts_: its weights (n_in, n_out) and biases, layer by layer.
        loss_curve_: the loss (data loss + penalty) after each epoch; ``n_iter_`` epochs.
        best_loss_: the lowest of them (None with early stopping).
        validation_scores_, best_validation_score_: with early stopping, else None.
        n_features_in_: the number of features seen by ``fit``.
        feature_names_in_: the column names, when fitted on a data frame.
        n_outputs_: the number of outputs of the network.
        n_layers_: the number of layers, input and output included.
    """

    def _targets(
        self, X: np.ndarray, y: Any, classes: Any = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        _, Y, _ = check_X_y(X, y)
        return Y.astype(np.float64, copy=False).reshape(len(Y), -1), {}

    def _n_outputs(self, Y: np.ndarray, found: dict[str, Any]) -> int:
        return Y.shape[1]

    def _loss(self, output: Tensor, target: Tensor) -> Tensor:
        return 0.5 * F.mse_loss(output, target)

    def _score_output(self, output: np.ndarray, Y: np.ndarray) -> float:
        return r2_score(Y, output)

    def partial_fit(self, X: ArrayLike, y: ArrayLike) -> MLPRegressor:
        """Train for one more epoch on ``X``, ``y`` (a new network on the first call).

        Training goes on with the network and the optimizer of the first
        call, state included (momentum, Adam's moments); parameters that
        shape them (solver, learning_rate_init, momentum, penalty, alpha,
        l1_ratio, hidden_layer_sizes, dropout) take effect at the next
        ``fit``. There is no early stopping here. Nothing is changed if an
        argument is invalid or training fails.
        """
        self._partial_fit(X, y)
        return self

    def predict(self, X: ArrayLike) -> np.ndarray:
        """The network's output: shape (n_samples,) for one target, else (n_samples, n_targets)."""
        output = self._forward(X)
        return output[:, 0] if output.shape[1] == 1 else output

    def score(self, X: ArrayLike, y: ArrayLike, sample_weight: ArrayLike | None = None) -> float:
        """The coefficient of determination R² of ``predict(X)`` against ``y``."""
        return r2_score(y, self.predict(X), sample_weight)


class MLPClassifier(_MLP):
    """A multi-layer perceptron trained on the cross-entropy, with L1, L2 or dropout.

    Two classes get one output unit (a logistic output, trained with binary
    cross-entropy), more classes one unit each (softmax). Parameters and
    attributes are those of :class:`MLPRegressor`, plus ``classes_`` (the
    class labels, sorted); early stopping watches the accuracy.
    ``partial_fit`` needs ``classes=`` (every label that will ever appear)
    on its first call.
    """

    _estimator_type_tag = "classifier"
    _multi_output = False
    classes_: np.ndarray

    def partial_fit(
        self, X: ArrayLike, y: ArrayLike, classes: ArrayLike | None = None
    ) -> MLPClassifier:
        """Train for one more epoch on ``X``, ``y`` (a new network on the first call).

        ``classes``, every label that will ever appear, is required on the
        first call, since one batch may not show them all. Otherwise as
        :meth:`MLPRegressor.partial_fit`.
        """
        if classes is None and not hasattr(self, "module_"):
            raise ValueError(
                "the first call of partial_fit needs classes=, every label y will ever hold"
            )
        self._partial_fit(X, y, classes)
        return self

    def _targets(
        self, X: np.ndarray, y: Any, classes: Any = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Class indices (a column of 0/1 for two classes), and ``classes_``.

        ``classes`` (``partial_fit`` only) lists every label that may come;
        after the first call the classes are those of the fitted model.
        """
        found, codes = check_class_labels(y)
        check_same_samples(X=X, y=codes)
        fitted = getattr(self, "classes_", None)
        if classes is not None:
            classes = np.unique(np.asarray(classes))
            if fitted is not None and not np.array_equal(classes, fitted):
                raise ValueError(
                    f"classes={list(classes)} differs from the classes of the first call, "
                    f"{list(fitted)}"
                )
        classes = fitted if fitted is not None else (found if classes is None else classes)
        unknown = np.setdiff1d(found, classes)
        if unknown.size:
            raise ValueError(
                f"y holds labels {list(unknown)} that are not among the classes {list(classes)}"
            )
        if len(classes) < 2:
            raise ValueError(
                f"a classifier needs samples of at least 2 classes, but y holds 1 class "
                f"({classes[0]!r})"
            )
        codes = np.searchsorted(classes, found)[codes]
        Y = codes[:, None].astype(np.float64) if len(classes) == 2 else codes
        return Y, {"classes_": classes}

    def _n_outputs(self, Y: np.ndarray, found: dict[str, Any]) -> int:
        n_classes = len(found["classes_"])
        return 1 if n_classes == 2 else n_classes

    def _loss(self, output: Tensor, target: Tensor) -> Tensor:
        if output.shape[1] == 1:
            return F.binary_cross_entropy_with_logits(output, target)
        return F.cross_entropy(output, target)

    def _score_output(self, output: np.ndarray, Y: np.ndarray) -> float:
        predicted = output[:, 0] > 0 if output.shape[1] == 1 else output.argmax(axis=1)
        return accuracy_score(Y.reshape(len(Y)), predicted)

    def predict_proba(self, X: ArrayLike) -> np.ndarray:
        """Class probabilities, shape (n_samples, n_classes), columns in ``classes_`` order."""
        logits = self._forward(X)
        if logits.shape[1] == 1:  # σ(−z) rather than 1 − σ(z): no cancellation
            z = logits[:, 0]
            return np.column_stack([F.sigmoid(Tensor(-z)).data, F.sigmoid(Tensor(z)).data])
        return F.softmax(Tensor(logits), axis=1).data

    def predict_log_proba(self, X: ArrayLike) -> np.ndarray:
        """The logarithm of :meth:`predict_proba`, computed stably from the logits."""
        logits = self._forward(X)
        if logits.shape[1] == 1:
            z = logits[:, 0]
            return np.column_stack([-np.logaddexp(0.0, z), -np.logaddexp(0.0, -z)])
        return F.log_softmax(Tensor(logits), axis=1).data

    def predict(self, X: ArrayLike) -> np.ndarray:
        """The most probable class of each sample, a label from ``classes_``."""
        logits = self._forward(X)
        best = (logits[:, 0] > 0).astype(np.intp) if logits.shape[1] == 1 else logits.argmax(axis=1)
        return self.classes_[best]

    def score(self, X: ArrayLike, y: ArrayLike, sample_weight: ArrayLike | None = None) -> float:
        """The accuracy (:func:`~tinyreg.metrics.accuracy_score`) of ``predict(X)`` on ``y``."""
        return accuracy_score(y, self.predict(X), sample_weight)
