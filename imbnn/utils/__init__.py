"""Utilities shared by imbnn's modules (private: see :mod:`imbnn.utils._compat`)."""

__all__ = []
