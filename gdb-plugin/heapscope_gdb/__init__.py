"""heapscope_gdb - heapscope's commands in gdb (heap-top, threads-blocked, snapshot,
snapshot-diff: whatever core's command table holds). Pure glue: loads libheapscope.so with
ctypes, hands core the current inferior and the command's argv, prints what comes back.
build/heapscope.gdb calls register(); see the gdb section of the README."""

import gdb

from . import commands, corelib

_registered = {}


def register(library_path):
    """Loads the library and adds the commands. When the library cannot be loaded, the
    `heapscope` command says why: heapscope.gdb ends with `heapscope --check`, so sourcing it
    fails with that message (and no Python traceback)."""
    try:
        lib = corelib.Library(library_path)
    except corelib.LoadError as e:
        commands.Unavailable(str(e))
        return False
    _registered["library"] = lib
    _registered["commands"] = commands.register(lib)
    return True
