"""Classification as a PyTorch user writes it: MLPs on two moons and three spirals.

The network is an ``nn.Module`` holding an ``nn.Sequential``; training is the
loop every PyTorch tutorial has -- ``zero_grad``, ``F.cross_entropy`` of the
logits against integer class labels, ``backward``, ``step`` -- and the
prediction is ``logits.argmax(dim=1)``, scored with
``tinyreg.metrics.accuracy_score`` (the fraction of labels predicted right).

Part 1 trains one network shape three ways on each data set, from the same
initial weights: no regularization, an L2 penalty (``penalty=L2(...)`` on
the optimizer, tinyreg's weight decay), and dropout; it prints their train
and test accuracy. The training sets are small (50 moons, 120 spiral points)
and noisy, so a 128-128 network can fit its training points almost
perfectly; the test sets are large draws of the same distribution. Whether a
penalty helps is printed, not assumed: too strong a penalty underfits.

Part 2 fits scikit-learn-style ``MLPClassifier`` on the moons: the same
kind of network behind ``fit``/``predict``/``score``, where ``score`` is
``accuracy_score`` of ``predict``.

Figure ``classify_moons.png``: for each data set (rows) and each
regularization (columns), the class the network predicts at every point of
the plane (shaded), with the training points on top and the accuracies in
the title.

Run: ``python examples/classify_moons.py``
"""

import _common as common  # first, before numpy: see the note on BLAS threads there
import numpy as np

import tinyreg
from tinyreg import functional as F
from tinyreg import nn, optim, penalties
from tinyreg.datasets import make_moons, make_spirals
from tinyreg.estimators import MLPClassifier
from tinyreg.metrics import accuracy_score


class MLP(nn.Module):
    """Two hidden ReLU layers of ``width`` units, dropout ``p`` after each, one logit per class."""

    def __init__(self, n_features, n_classes, width=128, p=0.0):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(n_features, width),
            nn.ReLU(),
            nn.Dropout(p),
            nn.Linear(width, width),
            nn.ReLU(),
            nn.Dropout(p),
            nn.Linear(width, n_classes),
        )

    def forward(self, x):
        return self.net(x)


def train(model, optimizer, X, y, epochs):
    """Full-batch training on the cross-entropy; returns the last loss."""
    model.train()
    for _ in range(epochs):
        optimizer.zero_grad()
        loss = F.cross_entropy(model(X), y)
        loss.backward()
        optimizer.step()
    return loss.item()


def predict(model, X):
    """The predicted class of each row of ``X``: the index of the largest logit."""
    model.eval()  # dropout off
    with tinyreg.no_grad():
        return model(tinyreg.tensor(X)).argmax(dim=1)


DATASETS = {
    "moons": (make_moons(50, noise=0.3, generator=0), make_moons(1000, noise=0.3, generator=1)),
    "spirals": (
        make_spirals(120, noise=0.5, generator=0),
        make_spirals(1500, noise=0.5, generator=1),
    ),
}
SETTINGS = {  # name: (dropout p, penalty given to the optimizer)
    "none": (0.0, None),
    "L2 1e-2": (0.0, penalties.L2(1e-2)),
    "dropout 0.3": (0.3, None),
}
epochs = common.by_mode(1500, 400)

common.header(f"Part 1: a 2-128-128-C network, Adam(lr=0.01), {epochs} full-batch epochs")
if common.FAST:
    print("(fast mode: training is cut short, so these numbers are rough)")
print(f"{'data':8s} {'regularization':14s} {'train acc':>9s} {'test acc':>9s}")
models, scores = {}, {}
for data_name, ((X, y), (X_test, y_test)) in DATASETS.items():
    X_train, y_train = tinyreg.tensor(X), tinyreg.tensor(y)
    n_classes = int(y.max()) + 1
    for name, (p, penalty) in SETTINGS.items():
        tinyreg.manual_seed(0)  # the same initial weights (and dropout masks) for each setting
        model = MLP(2, n_classes, p=p)
        optimizer = optim.Adam(model.parameters(), lr=0.01, penalty=penalty)
        train(model, optimizer, X_train, y_train, epochs)
        train_acc = accuracy_score(y, predict(model, X))
        test_acc = accuracy_score(y_test, predict(model, X_test))
        models[data_name, name], scores[data_name, name] = model, (train_acc, test_acc)
        print(f"{data_name:8s} {name:14s} {train_acc:9.3f} {test_acc:9.3f}")

for data_name in DATASETS:
    plain = scores[data_name, "none"][1]
    for name in list(SETTINGS)[1:]:
        change = scores[data_name, name][1] - plain
        verdict = "helped" if change > 0 else "did not help"
        print(f"{data_name}: {name} {verdict} (test accuracy {change:+.3f} vs none)")

common.header("Part 2: MLPClassifier, the same kind of network behind fit/predict/score")
(X, y), (X_test, y_test) = DATASETS["moons"]
classifier = MLPClassifier(
    (128, 128), learning_rate_init=0.01, batch_size=len(X), max_iter=2000, random_state=0
).fit(X, y)  # stops when the loss has improved by less than tol for 10 epochs
score = classifier.score(X_test, y_test)
print(f"MLPClassifier on the moons: {classifier.n_iter_} epochs, train accuracy "
      f"{classifier.score(X, y):.3f}, test accuracy {score:.3f}")
same = score == accuracy_score(y_test, classifier.predict(X_test))
print(f"score(X, y) == accuracy_score(y, predict(X)): {same}")

plt = common.pyplot()
if plt is not None:
    fig, axes = plt.subplots(len(DATASETS), len(SETTINGS), figsize=(11, 7))
    for row, (data_name, ((X, y), _)) in zip(axes, DATASETS.items(), strict=True):
        low, high = X.min(axis=0) - 0.5, X.max(axis=0) + 0.5
        g0, g1 = np.meshgrid(np.linspace(low[0], high[0], 200), np.linspace(low[1], high[1], 200))
        grid = np.column_stack([g0.ravel(), g1.ravel()])
        n_classes = int(y.max()) + 1
        for ax, name in zip(row, SETTINGS, strict=True):
            region = predict(models[data_name, name], grid).reshape(g0.shape)
            ax.contourf(g0, g1, region, levels=np.arange(n_classes + 1) - 0.5,
                        cmap="coolwarm" if n_classes == 2 else "viridis", alpha=0.35)
            ax.scatter(X[:, 0], X[:, 1], c=y, s=14, edgecolors="black", linewidths=0.4,
                       cmap="coolwarm" if n_classes == 2 else "viridis")
            train_acc, test_acc = scores[data_name, name]
            ax.set_title(f"{data_name}, {name}\ntrain {train_acc:.2f}, test {test_acc:.2f}",
                         fontsize=9)
            ax.set_xticks([])
            ax.set_yticks([])
    fig.suptitle("Predicted class over the plane (shaded) and the training points")
    common.save_figure(fig, __file__)
