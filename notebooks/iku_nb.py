"""Helpers the notebooks share: where the iku binaries are, running them, marking plots SYNTHETIC.

The binaries are looked up in $IKU_BIN_DIR (default: target/release of this repository), so
`make test` can run the notebooks on the debug binaries `cargo test` has already built.
Commands are echoed with the notebook's scratch directory written as $WORK, so a notebook's
outputs do not depend on the machine it ran on.
"""
import atexit
import os
import pathlib
import shlex
import shutil
import subprocess
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
BIN_DIR = pathlib.Path(os.environ.get("IKU_BIN_DIR", "target/release"))
if not BIN_DIR.is_absolute():
    BIN_DIR = ROOT / BIN_DIR

WORK = pathlib.Path(tempfile.mkdtemp(prefix="iku-notebook-"))
atexit.register(shutil.rmtree, WORK, True)


def _shown(text):
    """`text` with the scratch directory written as $WORK."""
    return str(text).replace(str(WORK), "$WORK")


def run(tool, *args, echo=True):
    """Runs an iku binary from the repository root and returns its standard output.

    Echoes the command as one would type it; a failure raises with the tool's own message."""
    exe = BIN_DIR / tool
    if not exe.exists():
        raise FileNotFoundError(f"{tool} not found in IKU_BIN_DIR={BIN_DIR}: run `cargo build --release --bins`")
    args = [str(a) for a in args]
    if echo:
        print("$ " + _shown(shlex.join([tool, *args])))
    done = subprocess.run([str(exe), *args], cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{tool} exited with {done.returncode}:\n{_shown(done.stderr)}")
    return _shown(done.stdout)


def stamp_synthetic(ax, title=None):
    """Writes SYNTHETIC inside the plot area (it survives cropping) and in the title."""
    ax.text(0.5, 0.5, "SYNTHETIC", transform=ax.transAxes, ha="center", va="center",
            fontsize=38, color="tab:red", alpha=0.18, rotation=20, zorder=10)
    if title is not None:
        ax.set_title(f"{title} — SYNTHETIC DATA")
