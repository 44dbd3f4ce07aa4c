# What the workshop driver and its tools share: the stages, a stage given by
# number or name, progress lines, the number of cores, a time limit. Sourced,
# not run. Like every script here, written for bash 3.2 (macOS's) and the
# tools POSIX specifies: no mapfile, no GNU-only options.

stages=(stage1_threads stage2_mixed stage3_coroutines stage4_bottom_up stage5_nonblocking)

# program_binary DIR PROGRAM: the executable of a stage, or of a program
# beyond stage 5 (stage5_<variant>, built in beyond/<variant>/), in the build
# directory DIR.
program_binary() {
  case $2 in
    stage5_io_uring | stage5_task_group) echo "$1/beyond/${2#stage5_}/$2" ;;
    *) echo "$1/$2/$2" ;;
  esac
}

# programs_built DIR: every stage, one per line, and the programs beyond
# stage 5 that DIR has (the io_uring one is built where liburing is).
programs_built() {
  printf '%s\n' "${stages[@]}"
  local variant
  for variant in stage5_task_group stage5_io_uring; do
    if [ -x "$(program_binary "$1" $variant)" ]; then echo $variant; fi
  done
}

say() { printf '==> %s\n' "$*" >&2; }

# Debian's python3, which the tools run on (with its python3-matplotlib).
tools_python() { if [ -x /usr/bin/python3 ]; then echo /usr/bin/python3; else echo python3; fi; }

jobs() { getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2; }

# limited SECONDS COMMAND...: runs COMMAND; one that runs longer than SECONDS
# gets SIGTERM, and SIGKILL 5 s later if it goes on, and the exit is 124, as
# with GNU's timeout(1), which macOS does not have. A COMMAND killed by a
# signal exits 128 + the signal.
limited() {
  "$(tools_python)" -c '
import signal, subprocess, sys
child = subprocess.Popen(sys.argv[2:])
try:
    code = child.wait(timeout=float(sys.argv[1]))
except subprocess.TimeoutExpired:
    child.terminate()
    try:
        child.wait(timeout=5)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()
    code = 124
except KeyboardInterrupt:  # Ctrl-C reached the command too
    code = child.wait()
sys.exit(128 - code if code < 0 else code)
' "$@"
}

# absolute PATH: PATH from the root, symbolic links resolved (realpath(1) is
# not on every macOS).
absolute() { printf '%s/%s\n' "$(cd "$(dirname "$1")" && pwd -P)" "$(basename "$1")"; }

# A stage given as its number (3) or its directory name (stage3_coroutines).
stage_dir() {
  local s
  for s in "${stages[@]}"; do
    if [ "$1" = "$s" ] || [ "stage$1" = "${s%%_*}" ]; then
      echo "$s"
      return
    fi
  done
  echo "workshop: no stage '$1' (use 1-5 or a directory name: ${stages[*]})" >&2
  exit 2
}
