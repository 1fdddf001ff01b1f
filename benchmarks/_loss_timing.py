"""Side-by-side timing for the loss benchmarks (bench_aum_loss, bench_pairwise, bench_loss_call).

On a shared machine, wall-clock time includes the time the process waits for a
core. With one intra-op thread on the CPU the clock is therefore the thread's own
CPU time (``time.thread_time``), which counts only the work; on an accelerator, or
with several threads, it is the wall clock, with a device synchronisation after
each call.
"""

import statistics
import time

import torch


def make_clock(device):
    """The timer for ``device``: thread CPU time for one CPU thread, else the wall clock."""
    if torch.device(device).type == "cpu" and torch.get_num_threads() == 1:
        return time.thread_time, "thread CPU time"
    return time.perf_counter, "wall clock"


def make_synchronize(device):
    if torch.device(device).type == "cuda":
        return torch.cuda.synchronize
    return lambda: None


def median_times(functions, repeats, inner=1, clock=time.perf_counter):
    """Median seconds per call of each function.

    Repetitions alternate between the functions (so that a change of machine state
    hits all alike); each times ``inner`` calls. Every function runs ``inner``
    times first, as a warm-up.
    """
    for function in functions.values():
        for _ in range(inner):
            function()
    times = {name: [] for name in functions}
    for _ in range(repeats):
        for name, function in functions.items():
            start = clock()
            for _ in range(inner):
                function()
            times[name].append((clock() - start) / inner)
    return {name: statistics.median(values) for name, values in times.items()}
