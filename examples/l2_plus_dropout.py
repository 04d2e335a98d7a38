"""Combining techniques: L2 and dropout on a network that overfits.

A wide network (1 -> 128 -> 128 -> 1, ReLU; about 17,000 weights) is trained
with Adam on just 15 noisy samples of sin(2πx) for many epochs -- a recipe
for overfitting. Four versions start from the same initial weights:

* none:    no regularization;
* L2:      ``optim.Adam(..., penalty=penalties.L2(3e-3))`` (weights only, not biases);
* dropout: ``nn.Dropout(0.2)`` after each hidden layer;
* both:    L2 and dropout together.

``tinyreg.train.fit`` records the training and test loss (MSE, eval mode,
without the penalty) after every epoch. Look for:

* the unregularized network driving its training loss towards 0 while its
  test loss turns and climbs: it memorizes the noise;
* each regularized version keeping a higher training loss and ending with
  a lower test loss. Which one is best, and whether combining them beats
  either alone, depends on the data and on the strengths -- the script prints
  what happened, not what was hoped for. Other draws of the 15 points
  (``--data-seed 1``, ``2``, ...) change the ranking, and now and then a
  regularizer does not help at all: try them.

Figure ``l2_plus_dropout.png``: train (dashed) and test (solid) loss curves
for each of the four versions, and their fitted curves.

Run: ``python examples/l2_plus_dropout.py [--data-seed N]``
"""

import argparse

import _common as common  # first, before numpy: see the note on BLAS threads there
import numpy as np

import tinyreg
from tinyreg import nn, optim, penalties
from tinyreg.datasets import make_polynomial_curve
from tinyreg.train import fit

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--data-seed", type=int, default=0,
                    help="seed of the 15 training points (default 0); try others")
args = parser.parse_args()

NOISE = 0.3
train = make_polynomial_curve(n_samples=15, degree=1, noise=NOISE, generator=args.data_seed)
test = make_polynomial_curve(n_samples=100, degree=1, noise=NOISE, generator=1000 + args.data_seed)
X_train, y_train = train.x[:, None], train.y[:, None]
X_test, y_test = test.x[:, None], test.y[:, None]

HIDDEN = 128
EPOCHS = common.by_mode(2000, 150)
L2_ALPHA = 3e-3
DROPOUT_P = 0.2


def make_network(dropout):
    """1 -> HIDDEN -> HIDDEN -> 1 with ReLU, and Dropout(dropout) after each hidden layer."""
    layers = [nn.Linear(1, HIDDEN), nn.ReLU()]
    layers += [nn.Dropout(dropout)] if dropout else []
    layers += [nn.Linear(HIDDEN, HIDDEN), nn.ReLU()]
    layers += [nn.Dropout(dropout)] if dropout else []
    layers += [nn.Linear(HIDDEN, 1)]
    return nn.Sequential(*layers)


configs = {  # name: (L2 alpha, dropout p)
    "none": (0.0, 0.0),
    "L2": (L2_ALPHA, 0.0),
    "dropout": (0.0, DROPOUT_P),
    "L2 + dropout": (L2_ALPHA, DROPOUT_P),
}

common.header(f"{len(X_train)} training points (data seed {args.data_seed}), "
       f"network 1-{HIDDEN}-{HIDDEN}-1, Adam, {EPOCHS} epochs")
if common.FAST:
    print("(fast mode: too few epochs for the overfitting to develop; run without it)")
histories, networks = {}, {}
for name, (alpha, p) in configs.items():
    tinyreg.manual_seed(0)  # the same initial weights for every version (and the same masks)
    network = make_network(p)
    penalty = penalties.L2(alpha) if alpha else None
    optimizer = optim.Adam(network.parameters(), lr=1e-2, penalty=penalty)
    histories[name] = fit(network, nn.MSELoss(), optimizer, X_train, y_train, epochs=EPOCHS,
                          validation=(X_test, y_test), generator=0)
    networks[name] = network

print(f"{'version':>13s} {'train MSE':>10s} {'test MSE':>10s} {'best test (epoch)':>19s}")
for name, history in histories.items():
    print(f"{name:>13s} {history.train_loss[-1]:10.4f} {history.val_loss[-1]:10.4f} "
          f"{min(history.val_loss):10.4f} ({history.best_epoch + 1:5d})")
print(f"(test MSE cannot go below the noise variance, {NOISE}² = {NOISE**2:.2f}, on average)")

plain = histories["none"].val_loss[-1]
print("\nFinal test MSE compared with no regularization:")
for name in ["L2", "dropout", "L2 + dropout"]:
    final = histories[name].val_loss[-1]
    change = 100 * (final / plain - 1)
    verdict = "helps" if final < 0.9 * plain else ("no clear change" if final < 1.1 * plain
                                                   else "HURTS")
    print(f"  {name:>13s}: {final:.4f} vs {plain:.4f} ({change:+.0f}%) -> {verdict}")
best = min(histories, key=lambda name: histories[name].val_loss[-1])
both, singles = histories["L2 + dropout"].val_loss[-1], ["L2", "dropout"]
print(f"best final test MSE: {best}. Combining L2 and dropout "
      + ("beats both single techniques here."
         if both < min(histories[s].val_loss[-1] for s in singles)
         else "does not beat the best single technique\nhere: the two add up, and together "
              "they can regularize more than this problem needs."))

plt = common.pyplot()
if plt is not None:
    fig = plt.figure(figsize=(15, 7.5), layout="constrained")
    grid = fig.add_gridspec(2, 3, width_ratios=[1, 1, 1.3])
    colors = dict(zip(configs, ["tab:gray", "tab:blue", "tab:orange", "tab:green"], strict=True))
    epochs = np.arange(1, EPOCHS + 1)
    first = None
    for k, (name, history) in enumerate(histories.items()):
        ax = fig.add_subplot(grid[k // 2, k % 2], sharex=first, sharey=first)
        first = first or ax
        ax.plot(epochs, history.train_loss, "--", color=colors[name], label="train")
        ax.plot(epochs, history.val_loss, "-", color=colors[name], label="test")
        ax.axhline(NOISE**2, color="black", linewidth=0.8, linestyle=":", label="noise variance")
        ax.set_yscale("log")
        ax.set_title(f"{name}: final test MSE {history.val_loss[-1]:.3f}")
        ax.set_xlabel("epoch")
        ax.set_ylabel("MSE (log scale)")
        ax.legend(fontsize=8)
    ax_fit = fig.add_subplot(grid[:, 2])
    x_grid = np.linspace(0, 1, 400)[:, None]
    ax_fit.plot(x_grid[:, 0], train.true_function(x_grid[:, 0]), ":", color="black",
                label="true curve")
    with tinyreg.no_grad():
        for name, network in networks.items():
            network.eval()
            ax_fit.plot(x_grid[:, 0], network(tinyreg.tensor(x_grid)).data[:, 0],
                        color=colors[name], linewidth=2, label=name)
    ax_fit.scatter(X_test[:, 0], y_test[:, 0], s=6, color="lightgray", label="test points")
    ax_fit.scatter(X_train[:, 0], y_train[:, 0], s=35, color="black", zorder=3,
                   label="training points")
    ax_fit.set_ylim(-2, 2)
    ax_fit.set_title("Fitted curves (eval mode)")
    ax_fit.set_xlabel("x")
    ax_fit.legend(fontsize=8, loc="lower left")
    common.save_figure(fig, __file__)
