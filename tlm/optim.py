"""Update rules: given each parameter's gradient, move the parameters. Both take gradients summed
over a batch (so a batch of one is the lesson's `_step`) and keep their state in `state`, a dict
of arrays that the model file saves, so a resumed run continues exactly.

A gradient is an array of the parameter's shape, `SparseRows` for an embedding matrix, where
only the rows of the batch's context words change, or `SparseColumns` for the output layer under
sampled softmax, where only the columns of a batch's candidate and target words change.
"""

from dataclasses import dataclass

import numpy as np


@dataclass
class SparseRows:
    """A gradient that touches some rows of a (V, d) parameter: `values` (broadcast to
    rows.shape + (d,)) belong to `rows`; a row that appears several times accumulates every share."""

    rows: np.ndarray  # (R,) or (B, n) ints
    values: np.ndarray  # (R, d) or (B, 1, d)

    def coalesce(self, d, dtype):
        """Distinct rows and their summed values: (U,), (U, d)."""
        rows, inverse = np.unique(self.rows, return_inverse=True)
        summed = np.zeros((len(rows), d), dtype=dtype)
        np.add.at(summed, inverse.reshape(self.rows.shape), self.values)
        return rows, summed


@dataclass
class SparseColumns:
    """A gradient that touches some columns of a (d, V) parameter, or some entries of a (V,) one:
    column `columns[k]` gets `values[k]`; a column that appears several times accumulates every share.

    It is `SparseRows` of the transposed parameter (`as_rows`), so both update rules handle it
    with their row code, on a view: the parameter keeps its (d, V) layout.
    """

    columns: np.ndarray  # (C,) ints
    values: np.ndarray  # (C, d) for a (d, V) parameter, (C,) for a (V,) one

    def as_rows(self):
        """The same gradient as `SparseRows` of `columns_as_rows(param)`."""
        return SparseRows(self.columns, self.values if self.values.ndim == 2 else self.values[:, None])


def columns_as_rows(array):
    """A view of a (d, V) array as (V, d), or of a (V,) array as (V, 1): writing to it writes the array."""
    return array.T if array.ndim == 2 else array[:, None]


class SGD:
    """Plain gradient descent: p -= lr * dp, with the per-example learning rate on summed gradients."""

    name = "sgd"

    def __init__(self, params, state=None):
        self.state = {}

    def update(self, params, grads, lr, batch_size):
        for name, grad in grads.items():
            param = params[name]
            if isinstance(grad, SparseColumns):
                param, grad = columns_as_rows(param), grad.as_rows()
            if isinstance(grad, SparseRows):
                # np.add.at accumulates a repeated row; param[rows] -= ... would apply it once.
                np.add.at(param, grad.rows, -lr * grad.values)
            else:
                grad *= -lr  # in place: no temporary of the parameter's size
                param += grad


class Adam:
    """Adam (Kingma & Ba 2015) on the batch-mean gradient. An embedding's moments change only in the
    rows a batch touches ("lazy" Adam), so rare words keep their step size instead of decaying."""

    name = "adam"
    beta1, beta2, eps = 0.9, 0.999, 1e-8

    def __init__(self, params, state=None):
        """`state`: a saved `self.state` to continue from, else zero moments."""
        self.state = state if state else {"t": 0, **{f"{moment}_{name}": np.zeros_like(p)
                                                     for name, p in params.items() for moment in "mv"}}

    def update(self, params, grads, lr, batch_size):
        self.state["t"] += 1
        t = self.state["t"]
        # Bias correction folded into the step size.
        lr_t = lr * np.sqrt(1 - self.beta2**t) / (1 - self.beta1**t)
        for name, grad in grads.items():
            param, m, v = params[name], self.state[f"m_{name}"], self.state[f"v_{name}"]
            if isinstance(grad, SparseColumns):
                param, m, v = map(columns_as_rows, (param, m, v))
                grad = grad.as_rows()
            if isinstance(grad, SparseRows):
                rows, grad = grad.coalesce(param.shape[1], param.dtype)
            else:
                rows = slice(None)
            self._move(param, m, v, grad / batch_size, lr_t, rows)

    def _move(self, param, m, v, grad, lr_t, rows):
        m[rows] = self.beta1 * m[rows] + (1 - self.beta1) * grad
        v[rows] = self.beta2 * v[rows] + (1 - self.beta2) * grad * grad
        param[rows] -= lr_t * m[rows] / (np.sqrt(v[rows]) + self.eps)


OPTIMIZERS = {cls.name: cls for cls in (SGD, Adam)}
