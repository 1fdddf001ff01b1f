"""numba, an optional dependency: loops compiled when it is installed.

``pip install imbnn[numba]`` installs it. Each compiled loop has a vectorised or
pure-Python counterpart that runs without numba, and the tests run both.
"""

import os

__all__ = ["compiled"]


def compiled(function, **options):
    """``numba.njit(**options)(function)``, or None when numba is absent or ``IMBNN_NO_NUMBA=1``.

    numba compiles on the first call for each combination of argument types, not here.

    Parameters
    ----------
    function : callable
        A function numba can compile in nopython mode.
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
        return numba.njit(**options)(function)
    except RuntimeError:
        if not options.get("cache"):
            raise
        # No writable cache folder (a read-only install without a home folder): numba
        # refuses cache=True; compile in each process instead.
        return numba.njit(**{**options, "cache": False})(function)
