"""A small Debug Adapter Protocol client for the tests: starts a DAP server (Debian's
lldb-vscode-14, or a newer lldb-dap) as a child process, frames messages with Content-Length
headers over its stdin/stdout, and offers request/response and event waits.

    with dap.Client([dap.find_server()]) as c:
        c.initialize()
        c.request("attach", {"pid": 123, "initCommands": [...]})
        c.request("configurationDone")
        body = c.request("evaluate", {"expression": "`threads-blocked --json", "context": "repl"})

lldb-vscode 14 runs a REPL expression as an lldb command when it starts with a backtick (`);
the response body's "result" then holds "(lldb) COMMAND" and the command's output and error.
"""

import json
import os
import queue
import shutil
import subprocess
import tempfile
import threading
import time

SERVER_NAMES = ("lldb-dap", "lldb-vscode", "lldb-vscode-14", "lldb-dap-14")
SERVER_DIRS = ("/usr/lib/llvm-14/bin",)


class DapError(Exception):
    pass


def find_server():
    """Path of a DAP server for lldb, or None."""
    for name in SERVER_NAMES:
        path = shutil.which(name)
        if path:
            return path
    for d in SERVER_DIRS:
        for name in SERVER_NAMES:
            path = os.path.join(d, name)
            if os.access(path, os.X_OK):
                return path
    return None


class Client:
    """One DAP server process. events collects every event received, in order."""

    def __init__(self, argv, env=None, cwd=None):
        self._stderr = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self._stderr, env=env, cwd=cwd)
        self.seq = 0
        self.events = []
        self._inbox = queue.Queue()
        self._reader = threading.Thread(target=self._read_loop, daemon=True)
        self._reader.start()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    # ---- framing

    def _read_message(self, f):
        length = None
        while True:
            line = f.readline()
            if not line:
                return None
            line = line.strip()
            if not line:
                break
            name, _, value = line.decode("ascii", "replace").partition(":")
            if name.strip().lower() == "content-length":
                length = int(value.strip())
        if length is None:
            raise DapError("DAP message without Content-Length")
        body = f.read(length)
        if len(body) != length:
            return None
        return json.loads(body.decode("utf-8"))

    def _read_loop(self):
        try:
            while True:
                msg = self._read_message(self.proc.stdout)
                if msg is None:
                    break
                self._inbox.put(msg)
        except Exception as e:  # handed to whoever waits next
            self._inbox.put(e)
        self._inbox.put(None)

    def send(self, message):
        data = json.dumps(message).encode("utf-8")
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(data) + data)
        self.proc.stdin.flush()

    def _next(self, deadline):
        left = deadline - time.monotonic()
        if left <= 0:
            raise DapError("timed out waiting for the DAP server; stderr: %s" % self.stderr_text()[-2000:])
        try:
            msg = self._inbox.get(timeout=left)
        except queue.Empty:
            raise DapError("timed out waiting for the DAP server; stderr: %s"
                           % self.stderr_text()[-2000:]) from None
        if msg is None:
            self._inbox.put(None)
            raise DapError("the DAP server closed its output (exit status %s); stderr: %s"
                           % (self.proc.poll(), self.stderr_text()[-2000:]))
        if isinstance(msg, Exception):
            raise DapError("reading from the DAP server: %s" % msg)
        if msg.get("type") == "event":
            self.events.append(msg)
        return msg

    # ---- requests and events

    def request(self, command, arguments=None, timeout=120, check=True):
        """Sends a request and returns its response (the whole message); with check, a response
        with success false raises DapError."""
        self.seq += 1
        seq = self.seq
        msg = {"seq": seq, "type": "request", "command": command}
        if arguments is not None:
            msg["arguments"] = arguments
        self.send(msg)
        deadline = time.monotonic() + timeout
        while True:
            m = self._next(deadline)
            if m.get("type") == "response" and m.get("request_seq") == seq:
                if check and not m.get("success"):
                    raise DapError("%s failed: %s" % (command, json.dumps(m)[:2000]))
                return m

    def wait_event(self, name, timeout=60, seen_ok=True, since=None):
        """The first event called name (one already received counts when seen_ok; with since,
        only one received after the first `since` events counts: one that came while waiting for
        the response of the request sent after them)."""
        if seen_ok or since is not None:
            for e in self.events[since or 0:]:
                if e.get("event") == name:
                    return e
        deadline = time.monotonic() + timeout
        while True:
            m = self._next(deadline)
            if m.get("type") == "event" and m.get("event") == name:
                return m

    def initialize(self):
        return self.request("initialize", {"clientID": "heapscope-tests", "adapterID": "lldb",
                                           "linesStartAt1": True, "columnsStartAt1": True,
                                           "pathFormat": "path"})

    def output_text(self):
        """Everything the server sent as output events so far."""
        return "".join(e.get("body", {}).get("output", "") for e in self.events
                       if e.get("event") == "output")

    def stderr_text(self):
        self._stderr.seek(0)
        return self._stderr.read().decode("utf-8", "replace")

    def close(self, timeout=30):
        """Disconnects (detaching, never killing the debuggee) and ends the server."""
        if self.proc.poll() is None:
            try:
                self.request("disconnect", {"terminateDebuggee": False}, timeout=timeout, check=False)
            except (DapError, OSError):
                pass
            try:
                self.proc.stdin.close()
            except OSError:
                pass
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._stderr.close()
