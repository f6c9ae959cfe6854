"""Drivers of real gdb for heapscope's gdb front tests: batch runs split per command, and a gdb
MI session driven the way VS Code's C/C++ extension (cppdbg, MIEngine) drives it -- setup
commands starting with '-' are sent as MI commands, others wrapped in
`-interpreter-exec console "..."`, and console-stream output (~"...") is collected.

When libheapscope.so was built with AddressSanitizer, the Python-plugin tests skip for the
listed platform reason asan-gdb (tests/skip_reasons.txt: gdb hangs at start with libasan
preloaded); heapscope-nopython.gdb needs no preload and runs in both builds."""

import functools
import json
import os
import re
import selectors
import shutil
import subprocess
import tempfile
import time

import hstest

GDB = shutil.which("gdb")
GDBSERVER = shutil.which("gdbserver")
PLUGIN = os.path.join(hstest.BUILD_DIR, "heapscope.gdb")
NOPYTHON = os.path.join(hstest.BUILD_DIR, "heapscope-nopython.gdb")
LIBRARY = os.path.join(hstest.BUILD_DIR, "libheapscope.so")


@functools.lru_cache(maxsize=None)
def has_python(gdb=None):
    p = subprocess.run([gdb or GDB, "-nx", "-batch", "-ex", "python print(6*7)"],
                       capture_output=True, text=True, timeout=60)
    return p.stdout.strip() == "42"


def missing(python=True):
    """Why the gdb tests cannot run here, or None. python=False: for heapscope-nopython.gdb."""
    if not GDB:
        return "gdb is not installed"
    script = PLUGIN if python else NOPYTHON
    if not os.path.exists(script) or (python and not os.path.exists(LIBRARY)):
        return "%s or the library is missing (build first)" % script
    if python and not has_python():
        return "%s has no Python (gdb-minimal?): see test_gdb_nopython" % GDB
    if python:
        return asan_problem()
    return None


@functools.lru_cache(maxsize=None)
def asan_problem():
    """Why gdb cannot run with the sanitizer build's libasan preloaded, or None. The answer is
    kept in the build tree so that each test script does not wait for a hanging gdb again."""
    if not _asan_runtime():
        return None
    cache = os.path.join(hstest.BUILD_DIR, "gdb-asan-skip.txt")
    if os.path.exists(cache) and os.path.getmtime(cache) > os.path.getmtime(LIBRARY):
        with open(cache) as f:
            return f.read().strip() or None
    try:
        p = subprocess.run([GDB, "-nx", "-batch", "-ex", "echo ok\\n"], capture_output=True,
                           text=True, timeout=15, env=gdb_env(), stdin=subprocess.DEVNULL)
        why = None if p.stdout.strip() == "ok" else "exited %d: %s" % (p.returncode, p.stderr[-300:])
    except subprocess.TimeoutExpired:
        why = "hangs at start-up (libasan initialised inside a constructor's newlocale())"
    why = hstest.census.platform("asan-gdb", "%s is an AddressSanitizer build (gdb with LD_PRELOAD=%s "
                                 "%s); the gdb plugin tests run in the normal build"
                                 % (LIBRARY, _asan_runtime(), why or "starts, but the plugin "
                                    "tests are kept to the normal build"))
    with open(cache, "w") as f:
        f.write(why or "")
    return why


@functools.lru_cache(maxsize=None)
def _asan_runtime():
    if not os.path.exists(LIBRARY):
        return None
    p = subprocess.run(["ldd", LIBRARY], capture_output=True, text=True)
    m = re.search(r"(libasan\.so[.\d]*) => (\S+)", p.stdout)
    return m.group(2) if m else None


def gdb_env(extra=None, plugin=True):
    """The environment for gdb; plugin=False: gdb will not load libheapscope.so."""
    env = dict(os.environ, **(extra or {}))
    asan = _asan_runtime() if plugin else None
    if asan:
        env["LD_PRELOAD"] = asan
        env["ASAN_OPTIONS"] = env.get("ASAN_OPTIONS", "") + ":detect_leaks=0"  # the last one wins
    return env


MARK = "@@heapscope-test %d %s@@"


class Batch:
    """`gdb -nx -batch ARGS -ex CMD...` with a marker echoed around every command, so each
    command's output (stdout and stderr, in order) can be looked at on its own."""

    def __init__(self, commands, args=(), timeout=300, gdb=None, source=PLUGIN, env=None):
        argv = [gdb or GDB, "-nx", "-batch", "-iex", "set auto-load python-scripts off"]
        argv += list(args)
        if source:
            argv += ["-ex", "source " + source]
        for i, c in enumerate(commands):
            argv += ["-ex", "echo \\n%s\\n" % (MARK % (i, "begin")), "-ex", c,
                     "-ex", "echo \\n%s\\n" % (MARK % (i, "end"))]
        started = time.monotonic()
        env = env or gdb_env(plugin=source != NOPYTHON)
        p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           stdin=subprocess.DEVNULL, timeout=timeout, env=env)
        self.seconds = time.monotonic() - started
        self.status, self.text = p.returncode, p.stdout.decode("utf-8", "replace")
        self.commands = list(commands)

    def out(self, i):
        """What command i printed (stdout and stderr)."""
        b, e = MARK % (i, "begin"), MARK % (i, "end")
        if b not in self.text or e not in self.text:
            raise AssertionError("gdb never finished command %r:\n%s" % (self.commands[i], self.text[-4000:]))
        return self.text.split(b + "\n", 1)[1].split("\n" + e, 1)[0]

    def json(self, i):
        text = self.out(i)
        start = text.find('{"command"')
        if start < 0:
            raise AssertionError("no JSON from %r:\n%s" % (self.commands[i], text[-3000:]))
        return json.JSONDecoder().raw_decode(text[start:])[0]


def c_string(s, i):
    """Decodes the MI c-string starting at s[i] == '"'; returns (bytes, index after it)."""
    assert s[i] == '"', s[i:i + 20]
    out, i = bytearray(), i + 1
    simple = {"n": 10, "t": 9, "r": 13, '"': 34, "\\": 92, "a": 7, "b": 8, "f": 12, "v": 11, "e": 27}
    while s[i] != '"':
        ch = s[i]
        if ch != "\\":
            out += ch.encode("utf-8")
            i += 1
            continue
        nxt = s[i + 1]
        if nxt in "01234567":
            j = i + 1
            while j < i + 4 and s[j] in "01234567":
                j += 1
            out.append(int(s[i + 1:j], 8) & 0xFF)
            i = j
        else:
            out.append(simple.get(nxt, ord(nxt)))
            i += 2
    return bytes(out), i + 1


def mi_quote(text):
    """MIEngine's Escape(): a console command inside -interpreter-exec console "..."."""
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


class Reply:
    def __init__(self, cls, rest, console, log):
        self.cls, self.rest, self.console, self.log = cls, rest, console, log

    @property
    def msg(self):
        m = re.search(r'msg="', self.rest)
        return c_string(self.rest, m.end() - 1)[0].decode("utf-8", "replace") if m else ""


class MI:
    """gdb --interpreter=mi, one command at a time."""

    def __init__(self, args=(), env=None):
        self._err = tempfile.TemporaryFile()
        self.proc = subprocess.Popen([GDB, "--interpreter=mi", "-nx", "-q"] + list(args),
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self._err, env=env or gdb_env())
        self._buf, self._token = b"", 100
        self.records = []  # every line read, for failure messages
        self._read_until(lambda line: line.startswith("(gdb)"), 60)

    def _lines(self, timeout):
        deadline = time.monotonic() + timeout
        sel = selectors.DefaultSelector()
        sel.register(self.proc.stdout, selectors.EVENT_READ)
        try:
            while True:
                while b"\n" in self._buf:
                    line, self._buf = self._buf.split(b"\n", 1)
                    yield line.decode("utf-8", "replace").rstrip("\r")
                left = deadline - time.monotonic()
                if left <= 0 or not sel.select(left):
                    raise TimeoutError("gdb MI: no answer within %.0fs; last lines:\n%s"
                                       % (timeout, "\n".join(self.records[-30:])))
                chunk = os.read(self.proc.stdout.fileno(), 1 << 16)
                if not chunk:
                    raise EOFError("gdb exited (status %s); last lines:\n%s"
                                   % (self.proc.wait(), "\n".join(self.records[-30:])))
                self._buf += chunk
        finally:
            sel.close()

    def _read_until(self, stop, timeout):
        console, log = [], []
        for line in self._lines(timeout):
            self.records.append(line)
            if line.startswith("~"):
                console.append(c_string(line, 1)[0])
            elif line.startswith("&"):
                log.append(c_string(line, 1)[0])
            if stop(line):
                return line, b"".join(console).decode("utf-8", "replace"), b"".join(log).decode("utf-8", "replace")

    def send(self, command):
        """Sends an MI command (starting with '-'); returns its Reply once its result record
        (^done, ^running, ^error, ...) arrived."""
        return self.start(command).wait()

    def start(self, command, timeout=600):
        self._token += 1
        token = str(self._token)
        self.proc.stdin.write(("%s%s\n" % (token, command)).encode())
        self.proc.stdin.flush()
        return _Pending(self, token, timeout)

    def console(self, text, timeout=600):
        return self.start('-interpreter-exec console "%s"' % mi_quote(text), timeout).wait()

    def setup_command(self, text):
        """One cppdbg setupCommands entry, sent as MIEngine sends it."""
        return self.send(text) if text.strip().startswith("-") else self.console(text.strip())

    def close(self):
        if self.proc.poll() is None:
            try:
                self.proc.stdin.write(b"-gdb-exit\n")
                self.proc.stdin.flush()
                self.proc.wait(timeout=30)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait()
        self.proc.stdout.close()
        self.proc.stdin.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


class _Pending:
    def __init__(self, mi, token, timeout):
        self.mi, self.token, self.timeout = mi, token, timeout

    def wait(self):
        line, console, log = self.mi._read_until(lambda l: re.match(r"%s\^" % self.token, l), self.timeout)
        m = re.match(r"%s\^(\w+),?(.*)" % self.token, line)
        return Reply(m.group(1), m.group(2), console, log)


def first_json(text):
    start = text.find('{"command"')
    if start < 0:
        raise AssertionError("no JSON object in:\n%s" % text[-3000:])
    return json.JSONDecoder().raw_decode(text[start:])[0]


def free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class GdbServer:
    """gdbserver --attach on loopback to a running program; stops when gdb detaches."""

    def __init__(self, pid, tries=5):
        for _ in range(tries):
            self.port = free_port()
            self._out = tempfile.TemporaryFile()
            self.proc = subprocess.Popen([GDBSERVER, "--attach", "127.0.0.1:%d" % self.port, str(pid)],
                                         stdin=subprocess.DEVNULL, stdout=self._out, stderr=subprocess.STDOUT)
            if self._listening(10):
                return
            self.stop()
        raise AssertionError("gdbserver never listened: %s" % self.output())

    def _listening(self, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if "Listening on port" in self.output():
                return True
            if self.proc.poll() is not None:
                return False
            time.sleep(0.05)
        return False

    def output(self):
        self._out.seek(0)
        return self._out.read().decode("utf-8", "replace")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
        return False
