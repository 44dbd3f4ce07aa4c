# What the workshop driver and its tools share: the stages, a stage given by
# number or name, progress lines, the number of cores. Sourced, not run.

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
