"""heapscope_gdb - heapscope's commands in gdb (heap-top, threads-blocked, snapshot,
snapshot-diff: whatever core's command table holds). Pure glue: loads libheapscope.so with
ctypes, hands core the current inferior and the command's argv, prints what comes back.
build/heapscope.gdb calls register(); see gdb-plugin/README section in the top-level README."""

import gdb

from . import commands, corelib

_registered = {}


def register(library_path):
    """Loads the library and adds the commands; an error is printed, not raised, so a
    ~/.gdbinit that sources build/heapscope.gdb keeps working when the build is missing."""
    try:
        lib = corelib.Library(library_path)
    except corelib.LoadError as e:
        gdb.write("heapscope: %s\n" % e, gdb.STDERR)
        return False
    _registered["library"] = lib
    _registered["commands"] = commands.register(lib)
    return True
