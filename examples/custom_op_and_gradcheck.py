"""Adding your own operation and proving its gradient right: ``@tinyreg.op``, gradcheck, hypothesis.

Every built-in tinyreg operation is defined with the public ``tinyreg.op``
decorator: a forward function on numpy arrays that returns its output and,
attached right under it with ``defvjp``, one vector-Jacobian product (VJP)
per input -- given g, the gradient of the loss with respect to the output,
the gradient with respect to that input. Written with tinyreg operations
(here ``tinyreg.clip``), the VJP also works on tensors, so the op has second
derivatives too. This script adds the Huber function (smooth L1), used as a
robust loss and as a smooth stand-in for the L1 penalty:

    huber(x) = x²/2              where |x| ≤ delta
             = delta·(|x| − delta/2)   elsewhere;       d huber/dx = clip(x, −delta, delta)

Then it checks the VJP four ways. Look for:

1. ``tinyreg.gradcheck`` passing on the correct VJP (central finite
   differences over the full Jacobian), and ``tinyreg.gradgradcheck`` on its
   second derivatives;
2. the same check FAILING on a deliberately wrong VJP (``g * x``, which
   forgets the clip): the printed GradcheckError names the input, the entry
   and both values;
3. a hypothesis property test (``@given`` with ``tinyreg.testing``
   strategies) passing on many random arrays and broadcast shapes for the
   correct op, and finding -- and shrinking to a small example -- an input that
   breaks the wrong one (skipped, with a note, without hypothesis);
4. the graph of a small loss that uses the op, as Graphviz DOT text
   (``tinyreg.viz.to_dot``), rendered to ``custom_op_and_gradcheck_graph.png``
   when Graphviz's ``dot`` program is installed.

Figure ``custom_op_and_gradcheck.png``: huber next to x²/2 and |x|, and its
derivative from the correct VJP, the wrong VJP and finite differences.

Run: ``python examples/custom_op_and_gradcheck.py``
"""

import os
import shutil
import tempfile

import _common as common  # first, before numpy: see the note on BLAS threads there
import numpy as np

import tinyreg
from tinyreg.viz import render, to_dot


# ---------------------------------------------------------------------------
# The op: forward and VJP side by side
# ---------------------------------------------------------------------------
@tinyreg.op
def huber(x, *, delta=1.0):
    """Huber function, elementwise: quadratic inside [−delta, delta], linear outside."""
    return np.where(np.abs(x) <= delta, 0.5 * x * x, delta * (np.abs(x) - 0.5 * delta))


huber.defvjp(lambda g, out, x, *, delta: g * tinyreg.clip(x, -delta, delta))


@tinyreg.op
def huber_wrong(x, *, delta=1.0):
    """The same forward, with a VJP that forgets the clip (right only where |x| ≤ delta)."""
    return np.where(np.abs(x) <= delta, 0.5 * x * x, delta * (np.abs(x) - 0.5 * delta))


huber_wrong.defvjp(lambda g, out, x, *, delta: g * x)


common.header("1. the op works like any built-in one")
x = tinyreg.tensor([-3.0, -1.0, -0.5, 0.0, 0.5, 2.0], requires_grad=True)
y = huber(x)
y.sum().backward()
print(f"x               = {x.data}")
print(f"huber(x)        = {y.data}")
print(f"d sum(huber)/dx = {x.grad}   (= clip(x, -1, 1))")
print(f"with delta=0.5, huber(2.0) = {huber(tinyreg.tensor(2.0), delta=0.5).item()} "
      "(keyword-only arguments of the forward are options, not inputs)")

common.header("2. gradcheck: the correct VJP passes, the wrong one is caught")
rng = np.random.default_rng(0)
x_check = rng.uniform(-3, 3, size=(4, 5))
print(f"gradcheck(huber, [4x5 array in [-3, 3]]) -> {tinyreg.gradcheck(huber, [x_check])}")
print(f"gradgradcheck(huber, [the same array]) -> {tinyreg.gradgradcheck(huber, [x_check])} "
      "(second derivative: 1 inside [-1, 1], 0 outside)")
print("gradcheck(lambda t: huber(t, delta=0.3), ...) -> "
      f"{tinyreg.gradcheck(lambda t: huber(t, delta=0.3), [x_check])}")
try:
    tinyreg.gradcheck(huber_wrong, [x_check])
    print("gradcheck(huber_wrong, ...) passed -- it should not have!")
except tinyreg.GradcheckError as error:
    print("gradcheck(huber_wrong, ...) raised GradcheckError:")
    print(f"  {error}")

common.header("3. property tests with hypothesis and tinyreg.testing")
try:
    from hypothesis import HealthCheck, assume, given, settings
    from hypothesis import strategies as st

    from tinyreg.testing import arrays, broadcastable_arrays
except ImportError:
    print("hypothesis is not installed: property tests skipped (pip install hypothesis, "
          "or tinyreg[test])")
else:
    examples = common.by_mode(200, 25)
    quiet = settings(max_examples=examples, deadline=None, database=None, derandomize=True,
                     suppress_health_check=[HealthCheck.too_slow])

    # Values are kept at least `margin` away from the points ±delta where the second
    # derivative jumps, so a finite-difference step never straddles them.
    @quiet
    @given(arrays(avoid=(-1.0, 1.0), margin=1e-3))
    def huber_gradient_is_right(x):
        assert tinyreg.gradcheck(huber, [x])

    # A Huber loss between predictions and (broadcast) targets: the engine must also
    # sum the gradient of the broadcast target back to its own shape.
    @quiet
    @given(broadcastable_arrays(2), st.floats(0.1, 2.0))
    def huber_loss_gradient_is_right(pair, delta):
        prediction, target = pair
        # Skip inputs too close to a switch point ±delta for finite differences:
        assume(np.all(np.abs(np.abs(np.subtract(prediction, target)) - delta) >= 1e-3))
        assert tinyreg.gradcheck(lambda p, t: huber(p - t, delta=delta), [prediction, target])

    failing_inputs = []

    @quiet
    @given(arrays(avoid=(-1.0, 1.0), margin=1e-3))
    def huber_wrong_gradient_is_right(x):
        try:
            assert tinyreg.gradcheck(huber_wrong, [x])
        except tinyreg.GradcheckError:
            failing_inputs.append(x)  # the last one is hypothesis's shrunk example
            raise

    # Hypothesis caches what it learns in a .hypothesis directory under the current
    # one; a script run from anywhere should not leave that behind, so use a temporary one.
    with tempfile.TemporaryDirectory() as storage:
        os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", storage)
        huber_gradient_is_right()
        print(f"huber: gradcheck passed on {examples} random arrays (shapes from () to 3-D)")
        huber_loss_gradient_is_right()
        print(f"huber(prediction - target): passed on {examples} random broadcastable pairs")
        try:
            huber_wrong_gradient_is_right()
            print("huber_wrong: no failing input found -- the test is too weak!")
        except tinyreg.GradcheckError as error:
            print(f"huber_wrong: hypothesis found failing inputs and shrank them to x = "
                  f"{failing_inputs[-1]!r},\n  which fails with: {error}")

common.header("4. the graph of a loss that uses the op (tinyreg.viz.to_dot)")
tinyreg.manual_seed(0)
w = tinyreg.randn(3, requires_grad=True)
features = tinyreg.tensor(rng.standard_normal((8, 3)))
target = tinyreg.tensor(rng.standard_normal(8))
loss = huber(features @ w - target).mean()
loss.backward(retain_graph=True)  # keep the graph, so the picture shows w's gradient
source = to_dot(loss, labels={"w": w, "loss": loss})
print(source)
if shutil.which("dot"):
    print(f"graph rendered to {render(loss, 'custom_op_and_gradcheck_graph.png', labels={'w': w})}")
else:
    print("(Graphviz's `dot` program is not installed: paste the text above into any Graphviz "
          "viewer)")

plt = common.pyplot()
if plt is not None:
    grid = np.linspace(-3, 3, 601)
    t = tinyreg.tensor(grid, requires_grad=True)
    huber(t).sum().backward()
    right = t.grad.copy()
    t_wrong = tinyreg.tensor(grid, requires_grad=True)
    huber_wrong(t_wrong).sum().backward()
    h = 1e-6
    numeric = (huber(grid + h).data - huber(grid - h).data) / (2 * h)

    fig, (ax_f, ax_d) = plt.subplots(1, 2, figsize=(12, 4.5), layout="constrained")
    ax_f.plot(grid, huber(grid).data, color="tab:blue", linewidth=2, label="huber(x), delta=1")
    ax_f.plot(grid, 0.5 * grid**2, ":", color="tab:orange", label="x²/2 (L2)")
    ax_f.plot(grid, np.abs(grid), "--", color="tab:green", label="|x| (L1)")
    ax_f.set_ylim(0, 3.5)
    ax_f.set_xlabel("x")
    ax_f.set_title("The op: quadratic near 0, linear beyond ±delta")
    ax_f.legend()
    ax_d.plot(grid, numeric, color="lightgray", linewidth=6, label="finite differences")
    ax_d.plot(grid, right, color="tab:blue", linewidth=2, label="correct VJP: clip(x, -1, 1)")
    ax_d.plot(grid, t_wrong.grad, "--", color="tab:red", linewidth=2,
              label="wrong VJP: x (caught by gradcheck)")
    ax_d.set_xlabel("x")
    ax_d.set_title("Its derivative, as backward() computes it")
    ax_d.legend()
    common.save_figure(fig, __file__)
