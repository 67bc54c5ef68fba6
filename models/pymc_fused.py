"""The model's likelihood as the sampler evaluates it: ``sum log p`` and its gradient in one pass.

NUTS needs ``L = sum_i log p(x_i)`` and its four partial derivatives at every leapfrog step. The
closed form (:func:`models.pymc_likelihood.closed_form_logp`) compiles to one elementwise loop for
``L`` and a second graph for the gradient, with a libm ``exp`` and ``log1p`` per point. The same
numbers come out of the fused pass of the hand-written EM (:mod:`models.fused_pass`): its
responsibility-weighted sums *are* the gradient (docs/methods.md §1.1), and its ``exp`` vectorises.

Two PyTensor ops, tied by one graph rewrite:

- :class:`models.pymc_likelihood.ClosedFormLogp`, a ``SymbolicOp`` whose inner graph is the readable
  closed form, per point. It is the observed distribution's log density, so ``log_likelihood``,
  ``pm.logp`` and every backend see the closed form itself (and differentiate it symbolically).
- :class:`MixtureLogpSum`, five scalar outputs ``(L, dL/dpi1, dL/dmu1, dL/dmu2, dL/dsigma)`` from one
  call of :func:`models.fused_pass.value_and_gradient`; its ``pullback`` returns outputs 1-4 times the
  incoming gradient, so logp and gradient cost one pass. Registered for PyTensor's numba backend.
- The rewrite :func:`fuse_summed_mixture_logp` (in ``canonicalize``) replaces ``sum(ClosedFormLogp(x,
  theta))`` by ``MixtureLogpSum(x, theta)[0]``, keeping PyMC's parameter check around it. nutpie
  rewrites the model's logp with ``canonicalize`` *before* taking the gradient, so its gradient is the
  fused op's; ``pm.sample`` differentiates first, so its logp is fused and its gradient is that of the
  closed form (the same numbers).

Parameter checks: the check (``0 < pi1 < 1``, ``sigma > 0``; ``-inf`` in a model's logp) wraps both
forms, as for PyMC's own distributions; the fused pass returns NaN outside, which the check's switch
never lets through.

Importing this module registers the op's numba implementation and the rewrite
(:mod:`models.pymc_model` does); without it the model is the same, only slower.
"""

from __future__ import annotations

import numba
import numpy as np
import pytensor
import pytensor.scalar as ps
import pytensor.tensor as pt
from pymc.logprob.utils import CheckParameterValue
from pytensor.compile.builders import SymbolicOp
from pytensor.gradient import DisconnectedType, grad_not_implemented, grad_undefined
from pytensor.graph.basic import Apply
from pytensor.graph.op import Op
from pytensor.graph.rewriting.basic import node_rewriter
from pytensor.link.numba.dispatch.basic import register_funcify_default_op_cache_key
from pytensor.tensor.basic import Alloc
from pytensor.tensor.elemwise import Elemwise
from pytensor.tensor.math import Sum
from pytensor.tensor.rewriting.basic import register_canonicalize

from .fused_pass import value_and_gradient

LOG_SQRT_2PI = 0.5 * np.log(2.0 * np.pi)


def closed_form_graph(value, pi1, mu1, mu2, sigma):
    """Per-point ``log p(x)`` of the mixture, ``log(1-pi1) + log N(x|mu2,sigma^2) + softplus(eta)``,
    without the parameter check (a PyTensor graph; ``value`` is the data vector, the rest scalars)."""
    s2 = sigma * sigma
    eta = pt.log(pi1) - pt.log1p(-pi1) + (mu1 - mu2) * (value - 0.5 * (mu1 + mu2)) / s2
    z2 = (value - mu2) / sigma
    # softplus(eta) as max(eta, 0) + log1p(exp(-|eta|)): branch-free, so numba vectorises the loop;
    # PyTensor's piecewise `softplus` op made logp + gradient slower (benchmarks/sampler_speed.py times it).
    softplus = pt.maximum(eta, 0.0) + pt.log1p(pt.exp(-pt.abs(eta)))
    return pt.log1p(-pi1) - 0.5 * z2 * z2 - pt.log(sigma) - LOG_SQRT_2PI + softplus


class ClosedFormLogp(SymbolicOp):
    """:func:`closed_form_graph` as one op (its inner graph), so that its sum over the data can be
    recognised and computed in one fused pass with its gradient (module note)."""

    __props__ = ()

    def build_inner_graph(self, value, pi1, mu1, mu2, sigma):
        return [closed_form_graph(value, pi1, mu1, mu2, sigma)]

    def pullback(self, inputs, outputs, cotangents):
        """The gradient of ``sum(c * log p(x_i))`` (a scalar ``c`` broadcast: the gradient of a sum)
        from the fused pass; any other cotangent by the closed form's own graph, inline."""
        (g,) = cotangents
        c = _broadcast_scalar(g)
        if c is not None and inputs[0].ndim == 1:
            _, *grads = MixtureLogpSum()(*inputs)
            return [grad_undefined(self, 0, inputs[0], "the data are not differentiated"), *(c * d for d in grads)]
        out = closed_form_graph(*inputs)
        return pytensor.gradient.grad(None, list(inputs), known_grads={out: g}, disconnected_inputs="ignore")


class MixtureLogpSum(Op):
    """``(x, pi1, mu1, mu2, sigma) -> (L, dL/dpi1, dL/dmu1, dL/dmu2, dL/dsigma)`` in one pass.

    First derivatives only: the gradient of a derivative output is not implemented (NUTS needs none).
    """

    __props__ = ()

    def make_node(self, x, pi1, mu1, mu2, sigma):
        x = pt.as_tensor_variable(x, dtype="float64")
        params = [pt.as_tensor_variable(v, dtype="float64") for v in (pi1, mu1, mu2, sigma)]
        if x.ndim != 1 or any(p.ndim != 0 for p in params):
            raise TypeError("MixtureLogpSum takes a data vector and four scalars")
        return Apply(self, [x, *params], [pt.dscalar() for _ in range(5)])

    def perform(self, node, inputs, outputs):
        x, *params = inputs
        for out, v in zip(outputs, value_and_gradient(np.ascontiguousarray(x), *map(float, params)),
                          strict=True):
            out[0] = np.asarray(v)

    def pullback(self, inputs, outputs, cotangents):
        g, *rest = cotangents
        if not all(isinstance(r.type, DisconnectedType) for r in rest):
            return [grad_not_implemented(self, i, v, "second derivatives of the fused mixture logp")
                    for i, v in enumerate(inputs)]
        return [grad_undefined(self, 0, inputs[0], "the data are not differentiated"),
                *(g * o for o in outputs[1:])]

    def connection_pattern(self, node):
        return [[True] * 5 for _ in node.inputs]


@register_funcify_default_op_cache_key(MixtureLogpSum)
def _numba_mixture_logp_sum(op, node=None, **kwargs):
    @numba.njit
    def mixture_logp_sum(x, pi1, mu1, mu2, sigma):
        v, a, b, c, d = value_and_gradient(x, pi1.item(), mu1.item(), mu2.item(), sigma.item())
        return np.asarray(v), np.asarray(a), np.asarray(b), np.asarray(c), np.asarray(d)

    return mixture_logp_sum


def _broadcast_scalar(g):
    """``c`` if ``g`` is the scalar ``c`` broadcast to a vector (``fill``/``Second`` or ``Alloc``: what the
    gradient of a sum hands its summand), else None."""
    node = g.owner
    if node is None:
        return None
    if isinstance(node.op, Elemwise) and isinstance(node.op.scalar_op, ps.Second) and all(
            node.inputs[1].type.broadcastable):
        return node.inputs[1].reshape(())
    if isinstance(node.op, Alloc) and node.inputs[0].ndim == 0:
        return node.inputs[0]
    return None


def _full_sum(node) -> bool:
    """Whether ``node`` sums its (1-D) input to a scalar."""
    return isinstance(node.op, Sum) and node.outputs[0].ndim == 0 and node.inputs[0].ndim == 1


@register_canonicalize
@node_rewriter([Sum])
def fuse_summed_mixture_logp(fgraph, node):
    """``sum(ClosedFormLogp(x, theta))`` -> ``MixtureLogpSum(x, theta)[0]``, through PyMC's check."""
    if not _full_sum(node) or node.inputs[0].owner is None:
        return None
    inner = node.inputs[0].owner
    check = None
    if isinstance(inner.op, CheckParameterValue):
        check, inner = inner, inner.inputs[0].owner
        if inner is None:
            return None
    if not isinstance(inner.op, ClosedFormLogp) or inner.inputs[0].ndim != 1:
        return None
    total = MixtureLogpSum()(*inner.inputs)[0]
    if check is not None:
        total = check.op(total, *check.inputs[1:])
    return [pt.cast(total, node.outputs[0].dtype)]
