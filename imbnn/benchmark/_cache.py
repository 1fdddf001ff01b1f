"""The benchmark's folder: one JSON file per finished cell, and the merged tables.

Any number of processes may share a folder. Every file is written under a name of
its own (process id and a random suffix) and moved into place with ``os.replace``,
which is atomic: a reader sees the old file or the new one, never half of one, and
two writers never collide. The tables are rewritten under a lock, from what is
already there plus the cells of the run, so runs add to each other's results.
"""

import hashlib
import json
import os
import re
import secrets
import warnings
from contextlib import contextmanager
from numbers import Integral, Real
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["CellCache", "cell_problem", "write_tables", "TABLE_FILES"]

TABLE_FILES = ("results.csv", "history.csv", "roc.csv")


def _temporary(path):
    return path.with_name(f"{path.name}.{os.getpid()}.{secrets.token_hex(4)}.part")


def atomic_write_text(path, text):
    """Write ``text`` to ``path`` through a temporary file of this process alone."""
    temporary = _temporary(path)
    try:
        temporary.write_text(text)
        os.replace(temporary, path)
    finally:
        if temporary.exists():
            temporary.unlink()


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"cannot store {type(value).__name__} in a cell file")


def _is_number(value):
    return value is None or (isinstance(value, (Real, Integral)) and not isinstance(value, bool))


def cell_problem(result):
    """What makes ``result`` (a decoded cell file) unusable, or None when it is a cell.

    Examples
    --------
    >>> from imbnn.benchmark._cache import cell_problem
    >>> cell_problem({"info": {}})
    "no 'fingerprint'"
    """
    if not isinstance(result, dict):
        return f"a {type(result).__name__}, not an object"
    for key, kind in (
        ("fingerprint", str),
        ("info", dict),
        ("scores", dict),
        ("history", list),
    ):
        if key not in result:
            return f"no {key!r}"
        if not isinstance(result[key], kind):
            return f"{key!r} is a {type(result[key]).__name__}, not a {kind.__name__}"
    info = result["info"]
    for key in ("dataset", "estimator", "split"):
        if key not in info:
            return f"'info' has no {key!r}"
    if not isinstance(info["split"], Integral) or isinstance(info["split"], bool):
        return "'info.split' is not an integer"
    bad = [name for name, value in result["scores"].items() if not _is_number(value)]
    if bad:
        return f"non-numeric scores {bad}"
    if not all(isinstance(row, dict) for row in result["history"]):
        return "'history' rows are not objects"
    roc = result.get("roc")
    if roc is not None:
        if not isinstance(roc, dict) or not all(
            isinstance(roc.get(key), list) for key in ("fpr", "tpr", "threshold")
        ):
            return "'roc' lacks its fpr, tpr and threshold lists"
        if len({len(roc["fpr"]), len(roc["tpr"]), len(roc["threshold"])}) != 1:
            return "'roc' lists of different lengths"
    if result.get("error") is not None:
        return "a failed cell (failures are never cached)"
    return None


class CellCache:
    """One JSON file per finished cell under ``<output>/cells``; nothing when output is None."""

    def __init__(self, output):
        self.folder = None if output is None else Path(output) / "cells"
        if self.folder is not None:
            self.folder.mkdir(parents=True, exist_ok=True)
        self.damaged = []

    @staticmethod
    def name(info):
        readable = "__".join(
            re.sub(r"[^A-Za-z0-9_.-]+", "-", str(part))
            for part in (info["dataset"], info["estimator"], f"split{info['split']:04d}")
        )
        # Different names can sanitise alike: a hash of the exact names keeps files apart.
        exact = hashlib.sha1(
            repr((info["dataset"], info["estimator"], info["split"])).encode()
        ).hexdigest()
        return f"{readable}__{exact[:8]}"

    def path(self, info):
        return self.folder / f"{self.name(info)}.json"

    def load(self, info, fingerprint):
        """The cached result of a cell, or None when absent, changed or damaged (with a warning)."""
        if self.folder is None:
            return None
        path = self.path(info)
        try:
            text = path.read_text()
        except FileNotFoundError:
            return None
        try:
            result = json.loads(text)
            problem = cell_problem(result)
        except (ValueError, UnicodeDecodeError) as error:
            problem = f"not valid JSON ({error})"
        if problem is None and result["info"].get("split") != info["split"]:
            problem = "it describes another cell"
        if problem is not None:
            self.damaged.append(path)
            warnings.warn(
                f"{path} cannot be read as a benchmark cell ({problem}); the cell is "
                "recomputed and the file replaced.",
                RuntimeWarning,
                stacklevel=3,
            )
            return None
        if result["fingerprint"] != fingerprint:
            return None
        return result

    def save(self, info, result):
        if self.folder is None:
            return
        atomic_write_text(
            self.path(info), json.dumps(result, default=_json_default, allow_nan=True)
        )


@contextmanager
def _locked(folder):
    """An exclusive lock on ``folder`` among the processes sharing it (POSIX)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: writes stay atomic, merges may race
        yield
        return
    with open(folder / ".imbnn.lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _previous(path):
    if not path.is_file():
        return None
    try:
        frame = pd.read_csv(path)
    except (ValueError, OSError, pd.errors.ParserError) as error:
        warnings.warn(f"{path} cannot be read ({error}); it is rewritten.", RuntimeWarning)
        return None
    if not {"dataset", "estimator"} <= set(frame.columns):
        warnings.warn(f"{path} lacks the dataset/estimator columns; it is rewritten.")
        return None
    return frame


def write_tables(folder, tables):
    """Merge this run's tables into the folder's and write them (atomically, under a lock).

    Rows of the (data set, estimator) pairs of this run replace that pair's earlier
    rows (a pair rerun with other folds is replaced whole); every other pair's rows
    are kept, so the tables hold every pair the folder has results for.

    Parameters
    ----------
    folder : path
    tables : dict of file name to DataFrame
        ``results.csv``, ``history.csv`` and ``roc.csv`` of this run.

    Returns
    -------
    dict of file name to DataFrame
        The merged tables.
    """
    folder = Path(folder)
    scores = tables["results.csv"]
    pairs = set(zip(scores["dataset"].astype(str), scores["estimator"].astype(str)))
    merged = {}
    with _locked(folder):
        for name, frame in tables.items():
            path = folder / name
            previous = _previous(path)
            if previous is not None and len(previous):
                keys = zip(previous["dataset"].astype(str), previous["estimator"].astype(str))
                kept = previous[[key not in pairs for key in keys]]
                frames = [part for part in (kept, frame) if len(part)]
                if frames:
                    columns = list(dict.fromkeys(c for part in frames[::-1] for c in part.columns))
                    frame = pd.concat(frames, ignore_index=True)[columns]
            merged[name] = frame
            atomic_write_text(path, frame.to_csv(index=False))
    return merged
