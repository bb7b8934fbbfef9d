#!/usr/bin/env python3
"""Executes the notebooks with nbclient; fails on any cell error.

    python notebooks/run.py            execute every notebook, keep the files as they are, and
                                       say which cells' outputs differ from the committed ones
    python notebooks/run.py --update   execute and write the outputs into the notebooks
    python notebooks/run.py --strict   as the first, but differing outputs are an error too

The binaries come from $IKU_BIN_DIR (default target/release). No timings are recorded, so
executing twice gives the same file.
"""
import argparse
import pathlib
import sys
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

HERE = pathlib.Path(__file__).resolve().parent
NOTEBOOKS = ["reproduce.ipynb", "own_spec.ipynb", "montecarlo.ipynb"]


def execute(path):
    """The notebook at `path`, executed in its own folder, without timing metadata."""
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=600, kernel_name="python3", record_timing=False, coalesce_streams=True,
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
    return nb


def outputs(nb):
    """Each code cell's outputs, for comparing two executions."""
    return [(i, c.get("outputs", [])) for i, c in enumerate(nb.cells) if c.cell_type == "code"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--update", action="store_true", help="write the executed notebooks in place")
    ap.add_argument("--strict", action="store_true", help="fail when outputs differ from the committed ones")
    ap.add_argument("notebooks", nargs="*", default=NOTEBOOKS)
    a = ap.parse_args()
    stale, failed = [], []
    for name in a.notebooks:
        path = HERE / name
        started = time.monotonic()
        try:
            nb = execute(path)
        except CellExecutionError as e:
            print(f"{name}: a cell failed:\n{e}", file=sys.stderr)
            failed.append(name)
            continue
        took = time.monotonic() - started
        differ = [i for (i, new), (_, old) in zip(outputs(nb), outputs(nbformat.read(path, as_version=4)))
                  if new != old]
        if a.update:
            nbformat.write(nb, path)
            print(f"{name}: executed in {took:.1f} s, written")
        elif differ:
            stale.append(name)
            print(f"{name}: executed in {took:.1f} s; outputs of cells {differ} differ from the committed ones "
                  "(`make notebooks-update` rewrites them)")
        else:
            print(f"{name}: executed in {took:.1f} s, outputs as committed")
    bad = failed + (stale if a.strict else [])
    print(f"notebooks: {len(a.notebooks) - len(bad)} passed, {len(bad)} failed")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
