"""A gradient penalty: regularizing the slope of the fitted function, with second derivatives.

Double backpropagation (Drucker & LeCun, 1992; WGAN-GP uses the same idea)
adds to the loss the squared norm of the gradient of the model's output with
respect to its *input*:

    loss = (1/(2n))·‖y − f(X)‖² + λ·(1/n)·Σᵢ ‖∂f(xᵢ)/∂xᵢ‖²

The penalty is made of first derivatives, so training on it needs second
derivatives: tinyreg computes ∂f/∂x with ``tinyreg.grad(..., create_graph=True)``,
which records that backward pass, and ``loss.backward()`` then goes back
through it.

1. **A linear model is ridge.** For f(x) = w·x + b, ∂f/∂x = w at every x, so
   the penalty is λ‖w‖² = ``penalties.L2(2λ)``, whose minimiser is
   ``tinyreg.linear.Ridge(2λn)``. The script trains the model once with the
   gradient penalty and once with L2(2λ), solves Ridge in closed form, and
   prints the largest differences: rounding error.
2. **On a network it is something else.** L2 shrinks the weights; the
   gradient penalty flattens the function where the data are. The script
   fits 15 noisy samples of sin(2πx) with a 1-64-64-1 tanh network, with no
   penalty, with L2 and with the gradient penalty, and prints each fit's
   training and test error and its mean |slope| on the training points and
   between them.

Figure ``gradient_penalty.png``: the three fitted curves over the data, and
their slopes.

Run: ``python examples/gradient_penalty.py``
"""

import _common as common  # first, before numpy: see the note on BLAS threads there
import numpy as np

import tinyreg
from tinyreg import functional as F
from tinyreg import nn, optim, penalties
from tinyreg.datasets import Standardizer, make_polynomial_curve, make_regression
from tinyreg.linear import Ridge


def gradient_penalty(model, X):
    """(1/n)·Σᵢ ‖∂f(xᵢ)/∂xᵢ‖² and the model's output, for a model applied row by row.

    Each output f(xᵢ) depends on its own row only, so the gradient of Σᵢ f(xᵢ)
    with respect to X holds ∂f(xᵢ)/∂xᵢ in row i. ``create_graph=True`` records
    that backward pass, so the penalty can be differentiated again.
    """
    out = model(X)
    (slopes,) = tinyreg.grad(out.sum(), X, create_graph=True)
    return (slopes * slopes).sum(axis=1).mean(), out


def fit_linear(X, y, kind, strength, steps):
    """Full-batch gradient descent on (1/(2n))‖y − Xw − b‖² + a penalty; returns (w, b).

    ``kind`` is "gradient penalty" (strength λ: λ·mean‖∂f/∂x‖²) or "L2"
    (strength alpha: ``penalties.L2(alpha)`` added to the loss). The step is
    1/L, L the largest eigenvalue of the objective's Hessian, on which both
    kinds agree when alpha = 2λ.
    """
    n, p = X.shape
    design = np.hstack([X, np.ones((n, 1))])
    curvature = 2 * strength if kind == "gradient penalty" else strength
    L = np.linalg.eigvalsh(design.T @ design / n + np.diag([curvature] * p + [0.0]))[-1]
    tinyreg.manual_seed(0)
    model = nn.Linear(p, 1)
    opt = optim.SGD(model.parameters(), lr=1.0 / L)
    Xt = tinyreg.tensor(X, requires_grad=(kind == "gradient penalty"))
    yt = tinyreg.tensor(y[:, None])
    for _ in range(steps):
        opt.zero_grad()
        if kind == "gradient penalty":
            penalty, out = gradient_penalty(model, Xt)
            penalty = strength * penalty
        else:
            out = model(Xt)
            penalty = penalties.L2(strength)(model)
        (0.5 * F.mse_loss(out, yt) + penalty).backward()
        opt.step()
    return model.weight.data[0].copy(), float(model.bias.data[0])


def fit_network(x, y, kind, strength, steps):
    """A 1-64-64-1 tanh network fitted by Adam with no penalty, "L2" or "gradient penalty"."""
    tinyreg.manual_seed(0)
    model = nn.Sequential(nn.Linear(1, 64), nn.Tanh(), nn.Linear(64, 64), nn.Tanh(),
                          nn.Linear(64, 1))
    opt = optim.Adam(model.parameters(), lr=0.01)
    xt = tinyreg.tensor(x[:, None], requires_grad=True)
    yt = tinyreg.tensor(y[:, None])
    for _ in range(steps):
        opt.zero_grad()
        if kind == "gradient penalty":
            penalty, out = gradient_penalty(model, xt)
            loss = F.mse_loss(out, yt) + strength * penalty
        elif kind == "L2":
            loss = F.mse_loss(model(xt), yt) + penalties.L2(strength)(model)
        else:
            loss = F.mse_loss(model(xt), yt)
        loss.backward()
        opt.step()
    return model


def slopes(model, x):
    """f(x) and df/dx at the points x (one backward pass; nothing recorded for later)."""
    xt = tinyreg.tensor(x[:, None], requires_grad=True)
    out = model(xt)
    (d,) = tinyreg.grad(out.sum(), xt)
    return out.data[:, 0], d.data[:, 0]


def main():
    common.header("1. on a linear model, the gradient penalty is L2(2λ): ridge")
    X_raw, y_raw, _ = make_regression(n_samples=200, n_features=8, n_informative=4,
                                      noise=10.0, generator=0)
    X = Standardizer().fit_transform(X_raw)
    y = Standardizer().fit_transform(y_raw)
    n = X.shape[0]
    lam = 0.05
    steps = 400  # cheap, in fast mode too; enough to converge to rounding (κ < 10)
    w_gp, b_gp = fit_linear(X, y, "gradient penalty", lam, steps)
    w_l2, b_l2 = fit_linear(X, y, "L2", 2 * lam, steps)
    ridge = Ridge(alpha=2 * lam * n).fit(X, y)
    print(f"λ = {lam}, {steps} full-batch steps on {n} samples, {X.shape[1]} features")
    print(f"gradient penalty : w = {np.round(w_gp, 6)}")
    print(f"L2(2λ)           : w = {np.round(w_l2, 6)}")
    print(f"Ridge(2λn)       : w = {np.round(ridge.coef_, 6)}")
    print(f"max |w_gp − w_L2| = {np.max(np.abs(w_gp - w_l2)):.1e}, "
          f"max |w_gp − w_ridge| = {np.max(np.abs(w_gp - ridge.coef_)):.1e}, "
          f"|b_gp − b_L2| = {abs(b_gp - b_l2):.1e}, "
          f"|b_gp − b_ridge| = {abs(b_gp - ridge.intercept_):.1e}")

    common.header("2. on a network, it flattens the fit where the data are")
    curve = make_polynomial_curve(n_samples=30, noise=0.25, generator=1)
    train, test = np.arange(0, 30, 2), np.arange(1, 30, 2)
    x, y = curve.x[train], curve.y[train]
    grid = np.linspace(0.0, 1.0, 201)
    steps = common.by_mode(3000, 300)
    fits = {name: fit_network(x, y, kind, strength, steps)
            for name, kind, strength in [("no penalty", "none", 0.0), ("L2(1e-3)", "L2", 1e-3),
                                         ("gradient penalty(1e-3)", "gradient penalty", 1e-3)]}
    print(f"15 training points of sin(2πx) + noise, {steps} Adam steps; "
          "test = the 15 held-out points; slope = mean |df/dx|")
    print(f"{'':24s} {'train MSE':>10s} {'test MSE':>9s} {'slope at data':>14s} "
          f"{'slope on [0, 1]':>16s}")
    curves = {}
    for name, model in fits.items():
        f_train, d_train = slopes(model, x)
        f_test, _ = slopes(model, curve.x[test])
        f_grid, d_grid = slopes(model, grid)
        curves[name] = (f_grid, d_grid)
        print(f"{name:24s} {np.mean((f_train - y) ** 2):10.4f} "
              f"{np.mean((f_test - curve.y[test]) ** 2):9.4f} {np.mean(np.abs(d_train)):14.3f} "
              f"{np.mean(np.abs(d_grid)):16.3f}")

    plt = common.pyplot()
    if plt is not None:
        fig, (ax_f, ax_d) = plt.subplots(1, 2, figsize=(12, 4.5), layout="constrained")
        ax_f.plot(grid, curve.true_function(grid), ":", color="gray", label="sin(2πx)")
        ax_f.scatter(x, y, color="black", zorder=3, label="training points")
        for name, (f_grid, d_grid) in curves.items():
            ax_f.plot(grid, f_grid, label=name)
            ax_d.plot(grid, d_grid, label=name)
        ax_d.plot(grid, 2 * np.pi * np.cos(2 * np.pi * grid), ":", color="gray",
                  label="true slope")
        ax_f.set_title("Fits")
        ax_d.set_title("Slopes df/dx (the gradient penalty's quantity)")
        for ax in (ax_f, ax_d):
            ax.set_xlabel("x")
            ax.legend(fontsize="small")
        common.save_figure(fig, __file__)


if __name__ == "__main__":
    main()
