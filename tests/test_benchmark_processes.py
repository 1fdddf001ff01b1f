"""The benchmark in real processes: Ctrl-C at known moments, and processes sharing a folder."""

import os
import signal
import subprocess
import sys
import textwrap
import time

import pandas as pd
import pytest

from conftest import REPO_ROOT
from imbnn.benchmark import _fingerprint

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")

# An estimator that announces each fit with a marker file and, at the fit the test
# chooses, waits for the test's SIGINT. With SWALLOW set it catches the interrupt and
# returns as skorch does, with a model whose ranking is reversed: if the runner
# cached that cut fit, the resumed results would differ from an uninterrupted run.
# In a worker thread no signal arrives; the fit stops as a skorch fit does under the
# benchmark (its callback sees the runner's interrupt flag, set by the main thread).
HELPER = '''
import os
import threading
import time

from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression


def _announce():
    folder = os.environ.get("PAUSE_MARKERS")
    if not folder:
        return False
    number = 0
    while True:
        try:
            os.close(os.open(os.path.join(folder, f"fit-{number:03d}"), os.O_CREAT | os.O_EXCL))
            break
        except FileExistsError:
            number += 1
    return number == int(os.environ.get("PAUSE_AT", "-1"))


def _wait_for_interrupt(seconds=120):
    from imbnn.benchmark._cell import _INTERRUPTED

    in_thread = threading.current_thread() is not threading.main_thread()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if in_thread and _INTERRUPTED.is_set():
            raise KeyboardInterrupt
        time.sleep(0.02)


class Pausing(ClassifierMixin, BaseEstimator):
    def __init__(self, C=1.0):
        self.C = C

    def fit(self, X, y):
        self.model_ = LogisticRegression(C=self.C).fit(X, y)
        self.classes_ = self.model_.classes_
        self.cut_ = False
        time.sleep(float(os.environ.get("SLOW", "0")))
        if _announce():
            open(os.path.join(os.environ["PAUSE_MARKERS"], "paused"), "w").close()
            try:
                _wait_for_interrupt()
            except KeyboardInterrupt:
                if not os.environ.get("SWALLOW"):
                    raise
                self.cut_ = True
        return self

    def decision_function(self, X):
        scores = self.model_.decision_function(X)
        return -scores if self.cut_ else scores

    def predict(self, X):
        return self.classes_[(self.decision_function(X) > 0).astype(int)]
'''

SCRIPT = '''
import sys

from sklearn.datasets import make_classification

from imbnn.benchmark import Benchmark
from pausing_helper import Pausing


def main():
    output, backend, n_jobs, names = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    estimators = {"a": Pausing(C=1.0), "b": Pausing(C=0.01)}
    datasets = {
        "one": make_classification(300, n_features=5, weights=[0.8], random_state=0),
        "two": make_classification(300, n_features=5, weights=[0.8], random_state=1),
    }
    bench = Benchmark(
        {name: estimators[name] for name in names.split(",")},
        datasets,
        cv=3,
        output=output,
        n_jobs=n_jobs,
        backend=None if backend == "default" else backend,
        progress=False,
    )
    try:
        bench.run()
    except KeyboardInterrupt:
        sys.exit(130)
    print(f"cached {bench.n_cached_}")


# A Dask local cluster starts its workers by importing this module afresh.
if __name__ == "__main__":
    main()
'''

N_CELLS = 12  # 2 estimators x 2 data sets x 3 folds
STOP_SECONDS = 30
_REFERENCE = {}
TIMES = ["fit_time", "score_time"]


@pytest.fixture
def harness(tmp_path):
    (tmp_path / "pausing_helper.py").write_text(textwrap.dedent(HELPER))
    (tmp_path / "run.py").write_text(textwrap.dedent(SCRIPT))
    markers = tmp_path / "markers"
    markers.mkdir()
    environment = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join([str(tmp_path), str(REPO_ROOT)]),
        OMP_NUM_THREADS="1",
    )

    def start(output, backend="sequential", n_jobs=1, names="a,b", **extra):
        for marker in markers.iterdir():
            marker.unlink()
        env = dict(environment, PAUSE_MARKERS=str(markers), **extra)
        return subprocess.Popen(
            [sys.executable, str(tmp_path / "run.py"), str(output), backend, str(n_jobs), names],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,  # its own process group, as a terminal's foreground job
        )

    def wait_for(path, timeout=90):
        deadline = time.monotonic() + timeout
        while not path.exists():
            if time.monotonic() > deadline:
                raise TimeoutError(f"{path} never appeared")
            time.sleep(0.05)

    def reference():
        # The uninterrupted run is the same for every test: run it once per session.
        if "results" not in _REFERENCE:
            process = start(tmp_path / "reference")
            out, err = process.communicate(timeout=120)
            assert process.returncode == 0, err
            _REFERENCE["results"] = pd.read_csv(tmp_path / "reference" / "results.csv")
        return _REFERENCE["results"].drop(columns=TIMES)

    start.markers = markers
    start.wait_for = wait_for
    start.reference = reference
    start.tmp_path = tmp_path
    return start


def _source():
    return _fingerprint._source_digest.__wrapped__()


def _source_changed(before):
    return _source() != before


def _interrupt_and_resume(harness, pause_at, *, backend="sequential", n_jobs=1, group=False,
                          swallow=False):
    output = harness.tmp_path / "interrupted"
    source = _source()
    extra = {"PAUSE_AT": str(pause_at), **({"SWALLOW": "1"} if swallow else {})}
    process = harness(output, backend, n_jobs, **extra)
    harness.wait_for(harness.markers / "paused")
    interrupted_at = time.monotonic()
    if group:
        os.killpg(process.pid, signal.SIGINT)  # Ctrl-C in a terminal: every process of the job
    else:
        os.kill(process.pid, signal.SIGINT)
    out, err = process.communicate(timeout=60)
    # Promptly: the paused fit would sleep two minutes; shutting workers down takes seconds.
    assert time.monotonic() - interrupted_at < STOP_SECONDS, err
    assert process.returncode == 130, err
    assert "Run the same command again to resume" in err
    saved = len(list((output / "cells").glob("*.json")))
    assert saved < N_CELLS
    resumed = harness(output, backend, n_jobs)
    out, err = resumed.communicate(timeout=120)
    assert resumed.returncode == 0, err
    # A development version fingerprints imbnn's source: an edit of it between the two
    # runs (another process working in this checkout) rightly recomputes every cell.
    assert f"cached {saved}" in out or _source_changed(source)
    results = pd.read_csv(output / "results.csv").drop(columns=TIMES)
    pd.testing.assert_frame_equal(results, harness.reference())
    return saved


@pytest.mark.slow
def test_ctrl_c_in_a_sequential_run_keeps_finished_cells_only(harness):
    # The interrupt reaches the fit as KeyboardInterrupt, which the fit does not catch.
    assert _interrupt_and_resume(harness, pause_at=2) == 2


def test_a_fit_that_swallows_ctrl_c_is_not_cached(harness):
    # The fit catches KeyboardInterrupt and returns a cut model, as skorch does.
    assert _interrupt_and_resume(harness, pause_at=5, swallow=True) == 5


@pytest.mark.slow
def test_ctrl_c_stops_a_loky_run_and_the_cut_fit_is_not_cached(harness):
    # The other worker may finish a few more cells before the signal; all of them are kept.
    _interrupt_and_resume(harness, pause_at=4, backend="loky", n_jobs=2, group=True, swallow=True)


@pytest.mark.slow
def test_ctrl_c_stops_a_threading_run_and_the_cut_fit_is_not_cached(harness):
    # The signal reaches the main thread only; the fit in the worker thread ends on the
    # runner's flag and returns a cut model, which must be dropped.
    _interrupt_and_resume(harness, pause_at=4, backend="threading", n_jobs=2, swallow=True)


@pytest.mark.slow
def test_ctrl_c_stops_a_dask_run_and_the_cut_fit_is_not_cached(harness):
    pytest.importorskip("distributed", reason="backend='dask' needs dask.distributed")
    # A local cluster's workers are processes of the job: Ctrl-C reaches them all.
    _interrupt_and_resume(harness, pause_at=4, backend="dask", n_jobs=2, group=True, swallow=True)


def test_processes_sharing_a_folder_neither_crash_nor_lose_or_duplicate_cells(harness):
    output = harness.tmp_path / "shared"
    # Overlapping grids at once: the third process runs both estimators of the other two.
    processes = [harness(output, names=names, SLOW="0.05") for names in ("a", "b", "a,b")]
    for process in processes:
        out, err = process.communicate(timeout=180)
        assert process.returncode == 0, err
    results = pd.read_csv(output / "results.csv")
    assert len(results) == N_CELLS
    assert not results.duplicated(["dataset", "estimator", "split"]).any()
    assert len(list((output / "cells").glob("*.json"))) == N_CELLS
    assert not list(output.rglob("*.part"))
    ordered = results.drop(columns=TIMES).sort_values(["dataset", "estimator", "split"])
    expected = harness.reference().sort_values(["dataset", "estimator", "split"])
    pd.testing.assert_frame_equal(ordered.reset_index(drop=True), expected.reset_index(drop=True))


@pytest.mark.slow
def test_the_command_line_on_ctrl_c_prints_how_to_resume(tmp_path):
    arguments = [
        "benchmark", "--datasets", "breast_cancer", "--estimators", "cross_entropy", "aum",
        "--folds", "2", "--max-epochs", "60", "--quiet", "--no-plots",
    ]
    environment = dict(os.environ, PYTHONPATH=str(REPO_ROOT), OMP_NUM_THREADS="1")

    def command(output):
        return [sys.executable, "-m", "imbnn", *arguments, "--output", str(output)]

    interrupted = tmp_path / "interrupted"
    source = _source()
    process = subprocess.Popen(
        command(interrupted), env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while not list((interrupted / "cells").glob("*.json")):
        assert time.monotonic() < deadline and process.poll() is None
        time.sleep(0.05)
    for _ in range(3):  # an impatient user
        os.killpg(process.pid, signal.SIGINT)
        time.sleep(0.2)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 130
    assert "Traceback" not in err
    assert f"To resume, run the same command: imbnn {' '.join(arguments)}" in err
    resumed = subprocess.run(command(interrupted), env=environment, capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    assert "were already in" in resumed.stdout or _source_changed(source)
    full = subprocess.run(command(tmp_path / "full"), env=environment, capture_output=True,
                          text=True)
    assert full.returncode == 0, full.stderr
    pd.testing.assert_frame_equal(
        pd.read_csv(interrupted / "results.csv").drop(columns=TIMES),
        pd.read_csv(tmp_path / "full" / "results.csv").drop(columns=TIMES),
    )


@pytest.mark.slow
def test_a_killed_run_resumes_with_the_results_of_a_whole_run(harness):
    output = harness.tmp_path / "killed"
    source = _source()
    process = harness(output, PAUSE_AT="3")
    harness.wait_for(harness.markers / "paused")
    os.kill(process.pid, signal.SIGKILL)  # no handler runs: only the finished cells remain
    process.communicate(timeout=60)
    assert len(list((output / "cells").glob("*.json"))) == 3
    resumed = harness(output)
    out, err = resumed.communicate(timeout=120)
    assert resumed.returncode == 0, err
    assert "cached 3" in out or _source_changed(source)
    results = pd.read_csv(output / "results.csv").drop(columns=TIMES)
    pd.testing.assert_frame_equal(results, harness.reference())


def test_a_writer_killed_mid_write_leaves_a_part_file_the_next_run_removes(tmp_path):
    # The writer dies between writing its temporary file and moving it into place.
    writer = textwrap.dedent(
        """
        import os, signal, sys
        from pathlib import Path
        from imbnn.benchmark import _cache

        os.replace = lambda source, target: os.kill(os.getpid(), signal.SIGKILL)
        _cache.atomic_write_text(Path(sys.argv[1]) / "cells" / "x.json", "{}")
        """
    )
    (tmp_path / "cells").mkdir()
    environment = dict(os.environ, PYTHONPATH=str(REPO_ROOT), OMP_NUM_THREADS="1")
    killed = subprocess.run([sys.executable, "-c", writer, str(tmp_path)], env=environment)
    assert killed.returncode == -signal.SIGKILL
    left = list((tmp_path / "cells").glob("*.part"))
    assert len(left) == 1 and left[0].read_text() == "{}"
    from imbnn.benchmark._cache import CellCache

    assert CellCache(tmp_path).removed_parts == left
    assert not list(tmp_path.rglob("*.part"))
