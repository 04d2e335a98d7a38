"""Layers and models, with PyTorch's names, shapes and printout: ``torch.nn``'s part.

A :class:`Module` is a container that notices, on attribute assignment, the
:class:`Parameter` objects and sub-modules it is given, and keeps the buffers
registered with :meth:`Module.register_buffer` (state that is saved but not
trained, such as BatchNorm's running statistics); everything else --
``parameters()``, ``state_dict()``, ``train()``/``eval()``, ``print(model)``
-- walks that registry. A :class:`Parameter` is a Tensor that requires grad
and says whether penalties apply to it (``regularize``): True for weights
(of Linear and Embedding), False for biases and for the scale and shift of
the normalisation layers, as is usual for weight decay.

The module system is :mod:`tinyreg.module` (``Module``, ``Parameter``, the
containers); the layers, activations and losses are :mod:`tinyreg.layers`.
This module gathers both under PyTorch's names, with ``nn.utils`` (gradient
clipping) and ``nn.init`` (initialisation).

A model written for PyTorch runs unchanged but for its import::

    from tinyreg import nn

    class SimpleNN(nn.Module):
        def __init__(self):
            super(SimpleNN, self).__init__()
            self.network = nn.Sequential(
                nn.Linear(1, 64), nn.ReLU(), nn.Dropout(0.5), nn.Linear(64, 1)
            )

        def forward(self, x):
            return self.network(x)
"""

from __future__ import annotations

import sys

from tinyreg import layers, module
from tinyreg import nn_init as init
from tinyreg.layers import *  # noqa: F403
from tinyreg.module import *  # noqa: F403

__all__ = module.__all__ + layers.__all__


# PyTorch's spellings of gradient clipping: nn.utils.clip_grad_norm_(...) and, registered
# as a submodule the way os.path is, `from tinyreg.nn.utils import clip_grad_norm_`.
from tinyreg import nn_utils as utils

sys.modules[f"{__name__}.utils"] = utils
# the same for initialisation: nn.init.kaiming_normal_(...), `from tinyreg.nn.init import ...`
sys.modules[f"{__name__}.init"] = init
