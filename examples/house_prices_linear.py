"""L1 and L2 on linear models: the classic first example, then a problem where they matter.

Part 1 is the usual first example of L1 and L2 regularization, written for
scikit-learn and run here with only its import lines changed to tinyreg's
(the marked block below runs unchanged on either library). Look at the three
printed coefficients: all about 200 dollars per square foot. On five points
lying exactly on a line, with a single feature measured in thousands,
alpha = 0.1 is nothing, so Lasso and Ridge barely move from plain least
squares. The script prints by how much,
and how large alpha would have to be to matter.

Part 2 fits the same three models to ``make_house_prices``: 30 houses to
fit 13 coefficients, three real features (size, bedrooms, location) and ten
pure-noise columns, all standardized, so every coefficient is in dollars
per standard deviation of its feature. Look for:

* Lasso's coefficients on the noise columns: most of them exactly 0.0;
* Ridge's: shrunk, but none exactly 0 -- and, since size and bedrooms are
  correlated, Ridge moves weight from one to the other;
* train versus test MSE: plain least squares fits the training half best
  and predicts the test half worst.

Figure ``house_prices_linear.png``: one group of bars per feature (OLS,
Ridge, Lasso), with the true coefficients marked.

Run: ``python examples/house_prices_linear.py``
"""

import _common as common  # first, before numpy: see the note on BLAS threads there

# The import lines of the scikit-learn version are `import numpy as np`,
# `from sklearn.linear_model import LinearRegression, Lasso, Ridge` and
# `from sklearn.metrics import mean_squared_error`; here:
# isort: off
import numpy as np
from tinyreg.linear import LinearRegression, Lasso, Ridge
from tinyreg.metrics import mean_squared_error
# isort: on

from tinyreg.datasets import Standardizer, make_house_prices, train_test_split
from tinyreg.linear import RidgeCV

common.header("Part 1: scikit-learn code, unchanged but for its imports")

# ---- code written for scikit-learn: only the imports above differ ----------
# Dataset: House size and price
X = np.array([[1500], [2000], [2500], [3000], [3500]])
y = np.array([300000, 400000, 500000, 600000, 700000])

# Train a standard linear regression model
lr = LinearRegression()
lr.fit(X, y)
y_pred = lr.predict(X)
print("Linear Regression Coefficients:", lr.coef_)

# Train a model with L1 Regularization (Lasso)
lasso = Lasso(alpha=0.1)  # Alpha is the regularization strength
lasso.fit(X, y)
y_pred_lasso = lasso.predict(X)
print("Lasso Coefficients:", lasso.coef_)

# Train a model with L2 Regularization (Ridge)
ridge = Ridge(alpha=0.1)  # Alpha is the regularization strength
ridge.fit(X, y)
y_pred_ridge = ridge.predict(X)
print("Ridge Coefficients:", ridge.coef_)
# ---- end of the scikit-learn code -------------------------------------------

print(
    f"\nTo 12 digits: OLS {lr.coef_[0]:.12g}, Lasso {lasso.coef_[0]:.12g}, "
    f"Ridge {ridge.coef_[0]:.12g}"
)
for name, pred in [("OLS", y_pred), ("Lasso", y_pred_lasso), ("Ridge", y_pred_ridge)]:
    print(f"  training MSE {name:5s} = {mean_squared_error(y, pred):.3g} (dollars squared)")

# Why so little difference? The data are exactly y = 200·x, so there is no
# noise to overfit, and one feature leaves Lasso nothing to select. The
# penalties are also tiny against the scale of the feature:
n = len(X)
xc, yc = X[:, 0] - X[:, 0].mean(), y - y.mean()
sxx, sxy = float(xc @ xc), float(xc @ yc)
print(
    "\nWhy they agree: the 5 points lie exactly on y = 200·x (nothing to overfit), there is\n"
    "one feature (nothing for Lasso to drop), and alpha = 0.1 is tiny next to the data's scale:\n"
    f"  * Ridge minimises ‖y − Xw − b‖² + 0.1·w², so w = Σxy / (Σx² + 0.1) with Σx² = {sxx:.3g}\n"
    f"    (centred): the slope shrinks by a factor 1 − {0.1 / (sxx + 0.1):.1e}.\n"
    f"  * Lasso minimises (1/2n)‖y − Xw − b‖² + 0.1·|w|: the slope moves by "
    f"0.1·n/Σx² = {0.1 * n / sxx:.1e}.\n"
    f"  * Lasso would set the slope to 0 only for alpha ≥ |Σxy|/n = {abs(sxy) / n:.3g};\n"
    f"    Ridge would halve it only at alpha = Σx² = {sxx:.3g}."
)

# ---------------------------------------------------------------------------
common.header("Part 2: house prices with 10 irrelevant features (make_house_prices)")

data = make_house_prices(n_samples=60, n_noise_features=10, generator=0)
X_train, X_test, y_train, y_test = train_test_split(data.X, data.y, test_size=0.5, generator=0)
scaler = Standardizer()
X_train = scaler.fit_transform(X_train)  # statistics from the training half only
X_test = scaler.transform(X_test)
true_coef = data.coef * scaler.scale_  # the true model, in dollars per standard deviation
print(f"{len(X_train)} training houses, {len(X_test)} test houses, {X_train.shape[1]} features")

ridge_cv = RidgeCV(alphas=np.geomspace(1e-2, 1e3, common.by_mode(51, 11))).fit(X_train, y_train)
models = {
    "OLS": LinearRegression(),
    "Ridge": Ridge(alpha=ridge_cv.alpha_),  # alpha by leave-one-out CV
    "Lasso": Lasso(alpha=8000.0),  # in dollars: about what 5-fold CV picks in choose_alpha.py
}
for model in models.values():
    model.fit(X_train, y_train)
print(f"Ridge alpha = {ridge_cv.alpha_:.3g} (RidgeCV, leave-one-out); Lasso alpha = 8000 "
      "(about what cross-validation picks: see choose_alpha.py)")

print("\nCoefficients, dollars per standard deviation of each feature:")
print(f"{'feature':>15s} {'true':>9s} {'OLS':>9s} {'Ridge':>9s} {'Lasso':>9s}")
for j, feature in enumerate(data.feature_names):
    row = " ".join(f"{m.coef_[j]:9.0f}" for m in models.values())
    print(f"{feature:>15s} {true_coef[j]:9.0f} {row}")

noise = slice(3, None)
print()
for name, model in models.items():
    noise_coef = model.coef_[noise]
    print(
        f"{name:5s}: noise coefficients exactly 0: {int(np.sum(noise_coef == 0))} of "
        f"{noise_coef.size}, their norm {np.linalg.norm(noise_coef):8.0f}; "
        f"MSE train {mean_squared_error(y_train, model.predict(X_train)):.3g}, "
        f"test {mean_squared_error(y_test, model.predict(X_test)):.3g} "
        f"(test RMSE ${np.sqrt(mean_squared_error(y_test, model.predict(X_test))):,.0f})"
    )
print(
    "\nLasso drops most noise columns exactly; Ridge only shrinks the coefficient vector\n"
    "(and shares the weight of the correlated size and bedrooms). With 30 houses for 13\n"
    "coefficients OLS fits noise: lowest training error, highest test error."
)

plt = common.pyplot()
if plt is not None:
    fig, ax = plt.subplots(figsize=(11, 4.5))
    positions = np.arange(len(data.feature_names))
    width = 0.27
    colors = {"OLS": "tab:green", "Ridge": "tab:orange", "Lasso": "tab:red"}
    for k, (name, model) in enumerate(models.items()):
        offset = (k - 1) * width
        ax.bar(positions + offset, model.coef_ / 1000, width, label=name, color=colors[name])
    ax.scatter(positions, true_coef / 1000, marker="_", s=400, color="black", zorder=3,
               label="true coefficient")
    for j in np.flatnonzero(models["Lasso"].coef_ == 0):
        ax.text(positions[j] + width, 0, "0", ha="center", va="bottom", fontsize=8, color="tab:red")
    ax.axhline(0, color="gray", linewidth=0.8)
    ax.set_xticks(positions, data.feature_names, rotation=30, ha="right")
    ax.set_ylabel("coefficient ($1000 per std. dev.)")
    ax.set_title(
        f"House prices, {len(X_train)} training houses: OLS vs Ridge (alpha={ridge_cv.alpha_:.2g}) "
        f"vs Lasso (alpha=8000); red 0 = Lasso coefficient exactly zero"
    )
    ax.legend()
    common.save_figure(fig, __file__)
