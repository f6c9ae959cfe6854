"""inferior.py - turns gdb's current inferior into a heapscope host target (corelib.HostTarget):

  native process (gdb -p PID, or a program run under gdb): its pid, so core reads
      /proc/PID/mem itself (gdb is the ptracer), plus the threads' registers as gdb has them;
  core file (gdb EXE CORE, core-file): the core's path and gdb's executable, read by core
      directly (threads come from the core);
  anything else (target remote to gdbserver, ...): memory through gdb
      (Inferior.read_memory; core asks for 64 KiB blocks and caches them) and gdb's threads.

Reading registers means selecting each thread; the user's thread and frame are selected again
afterwards. Nothing here looks at target memory itself."""

import ctypes as C
import os
import re

import gdb

from . import corelib

# Per architecture, the order the kernel writes registers in (heapscope.h): amd64
# struct user_regs_struct, arm64 struct user_pt_regs (gdb says cpsr for pstate).
REGISTERS = {
    "amd64": ("r15", "r14", "r13", "r12", "rbp", "rbx", "r11", "r10", "r9", "r8", "rax", "rcx",
              "rdx", "rsi", "rdi", "orig_rax", "rip", "cs", "eflags", "rsp", "ss", "fs_base",
              "gs_base", "ds", "es", "fs", "gs"),
    "arm64": tuple("x%d" % i for i in range(31)) + ("sp", "pc", "cpsr"),
}


def arch_of(frame):
    """heapscope's name of the frame's architecture ("amd64", "arm64"), or gdb's own name."""
    name = frame.architecture().name()
    if name.startswith("aarch64"):
        return "arm64"
    return "amd64" if name == "i386:x86-64" else name

# what HEAPSCOPE_SYSROOT said when gdb loaded the plugin: in force unless gdb's sysroot is set
ENV_SYSROOT = os.environ.get("HEAPSCOPE_SYSROOT")


def use_gdb_sysroot():
    """A core's libraries come from where gdb reads them: `set sysroot DIR` becomes the core's
    HEAPSCOPE_SYSROOT (gdb's default, "target:", means the paths as they are)."""
    try:
        root = gdb.parameter("sysroot") or ""
    except RuntimeError:
        root = ""
    if root and not root.startswith("target:") and root != "/" and os.path.isdir(root):
        os.environ["HEAPSCOPE_SYSROOT"] = os.path.abspath(root)
    elif ENV_SYSROOT is not None:
        os.environ["HEAPSCOPE_SYSROOT"] = ENV_SYSROOT
    else:
        os.environ.pop("HEAPSCOPE_SYSROOT", None)


NO_TARGET = ("gdb has no process or core to look at: attach (gdb -p PID, `attach PID`), run the "
             "program and stop it, open a core (gdb EXE CORE, `core-file CORE`) or connect "
             "(`target remote HOST:PORT`)")


def _kind(inf):
    """"native", "core", "remote" or None (no target), from the inferior's connection."""
    if hasattr(inf, "connection"):
        conn = inf.connection
        if conn is not None and conn.type == "core":
            return "core"
        if conn is None or not inf.pid:
            return None
        return "native" if conn.type == "native" else "remote"
    info = gdb.execute("info target", to_string=True)  # gdb before 12: no connection objects
    if "core dump file" in info:
        return "core"
    if not inf.pid:
        return None
    return "native" if "Native process" in info else "remote"


def core_filename(inf):
    """The core file gdb has open: from the Python API where this gdb has one, else from
    `info target` ("Local core dump file:" then "\t`PATH', file type ...")."""
    corefile = getattr(inf, "corefile", None)  # gdb 17
    if corefile is not None and getattr(corefile, "filename", None):
        return corefile.filename
    name = getattr(inf.progspace, "core_filename", None)
    if name:
        return name
    info = gdb.execute("info target", to_string=True)
    m = re.search(r"core dump file:\s*\n\s*`(.*)', file type", info)
    return m.group(1) if m else None


RUNNING = ("the program is running: stop it first (Ctrl-C; `interrupt` after `continue &`, "
           "`interrupt -a` in non-stop mode)")


def exe_filename(inf):
    """gdb's executable as a local path, or None (a `target:` file not on this machine)."""
    name = inf.progspace.filename
    if not name:
        return None
    if name.startswith("target:"):
        name = name[len("target:"):]
    return name if os.path.isfile(name) else None


def _register(frame, name):
    try:
        return int(frame.read_register(name)) & 0xFFFFFFFFFFFFFFFF
    except (gdb.error, ValueError):
        return 0  # not in this target's description, or unavailable


def _selection():
    thread = gdb.selected_thread()
    try:
        frame = gdb.selected_frame()
    except gdb.error:
        frame = None
    return thread, frame


def _restore(thread, frame):
    if thread is not None and thread.is_valid():
        thread.switch()
        if frame is not None and frame.is_valid():
            frame.select()


def threads(inf):
    """Every thread's id and registers as gdb has them (a ctypes array), and their
    architecture."""
    chosen = [t for t in inf.threads() if t.is_valid() and not t.is_exited()]
    running = [t.num for t in chosen if t.is_running()]
    if running:
        raise gdb.GdbError("thread %s of %s" % (running[0], RUNNING))
    arr = (corelib.HostThread * max(1, len(chosen)))()
    saved, arch = _selection(), "amd64"
    try:
        for i, t in enumerate(sorted(chosen, key=lambda t: t.num)):
            t.switch()
            frame = gdb.newest_frame()
            arch = arch_of(frame)
            arr[i].tid = t.ptid[1] or t.ptid[2] or t.ptid[0]
            for k, name in enumerate(REGISTERS.get(arch, ())):
                arr[i].regs[k] = _register(frame, name)
    finally:
        _restore(*saved)
    return arr, len(chosen), arch


class MemoryReader:
    """read_memory callback: copies target bytes through gdb. Never lets an exception out;
    a Ctrl-C during a read is recorded in the interrupt watcher."""

    def __init__(self, inf, watcher):
        self.inf, self.watcher = inf, watcher
        self.calls = self.bytes = 0
        self.callback = corelib.READ_MEMORY(self._read)

    def _read(self, ctx, addr, buf, n):
        try:
            self.calls += 1
            data = self.inf.read_memory(addr, n).tobytes()
            if len(data) != n:
                return -1
            C.memmove(buf, data, n)
            self.bytes += n
            return 0
        except KeyboardInterrupt:
            self.watcher.hit = True
            return -1
        except BaseException:  # gdb.MemoryError and anything else: the bytes are unreadable
            return -1


class Target:
    """The host target of the current inferior, with everything its C struct points to kept
    alive; target.host is None when gdb has nothing to look at (see NO_TARGET)."""

    def __init__(self, watcher):
        self.host, self.kind, self.reader, self._keep = None, None, None, []
        inf = gdb.selected_inferior()
        self.kind = _kind(inf)
        if self.kind is None:
            return
        h = corelib.HostTarget()
        h.interrupted = watcher.callback
        exe = exe_filename(inf)
        h.exe_path = self._c(exe)
        if self.kind == "core":
            self._core(inf, h, watcher)
        else:
            self._live(inf, h, watcher)
        self.host = h

    def _c(self, s):
        if s is None:
            return None
        b = s.encode()
        self._keep.append(b)
        return b

    def _core(self, inf, h, watcher):
        use_gdb_sysroot()
        path = core_filename(inf)
        if path and os.path.isfile(path):
            h.core_path = self._c(os.path.abspath(path))
        else:  # gdb has it but we cannot find it: read it through gdb like a remote target
            self.kind = "core-through-gdb"
            self._live(inf, h, watcher, native=False)

    def _live(self, inf, h, watcher, native=None):
        arr, n, arch = threads(inf)
        self._keep.append(arr)
        h.threads, h.nthreads = C.cast(arr, C.POINTER(corelib.HostThread)), n
        h.arch = self._c(arch)
        if native is None:
            native = self.kind == "native" and os.access("/proc/%d/mem" % inf.pid, os.R_OK)
        if native:
            h.pid = inf.pid
        else:
            if self.kind == "native":  # e.g. gdb in another pid namespace than the program
                self.kind = "native-through-gdb"
            self.reader = MemoryReader(inf, watcher)
            h.read_memory = self.reader.callback
            if not h.exe_path:
                raise gdb.GdbError("heapscope needs the program's executable on this machine: "
                                   "load it with `file PATH`")
