"""numba, an optional dependency: loops compiled when it is installed.

``pip install imbnn[numba]`` installs it. Each compiled loop has a vectorised or
pure-Python counterpart that runs without numba, and the tests run both.
"""

import os

__all__ = ["compiled"]


def compiled(function, signatures=None, **options):
    """``numba.njit(signatures, **options)(function)``, or None without numba or with ``IMBNN_NO_NUMBA=1``.

    Without ``signatures`` numba compiles on the first call for each combination
    of argument types; with them, here, and calls of other types are refused.

    Parameters
    ----------
    function : callable
        A function numba can compile in nopython mode.
    signatures : list of str, optional
        The argument and return types to compile for now.
    **options
        Passed to :func:`numba.njit` (``cache=True`` keeps the machine code on disk).

    Returns
    -------
    compiled : callable or None
    """
    if os.environ.get("IMBNN_NO_NUMBA") == "1":
        return None
    try:
        import numba
    except ImportError:
        return None
    try:
        return numba.njit(signatures, **options)(function)
    except RuntimeError:
        if not options.get("cache"):
            raise
        # No writable cache folder (a read-only install without a home folder): numba
        # refuses cache=True; compile in each process instead.
        return numba.njit(signatures, **{**options, "cache": False})(function)
