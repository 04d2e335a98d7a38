"""A small CNN on 8×8 digit images, trained on a few hundred of them: what regularization buys.

The data: ``tinyreg.datasets.load_digits()``, the UCI optical-recognition
digits (1,797 images of 8×8 pixels, values 0..16, ten classes), shipped with
tinyreg. Only a small random subset trains the network (the overfitting
regime: the network has more weights than there are training images); the
rest is the test set.

The network, written as a PyTorch user writes it::

    Conv2d(1, 8, 3, padding=1) - ReLU - MaxPool2d(2)      8×8 -> 8 × 4×4
    Conv2d(8, 16, 3, padding=1) - ReLU - MaxPool2d(2)     -> 16 × 2×2
    Flatten - Linear(64, 10)

trained with Adam and ``F.cross_entropy`` in mini-batches, six ways, each from
the same initial weights:

* ``none`` -- no regularization;
* ``L2`` -- ``penalty=L2(alpha)`` on the weights (PyTorch's coupled weight decay);
* ``Dropout2d`` -- ``nn.Dropout2d`` after each convolution block: whole
  feature maps are dropped;
* ``BatchNorm`` -- ``nn.BatchNorm2d`` after each convolution;
* ``augment`` -- every batch shifted at random by up to one pixel
  (``tinyreg.augment.random_shift``): the training set never repeats;
* ``group lasso`` -- ``GroupLasso(alpha)`` on the convolution weights, one
  group per filter: its proximal step, applied by Adam, sets whole filters
  exactly to zero. The table counts the filters it removes (of 8 + 16).

Each is trained for several seeds (each seed: another training subset and
other initial weights); the table gives mean ± standard deviation of the
final train and test accuracy. What helps and by how much is printed, not
assumed.

Figure ``digits_cnn.png``: train (dashed) and test (solid) accuracy per epoch
of each version, averaged over the seeds.

Run: ``python examples/digits_cnn.py``
"""

import _common as common  # first, before numpy: see the note on BLAS threads there
import numpy as np

import tinyreg
from tinyreg import augment, nn, optim, penalties
from tinyreg import functional as F
from tinyreg.datasets import load_digits
from tinyreg.metrics import accuracy_score

N_TRAIN = common.by_mode(300, 150)
SEEDS = common.by_mode([0, 1, 2], [0])
EPOCHS = common.by_mode(60, 12)
BATCH, LR = 32, 1e-2
L2_ALPHA, DROP_P, GROUP_ALPHA = 1e-3, 0.1, 2e-3


def make_network(batch_norm=False, dropout=0.0):
    layers = []
    for c_in, c_out in ((1, 8), (8, 16)):
        layers.append(nn.Conv2d(c_in, c_out, 3, padding=1))
        layers += [nn.BatchNorm2d(c_out)] if batch_norm else []
        layers += [nn.ReLU(), nn.MaxPool2d(2)]
        layers += [nn.Dropout2d(dropout)] if dropout else []
    return nn.Sequential(*layers, nn.Flatten(), nn.Linear(16 * 2 * 2, 10))


def make_optimizer(network, name):
    if name == "L2":
        return optim.Adam(network.parameters(), lr=LR, penalty=penalties.L2(L2_ALPHA))
    if name == "group lasso":
        convs = [m.weight for m in network.modules() if isinstance(m, nn.Conv2d)]
        others = [p for p in network.parameters() if all(p is not w for w in convs)]
        return optim.Adam(
            [{"params": convs, "penalty": penalties.GroupLasso(GROUP_ALPHA)}, {"params": others}],
            lr=LR,
        )
    return optim.Adam(network.parameters(), lr=LR)


def accuracy(network, images, labels):
    network.eval()
    with tinyreg.no_grad():
        predicted = network(tinyreg.tensor(images)).argmax(dim=1)
    network.train()
    return accuracy_score(labels, predicted)


def train(name, seed, X_train, y_train, X_test, y_test):
    """Train one version; its train and test accuracy after every epoch, and the network."""
    tinyreg.manual_seed(seed)  # the same initial weights for every version of this seed
    network = make_network(batch_norm=name == "BatchNorm", dropout=DROP_P * (name == "Dropout2d"))
    optimizer = make_optimizer(network, name)
    order, shifts = np.random.default_rng(seed), np.random.default_rng(seed + 1000)
    history = []
    for _ in range(EPOCHS):
        permutation = order.permutation(len(X_train))
        for start in range(0, len(X_train), BATCH):
            batch = permutation[start : start + BATCH]
            images = X_train[batch]
            if name == "augment":
                images = augment.random_shift(images, max_shift=1, generator=shifts)
            optimizer.zero_grad()
            F.cross_entropy(network(tinyreg.tensor(images)), y_train[batch]).backward()
            optimizer.step()
        history.append((accuracy(network, X_train, y_train), accuracy(network, X_test, y_test)))
    return np.array(history), network


digits = load_digits()
images = digits.images[:, None, :, :] / 16.0  # (1797, 1, 8, 8), pixels in [0, 1]
VERSIONS = ["none", "L2", "Dropout2d", "BatchNorm", "augment", "group lasso"]

common.header(
    f"{N_TRAIN} training images of {len(images)}, {EPOCHS} epochs, Adam lr {LR}, "
    f"batch {BATCH}, seeds {SEEDS}"
)
if common.FAST:
    print("(fast mode: fewer images, epochs and seeds; the numbers are rough)")
histories = {name: [] for name in VERSIONS}
removed = []
for seed in SEEDS:
    split = np.random.default_rng(seed).permutation(len(images))
    train_idx, test_idx = split[:N_TRAIN], split[N_TRAIN:]
    data = (images[train_idx], digits.target[train_idx], images[test_idx], digits.target[test_idx])
    for name in VERSIONS:
        history, network = train(name, seed, *data)
        histories[name].append(history)
        if name == "group lasso":
            convs = [m.weight.data for m in network.modules() if isinstance(m, nn.Conv2d)]
            removed.append(sum(int((w.reshape(len(w), -1) == 0).all(axis=1).sum()) for w in convs))

print(f"{'version':>12s} {'train accuracy':>16s} {'test accuracy':>16s}")
finals = {}
for name in VERSIONS:
    final = np.array(histories[name])[:, -1, :]  # (seeds, [train, test])
    finals[name] = final[:, 1].mean()
    mean, sd = final.mean(axis=0), final.std(axis=0)
    print(f"{name:>12s} {mean[0]:9.3f} ± {sd[0]:.3f} {mean[1]:9.3f} ± {sd[1]:.3f}")
print(
    f"group lasso removed {np.mean(removed):.1f} of 24 filters on average "
    f"(per seed: {removed}), every removed filter exactly zero"
)
print("\nTest accuracy compared with no regularization:")
for name in VERSIONS[1:]:
    change = finals[name] - finals["none"]
    print(f"  {name:>12s}: {finals[name]:.3f} vs {finals['none']:.3f} ({change:+.3f})")

plt = common.pyplot()
if plt is not None:
    fig, axes = plt.subplots(2, 3, figsize=(13, 7), sharex=True, sharey=True, layout="constrained")
    epochs = np.arange(1, EPOCHS + 1)
    for ax, name in zip(axes.flat, VERSIONS, strict=True):
        mean = np.mean(histories[name], axis=0)
        ax.plot(epochs, mean[:, 0], "--", color="tab:blue", label="train")
        ax.plot(epochs, mean[:, 1], "-", color="tab:orange", label="test")
        ax.axhline(finals["none"], color="gray", linewidth=0.8, linestyle=":",
                   label="final test, none")
        ax.set_title(f"{name}: final test {finals[name]:.3f}")
        ax.set_ylim(0.5, 1.01)
        ax.set_xlabel("epoch")
        ax.set_ylabel("accuracy")
        ax.legend(fontsize=8, loc="lower right")
    common.save_figure(fig, __file__)
