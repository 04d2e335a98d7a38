"""Exact zeros need a proximal step: three ways to fit the same lasso.

The problem: 200 samples, 30 features, only 5 of which matter
(``make_regression``; X and y standardized). The objective, the same for
all three routes, is scikit-learn's ``Lasso``:

    (1/(2n))·‖y − Xw − b‖² + alpha·‖w‖₁

1. **L1 in the loss** -- ``loss = 0.5 * mse + penalties.L1(alpha)(model)``
   with plain SGD. Autograd differentiates |w| as sign(w): a weight that
   should be 0 is pushed by ±lr·alpha at every step and jitters around 0,
   never landing on it.
2. **L1 in the optimizer** -- ``optim.SGD(..., penalty=penalties.L1(alpha))``:
   a gradient step on the loss, then the proximal step of L1
   (soft-thresholding), which sets every weight within lr·alpha of 0 to
   exactly 0.0. This is proximal gradient descent; it converges to the lasso
   solution itself.
3. **Coordinate descent** -- ``tinyreg.linear.Lasso(alpha, solver="cd")``, the reference.

Look at the printed table: the number of exact zeros (about 0 for route 1;
the same as the reference for route 2), the size of the weights that
should be zero, and the distance to the coordinate-descent solution.

Figure ``exact_zeros.png``: the three coefficient vectors side by side, and
log10|w| per feature, where route 1's "zeros" show up as small nonzero
numbers and the true zeros of routes 2 and 3 sit on the floor of the plot.

Run: ``python examples/exact_zeros.py``
"""

import _common as common  # first, before numpy: see the note on BLAS threads there
import numpy as np

import tinyreg
from tinyreg import functional as F
from tinyreg import nn, optim, penalties
from tinyreg.datasets import Standardizer, make_regression
from tinyreg.linear import Lasso

ALPHA = 0.05
LR = 0.1
STEPS = common.by_mode(2000, 300)

X_raw, y_raw, true_coef = make_regression(n_samples=200, n_features=30, n_informative=5,
                                          noise=20.0, generator=0)
X = Standardizer().fit_transform(X_raw)
y = Standardizer().fit_transform(y_raw)
n, p = X.shape
relevant = true_coef != 0
print(f"{n} samples, {p} features, {int(relevant.sum())} of them relevant "
      f"(features {np.flatnonzero(relevant).tolist()}); alpha = {ALPHA}")

# --- 3. the reference: coordinate descent, converged tightly ----------------------
reference = Lasso(alpha=ALPHA, tol=1e-12, max_iter=100_000, solver="cd").fit(X, y)
w_cd = reference.coef_
cd_zero = w_cd == 0


def objective(w, b):
    """The lasso objective (1/(2n))‖y − Xw − b‖² + alpha‖w‖₁."""
    residual = y - X @ w - b
    return 0.5 * float(residual @ residual) / n + ALPHA * float(np.abs(w).sum())


# --- 1. and 2.: the same network, the same SGD, the L1 penalty in two places -------
def train(l1_in_optimizer):
    tinyreg.manual_seed(0)  # the same initial weights for both routes
    model = nn.Linear(p, 1)
    penalty = penalties.L1(ALPHA)
    if l1_in_optimizer:
        optimizer = optim.SGD(model.parameters(), lr=LR, penalty=penalty)
    else:
        optimizer = optim.SGD(model.parameters(), lr=LR)
    inputs, targets = tinyreg.tensor(X), tinyreg.tensor(y[:, None])
    last_steps = []  # the weights after each of the last 20 steps
    for step in range(STEPS):
        optimizer.zero_grad()
        loss = 0.5 * F.mse_loss(model(inputs), targets)  # (1/(2n))‖y − Xw − b‖²
        if not l1_in_optimizer:
            loss = loss + penalty(model)  # alpha·‖w‖₁ as a Tensor: autograd sees sign(w)
        loss.backward()
        optimizer.step()  # with the penalty: gradient step, then soft-threshold
        if step >= STEPS - 20:
            last_steps.append(model.weight.data[0].copy())
    return model.weight.data[0].copy(), float(model.bias.data[0]), np.array(last_steps)


common.header(f"Full-batch SGD, lr = {LR}, {STEPS} steps")
w_sub, b_sub, last_sub = train(l1_in_optimizer=False)
w_prox, b_prox, last_prox = train(l1_in_optimizer=True)

routes = {
    "L1 in the loss (subgradient)": (w_sub, b_sub),
    "L1 in the optimizer (prox)": (w_prox, b_prox),
    "coordinate descent (Lasso)": (w_cd, float(reference.intercept_)),
}
print(f"{'route':>29s} {'exact zeros':>11s} {'min |w| where':>13s} {'max |w| where':>13s} "
      f"{'max |w - w_cd|':>14s} {'objective':>12s}")
print(f"{'':>29s} {'(of ' + str(p) + ')':>11s} {'CD has 0':>13s} {'CD has 0':>13s}")
for name, (w, b) in routes.items():
    print(f"{name:>29s} {int(np.sum(w == 0)):11d} {np.min(np.abs(w[cd_zero])):13.2e} "
          f"{np.max(np.abs(w[cd_zero])):13.2e} {np.max(np.abs(w - w_cd)):14.2e} "
          f"{objective(w, b):12.8f}")

n_sub, n_prox, n_cd = (int(np.sum(w == 0)) for w in (w_sub, w_prox, w_cd))
print(f"\nexact zeros: subgradient {n_sub}, proximal {n_prox}, coordinate descent {n_cd} "
      f"(of {p} features; {int((~relevant).sum())} are irrelevant)")
excess = 100 * (objective(w_sub, b_sub) / objective(w_cd, float(reference.intercept_)) - 1)
flipping = int(np.sum(np.any(np.diff(np.sign(last_sub[:, cd_zero]), axis=0) != 0, axis=0)))
still_zero = int(np.sum(np.all(last_prox[:, cd_zero] == 0, axis=0)))
print(
    f"The subgradient route ends {excess:.1f}% above the minimum of the objective, and its\n"
    f"'zeros' are weights of size up to {np.max(np.abs(w_sub[cd_zero])):.1e}: pushed by "
    f"±lr·alpha = ±{LR * ALPHA:g} at every step, {flipping} of\n"
    f"those {int(cd_zero.sum())} weights changed sign during the last 20 steps. With the "
    f"proximal step, {still_zero} of them were\nexactly 0.0 throughout those 20 steps."
)
print(f"same zero pattern as coordinate descent: proximal {np.array_equal(w_prox == 0, cd_zero)}, "
      f"subgradient {np.array_equal(w_sub == 0, cd_zero)}")

plt = common.pyplot()
if plt is not None:
    colors = {"L1 in the loss (subgradient)": "tab:orange",
              "L1 in the optimizer (prox)": "tab:blue",
              "coordinate descent (Lasso)": "black"}
    markers = {"L1 in the loss (subgradient)": "o", "L1 in the optimizer (prox)": "s",
               "coordinate descent (Lasso)": "x"}
    features = np.arange(p)
    fig, (ax_w, ax_log) = plt.subplots(2, 1, figsize=(12, 7.5), sharex=True, layout="constrained")
    width = 0.28
    for k, (name, (w, _)) in enumerate(routes.items()):
        ax_w.bar(features + (k - 1) * width, w, width, color=colors[name], label=name)
    for j in np.flatnonzero(relevant):
        ax_w.axvspan(j - 0.5, j + 0.5, color="gold", alpha=0.25, linewidth=0, zorder=0)
    ax_w.axhline(0, color="gray", linewidth=0.8)
    ax_w.set_ylabel("coefficient w")
    ax_w.set_title(f"Lasso (alpha={ALPHA}) three ways; shaded: the {int(relevant.sum())} "
                   "relevant features")
    ax_w.legend(fontsize=9)

    floor = -12  # where exact zeros are drawn: log10(0) is -infinity
    for name, (w, _) in routes.items():
        logs = np.where(w == 0, floor, np.log10(np.abs(w), where=w != 0, out=np.zeros(p)))
        ax_log.plot(features, logs, markers[name], color=colors[name], markersize=7,
                    markerfacecolor="none" if markers[name] != "x" else None, label=name)
    ax_log.axhline(floor, color="gray", linestyle=":")
    ticks = list(range(floor, 1, 2))
    ax_log.set_yticks(ticks, ["w = 0.0"] + [str(t) for t in ticks[1:]])
    ax_log.set_ylim(floor - 1, 1)
    ax_log.set_ylabel("log10 |w|  (exact zeros at the bottom)")
    ax_log.set_xlabel("feature")
    ax_log.set_xticks(features)
    ax_log.legend(fontsize=9, loc="center right")
    common.save_figure(fig, __file__)
