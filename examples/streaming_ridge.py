"""Data that does not fit in memory: exact ridge and lasso from a stream of chunks, and on dask.

Houses arrive in chunks (``make_house_prices`` with one seed per chunk;
think of a file read piece by piece): only one chunk is ever in memory.
``partial_fit`` folds each chunk into the model's moments -- the sum of
weights, the means and the centred scatter matrices XᵀX, Xᵀy, yᵀy, 13×13
numbers whatever the number of houses -- and solves from them. Look for:

* the coefficients from the stream equal those of one ``fit`` on all the
  houses at once (computed here only to check: the stream never needs it),
  to about 1e-15 for ridge and to the solver's tolerance for the lasso;
* the same few lines on a dask array built lazily from the same chunks,
  with the same coefficients, and ``RidgeCV(cv=5)`` choosing alpha by exact
  5-fold cross-validation in the same single pass (dask is optional:
  ``pip install ".[dask]"``);
* why the moments are centred: for a feature of mean 10⁶, the textbook
  "sum of squares minus n times the squared mean" keeps about 5 correct
  digits of the variance, merged centred moments about 10 or more.

Figure ``streaming_ridge.png``: the error of the ridge coefficients of the
three real features as the houses arrive (falling roughly like 1/√n), and the digits of
the variance kept by raw sums and by centred moments, against the
feature's mean.

Run: ``python examples/streaming_ridge.py``
"""

import _common as common  # first, before numpy: see the note on BLAS threads there
import numpy as np

from tinyreg.datasets import make_house_prices
from tinyreg.linear import Lasso, Moments, Ridge, RidgeCV

N_CHUNKS = common.by_mode(40, 8)
CHUNK_SIZE = common.by_mode(25_000, 2_000)


def chunk(i):
    """The i-th chunk of houses, made on demand (as if read from disk)."""
    houses = make_house_prices(n_samples=CHUNK_SIZE, generator=1000 + i)
    return houses.X, houses.y


common.header(f"A stream of {N_CHUNKS} chunks of {CHUNK_SIZE:,} houses, one chunk in memory")
ridge, lasso = Ridge(alpha=1.0), Lasso(alpha=5000.0)
seen, path = [], []
for i in range(N_CHUNKS):
    X, y = chunk(i)
    ridge.partial_fit(X, y)
    lasso.partial_fit(X, y)
    seen.append((i + 1) * CHUNK_SIZE)
    path.append(ridge.coef_[:3].copy())
moments = ridge.moments_
print(f"moments of {moments.n_samples:,} houses: XtX {moments.XtX.shape}, Xty {moments.Xty.shape}")
names = make_house_prices(n_samples=2, generator=0).feature_names
real = zip(names[:3], ridge.coef_[:3], strict=True)
print("ridge: " + ", ".join(f"{name} {value:,.1f}" for name, value in real))
print(f"lasso: {int(np.sum(lasso.coef_ == 0))} of {len(lasso.coef_)} coefficients exactly 0")

common.header("The same as one fit on all the houses at once (built here only to check)")
X_all = np.vstack([chunk(i)[0] for i in range(N_CHUNKS)])
y_all = np.concatenate([chunk(i)[1] for i in range(N_CHUNKS)])
for name, streamed, whole in [
    ("Ridge", ridge, Ridge(alpha=1.0).fit(X_all, y_all)),
    ("Lasso", lasso, Lasso(alpha=5000.0).fit(X_all, y_all)),
]:
    difference = np.abs(streamed.coef_ - whole.coef_).max() / np.abs(whole.coef_).max()
    print(f"{name} from {N_CHUNKS} chunks vs in-memory fit: max relative difference "
          f"{difference:.1e}")

common.header("The same few lines on a dask array")
try:
    import dask
    import dask.array as da
except ImportError:
    dask = None
    print('dask is not installed: skipped (pip install ".[dask]")')
if dask is not None:
    n_features = X_all.shape[1]
    X_lazy = da.concatenate([
        da.from_delayed(dask.delayed(lambda i: chunk(i)[0])(i), (CHUNK_SIZE, n_features), float)
        for i in range(N_CHUNKS)
    ])
    y_lazy = da.concatenate([
        da.from_delayed(dask.delayed(lambda i: chunk(i)[1])(i), (CHUNK_SIZE,), float)
        for i in range(N_CHUNKS)
    ])
    on_dask = Ridge(alpha=1.0).fit(X_lazy, y_lazy)  # moments block by block, merged in a tree
    difference = np.abs(on_dask.coef_ - ridge.coef_).max() / np.abs(ridge.coef_).max()
    print(f"Ridge on a dask array ({X_lazy.numblocks[0]} blocks) vs the stream: max relative "
          f"difference {difference:.1e}")
    alphas = np.logspace(-2, 6, 9)
    cv = RidgeCV(alphas, cv=5).fit(X_lazy, y_lazy)  # exact 5-fold CV, still one pass
    print(f"RidgeCV(cv=5) on the dask array: alpha_ = {cv.alpha_:g}, "
          f"best R² = {cv.best_score_:.4f}")

common.header("Why centred moments: the variance of a feature of mean 1e6")
rng = np.random.default_rng(0)
means = 10.0 ** np.arange(0, 9)
raw_digits, centred_digits = [], []
for mean in means:
    x = mean + rng.integers(-32, 33, 20_000) / 8  # exact in binary: the truth is computable
    deviations = x - mean  # exact too
    truth = np.sum((deviations - deviations.mean()) ** 2)
    raw = np.sum(x * x) - len(x) * np.mean(x) ** 2  # Σx² − n·x̄²: the raw-sums way
    merged = Moments.of(x[:7_000, None], x[:7_000])
    for part in np.array_split(x[7_000:], 5):
        merged = merged + Moments.of(part[:, None], part)
    raw_digits.append(-np.log10(max(abs(raw - truth) / truth, 1e-17)))
    centred_digits.append(-np.log10(max(abs(merged.XtX[0, 0] - truth) / truth, 1e-17)))
    if mean == 1e6:
        print(f"mean 1e6: raw sums keep {raw_digits[-1]:.0f} digits, "
              f"merged centred moments keep {centred_digits[-1]:.0f}")

plt = common.pyplot()
if plt is not None:
    fig, (ax_path, ax_digits) = plt.subplots(1, 2, figsize=(12, 4.5), layout="constrained")
    path = np.array(path)
    true_coef = make_house_prices(n_samples=2, generator=0).coef
    for j in range(3):
        error = np.abs(path[:, j] - true_coef[j]) / abs(true_coef[j])
        ax_path.loglog(seen, error, marker="o", color=f"C{j}", label=names[j])
    seen_array = np.array(seen, dtype=float)
    ax_path.loglog(seen_array, 0.1 * np.sqrt(seen[0] / seen_array), "k:", label="∝ 1/√n")
    ax_path.set_xlabel(f"houses seen (chunks of {CHUNK_SIZE:,})")
    ax_path.set_ylabel("|coefficient − true value| / |true value|")
    ax_path.set_title("partial_fit: the fit to all the houses seen so far")
    ax_path.legend(fontsize=8)
    ax_digits.semilogx(means, raw_digits, marker="o", label="raw sums: Σx² − n·x̄²")
    ax_digits.semilogx(means, centred_digits, marker="s", label="merged centred moments")
    ax_digits.set_xlabel("mean of the feature (standard deviation about 2)")
    ax_digits.set_ylabel("correct digits of the variance")
    ax_digits.set_title("Why the moments are centred")
    ax_digits.legend(fontsize=8)
    common.save_figure(fig, __file__)
