"""interrupts.py - Ctrl-C during a command. gdb turns SIGINT into a KeyboardInterrupt raised in
the next Python code that runs; during a walk that is one of the callbacks core calls (the
`interrupted` poll, or the memory reader). Raised inside the callback's body it is caught there;
raised on entry to the callback it escapes to ctypes, which hands it to sys.unraisablehook, so
the watcher takes that hook for the duration of the command. Either way it is remembered, the
next poll answers 1, and core abandons the command."""

import sys

from . import corelib


class Watcher:
    def __init__(self):
        self.hit = False
        self.callback = corelib.INTERRUPTED(self._poll)
        self._old_hook = None

    def _poll(self, ctx):
        try:
            return 1 if self.hit else 0
        except KeyboardInterrupt:
            self.hit = True
            return 1

    def _hook(self, unraisable):
        if issubclass(unraisable.exc_type, KeyboardInterrupt):
            self.hit = True
        # anything else escaping a callback is already turned into an error by the callback;
        # never print a traceback at the user

    def __enter__(self):
        self._old_hook = sys.unraisablehook
        sys.unraisablehook = self._hook
        return self

    def __exit__(self, *exc):
        sys.unraisablehook = self._old_hook
        return False
