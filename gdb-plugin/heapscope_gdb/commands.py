"""commands.py - one gdb command per entry of core's command table (hs_command_name...), with
core's help text and option completion. A command hands the current inferior and its argv to
core and prints what comes back through gdb.write (so gdb's pager applies); a failure becomes a
gdb error, never a Python traceback."""

import os
import re
import time

import gdb

from . import corelib
from . import inferior
from .inferior import NO_TARGET, Target
from .interrupts import Watcher

# What the last command did, for `python print(heapscope_gdb.commands.LAST)` and the tests:
# target kind, seconds, and the memory reads that went through gdb.
LAST = {}

WHERE = ("\n\nIn gdb this acts on the current inferior: a stopped live process (attached, or run\n"
         "under gdb), a core file, or a remote target (gdbserver). Ctrl-C interrupts it.")


class Synopsis:
    """What completion needs from a command's help: option values (a metavar such as FILE or N,
    or choices such as type|site|size) from the synopsis line ("heap-top [--by type|site|size]
    [-n N] [--pprof FILE]") and the option lines ("  -n, --limit N   show at most..."), and
    whether positional arguments are taken ("snapshot-diff OLD NEW")."""

    def __init__(self, name, summary, help_text):
        self.metavar, self.choices, self.positional = {}, {}, False
        opt = None
        for tok in re.findall(r"[\[\]]|[^\s\[\]]+", summary[len(name):]):
            if tok in "[]":
                opt = None if tok == "]" else opt
            elif tok.startswith("-"):
                opt = [tok]
            elif opt:
                self._value(opt, tok)
                opt = None
            elif re.fullmatch(r"[A-Z][A-Z0-9_.]*", tok):
                self.positional = True
        for m in re.finditer(r"^\s+((?:-\w, )?--[\w-]+)(?: (\S+))?(?:\s\s|$)", help_text, re.M):
            if m.group(2):
                self._value(m.group(1).split(", "), m.group(2))

    def _value(self, names, value):
        for n in names:
            if re.fullmatch(r"[A-Z][A-Z0-9_]*", value):
                self.metavar[n] = value
            else:
                self.choices[n] = value.split("|")


def _write(text, stream=None):
    if not text:
        return
    if not text.endswith("\n"):
        text += "\n"
    try:
        gdb.write(text, gdb.STDOUT if stream is None else stream)
    except KeyboardInterrupt:
        pass  # the user quit the pager ("q")


def _progress_line(ctx, line):
    """The progress line of long work, on gdb's terminal: rewritten in place, as the CLI does."""
    try:
        os.write(2, b"\r" + line + b"\x1b[K")
    except OSError:
        pass


PROGRESS = corelib.PROGRESS_LINE(_progress_line)


def run(lib, argv):
    """Runs argv on the current inferior; prints the output; raises gdb.GdbError on failure."""
    name, started = argv[0], time.monotonic()
    with Watcher() as watcher:
        try:
            target = Target(watcher)
            status, out, err = lib.run(target.host, argv, watcher.callback,
                                       PROGRESS if os.isatty(2) else None)
        except KeyboardInterrupt:
            raise gdb.GdbError("%s: interrupted" % name) from None
    reader = target.reader
    LAST.clear()
    LAST.update(command=name, kind=target.kind, status=status,
                seconds=round(time.monotonic() - started, 3),
                reads=reader.calls if reader else 0, read_bytes=reader.bytes if reader else 0)
    if watcher.hit:
        raise gdb.GdbError("%s: interrupted" % name)
    if target.host is None and status == corelib.HS_USAGE and "no target" in err:
        raise gdb.GdbError("%s: %s" % (name, NO_TARGET))
    _write(out)
    if status != corelib.HS_OK:
        raise gdb.GdbError(err.strip() or "%s failed (status %d)" % (name, status))
    _write(err, gdb.STDERR)


class HeapscopeCommand(gdb.Command):
    def __init__(self, lib, name):
        self.lib, self.name = lib, name
        self.options = ["--" + o for o in lib.options(name)]
        self.synopsis = Synopsis(name, lib.summary(name) or name, lib.help(name))
        self.__doc__ = (lib.help(name).rstrip() or name) + WHERE
        super().__init__(name, gdb.COMMAND_USER)

    def invoke(self, arg, from_tty):
        self.dont_repeat()
        try:
            argv = [self.name] + gdb.string_to_argv(arg)
        except Exception as e:  # unbalanced quotes
            raise gdb.GdbError("%s: %s" % (self.name, e)) from None
        try:
            run(self.lib, argv)
        except (gdb.GdbError, KeyboardInterrupt):
            raise
        except gdb.error as e:
            if "while the target is running" in str(e):  # e.g. after `continue &` on gdbserver
                raise gdb.GdbError("%s: %s" % (self.name, inferior.RUNNING)) from None
            raise gdb.GdbError("%s: %s" % (self.name, e)) from None
        except Exception as e:  # a bug in this front: still no traceback at the user
            raise gdb.GdbError("%s: internal error in heapscope's gdb front: %s: %s"
                               % (self.name, type(e).__name__, e)) from None

    def complete(self, text, word):
        ends = not text or text[-1].isspace()
        toks = text.split()
        cur = "" if ends else toks[-1]
        prev = (toks[-1] if ends else toks[-2]) if len(toks) >= (1 if ends else 2) else None
        syn = self.synopsis
        if prev in syn.choices and not cur.startswith("-"):
            cands = [c for c in syn.choices[prev] if c.startswith(cur)]
        elif prev in syn.metavar and not cur.startswith("-"):
            return gdb.COMPLETE_FILENAME if "FILE" in syn.metavar[prev] else []
        elif cur.startswith("-") or not syn.positional:
            cands = [o for o in self.options if o.startswith(cur)]
        else:
            return gdb.COMPLETE_FILENAME
        # gdb breaks words at '-': hand back only the part after what gdb calls the word
        cut = len(cur) - len(cur if word is None else word)
        return [c[cut:] for c in cands]


class IndexCommand(gdb.Command):
    """List heapscope's gdb commands and the library they come from.

Usage: heapscope
Each command has its own help (help threads-blocked) and completes its options with TAB."""

    def __init__(self, lib):
        self.lib = lib
        super().__init__("heapscope", gdb.COMMAND_USER)

    def invoke(self, arg, from_tty):
        self.dont_repeat()
        if arg.strip() == "--check":  # heapscope.gdb's last line: the library loaded
            return
        lines = ["heapscope commands (library %s):" % self.lib.path]
        lines += ["  " + (self.lib.summary(n) or n) for n in self.lib.commands()]
        _write("\n".join(lines))


class Unavailable(gdb.Command):
    """heapscope could not be loaded: says why."""

    def __init__(self, why):
        self.why = why
        super().__init__("heapscope", gdb.COMMAND_USER)

    def invoke(self, arg, from_tty):
        raise gdb.GdbError("heapscope: %s" % self.why)


def register(lib):
    IndexCommand(lib)
    return [HeapscopeCommand(lib, name) for name in lib.commands()]
