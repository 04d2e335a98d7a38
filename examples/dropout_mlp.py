"""Dropout in a small network: a PyTorch model run on tinyreg, then trained for real.

Part 1 is a small PyTorch network with dropout, ``SimpleNN``, written for
PyTorch and run here with only its imports changed to tinyreg's (the marked
block below runs unchanged on either library); ``print(model)`` prints what
PyTorch prints, but for the ``inplace=False`` PyTorch adds to the Dropout line
(tinyreg's dropout has no in-place mode).

Part 2 shows what ``nn.Dropout(0.5)`` does, on a fixed input:

* in training mode (``model.train()``) each forward pass draws a new mask,
  zeroing about half of the 64 hidden units and doubling the others, so
  repeated passes give different outputs;
* in eval mode (``model.eval()``) dropout is the identity: repeated passes
  are identical, and equal the average of many training-mode passes
  (that is why the survivors are scaled by 1/(1 − p)).

Part 3 trains SimpleNN and the same network without dropout (identical
initial weights) with Adam on 20 noisy samples of sin(2πx), and prints their
final train and test losses. Look at the gap between them: dropout raises
the training loss; whether it lowers the test loss is printed, not assumed
(on a network this small it does not -- see ``l2_plus_dropout.py`` for a
wide network where regularization clearly pays). The script also checks
numerically why: averaged over masks, the loss dropout trains on is the
eval-mode loss plus p/(1 − p)·Σⱼ wⱼ²·hⱼ(x)², an L2 penalty on the output
weights, and with p = 0.5 that penalty is strong enough to flatten the fit.

Figure ``dropout_mlp.png``: the two fitted curves in eval mode, the true
curve, the training points and the test points.

Run: ``python examples/dropout_mlp.py``
"""

# SimpleNN calls super(SimpleNN, self).__init__(), as much PyTorch code does:
# ruff: noqa: UP008

import _common as common  # first, before numpy: see the note on BLAS threads there

# The import lines of the PyTorch version are `import torch` and `import torch.nn as nn`:
# isort: off
import tinyreg
from tinyreg import nn
# isort: on

import numpy as np

from tinyreg import optim
from tinyreg.datasets import make_polynomial_curve
from tinyreg.train import fit

common.header("Part 1: PyTorch code, unchanged but for its imports")
tinyreg.manual_seed(0)  # fixes the initial weights, so that runs repeat


# ---- code written for PyTorch: only the imports above differ ---------------
# Define a simple neural network with Dropout
class SimpleNN(nn.Module):
    def __init__(self):
        super(SimpleNN, self).__init__()
        self.network = nn.Sequential(
            nn.Linear(1, 64),     # Input layer to hidden layer
            nn.ReLU(),            # Activation function
            nn.Dropout(0.5),      # Dropout: Randomly drops 50% of neurons
            nn.Linear(64, 1)      # Hidden layer to output layer
        )

    def forward(self, x):
        return self.network(x)

# Initialize the model
model = SimpleNN()

# Print the model architecture
print(model)
# ---- end of the PyTorch code ------------------------------------------------

# ---------------------------------------------------------------------------
common.header("Part 2: train mode draws a new mask each pass; eval mode is deterministic")

x0 = tinyreg.tensor([[0.3]])
hidden = model.network[:2]  # Linear + ReLU: the units that dropout acts on
dropout = model.network[2]
active = int(np.sum(hidden(x0).data > 0))

model.train()
outputs = [model(x0).item() for _ in range(5)]
kept = [int(np.sum(dropout(hidden(x0)).data > 0)) for _ in range(5)]
print(f"train mode, 5 passes on x = 0.3: {np.round(outputs, 4)}")
print(f"  hidden units active after ReLU: {active} of 64; left after dropout in 5 passes: {kept}")

model.eval()
eval_outputs = [model(x0).item() for _ in range(5)]
print(f"eval mode,  5 passes on x = 0.3: {np.round(eval_outputs, 4)}")
print(f"  identical: {len(set(eval_outputs)) == 1}")

model.train()
n_passes = common.by_mode(20000, 2000)
with tinyreg.no_grad():
    samples = np.array([model(x0).item() for _ in range(n_passes)])
standard_error = samples.std() / np.sqrt(n_passes)
print(
    f"mean of {n_passes} train-mode passes = {samples.mean():.4f} ± {standard_error:.4f} "
    f"(standard error)\n  vs the eval-mode output {eval_outputs[0]:.4f}: inverted dropout "
    "(survivors scaled by 1/(1 − p)) keeps the expected output unchanged"
)

# ---------------------------------------------------------------------------
common.header("Part 3: train with and without dropout (Adam, 20 noisy samples of sin(2πx))")

train = make_polynomial_curve(n_samples=20, degree=1, noise=0.2, generator=0)
test = make_polynomial_curve(n_samples=500, degree=1, noise=0.2, generator=1)
X_train, y_train = train.x[:, None], train.y[:, None]
X_test, y_test = test.x[:, None], test.y[:, None]
epochs = common.by_mode(2000, 200)
if common.FAST:
    print("(fast mode: training is cut short, so these numbers are rough)")

tinyreg.manual_seed(1)
with_dropout = SimpleNN()
tinyreg.manual_seed(1)  # same seed: the same initial weights
without_dropout = nn.Sequential(nn.Linear(1, 64), nn.ReLU(), nn.Linear(64, 1))
assert np.array_equal(with_dropout.network[0].weight.data, without_dropout[0].weight.data)

results = {}
for name, net in [("no dropout", without_dropout), ("dropout 0.5", with_dropout)]:
    tinyreg.manual_seed(2)  # the dropout masks
    optimizer = optim.Adam(net.parameters(), lr=0.01)
    history = fit(net, nn.MSELoss(), optimizer, X_train, y_train, epochs=epochs,
                  validation=(X_test, y_test), generator=0)
    results[name] = history
    print(
        f"{name:12s}: after {epochs} epochs  train MSE {history.train_loss[-1]:.4f}  "
        f"test MSE {history.val_loss[-1]:.4f}  (best test {min(history.val_loss):.4f} "
        f"at epoch {history.best_epoch + 1})"
    )
print("(the noise variance, 0.2² = 0.04, is the lowest test MSE any model can expect)")

# Why dropout acts as a penalty: with the mask just before the last (linear) layer,
# E_mask[(output − y)²] = (eval output − y)² + p/(1 − p)·Σⱼ wⱼ²·hⱼ(x)².
with tinyreg.no_grad():
    inputs, targets = tinyreg.tensor(X_train), tinyreg.tensor(y_train)
    with_dropout.eval()
    eval_loss = nn.MSELoss()(with_dropout(inputs), targets).item()
    h = with_dropout.network[:2](inputs).data  # hidden activations, (20, 64)
    w = with_dropout.network[3].weight.data[0]  # output weights, (64,)
    p = with_dropout.network[2].p
    penalty = p / (1 - p) * float(np.mean((h * w) ** 2 @ np.ones(len(w))))
    with_dropout.train()
    n_masks = common.by_mode(4000, 400)
    masked = np.mean([nn.MSELoss()(with_dropout(inputs), targets).item() for _ in range(n_masks)])
    with_dropout.eval()
    h_plain = without_dropout[:2](inputs).data
    penalty_plain = p / (1 - p) * float(np.mean((h_plain * without_dropout[2].weight.data[0]) ** 2
                                                @ np.ones(len(w))))
print(f"dropout net on its training points: training-mode loss averaged over {n_masks} masks "
      f"= {masked:.4f};\n  eval-mode loss {eval_loss:.4f} + penalty p/(1 − p)·mean Σⱼ wⱼ²hⱼ² "
      f"{penalty:.4f} = {eval_loss + penalty:.4f}")
print(f"the plain net's weights would pay a penalty of {penalty_plain:.4g} under the same formula "
      f"(its loss: {results['no dropout'].train_loss[-1]:.4f})")

plain, dropped = results["no dropout"].val_loss[-1], results["dropout 0.5"].val_loss[-1]
if dropped < plain:
    print(f"Here dropout lowered the final test MSE by {100 * (1 - dropped / plain):.0f}%.")
else:
    print(f"Here dropout did NOT lower the final test MSE ({dropped:.4f} vs {plain:.4f}).")
    if plain < 2 * 0.2**2:
        print(f"The plain network hardly overfits (its test MSE {plain:.3f} is near the noise "
              "floor 0.04),\nso there is little to gain.", end=" ")
    print(
        "Dropout is a strong penalty here: as the lines above check,\n"
        "the loss it trains on is the eval-mode loss plus an L2 penalty on the output weights\n"
        "scaled by the hidden activations. With p = 0.5 it pulls the fit flat: the training\n"
        "loss stays high, and so does the test loss (underfitting).\n"
        "See l2_plus_dropout.py for a wide network that does overfit, where regularization pays."
    )

plt = common.pyplot()
if plt is not None:
    grid = np.linspace(0, 1, 300)[:, None]
    fig, ax = plt.subplots(figsize=(8, 4.5))
    ax.plot(grid[:, 0], train.true_function(grid[:, 0]), color="black", linestyle=":",
            label="true curve sin(2πx)")
    ax.scatter(X_test[:, 0], y_test[:, 0], s=6, color="lightgray", label="test points")
    ax.scatter(X_train[:, 0], y_train[:, 0], s=30, color="tab:blue", zorder=3,
               label="training points")
    with tinyreg.no_grad():
        for (name, net), color in zip(
            [("no dropout", without_dropout), ("dropout 0.5", with_dropout)],
            ["tab:green", "tab:red"], strict=True,
        ):
            net.eval()
            test_mse = results[name].val_loss[-1]
            ax.plot(grid[:, 0], net(tinyreg.tensor(grid)).data[:, 0], color=color, linewidth=2,
                    label=f"{name} (eval mode), test MSE {test_mse:.3f}")
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.set_title(f"SimpleNN (1-64-1) after {epochs} Adam epochs on 20 points")
    ax.legend(fontsize=8)
    common.save_figure(fig, __file__)
