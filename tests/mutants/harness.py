"""./workshop mutants [--ci] [--list] [--catalogue FILE] [NAME...]: does the suite catch bugs?

Each mutant of catalogue.py is one plausible bug, given as a snippet of a file
and what it becomes, so it survives moves and edits of the code around it. The
harness applies them one at a time to a copy of the project's tracked files
(build/mutants/src; the working tree is never touched), rebuilds that copy
incrementally, and runs the labels that should catch the bug. A mutant is
killed when a test fails (the first such test is named) and survives when all
pass. A mutant marked equivalent is not run: its reason says why no test can
tell it from the original.

  --ci     only the mutants marked for CI (about ten minutes on two cores)
  --list   the catalogue, without running anything
  --catalogue FILE
           the mutants of FILE (a Python file with a list MUTANTS of the same
           Mutant fields) instead, such as mutants written apart from the suite
  NAME...  only the mutants whose name contains one of these

The whole catalogue writes its score to docs/mutants.md. The exit code is 1
if a mutant survived, did not apply or did not build.
"""
import importlib.util
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "common" / "tools"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import toolkit  # noqa: E402
from catalogue import MUTANTS  # noqa: E402

COPY = Path("build/mutants/src")
USAGE = "usage: ./workshop mutants [--ci] [--list] [--catalogue FILE] [NAME...]\n"


def build(log):
    """Builds the copy (configured with the default preset): whether it built."""
    with open(log, "w") as out:
        if not (COPY / "build/default/CMakeCache.txt").exists():
            subprocess.run(["cmake", "--preset", "default"], cwd=COPY, stdout=out, stderr=out, check=True)
        return subprocess.run(["cmake", "--build", "--preset", "default"], cwd=COPY, stdout=out,
                              stderr=out).returncode == 0


def first_failure(output):
    """The first test ctest reports as failed, or a line saying why ctest stopped."""
    failed = re.findall(r"^\s*\d+ - (.*) \((?:Failed|Timeout|SEGFAULT|Subprocess aborted|Exception|[A-Za-z ]+)\)$",
                        output, re.M)
    return failed[0] if failed else (output.strip().splitlines() or ["ctest failed"])[-1]


def try_mutant(mutant, logs):
    """Applies mutant to the copy, builds and tests it, and puts the file back:
    ("killed", test), ("survived", labels), or ("error", why)."""
    path = COPY / mutant.file
    original = (ROOT / mutant.file).read_text()
    if original.count(mutant.find) != 1:
        return "error", (f"its snippet is in {mutant.file} {original.count(mutant.find)} times, not once: the "
                         "catalogue needs updating")
    path.write_text(original.replace(mutant.find, mutant.replace))
    try:
        if not build(logs / f"{mutant.slug}.build.log"):
            return "error", f"it does not build ({logs / f'{mutant.slug}.build.log'}): fix its replacement"
        labels = "|".join(mutant.labels)
        done = subprocess.run(["ctest", "--preset", "default", "-j", str(os.cpu_count() or 2), "-L", f"^({labels})$",
                               "--stop-on-failure", "--output-on-failure"], cwd=COPY, capture_output=True, text=True)
        (logs / f"{mutant.slug}.ctest.log").write_text(done.stdout + done.stderr)
        if done.returncode == 0:
            return "survived", f"every test labelled {', '.join(mutant.labels)} passed"
        return "killed", first_failure(done.stdout)
    finally:
        path.write_text(original)


def report(results, seconds, source="tests/mutants/catalogue.py"):
    run = [r for r in results if r[1] != "equivalent"]
    killed = sum(1 for _, outcome, _ in run if outcome == "killed")
    lines = ["# Mutation testing\n\n", f"`./workshop mutants` on {time.strftime('%Y-%m-%d')}: {killed} of {len(run)} "
             f"mutants killed ({killed / max(len(run), 1):.0%}), {len(results) - len(run)} equivalent, in "
             f"{seconds / 60:.0f} min. Each mutant is one plausible bug from {source}, applied "
             "alone to a copy of the project; the tests of its labels run against it.\n\n",
             "| mutant | file | outcome |\n|---|---|---|\n"]
    for mutant, outcome, detail in results:
        lines.append(f"| {mutant.name} | `{mutant.file}` | {outcome}: {detail.replace('|', '/')} |\n")
    return "".join(lines)


def load_catalogue(path):
    """The list MUTANTS of the Python file at path."""
    spec = importlib.util.spec_from_file_location("other_catalogue", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.MUTANTS


def split_catalogue(arguments):
    """The path given with --catalogue (None without one), and the other arguments."""
    if "--catalogue" not in arguments:
        return None, arguments
    at = arguments.index("--catalogue")
    return (arguments[at + 1] if at + 1 < len(arguments) else ""), arguments[:at] + arguments[at + 2:]


def main(arguments):
    catalogue, arguments = split_catalogue(arguments)
    catalogue = Path(catalogue).resolve() if catalogue is not None else None
    mutants = load_catalogue(catalogue) if catalogue else MUTANTS
    os.chdir(ROOT)
    names = [a for a in arguments if not a.startswith("--")]
    chosen = [m for m in mutants if (not names or any(n in m.name for n in names)) and
              ("--ci" not in arguments or m.ci)]
    if "--list" in arguments:
        for m in chosen:
            print(f"{m.name}  [{m.file}; {', '.join(m.labels)}{'; ci' if m.ci else ''}]" +
                  (f"  equivalent: {m.equivalent}" if m.equivalent else ""))
        return
    if not chosen:
        raise toolkit.Failure("mutants", f"no mutant's name contains {' or '.join(names)} (--list shows them)")
    start, logs = time.monotonic(), Path("build/mutants/logs")
    logs.mkdir(parents=True, exist_ok=True)
    toolkit.say(f"copying the project to {COPY} and building it")
    toolkit.copy_tracked(COPY)
    if not build(logs / "original.build.log"):
        raise toolkit.Failure(logs / "original.build.log", "the project itself does not build")
    results = []
    for number, mutant in enumerate(chosen, 1):
        if mutant.equivalent:
            results.append((mutant, "equivalent", mutant.equivalent))
            continue
        toolkit.say(f"[{number}/{len(chosen)}] {mutant.name}")
        outcome, detail = try_mutant(mutant, logs)
        results.append((mutant, outcome, detail))
        print(f"    {outcome.upper()}: {detail}", flush=True)
    text = report(results, time.monotonic() - start, *([str(catalogue)] if catalogue else []))
    whole = catalogue is None and len(chosen) == len(MUTANTS)
    toolkit.write_all({"build/mutants/report.md": text, **({"docs/mutants.md": text} if whole else {})})
    bad = [r for r in results if r[1] in ("survived", "error")]
    run = [r for r in results if r[1] != "equivalent"]
    print(f"mutants: {len(run) - len(bad)} of {len(run)} killed, {len(results) - len(run)} equivalent"
          + (f"; not killed: {', '.join(m.name for m, _, _ in bad)}" if bad else ""))
    if bad:
        sys.exit(1)


def check_arguments(arguments):
    """What is wrong with the command line, or None."""
    catalogue, arguments = split_catalogue(arguments)
    if catalogue is not None and not Path(catalogue).is_file():
        return "--catalogue needs a Python file of mutants"
    return next((f"unknown option {a}" for a in arguments if a.startswith("--") and a not in ("--ci", "--list")),
                None)


if __name__ == "__main__":
    toolkit.run("mutants", USAGE, check_arguments, main)
