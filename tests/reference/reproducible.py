"""Makes a fixture script's reruns byte-identical; call `reproducible.setup()` before
importing numpy.

pyfixest's two-way demeaning result depends (in the last digits) on Python's string-hash
randomisation, so PYTHONHASHSEED is fixed by re-executing the script once; numerics are kept
single-threaded.
"""
import os
import sys


def setup():
    if os.environ.get("PYTHONHASHSEED") != "0":
        os.environ["PYTHONHASHSEED"] = "0"
        os.execv(sys.executable, [sys.executable] + sys.argv)
    for v in ("NUMBA_NUM_THREADS", "RAYON_NUM_THREADS", "OMP_NUM_THREADS",
              "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[v] = "1"
