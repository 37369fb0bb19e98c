# Prepended to the code that the benchmarks run in a child process (bench_agreement, bench_import, bench_qdpx).
import resource
import sys


def peak_rss():
    """This process's own peak resident memory in bytes (VmHWM; ru_maxrss can include the parent's size at fork)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * (1 if sys.platform == "darwin" else 1024)
