"""What the Python tools share (bench.py, trace_picture.py, diff.py): one way
to fail, one way to write a result, one set of colours.

They run with Debian's python3; bench.py and trace_picture.py draw with its
python3-matplotlib, which `./workshop bench` and `./workshop trace` install.
Only the drawing needs it: the checks and the tables are plain Python, so the
tests of everything but the pictures run without it.
"""
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

# Okabe and Ito's colours, which colour-blind readers can tell apart.
BLUE, ORANGE, GREEN, PURPLE = "#0072b2", "#e69f00", "#009e73", "#cc79a7"
VERMILION, SKY_BLUE, GREY = "#d55e00", "#56b4e9", "#8c8c8c"


class Failure(Exception):
    """Input a tool cannot use: the file it came from and why."""

    def __init__(self, path, reason):
        super().__init__(f"{path}: {reason}")


def tools_python():
    """Debian's python3, which the tools and the Python twins run on."""
    return "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable


def language():
    """The language practice mode speaks, as common/tools/practice.sh decides
    it: the one ./workshop lang kept, else Korean where the locale is, else
    English."""
    try:
        kept = Path(os.environ.get("PRACTICE_DIR", "practice"), ".lang").read_text().strip()
    except OSError:
        kept = ""
    locale = os.environ.get("LC_ALL") or os.environ.get("LC_MESSAGES") or os.environ.get("LANG") or ""
    chosen = kept or ("ko" if locale.startswith("ko") else "en")
    return chosen if chosen in ("en", "ko") else "en"


def read_text(path):
    try:
        with open(path, encoding="utf-8") as file:
            return file.read()
    except (OSError, UnicodeDecodeError) as error:
        raise Failure(path, error.strerror or str(error)) from None


def write_all(outputs):
    """Writes {path: text or figure} only once every result is made, each
    through a temporary file, so a failure leaves no half-written result."""
    for path, content in outputs.items():
        directory = os.path.dirname(os.path.abspath(path))
        handle, temporary = tempfile.mkstemp(dir=directory, suffix=os.path.splitext(path)[1])
        os.close(handle)
        try:
            if isinstance(content, str):
                with open(temporary, "w", encoding="utf-8") as file:
                    file.write(content)
            else:  # a matplotlib figure, in the format the name ends with
                content.savefig(temporary, metadata={"Date": None} if path.endswith(".svg") else {})
            os.chmod(temporary, 0o644)
            os.replace(temporary, path)
        except BaseException:
            os.unlink(temporary)
            raise


def copy_tracked(directory):
    """The project's tracked files, as they are in the working tree now, in
    directory; a file whose copy is the same already is left as it is (and
    keeps its time, so a build there stays incremental). A changed file is
    written now, with the time of now: with its own older time it could look
    older than what an earlier build there made of its previous content, and
    would not be compiled again."""
    tracked = subprocess.run(["git", "ls-files", "-z"], capture_output=True, check=True, text=True).stdout
    for name in filter(None, tracked.split("\0")):
        source, copy = Path(name), Path(directory, name)
        if source.is_file() and (not copy.is_file() or copy.read_bytes() != source.read_bytes()):
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, copy)
            shutil.copymode(source, copy)


def pyplot():
    """matplotlib's pyplot, drawing to files only, with text kept as text in
    an SVG and the same bytes for the same picture."""
    import matplotlib

    matplotlib.use("Agg")
    matplotlib.rcParams.update({"svg.fonttype": "none", "svg.hashsalt": "tail-and-merge", "font.size": 9})
    import matplotlib.pyplot

    return matplotlib.pyplot


def say(text):
    print(f"==> {text}", file=sys.stderr, flush=True)


def run(name, usage, check_arguments, body):
    """Runs body(arguments): wrong arguments exit 2 with the usage, a Failure
    exits 1 with one line naming the file."""
    arguments = sys.argv[1:]
    problem = check_arguments(arguments)
    if problem is not None:
        print(f"{name}: {problem}\n{usage}" if problem else usage, file=sys.stderr, end="")
        sys.exit(2)
    try:
        body(arguments)
    except BrokenPipeError:  # a reader such as head(1) has what it wanted
        os._exit(0)
    except (Failure, OSError) as error:
        sys.exit(f"{name}: {error}")
    except subprocess.CalledProcessError as error:  # it said why on its own stderr
        sys.exit(f"{name}: {' '.join(map(str, error.cmd))} failed (exit code {error.returncode})")
