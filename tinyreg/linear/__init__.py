r"""Reference solvers for regularized linear regression (numpy only).

This module is the yardstick the rest of tinyreg is measured against: exact or
certified solutions of the linear models that the gradient-trained networks of
``tinyreg.optim`` approximate. The estimators copy scikit-learn's names,
objectives, parameters and attributes, so code written for
``sklearn.linear_model`` runs after changing only its import line::

    from tinyreg.linear import LinearRegression, Lasso, Ridge  # instead of sklearn.linear_model

====================  ==================================================  =====================
estimator             objective minimised over (w, b)                     solver
====================  ==================================================  =====================
``LinearRegression``  ‖y − Xw − b‖²                                       lstsq (SVD)
``Ridge``             ‖y − Xw − b‖² + alpha·‖w‖²                          Cholesky, or SVD
``RidgeCV``           Ridge, alpha chosen by exact leave-one-out or       one eigendecomposition,
                      K-fold error                                        or per-fold moments
``ElasticNet``        (1/(2n))‖y − Xw − b‖² + alpha·l1_ratio·‖w‖₁         exact solution path or
                      + (alpha·(1 − l1_ratio)/2)·‖w‖²                     working sets; coordinate
                                                                          descent, FISTA
``Lasso``             (1/(2n))‖y − Xw − b‖² + alpha·‖w‖₁                  as ElasticNet
``ElasticNetCV``,     ElasticNet or Lasso, alpha (and l1_ratio) chosen    paths from per-fold
``LassoCV``           by K-fold error                                     moments, one pass
====================  ==================================================  =====================

The intercept b is never penalized; it is fitted by centring X and y (see
:class:`_LinearModel`). ``lasso_path`` and ``enet_path`` follow scikit-learn
and fit no intercept at all.

Data in chunks
--------------
Ridge, the lasso and the elastic net see the data only through their
:class:`Moments` (weights, means, centred scatter; p×p numbers), which merge
exactly. So ``Ridge``, ``Lasso`` and ``ElasticNet`` have ``partial_fit``
(one chunk at a time; ``fit`` is a fresh start plus one ``partial_fit``),
``LassoCV`` and ``ElasticNetCV`` too (row i of the stream in fold i mod cv), and
``fit`` of these and of ``RidgeCV``, ``LassoCV`` and ``ElasticNetCV`` accepts
dask arrays, summarised block by block where they live (``tinyreg[dask]``;
dask is never imported otherwise).

Alpha conventions
-----------------
Ridge and the elastic net scale their data term differently; that is
scikit-learn's choice, kept so that the numbers match. With n samples and the
data term (1/(2n))·‖y − Xw − b‖² of ``tinyreg.optim``, the same model is:

================================  ================================  =============================
here and in scikit-learn          ``tinyreg.penalties`` penalty     PyTorch, same (1/(2n)) loss
================================  ================================  =============================
``Ridge(alpha)``                  ``L2(alpha / n)``                 SGD ``weight_decay=alpha / n``
``Lasso(alpha)``                  ``L1(alpha)``                     (no built-in L1)
``ElasticNet(alpha, l1_ratio)``   ``ElasticNet(alpha, l1_ratio)``   (no built-in L1)
================================  ================================  =============================

PyTorch's ``weight_decay`` covers only the L2 part, alpha·(1 − l1_ratio) for
the elastic net. Its ``MSELoss`` is (1/n)‖·‖², twice the loss above, so with
it ``Ridge(alpha)`` is ``weight_decay=2·alpha/n``. With sample weights s, Ridge's
data term is Σ sᵢ(yᵢ − xᵢw − b)²; the elastic net, like scikit-learn, first
rescales the weights to sum to n.

Conventions
-----------
* ``X`` is 2-D ``(n_samples, n_features)``; ``y`` is 1-D or 2-D
  ``(n_samples, n_targets)``. A 2-D ``y`` fits one independent model per
  column; ``coef_`` then has shape ``(n_targets, n_features)``.
* Integer and boolean inputs are cast; all computation is in float64.
* Every argument is checked with :mod:`tinyreg.validation`; constructor
  parameters are checked at ``fit`` (not by ``set_params``, as in
  scikit-learn). A failed ``fit`` raises before touching any fitted attribute.
* The estimators follow scikit-learn's estimator protocol without depending
  on it (:class:`~tinyreg.base.Estimator`): with scikit-learn
  installed they pass its ``check_estimator`` and work in ``Pipeline``,
  ``GridSearchCV`` and ``cross_val_score``. Fitted on a data frame, they
  remember its column names in ``feature_names_in_``.
"""

from tinyreg.base import ConvergenceWarning, NotFittedError, PerformanceWarning
from tinyreg.linear.base import LinearRegression
from tinyreg.linear.elastic_net import ElasticNet, Lasso, enet_path, lasso_path
from tinyreg.linear.lasso_cv import ElasticNetCV, LassoCV
from tinyreg.linear.moments import Moments
from tinyreg.linear.ridge import Ridge
from tinyreg.linear.ridge_cv import RidgeCV

__all__ = [
    "ConvergenceWarning",
    "ElasticNet",
    "ElasticNetCV",
    "Lasso",
    "LassoCV",
    "LinearRegression",
    "Moments",
    "NotFittedError",
    "PerformanceWarning",
    "Ridge",
    "RidgeCV",
    "enet_path",
    "lasso_path",
]
