"""Fingerprints of what decides a cell's result: estimator, data, split, code and libraries.

A cell is reused from the cache only when its fingerprint is unchanged, so the
fingerprint must change with everything that can change the numbers: every
parameter of the estimator, down to the configuration and weights of torch modules
and losses passed as instances and to nested estimators; the data and the split;
and the versions of imbnn (for a development version, its source code too), torch,
scikit-learn, skorch and numpy. A parameter whose behaviour cannot be told from its
description (a lambda, a closure, a class or function defined inside a function) is
refused with a message naming it, rather than silently sharing a fingerprint with
another one.
"""

import functools
import hashlib
import importlib.metadata
import json
import platform
import types
from pathlib import Path

import numpy as np
import torch

__all__ = ["UnfingerprintableError", "describe", "digest", "environment", "array_digest"]


class UnfingerprintableError(ValueError):
    """A parameter whose behaviour the cell cache cannot identify."""


def digest(value):
    """A short hex digest of a JSON-able description."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def array_digest(array):
    """Digest of an array's dtype, shape and bytes (much cheaper than pickling it)."""
    array = np.ascontiguousarray(array)
    if array.dtype == object:
        items = [describe(item, "array") for item in array.flat]
        return digest(["object-array", array.shape, items])
    hasher = hashlib.blake2b(digest_size=16)
    hasher.update(f"{array.dtype.str}{array.shape}".encode())
    hasher.update(array.view(np.uint8).reshape(-1) if array.size else b"")
    return hasher.hexdigest()


def _qualified(kind, path):
    name = f"{kind.__module__}.{kind.__qualname__}"
    if "<locals>" in kind.__qualname__:
        raise UnfingerprintableError(
            f"{path} is {name}, a class defined inside a function: the cache cannot tell it "
            "from another class of that name. Define it at module level, or run without a "
            "cache (output=None)."
        )
    return name


def _function(value, path):
    qualname = getattr(value, "__qualname__", getattr(value, "__name__", repr(value)))
    if "<lambda>" in qualname or "<locals>" in qualname:
        what = "a lambda" if "<lambda>" in qualname else "a function defined inside a function"
        raise UnfingerprintableError(
            f"{path} is {what} ({qualname}): the cache cannot tell it from another one, so "
            "its cells would be reused after it changed. Define it with def at module level "
            "(functools.partial for its arguments), or run without a cache (output=None)."
        )
    described = ["function", getattr(value, "__module__", None), qualname]
    code = getattr(value, "__code__", None)
    if code is not None:
        # An edit of the function's body changes its result: fingerprint the code too.
        described.append(
            hashlib.blake2b(
                code.co_code + repr((code.co_consts, code.co_names)).encode(), digest_size=8
            ).hexdigest()
        )
    return described


def describe(value, path="value", _stack=()):
    """A JSON-able description of ``value`` that changes when its behaviour can.

    Parameters
    ----------
    value : object
        A parameter value: a scalar, string, array, tensor, container, class,
        module-level function, scikit-learn estimator, torch module or plain object.
    path : str
        How to name ``value`` in an error message.

    Returns
    -------
    list or str

    Raises
    ------
    UnfingerprintableError
        For a lambda, a closure or a class or function defined inside a function,
        and for an object with nothing to describe but its memory address.

    Examples
    --------
    >>> from imbnn.benchmark._fingerprint import describe
    >>> describe((1, "a"))
    ['tuple', [['int', '1'], ['str', "'a'"]]]
    """
    if value is None or isinstance(value, (bool, int, float, str, bytes, complex)):
        return [type(value).__name__, repr(value)]
    if id(value) in _stack:
        raise UnfingerprintableError(f"{path} contains itself; the cache cannot describe it.")
    stack = _stack + (id(value),)

    def inner(item, where):
        return describe(item, where, stack)

    if isinstance(value, np.generic):
        return ["numpy", value.dtype.str, repr(value.item())]
    if isinstance(value, np.ndarray):
        return ["ndarray", array_digest(value)]
    if isinstance(value, torch.Tensor):
        tensor = value.detach().cpu().contiguous()
        data = tensor.reshape(-1).view(torch.uint8) if tensor.numel() else torch.zeros(0)
        return ["tensor", str(tensor.dtype), list(tensor.shape), array_digest(data.numpy())]
    if isinstance(value, (list, tuple)):
        return [type(value).__name__, [inner(item, f"{path}[{k}]") for k, item in enumerate(value)]]
    if isinstance(value, dict):
        items = [[repr(key), inner(item, f"{path}[{key!r}]")] for key, item in value.items()]
        return ["dict", sorted(items)]
    if isinstance(value, (set, frozenset)):
        return ["set", sorted(json.dumps(inner(item, path)) for item in value)]
    if isinstance(value, type):
        return ["class", _qualified(value, path)]
    if isinstance(value, functools.partial):
        return [
            "partial",
            inner(value.func, f"{path}.func"),
            inner(list(value.args), f"{path}.args"),
            inner(dict(value.keywords), f"{path}.keywords"),
        ]
    if isinstance(value, types.MethodType):
        owner = inner(value.__self__, f"{path}.__self__")
        return ["method", owner, _function(value.__func__, path)]
    if isinstance(value, (types.FunctionType, types.BuiltinFunctionType)):
        return _function(value, path)
    if hasattr(value, "get_params") and callable(value.get_params):
        # Nested estimators, skorch callbacks: their own parameters, recursively.
        params = value.get_params(deep=False)
        return [
            "estimator",
            _qualified(type(value), path),
            sorted([name, inner(item, f"{path}__{name}")] for name, item in params.items()),
        ]
    if isinstance(value, torch.nn.Module):
        # Configuration (public attributes), weights and buffers, and the children.
        config = {
            name: item
            for name, item in vars(value).items()
            if not name.startswith("_") and name != "training"
        }
        state = {
            name: tensor
            for name, tensor in [
                *value.named_parameters(recurse=False),
                *value.named_buffers(recurse=False),
            ]
        }
        return [
            "module",
            _qualified(type(value), path),
            inner(config, f"{path}"),
            inner(state, f"{path}.state_dict"),
            inner(dict(value.named_children()), path),
        ]
    if isinstance(value, np.random.RandomState):
        return ["RandomState", inner(list(value.get_state()), path)]
    if isinstance(value, np.random.Generator):
        return ["Generator", inner(value.bit_generator.state, path)]
    if isinstance(value, torch.Generator):
        return ["torch.Generator", inner(value.get_state(), path)]
    if isinstance(value, Path):
        return ["path", str(value)]
    if callable(value) and not hasattr(value, "__dict__"):
        return _function(value, path)
    if hasattr(value, "__dict__"):
        return ["object", _qualified(type(value), path), inner(dict(vars(value)), path)]
    text = repr(value)
    if " at 0x" in text:
        raise UnfingerprintableError(
            f"{path} ({text}) has no description but its memory address; give a value the "
            "cache can describe, or run without a cache (output=None)."
        )
    return ["repr", _qualified(type(value), path), text]


def _version(distribution):
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover - always installed
        return None


@functools.lru_cache(maxsize=1)
def _source_digest():
    """Digest of imbnn's Python source: a development version changes without a new number."""
    root = Path(__file__).parents[1]  # the imbnn package as imported
    hasher = hashlib.blake2b(digest_size=16)
    for path in sorted(root.rglob("*.py")):
        hasher.update(str(path.relative_to(root)).encode())
        hasher.update(path.read_bytes())
    return hasher.hexdigest()


def environment():
    """The versions a cell's numbers depend on (and imbnn's source for a development version).

    Returns
    -------
    dict
    """
    import imbnn
    import sklearn
    import skorch

    versions = {
        "imbnn": imbnn.__version__,
        "torch": torch.__version__,
        "scikit-learn": sklearn.__version__,
        "skorch": getattr(skorch, "__version__", None) or _version("skorch"),
        "numpy": np.__version__,
        "python": platform.python_version(),
    }
    if "dev" in imbnn.__version__ or "+" in imbnn.__version__:
        versions["imbnn-source"] = _source_digest()
    return versions


def estimator_description(name, estimator):
    """:func:`describe` of a benchmark's estimator, errors naming it as ``estimators[name]``."""
    return describe(estimator, f"estimators[{name!r}]")
