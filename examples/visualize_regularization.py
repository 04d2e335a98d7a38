"""Visualizing regularization: the usual straight-line picture, and a version where it shows.

Part 1 is the picture most introductions draw, written for scikit-learn and
matplotlib and run here unchanged (the marked block below runs on either
library; only the import lines differ). It fits a straight line to 100
noisy points of the line y = 2x: two parameters for 100 points, the right
model for the data -- so there is nothing to overfit, and with alpha = 0.1
the three fits coincide. The script prints their slopes and how far apart
their predictions are, and their errors on fresh data from the same line
(all at the noise level).

Part 2 is the honest version: 15 noisy samples of sin(2πx), degree-12
polynomial features (standardized), fitted by plain least squares, Ridge and
Lasso. Thirteen coefficients for fifteen points: the unregularized fit
passes almost through every training point and swings wildly between and
beyond them. Look for:

* the train and test MSE of each model: least squares has the lowest
  training error and by far the largest test error;
* how many of Lasso's 12 coefficients are exactly zero.

Figure ``visualize_regularization.png``: left, the three polynomial fits over
a dense grid (the least-squares curve leaves the plot; its range is in the
legend); right, Part 1's plot of the straight-line fits.

Run: ``python examples/visualize_regularization.py``
"""

# Part 1 draws its noise with numpy's global RandomState (np.random.normal):
# ruff: noqa: NPY002

import _common as common  # first, before numpy: see the note on BLAS threads there
import numpy as np

from tinyreg.datasets import (
    Standardizer,
    make_polynomial_curve,
    polynomial_features,
    train_test_split,
)
from tinyreg.linear import Lasso, LinearRegression, Ridge
from tinyreg.metrics import mean_squared_error

# `import matplotlib.pyplot as plt`, made optional: without matplotlib,
# NoPlot's functions do nothing and Part 1's plotting lines still run.
plt = common.pyplot() or common.NoPlot()
have_matplotlib = not isinstance(plt, common.NoPlot)
if have_matplotlib:
    fig, (ax_poly, ax_line) = plt.subplots(1, 2, figsize=(14, 5.2))
    plt.sca(ax_line)  # Part 1's plotting lines draw on the current axes: the right panel

common.header("Part 1: scikit-learn and matplotlib code, as written")
# The three models of house_prices_linear.py's Part 1:
lr = LinearRegression()
lasso = Lasso(alpha=0.1)  # Alpha is the regularization strength
ridge = Ridge(alpha=0.1)  # Alpha is the regularization strength
np.random.seed(0)  # makes the block's "np.random.normal" noise repeatable

# ---- code written for scikit-learn: only the imports above differ ----------
# Generate sample data
X = np.linspace(0, 10, 100).reshape(-1, 1)
y = 2 * X.flatten() + np.random.normal(0, 1, 100)  # True line with noise

# Fit models
lr.fit(X, y)
lasso.fit(X, y)
ridge.fit(X, y)

# Plot the results
plt.scatter(X, y, color="blue", label="Data", alpha=0.5)
plt.plot(X, lr.predict(X), color="green", label="No Regularization (Overfitting)")
plt.plot(X, lasso.predict(X), color="red", label="L1 Regularization (Lasso)")
plt.plot(X, ridge.predict(X), color="orange", label="L2 Regularization (Ridge)")
plt.legend()
plt.title("Impact of Regularization")
plt.show()
# ---- end of the scikit-learn code -------------------------------------------

X_fresh = np.linspace(0, 10, 1000).reshape(-1, 1)
y_fresh = 2 * X_fresh.flatten() + np.random.normal(0, 1, 1000)
for name, model in [("no regularization", lr), ("Lasso(0.1)", lasso), ("Ridge(0.1)", ridge)]:
    print(
        f"{name:18s}: slope {model.coef_[0]:.4f}, intercept {model.intercept_:+.4f}; "
        f"MSE on its 100 points {mean_squared_error(y, model.predict(X)):.4f}, "
        f"on 1000 fresh points {mean_squared_error(y_fresh, model.predict(X_fresh)):.4f}"
    )
pairs = [(lr, lasso), (lr, ridge), (lasso, ridge)]
spread = max(np.max(np.abs(a.predict(X) - b.predict(X))) for a, b in pairs)
print(
    f"The three fits are nearly identical: their predictions differ by at most {spread:.3f},\n"
    "against noise of standard deviation 1. Nothing here overfits: a straight line (2\n"
    "parameters) fitted to 100 points of a straight line has the error of the noise itself\n"
    "(about 1.0) on its own points and on fresh ones. Regularization has nothing to fix, and\n"
    "alpha = 0.1 is small next to Σ(x − x̄)² ≈ 850: Ridge shrinks the slope by a factor\n"
    "850/850.1, and Lasso moves it by alpha/var(x) ≈ 0.1/8.5 ≈ 0.012."
)

# ---------------------------------------------------------------------------
common.header("Part 2: a model that can overfit -- degree-12 polynomial on 15 points")

degree = 12
curve = make_polynomial_curve(n_samples=30, degree=degree, noise=0.25, generator=0)
X_train, X_test, y_train, y_test = train_test_split(curve.X, curve.y, test_size=0.5, generator=0)
x_train, x_test = X_train[:, 0], X_test[:, 0]  # the first column of the features is x itself
scaler = Standardizer()
X_train = scaler.fit_transform(X_train)
X_test = scaler.transform(X_test)
print(f"{len(X_train)} training points, {len(X_test)} test points, {degree} features x, x², ..., "
      f"x^{degree} (standardized), plus an intercept")

models = {
    "no regularization": LinearRegression(),
    "Ridge(alpha=0.01)": Ridge(alpha=0.01),
    # The powers of x are nearly collinear: an ill-conditioned lasso (its solver
    # follows the exact path; coordinate descent would need many sweeps).
    "Lasso(alpha=0.001)": Lasso(alpha=0.001, max_iter=100_000),
}
x_grid = np.linspace(0, 1, common.by_mode(1000, 200))
X_grid = scaler.transform(polynomial_features(x_grid, degree))
predictions = {}
for name, model in models.items():
    model.fit(X_train, y_train)
    predictions[name] = model.predict(X_grid)
    print(
        f"{name:19s}: train MSE {mean_squared_error(y_train, model.predict(X_train)):10.4f}   "
        f"test MSE {mean_squared_error(y_test, model.predict(X_test)):12.4f}   "
        f"largest |prediction| on [0, 1]: {np.max(np.abs(predictions[name])):8.2f}"
    )
lasso_poly = models["Lasso(alpha=0.001)"]
n_zero = int(np.sum(lasso_poly.coef_ == 0))
print(f"Lasso: {n_zero} of {degree} coefficients exactly zero "
      f"(kept the powers {[int(j) + 1 for j in np.flatnonzero(lasso_poly.coef_)]})")
print(f"(the noise variance, 0.25² = {0.25**2:.4f}, is the best test MSE one can expect)")
print(
    "Unregularized, 13 coefficients almost interpolate 15 noisy points: the curve wiggles\n"
    "between them and explodes beyond the outermost ones, where some test points lie. Ridge\n"
    "and Lasso keep the coefficients small and the curve close to the sine."
)

if have_matplotlib:
    ax_poly.plot(x_grid, curve.true_function(x_grid), color="black", linestyle=":",
                 label="true curve sin(2πx)")
    styles = {"no regularization": "tab:green", "Ridge(alpha=0.01)": "tab:orange",
              "Lasso(alpha=0.001)": "tab:red"}
    for name, color in styles.items():
        label = name
        if name == "no regularization":
            low, high = predictions[name].min(), predictions[name].max()
            label += f" (ranges {low:.0f} to {high:.0f})"
        ax_poly.plot(x_grid, predictions[name], color=color, linewidth=2, label=label)
    ax_poly.scatter(x_train, y_train, s=40, color="tab:blue", zorder=3, label="training points")
    ax_poly.scatter(x_test, y_test, s=40, facecolors="none", edgecolors="gray", zorder=3,
                    label="test points")
    ax_poly.set_ylim(-2, 2)
    ax_poly.set_xlabel("x")
    ax_poly.set_ylabel("y")
    ax_poly.set_title(f"Degree-{degree} polynomial, {len(X_train)} training points")
    ax_poly.legend(fontsize=8, loc="lower left")
    ax_line.set_title("Impact of Regularization\n(Part 1: a line fitted to a line; "
                      "the three fits coincide, none overfits)", fontsize=10)
    ax_line.set_xlabel("x")
    common.save_figure(fig, __file__)
