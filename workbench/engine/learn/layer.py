"""A trainable convolution layer in the im2col (matrix) form, and the Adam optimiser.

A 'valid' correlation of a ``C``-channel image with ``out`` kernels of ``k x k`` taps is one
matrix product: each output pixel's ``C x k x k`` neighbourhood is unrolled into a row of the
*columns* matrix (im2col), and the kernels into a ``(C*k*k) x out`` matrix. Gradients are
then matrix products too, which is what makes the layer cheap to train.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

__all__ = ["Adam", "ConvLayer", "im2col", "thin_product"]


def im2col(x: np.ndarray, size: int) -> np.ndarray:
    """Unroll every ``size x size`` neighbourhood of ``x`` into one row.

    Parameters
    ----------
    x : ndarray
        Images as ``N x C x H x W`` (or one image as ``C x H x W``).
    size : int
        Window size (odd).

    Returns
    -------
    ndarray
        ``(N * Ho * Wo) x (C * size * size)`` with ``Ho = H - size + 1`` and
        ``Wo = W - size + 1``; row ``(n, y, x)`` holds channel-major, row-major taps of the
        window whose top-left corner is at ``(y, x)`` (so whose centre is at
        ``(y + size//2, x + size//2)``).
    """
    x = _batch(x)
    n, c, h, w = x.shape
    if h < size or w < size:
        raise ValueError(f"image {h}x{w} is smaller than the {size}x{size} window")
    windows = sliding_window_view(x, (size, size), axis=(2, 3))  # N, C, Ho, Wo, k, k
    ho, wo = h - size + 1, w - size + 1
    return windows.transpose(0, 2, 3, 1, 4, 5).reshape(n * ho * wo, c * size * size)


def _batch(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x)
    if x.ndim == 3:
        return x[None]
    if x.ndim != 4:
        raise ValueError(f"expected N x C x H x W or C x H x W, got shape {x.shape}")
    return x


def _is_whole(value: object) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


class ConvLayer:
    """A single convolution layer (correlation, no flip) with optional bias.

    ``forward`` computes ``y[n, o] = sum_i correlate(x[n, i], weight[o, i]) + bias[o]`` over
    the 'valid' region (no padding), like ``apply_kernel`` away from the border.

    Parameters
    ----------
    size : int
        Kernel height and width (odd).
    in_channels, out_channels : int
        Channels read and written.
    bias : bool
        Whether the layer has a bias (one per output channel).

    Attributes
    ----------
    weight : ndarray
        ``out x in x size x size`` float64 weights.
    bias : ndarray or None
        ``out`` float64 biases.

    Raises
    ------
    ValueError
        If ``size`` is not an odd whole number, or a channel count is not a whole number
        of at least 1; from the methods, if an array has the wrong shape.

    Examples
    --------
    >>> layer = ConvLayer(3)
    >>> layer.weight[0, 0, 1, 1] = 1.0
    >>> x = np.arange(25.0).reshape(1, 1, 5, 5)
    >>> layer.forward(x)[0, 0]
    array([[ 6.,  7.,  8.],
           [11., 12., 13.],
           [16., 17., 18.]])
    """

    def __init__(
        self, size: int, in_channels: int = 1, out_channels: int = 1, bias: bool = True
    ) -> None:
        if not _is_whole(size) or size < 1 or size % 2 == 0:
            raise ValueError(f"size must be an odd whole number, got {size!r}")
        for label, value in (("in_channels", in_channels), ("out_channels", out_channels)):
            if not _is_whole(value) or value < 1:
                raise ValueError(f"{label} must be a whole number >= 1, got {value!r}")
        self.size = int(size)
        self.in_channels = int(in_channels)
        self.out_channels = int(out_channels)
        self.weight = np.zeros((out_channels, in_channels, size, size))
        self.bias: np.ndarray | None = np.zeros(out_channels) if bias else None
        self._columns: np.ndarray | None = None
        self._out_shape: tuple[int, int, int] | None = None

    @property
    def parameters(self) -> list[np.ndarray]:
        """The trainable arrays, updated in place by an optimiser: weight (and bias)."""
        return [self.weight] if self.bias is None else [self.weight, self.bias]

    def weight_matrix(self) -> np.ndarray:
        """The weights as ``(in * size * size) x out``, matching :func:`im2col`'s columns."""
        return self.weight.reshape(self.out_channels, -1).T

    # -- image form ---------------------------------------------------------------------
    def forward(self, x: np.ndarray) -> np.ndarray:
        """Correlate ``x`` (``N x C x H x W`` or ``C x H x W``); returns ``N x out x Ho x Wo``.

        The columns are kept for :meth:`backward`.
        """
        xb = _batch(x)
        if xb.shape[1] != self.in_channels:
            raise ValueError(f"layer reads {self.in_channels} channel(s), got {xb.shape[1]}")
        n, _, h, w = xb.shape
        ho, wo = h - self.size + 1, w - self.size + 1
        flat = self.forward_columns(im2col(xb, self.size))
        self._out_shape = (n, ho, wo)
        return flat.reshape(n, ho, wo, self.out_channels).transpose(0, 3, 1, 2)

    def backward(self, grad_out: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """Gradients of a loss with respect to weight and bias.

        Parameters
        ----------
        grad_out : ndarray
            d(loss)/d(output), shaped like the last :meth:`forward` result.

        Returns
        -------
        (grad_weight, grad_bias)
            Shaped like :attr:`weight` and :attr:`bias` (``None`` without a bias).
        """
        if self._out_shape is None:
            raise RuntimeError("call forward before backward")
        n, ho, wo = self._out_shape
        g = np.asarray(grad_out)
        if g.shape != (n, self.out_channels, ho, wo):
            raise ValueError(
                f"grad_out has shape {g.shape}, expected {(n, self.out_channels, ho, wo)}"
            )
        return self.backward_columns(g.transpose(0, 2, 3, 1).reshape(-1, self.out_channels))

    # -- matrix form (used for training on chosen pixels) -------------------------------
    def forward_columns(self, columns: np.ndarray) -> np.ndarray:
        """Outputs for rows of im2col columns: ``rows x out``, in the columns' float type.

        Training passes float32 columns to halve memory traffic; the weights stay float64.
        """
        if columns.shape[1] != self.weight[0].size:
            raise ValueError(
                f"columns have {columns.shape[1]} taps, the layer has {self.weight[0].size}"
            )
        dtype = columns.dtype if columns.dtype.kind == "f" else np.float64
        out = thin_product(columns, self.weight_matrix().astype(dtype, copy=False))
        if self.bias is not None:
            out += self.bias.astype(dtype, copy=False)
        self._columns = columns
        return out

    def backward_columns(self, grad: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """Weight and bias gradients for d(loss)/d(output) given as ``rows x out``."""
        if self._columns is None:
            raise RuntimeError("call forward before backward")
        cols = self._columns
        gw = thin_product(cols.T, grad.astype(cols.dtype, copy=False)).astype(np.float64)
        grad_weight = gw.T.reshape(self.weight.shape)
        grad_bias = None if self.bias is None else grad.sum(axis=0, dtype=np.float64)
        return grad_weight, grad_bias


def thin_product(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a @ b``; for one output channel without BLAS, whose threads handle these thin
    products badly when other programs keep the cores busy (10x slower, measured)."""
    if b.shape[1] == 1 or a.shape[0] == 1:
        return np.einsum("ij,jk->ik", a, b)
    return a @ b


class Adam:
    """Adam (Kingma and Ba, 2015) updating a list of arrays in place.

    Parameters
    ----------
    parameters : list of ndarray
        Arrays to update (e.g. :attr:`ConvLayer.parameters`).
    lr : float
        Step size; :meth:`step` can override it per step for a schedule.
    betas, eps : float
        The usual moment decay rates and the denominator's guard.
    """

    def __init__(
        self,
        parameters: list[np.ndarray],
        lr: float = 1e-2,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-12,
    ) -> None:
        self.parameters = parameters
        self.lr = lr
        self.beta1, self.beta2 = betas
        self.eps = eps
        self.t = 0
        self._m = [np.zeros_like(p) for p in parameters]
        self._v = [np.zeros_like(p) for p in parameters]

    def step(self, grads: list[np.ndarray | None], lr: float | None = None) -> None:
        """Apply one update from ``grads`` (one per parameter, ``None`` to skip one)."""
        self.t += 1
        lr = self.lr if lr is None else lr
        c1 = 1.0 - self.beta1**self.t
        c2 = 1.0 - self.beta2**self.t
        for p, g, m, v in zip(self.parameters, grads, self._m, self._v, strict=True):
            if g is None:
                continue
            m *= self.beta1
            m += (1.0 - self.beta1) * g
            v *= self.beta2
            v += (1.0 - self.beta2) * g * g
            p -= lr * (m / c1) / (np.sqrt(v / c2) + self.eps)
