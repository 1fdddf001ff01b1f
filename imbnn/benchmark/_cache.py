"""The benchmark's folder: one JSON file per finished cell, and the merged tables.

Any number of processes may share a folder. Every file is written under a name of
its own (process id and a random suffix) and moved into place with ``os.replace``,
which is atomic: a reader sees the old file or the new one, never half of one, and
two writers never collide. A writer killed between writing and moving leaves its
temporary ``.part`` file behind; opening the folder removes those whose writer is
gone (see :func:`remove_stale_parts`). The tables are rewritten under a lock, from what is
already there plus the cells of the run, so runs add to each other's results.
"""

import hashlib
import json
import os
import re
import secrets
import socket
import sys
import time
import warnings
from contextlib import contextmanager
from numbers import Integral, Real
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["CellCache", "cell_problem", "remove_stale_parts", "write_tables", "TABLE_FILES"]

TABLE_FILES = ("results.csv", "history.csv", "roc.csv")

# A temporary file is named after its writer, "<target>.<random>.<pid>@<host>.part", so
# that a later process can tell whether the writer still runs. Processes on several
# machines may share a folder (a network drive, a Dask cluster): a process id is only
# meaningful on its own host.
_PART = re.compile(r"\.[0-9a-f]+\.(?P<pid>\d+)@(?P<host>[A-Za-z0-9-]+)\.part$")
#: A temporary file of another host (or of an unknown writer) untouched this long is
#: stale: writing one takes well under a second.
STALE_PART_SECONDS = 24 * 3600


def _host():
    return re.sub(r"[^A-Za-z0-9-]+", "-", socket.gethostname()) or "host"


def _temporary(path):
    return path.with_name(
        f"{path.name}.{secrets.token_hex(4)}.{os.getpid()}@{_host()}.part"
    )


def _process_is_alive(pid):
    if sys.platform == "win32":  # pragma: no cover - os.kill(pid, 0) would end the process
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def remove_stale_parts(folder, max_age=STALE_PART_SECONDS):
    """Remove the temporary ``.part`` files in ``folder`` whose writer is gone.

    A file written by a process of this host is removed when that process no longer
    exists (a process id reused by another process keeps the file: the safe side).
    A file of another host, or one not named by this module, is removed only when
    it has not been modified for ``max_age`` seconds, since its writer cannot be
    checked from here. A live writer's file is therefore never removed.

    Parameters
    ----------
    folder : path
    max_age : float, default=STALE_PART_SECONDS (one day)

    Returns
    -------
    list of Path
        The files removed.
    """
    removed = []
    host, now = _host(), time.time()
    for path in Path(folder).glob("*.part"):
        match = _PART.search(path.name)
        try:
            if match is not None and match["host"] == host:
                stale = not _process_is_alive(int(match["pid"]))
            else:
                stale = now - path.stat().st_mtime > max_age
            if stale:
                path.unlink()
                removed.append(path)
        except FileNotFoundError:  # its writer moved it into place, or another process removed it
            continue
    return removed


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
    """One JSON file per finished cell under ``<output>/cells``; nothing when output is None.

    Opening a folder removes the temporary files that killed writers left in it and
    in ``output`` (:func:`remove_stale_parts`); they are listed in ``removed_parts``.
    """

    def __init__(self, output):
        self.folder = None if output is None else Path(output) / "cells"
        self.removed_parts = []
        if self.folder is not None:
            self.folder.mkdir(parents=True, exist_ok=True)
            for folder in (self.folder, self.folder.parent):
                self.removed_parts += remove_stale_parts(folder)
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
