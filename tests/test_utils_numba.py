import numpy as np
import pytest

from imbnn.utils._numba import compiled

numba = pytest.importorskip("numba")


def _add_one(values):
    return values + 1


def test_compiled_runs_the_function():
    function = compiled(_add_one, cache=False)
    np.testing.assert_array_equal(function(np.arange(3)), [1, 2, 3])


def test_compiled_is_none_when_switched_off(monkeypatch):
    monkeypatch.setenv("IMBNN_NO_NUMBA", "1")
    assert compiled(_add_one, cache=True) is None


def test_compiled_without_a_writable_cache_compiles_without_caching(monkeypatch):
    # numba refuses cache=True when no cache folder is writable; the loop must still compile.
    njit = numba.njit
    calls = []

    def refusing_njit(signatures, **options):
        calls.append(options)
        if options.get("cache"):
            raise RuntimeError("cannot cache function '_add_one': no locator available")
        return njit(signatures, **options)

    monkeypatch.setattr(numba, "njit", refusing_njit)
    function = compiled(_add_one, cache=True, nogil=True)
    assert calls == [{"cache": True, "nogil": True}, {"cache": False, "nogil": True}]
    np.testing.assert_array_equal(function(np.arange(2)), [1, 2])
