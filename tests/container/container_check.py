"""./workshop container-check: the dev container (.devcontainer/) built and
used without a container runtime, as nearly as chroot allows.

1. A root file system of Debian 12 from Debian's packages (debootstrap
   --variant=minbase bookworm), in build/container/rootfs.
2. The steps of .devcontainer/Dockerfile, read from it: COPY copies from the
   build context (devcontainer.json's) into the root file system, RUN runs
   under chroot with /bin/sh -c as the USER so far. Any other instruction
   stops the check, since it would go untested.
3. The repository where Dev Containers puts it (/workspaces/NAME: a clone,
   with the working tree's changes), owned by devcontainer.json's
   remoteUser; as that user, its onCreateCommand, updateContentCommand and
   postCreateCommand (those it has), then the two commands at the top of
   README.md.

Each step says how long it took; everything the steps print goes to
build/container/log. It needs root (debootstrap, chroot, mount), and makes its
mounts in a mount namespace of its own (unshare), so that they end with it.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "common" / "tools"))
import toolkit  # noqa: E402

USAGE = "usage: ./workshop container-check [--mirror URL]   (as root)\n"
SUITES = {"debian:bookworm": "bookworm", "debian:12": "bookworm"}
WORK = Path("build/container")
ROOT = WORK / "rootfs"
LOG = WORK / "log"
PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def instructions(dockerfile):
    """(line number, INSTRUCTION, arguments) of each instruction, with the
    continued lines joined and the comments left out."""
    pending, start = "", 0
    for number, line in enumerate(toolkit.read_text(dockerfile).splitlines(), 1):
        if not pending and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if pending and line.lstrip().startswith("#"):
            continue
        start = start or number
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        text = (pending + line).strip()
        pending = ""
        word, _, arguments = text.partition(" ")
        yield start, word.upper(), arguments.strip()
        start = 0
    if pending:
        raise toolkit.Failure(dockerfile, "ends inside a continued line")


def readme_commands(readme):
    """The commands of the first ```sh block of the README: its two commands."""
    block = re.search(r"```sh\n(.*?)```", toolkit.read_text(readme), re.S)
    commands = [line.split("#")[0].strip() for line in block.group(1).splitlines()] if block else []
    commands = [command for command in commands if command]
    if len(commands) != 2:
        raise toolkit.Failure(readme, f"its first ```sh block has {len(commands)} commands, not the two")
    return commands


class Chroot:
    def __init__(self, log):
        self.log = log

    def step(self, what, command, **options):
        toolkit.say(what)
        began = time.monotonic()
        print(f"\n==> {what}\n$ {' '.join(command)}", file=self.log, flush=True)
        done = subprocess.run(command, stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                              **options)
        seconds = time.monotonic() - began
        if done.returncode != 0:
            self.log.flush()
            tail = LOG.read_text(errors="replace").splitlines()[-40:]
            print("\n".join(tail), file=sys.stderr)
            raise toolkit.Failure(what, f"failed (exit code {done.returncode}) after {seconds:.0f} s; "
                                        f"the whole output is in {LOG}")
        toolkit.say(f"    {seconds:.0f} s")
        return seconds

    def run(self, what, user, script, directory="/"):
        """script run with /bin/sh -c as user, in directory, with an
        environment as clean as a container's."""
        uid, gid, home = account(user)
        environment = [f"HOME={home}", f"USER={user}", f"LOGNAME={user}", f"PATH={PATH}", "LANG=C.UTF-8",
                       "TERM=dumb", "DEBIAN_FRONTEND=noninteractive"]
        return self.step(what, ["chroot", f"--userspec={uid}:{gid}", str(ROOT), "/usr/bin/env", "-i", *environment,
                                "/bin/sh", "-c", f"cd {directory} && {script}"])


def account(user):
    """(uid, gid, home) of user in the root file system's /etc/passwd."""
    for line in (ROOT / "etc/passwd").read_text().splitlines():
        fields = line.split(":")
        if fields[0] == user:
            return int(fields[2]), int(fields[3]), fields[5]
    raise toolkit.Failure(ROOT / "etc/passwd", f"has no user {user}")


def mounted_below(directory):
    target = str(directory.resolve())
    with open("/proc/self/mounts") as mounts:
        return [line.split()[1] for line in mounts if line.split()[1].startswith(target)]


def plan(dockerfile):
    """The Debian suite the Dockerfile starts from, and its steps after FROM;
    a Failure for anything container-check cannot do as Docker would."""
    steps = list(instructions(dockerfile))
    if not steps or steps[0][1] != "FROM" or steps[0][2] not in SUITES:
        raise toolkit.Failure(dockerfile, f"does not start FROM one of {', '.join(SUITES)}, "
                                          "which debootstrap can make")
    for number, word, argument in steps[1:]:
        if word not in ("COPY", "RUN", "USER"):
            raise toolkit.Failure(dockerfile, f"line {number}: {word} is not a step container-check knows "
                                              "(COPY, RUN, USER): teach it (tests/container/container_check.py)")
        if word == "COPY" and (argument.startswith("--") or len(argument.split()) < 2):
            raise toolkit.Failure(dockerfile, f"line {number}: COPY takes SOURCE... DESTINATION here, no options")
    return SUITES[steps[0][2]], steps[1:]


def check(arguments):
    mirror = arguments[1] if arguments else "http://deb.debian.org/debian"
    devcontainer = json.loads(toolkit.read_text(".devcontainer/devcontainer.json"))
    context = (Path(".devcontainer") / devcontainer["build"].get("context", ".")).resolve()
    dockerfile = Path(".devcontainer") / devcontainer["build"]["dockerfile"]
    suite, steps = plan(dockerfile)
    commands = readme_commands("README.md")
    if mounted_below(WORK):
        raise toolkit.Failure(WORK, "still has file systems mounted below it: " + ", ".join(mounted_below(WORK)))
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    total = time.monotonic()
    with open(LOG, "w") as log:
        chroot = Chroot(log)
        chroot.step(f"a Debian root file system: debootstrap --variant=minbase {suite} ({mirror})",
                    ["debootstrap", "--variant=minbase", suite, str(ROOT), mirror])
        # What a container has: /proc, /sys, /dev, and the host's name servers.
        subprocess.run(["mount", "-t", "proc", "proc", ROOT / "proc"], check=True)
        subprocess.run(["mount", "-t", "sysfs", "sysfs", ROOT / "sys"], check=True)
        subprocess.run(["mount", "--rbind", "/dev", ROOT / "dev"], check=True)
        shutil.copyfile("/etc/resolv.conf", ROOT / "etc/resolv.conf")

        user = "root"
        for number, word, argument in steps:
            if word == "USER":
                user = argument
            elif word == "COPY":
                *sources, destination = argument.split()
                for source in sources:
                    target = ROOT / destination.lstrip("/")
                    if destination.endswith("/"):
                        target = target / Path(source).name
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(context / source, target)
                print(f"\n==> Dockerfile line {number}: COPY {argument}", file=log, flush=True)
            else:
                chroot.run(f"Dockerfile line {number}: RUN {argument[:60]}{'...' if len(argument) > 60 else ''}",
                           user, argument)

        # The repository, where Dev Containers mounts it, as the remote user owns it.
        remote_user = devcontainer.get("remoteUser", user)
        uid, gid, _ = account(remote_user)
        workspace = Path("/workspaces") / Path.cwd().name
        copy = ROOT / workspace.relative_to("/")
        subprocess.run(["git", "clone", "--quiet", "--no-hardlinks", ".", copy], check=True)
        toolkit.copy_tracked(copy)
        subprocess.run(["chown", "-R", f"{uid}:{gid}", ROOT / "workspaces"], check=True)
        # What Dev Containers runs once the container is made, in its order
        # (Codespaces runs the first two in its prebuilds, too).
        for key in ("onCreateCommand", "updateContentCommand", "postCreateCommand"):
            if key in devcontainer:
                chroot.run(f"{key}: {devcontainer[key]}", remote_user, devcontainer[key], workspace)
        for command in commands:
            chroot.run(f"README: {command}", remote_user, command, workspace)
    toolkit.say(f"container-check passed in {time.monotonic() - total:.0f} s: the image from "
                f"{dockerfile}, its commands and the README's two commands (log: {LOG})")


def main(arguments):
    if os.geteuid() != 0:
        raise toolkit.Failure("container-check", "needs root for debootstrap, chroot and mount: "
                                                 "sudo ./workshop container-check")
    if os.environ.get("CONTAINER_CHECK_NAMESPACE") != "1":
        # Again, in a mount namespace of its own: its mounts end with it.
        os.execvpe("unshare", ["unshare", "--mount", "--propagation", "private", sys.executable, __file__,
                               *arguments], {**os.environ, "CONTAINER_CHECK_NAMESPACE": "1"})
    check(arguments)


if __name__ == "__main__":
    toolkit.run("container-check", USAGE,
                lambda a: None if not a or (len(a) == 2 and a[0] == "--mirror") else f"unknown arguments: {' '.join(a)}",
                main)
