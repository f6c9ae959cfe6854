"""corelib.py - ctypes bindings of core/include/heapscope/heapscope.h, the only API the gdb
front uses: load libheapscope.so, list the commands, and run one command on a host target."""

import ctypes as C
import os

NREGS = 34  # HS_HOST_NREGS
HS_OK, HS_FAIL, HS_USAGE = 0, 1, 2

READ_MEMORY = C.CFUNCTYPE(C.c_int, C.c_void_p, C.c_uint64, C.c_void_p, C.c_size_t)
INTERRUPTED = C.CFUNCTYPE(C.c_int, C.c_void_p)
PROGRESS_LINE = C.CFUNCTYPE(None, C.c_void_p, C.c_char_p)


class HostThread(C.Structure):
    _fields_ = [("tid", C.c_int32), ("regs", C.c_uint64 * NREGS)]


class HostTarget(C.Structure):
    _fields_ = [("pid", C.c_int), ("core_path", C.c_char_p), ("exe_path", C.c_char_p),
                ("threads", C.POINTER(HostThread)), ("nthreads", C.c_size_t),
                ("read_memory", READ_MEMORY), ("interrupted", INTERRUPTED), ("ctx", C.c_void_p),
                ("arch", C.c_char_p)]


class Result(C.Structure):
    _fields_ = [("status", C.c_int), ("out", C.c_void_p), ("err", C.c_void_p)]


class LoadError(Exception):
    pass


def _needs_absent_asan(path):
    """A library built with AddressSanitizer loads only when the ASan runtime came first
    (LD_PRELOAD); otherwise dlopen would abort gdb, so look before loading."""
    if not _built_with_asan(path):
        return False
    with open("/proc/self/maps") as f:
        return "libasan.so" not in f.read()


ASAN_HINT = ("%s was built with AddressSanitizer (-DHEAPSCOPE_SANITIZE=ON): start gdb with "
             "LD_PRELOAD=$(gcc -print-file-name=libasan.so) ASAN_OPTIONS=detect_leaks=0, or use "
             "a build without sanitizers")


def _declare(lib):
    sig = {
        "hs_session_new": (C.c_void_p, []),
        "hs_session_free": (None, [C.c_void_p]),
        "hs_session_open_host": (C.c_int, [C.c_void_p, C.POINTER(HostTarget), C.c_char_p, C.c_size_t]),
        "hs_session_set_interrupt": (None, [C.c_void_p, INTERRUPTED, C.c_void_p]),
        "hs_session_set_progress_line": (None, [C.c_void_p, PROGRESS_LINE, C.c_void_p]),
        "hs_session_run": (Result, [C.c_void_p, C.c_int, C.POINTER(C.c_char_p)]),
        "hs_result_free": (None, [C.POINTER(Result)]),
        "hs_command_count": (C.c_size_t, []),
        "hs_command_name": (C.c_char_p, [C.c_size_t]),
        "hs_command_summary": (C.c_char_p, [C.c_char_p]),
        "hs_command_help": (C.c_char_p, [C.c_char_p]),
        "hs_command_option": (C.c_char_p, [C.c_char_p, C.c_size_t]),
    }
    for name, (res, args) in sig.items():
        fn = getattr(lib, name)
        fn.restype, fn.argtypes = res, args


def _text(ptr):
    return C.string_at(ptr).decode("utf-8", "replace") if ptr else ""


def _built_with_asan(path):
    with open(path, "rb") as f:
        return b"libasan.so" in f.read()


class Library:
    """libheapscope.so, loaded once per gdb."""

    def __init__(self, path):
        self.path = path
        if not os.path.exists(path):
            raise LoadError("%s does not exist (build it with `cmake --build build`)" % path)
        if _needs_absent_asan(path):
            raise LoadError(ASAN_HINT % path)
        try:
            # RTLD_LOCAL without RTLD_DEEPBIND (which AddressSanitizer refuses): the libdwarf inside is
            # hidden, so the libdw gdb links cannot shadow its dwarf_* functions (CMakeLists.txt)
            self.lib = C.CDLL(path, mode=C.RTLD_LOCAL)
        except OSError as e:
            raise LoadError("cannot load %s: %s (rebuild it with `cmake --build build`)" % (path, e))
        _declare(self.lib)

    def commands(self):
        n = self.lib.hs_command_count()
        return [self.lib.hs_command_name(i).decode() for i in range(n)]

    def summary(self, name):
        return (self.lib.hs_command_summary(name.encode()) or b"").decode()

    def help(self, name):
        return (self.lib.hs_command_help(name.encode()) or b"").decode()

    def options(self, name):
        out, i = [], 0
        while True:
            o = self.lib.hs_command_option(name.encode(), i)
            if o is None:
                return out
            out.append(o.decode())
            i += 1

    def run(self, host, argv, interrupted, progress=None):
        """Runs argv[0] on host (a HostTarget, or None for no target), telling progress (a
        PROGRESS_LINE, or None) how far long work has got. Returns (status, out, err); a target
        that cannot be opened gives (HS_FAIL, "", message)."""
        s = self.lib.hs_session_new()
        if not s:
            return HS_FAIL, "", "heapscope: out of memory"
        try:
            self.lib.hs_session_set_interrupt(s, interrupted, None)
            if progress is not None:
                self.lib.hs_session_set_progress_line(s, progress, None)
            if host is not None:
                buf = C.create_string_buffer(2048)
                if self.lib.hs_session_open_host(s, C.byref(host), buf, len(buf)) < 0:
                    return HS_FAIL, "", "%s: %s" % (argv[0], buf.value.decode("utf-8", "replace"))
            args = (C.c_char_p * (len(argv) + 1))(*[a.encode() for a in argv], None)
            r = self.lib.hs_session_run(s, len(argv), args)
            try:
                return r.status, _text(r.out), _text(r.err)
            finally:
                self.lib.hs_result_free(C.byref(r))
        finally:
            self.lib.hs_session_free(s)
