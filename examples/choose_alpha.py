"""Choosing the regularization strength, measured.

"High alpha: more regularization, simpler models. Low alpha: less
regularization, more complex models." This script sweeps alpha for Ridge
and for Lasso on the house-price problem of ``house_prices_linear.py``
(30 training houses, 3 real and 10 noise features, standardized) and prints
a table of training and test error for each alpha. Look for:

* training error rising steadily with alpha (a simpler model fits the
  training houses less closely);
* test error falling first (less overfitting), then rising again
  (underfitting) -- a U shape whose bottom is the alpha to pick;
* ``RidgeCV``'s ``alpha_``, chosen by leave-one-out cross-validation on the
  training houses alone. Picking alpha by the test error would be cheating:
  the test set is for the final score only;
* along the lasso path, coefficients leaving zero one by one as alpha
  decreases: the three real features first, the noise features last;
* with scikit-learn installed, a network's two regularizers chosen together:
  ``GridSearchCV`` tries every pair of L2 strength (``alpha``) and ``dropout``
  for tinyreg's ``MLPRegressor`` inside a scikit-learn pipeline (features and
  prices standardized), on 100 training houses of the 200 the demo uses. A
  network this wide (64 hidden units) overfits 100 houses without
  regularization; the grid shows by how much, and that either regularizer --
  or the two together -- closes most of the gap.

Figure ``choose_alpha.png``: Ridge and Lasso train/test error against alpha
(log scale, RidgeCV's choice marked), and the lasso path (coefficients
against alpha). Figure ``choose_alpha_mlp_grid.png`` (with scikit-learn):
the cross-validated RMSE of every (alpha, dropout) pair as a heat map, the
chosen cell outlined.

Run: ``python examples/choose_alpha.py``
"""

import _common as common  # first, before numpy: see the note on BLAS threads there
import numpy as np

from tinyreg.datasets import Standardizer, make_house_prices, train_test_split
from tinyreg.linear import Lasso, Ridge, RidgeCV, lasso_path
from tinyreg.metrics import mean_squared_error

data = make_house_prices(n_samples=60, n_noise_features=10, generator=0)
X_train, X_test, y_train, y_test = train_test_split(data.X, data.y, test_size=0.5, generator=0)
scaler = Standardizer()
X_train = scaler.fit_transform(X_train)
X_test = scaler.transform(X_test)
n_real = 3  # size_sqft, bedrooms, location_score; the rest is noise
print(f"{len(X_train)} training houses, {len(X_test)} test houses, {X_train.shape[1]} features "
      f"({n_real} real, {X_train.shape[1] - n_real} noise); errors are MSE in units of 1e9 $²")

n_alphas = common.by_mode(25, 7)


def errors(model):
    """Training and test MSE of a fitted model, in units of 1e9 dollars squared."""
    return (mean_squared_error(y_train, model.predict(X_train)) / 1e9,
            mean_squared_error(y_test, model.predict(X_test)) / 1e9)


# ---------------------------------------------------------------------------
common.header("Ridge: alpha sweep and leave-one-out cross-validation")
ridge_alphas = np.geomspace(1e-2, 1e4, n_alphas)
ridge_errors = np.array([errors(Ridge(alpha=a).fit(X_train, y_train)) for a in ridge_alphas])
ridge_cv = RidgeCV(alphas=ridge_alphas).fit(X_train, y_train)

print(f"{'alpha':>10s} {'train MSE':>10s} {'test MSE':>10s}")
for alpha, (train_err, test_err) in zip(ridge_alphas, ridge_errors, strict=True):
    mark = "  <- RidgeCV's alpha_" if alpha == ridge_cv.alpha_ else ""
    print(f"{alpha:10.3g} {train_err:10.3f} {test_err:10.3f}{mark}")
best_test = ridge_alphas[np.argmin(ridge_errors[:, 1])]
print(f"RidgeCV.alpha_ = {ridge_cv.alpha_:.4g} (leave-one-out on the training houses; its "
      f"test MSE {errors(ridge_cv)[1]:.3f})")
print(f"the alpha with the lowest test MSE is {best_test:.4g}, found by peeking at the test set"
      + ("; RidgeCV found it without peeking" if best_test == ridge_cv.alpha_ else ""))

# ---------------------------------------------------------------------------
common.header("Lasso: alpha sweep")
y_centred = y_train - y_train.mean()  # lasso_path fits no intercept; X_train is already centred
alpha_max = float(np.max(np.abs(X_train.T @ y_centred))) / len(X_train)  # all-zero from here up
lasso_alphas = np.geomspace(alpha_max, alpha_max * 1e-3, n_alphas)
print(f"alpha_max = max|Xᵀy|/n = {alpha_max:.4g}: at and above it every Lasso coefficient is 0")
print(f"{'alpha':>10s} {'train MSE':>10s} {'test MSE':>10s} {'nonzero':>8s}")
lasso_errors = []
for alpha in lasso_alphas:
    lasso = Lasso(alpha=alpha, max_iter=10_000).fit(X_train, y_train)
    lasso_errors.append(errors(lasso))
    nonzero = int(np.sum(lasso.coef_ != 0))
    print(f"{alpha:10.4g} {lasso_errors[-1][0]:10.3f} {lasso_errors[-1][1]:10.3f} {nonzero:8d}")
lasso_errors = np.array(lasso_errors)


def cross_validated_mse(alpha, n_folds=5):
    """Mean validation MSE of Lasso(alpha) over n_folds splits of the training houses."""
    folds = np.array_split(np.arange(len(X_train)), n_folds)
    total = 0.0
    for fold in folds:
        rest = np.setdiff1d(np.arange(len(X_train)), fold)
        model = Lasso(alpha=alpha, max_iter=10_000).fit(X_train[rest], y_train[rest])
        total += mean_squared_error(y_train[fold], model.predict(X_train[fold]))
    return total / n_folds


lasso_cv_alpha = min(lasso_alphas, key=cross_validated_mse)
lasso_cv = Lasso(alpha=lasso_cv_alpha, max_iter=10_000).fit(X_train, y_train)
print(f"5-fold cross-validation on the training houses picks alpha = {lasso_cv_alpha:.4g} "
      f"(test MSE {errors(lasso_cv)[1]:.3f}, {int(np.sum(lasso_cv.coef_ == 0))} coefficients "
      "exactly 0)")
print(f"the alpha with the lowest test MSE is {lasso_alphas[np.argmin(lasso_errors[:, 1])]:.4g} "
      "(a peek at the test set again)")

# ---------------------------------------------------------------------------
common.header("Lasso path: coefficients along a decreasing grid of alphas (warm starts)")
n_path = common.by_mode(100, 20)
path_alphas, path_coefs, _ = lasso_path(X_train, y_centred, n_alphas=n_path, eps=1e-3)
first_nonzero = [
    float(path_alphas[np.flatnonzero(path_coefs[j])[0]]) if np.any(path_coefs[j]) else 0.0
    for j in range(X_train.shape[1])
]
print("order in which coefficients become nonzero as alpha decreases:")
for j in np.argsort(first_nonzero)[::-1]:
    kind = "real " if j < n_real else "noise"
    print(f"  {data.feature_names[j]:>15s} ({kind}) from alpha = {first_nonzero[j]:9.4g}")

plt = common.pyplot()
if plt is not None:
    fig, (ax_ridge, ax_lasso, ax_path) = plt.subplots(1, 3, figsize=(16, 4.8),
                                                      layout="constrained")
    for ax, alphas, errs, title in [
        (ax_ridge, ridge_alphas, ridge_errors, "Ridge"),
        (ax_lasso, lasso_alphas, lasso_errors, "Lasso"),
    ]:
        ax.plot(alphas, errs[:, 0], "o-", color="tab:blue", markersize=3, label="train MSE")
        ax.plot(alphas, errs[:, 1], "o-", color="tab:red", markersize=3, label="test MSE")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel(f"{title} alpha (log scale)")
        ax.yaxis.set_minor_locator(plt.NullLocator())
        ax.set_yticks([1, 2, 3, 5, 10, 15], labels=["1", "2", "3", "5", "10", "15"])
        ax.set_ylabel("MSE (1e9 $², log scale)")
        ax.set_title(f"{title}: error against regularization strength")
    ax_ridge.axvline(ridge_cv.alpha_, color="black", linestyle="--",
                     label=f"RidgeCV alpha_ = {ridge_cv.alpha_:.3g}")
    ax_lasso.axvline(lasso_cv_alpha, color="black", linestyle=":",
                     label=f"5-fold CV alpha = {lasso_cv_alpha:.3g}")
    ax_ridge.legend(fontsize=8)
    ax_lasso.legend(fontsize=8)
    for j in range(X_train.shape[1]):
        real = j < n_real
        ax_path.plot(path_alphas, path_coefs[j] / 1000, linewidth=2 if real else 1,
                     color=f"C{j}" if real else "gray", alpha=1.0 if real else 0.6,
                     label=data.feature_names[j] if real else ("noise" if j == n_real else None))
    ax_path.set_xscale("log")
    ax_path.invert_xaxis()  # strong regularization on the left, as the path is computed
    ax_path.set_xlabel("Lasso alpha (log scale, decreasing)")
    ax_path.set_ylabel("coefficient ($1000 per std. dev.)")
    ax_path.set_title("Lasso path (lasso_path)")
    ax_path.legend(fontsize=8)
    common.save_figure(fig, __file__)

# ---------------------------------------------------------------------------
common.header("MLP: alpha and dropout chosen together by GridSearchCV (scikit-learn)")
try:
    from sklearn.compose import TransformedTargetRegressor
    from sklearn.model_selection import GridSearchCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
except ImportError:
    print('scikit-learn is not installed: grid search skipped (pip install "tinyreg[sklearn]")')
else:
    import warnings

    from tinyreg.estimators import MLPRegressor
    from tinyreg.linear import ConvergenceWarning

    houses = make_house_prices(n_samples=200, n_noise_features=10, generator=0)  # the demo's houses
    H_train, H_test, p_train, p_test = train_test_split(houses.X, houses.y, test_size=0.5,
                                                        generator=0)
    network = MLPRegressor(hidden_layer_sizes=(64,), learning_rate_init=0.01,
                           max_iter=common.by_mode(300, 100), random_state=0)
    scaled_prices = TransformedTargetRegressor(regressor=network, transformer=StandardScaler())
    model = make_pipeline(StandardScaler(), scaled_prices)  # features, then prices, standardized
    mlp_alphas = common.by_mode([1e-4, 1e-3, 1e-2, 3e-2, 1e-1, 3e-1], [1e-3, 1e-1, 3e-1])
    dropouts = common.by_mode([0.0, 0.1, 0.3, 0.5], [0.0, 0.3])
    prefix = "transformedtargetregressor__regressor__"
    search = GridSearchCV(model, {prefix + "alpha": mlp_alphas, prefix + "dropout": dropouts},
                          cv=common.by_mode(5, 3), scoring="neg_root_mean_squared_error")
    with warnings.catch_warnings():
        # Some cells stop at max_iter; their cross-validated error says what they are worth.
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(H_train, p_train)
    cv_rmse = -search.cv_results_["mean_test_score"].reshape(len(mlp_alphas), len(dropouts)) / 1000
    best_alpha = search.best_params_[prefix + "alpha"]
    best_dropout = search.best_params_[prefix + "dropout"]
    print(f"{len(H_train)} training houses; {search.n_splits_}-fold cross-validated RMSE in $1000 "
          "(rows: L2 alpha, columns: dropout)")
    print(" " * 10 + "".join(f"{f'dropout {d}':>13s}" for d in dropouts))
    for alpha, row in zip(mlp_alphas, cv_rmse, strict=True):
        print(f"{alpha:10.0e}" + "".join(f"{value:13.1f}" for value in row))
    test_rmse = float(np.sqrt(np.mean((search.predict(H_test) - p_test) ** 2))) / 1000
    print(f"GridSearchCV picks alpha = {best_alpha:g}, dropout = {best_dropout:g} (CV RMSE "
          f"{-search.best_score_ / 1000:.1f}k; refitted on all training houses, test RMSE "
          f"{test_rmse:.1f}k)")
    print(f"least regularized (alpha = {mlp_alphas[0]:g}, dropout 0): CV RMSE {cv_rmse[0, 0]:.1f}k")

    if plt is not None:
        fig, ax = plt.subplots(figsize=(6.4, 4.8), layout="constrained")
        image = ax.imshow(cv_rmse, cmap="viridis_r", aspect="auto")
        ax.set_xticks(range(len(dropouts)), [f"{d:g}" for d in dropouts])
        ax.set_yticks(range(len(mlp_alphas)), [f"{a:g}" for a in mlp_alphas])
        ax.set_xlabel("dropout probability after the hidden layer")
        ax.set_ylabel("L2 alpha (tinyreg's scale)")
        middle = (cv_rmse.min() + cv_rmse.max()) / 2
        for (i, j), value in np.ndenumerate(cv_rmse):  # dark cells (high error) get white text
            ax.text(j, i, f"{value:.1f}", ha="center", va="center",
                    color="white" if value > middle else "black", fontsize=9)
        i, j = mlp_alphas.index(best_alpha), dropouts.index(best_dropout)
        ax.add_patch(plt.Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, edgecolor="red",
                                   linewidth=3, label="GridSearchCV's choice"))
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.13), fontsize=8)
        fig.colorbar(image, ax=ax, label="cross-validated RMSE ($1000)")
        ax.set_title("MLPRegressor(64 hidden units) on 100 houses:\nCV error of each (alpha, "
                     "dropout) pair")
        common.save_figure(fig, __file__, suffix="_mlp_grid")
