"""Parser of the Go runtime's own goroutine dump: the text runtime.Stack(buf, true), a panic or
a SIGQUIT traceback print, for every release 1.19-1.26 and every GOTRACEBACK level.

    goroutines = rtdump.parse(text)

Each goroutine has the id, the state exactly as printed inside the brackets (minus the
", N minutes", ", locked to thread", " (scan)", " (leaked)", ", synctest bubble N" and
" labels:{...}" decorations, which become fields of their own), its frames innermost first
(function as printed without the argument list, file, line) and what created it. Lines that
belong to no goroutine (markers around the dump, SIGQUIT and register lines of a crash) are
skipped. Goroutine 0 blocks (g0 of each M, printed by GOTRACEBACK=crash) are kept as parsed.
"""

import re
from dataclasses import dataclass, field
from typing import List, Optional

DUMP_BEGIN = "HEAPSCOPE-DUMP-BEGIN"
DUMP_END = "HEAPSCOPE-DUMP-END"

# "goroutine 5 [chan receive]:" and, 1.22+ at GOTRACEBACK=system/crash or while throwing,
# "goroutine 5 gp=0xc000007dc0 m=nil [chan receive]:" / "... m=3 mp=0xc000100008 [running]:"
_HEADER = re.compile(r"^goroutine (\d+)(?: gp=(\S+) m=(\S+)(?: mp=(\S+))?)? \[(.*)\]:$")
# "\t/src/main.go:42 +0x1a fp=0x... sp=0x... pc=0x..." (offset absent for inlined frames)
_FILELINE = re.compile(r"^\t(.*):(\d+)(?: \+0x([0-9a-fA-F]+))?"
                       r"(?: fp=0x[0-9a-fA-F]+ sp=0x[0-9a-fA-F]+ pc=0x[0-9a-fA-F]+)?\s*$")
_CREATED = re.compile(r"^created by (.+?)(?: in goroutine (\d+))?$")
_ELIDED = re.compile(r"^\.\.\.(?:(\d+) frames|additional frames) elided\.\.\.$")
_ANCESTOR = re.compile(r"^\[originating from goroutine (\d+)\]:$")
_MINUTES = re.compile(r"^(\d+) minutes$")
_BUBBLE = re.compile(r"^synctest bubble (\d+)$")
_OTHER_THREAD = "\tgoroutine running on other thread; stack unavailable"


@dataclass
class Frame:
    function: str          # as printed, without the "(args)" part: "sync.(*Mutex).Lock"
    file: str
    line: int
    inlined: bool = False  # printed with "(...)": a frame inlined into its caller
    offset: Optional[int] = None  # the "+0x1a" pc offset, absent for inlined frames
    args: str = ""         # the argument text between the parentheses, as printed


@dataclass
class CreatedBy:
    function: str
    file: str
    line: int
    goroutine: Optional[int] = None  # "in goroutine N", printed by 1.21+
    offset: Optional[int] = None


@dataclass
class Ancestor:
    """One "[originating from goroutine N]:" section (GODEBUG=tracebackancestors=N)."""
    id: int
    frames: List[Frame] = field(default_factory=list)
    created_by: Optional[CreatedBy] = None


@dataclass
class Goroutine:
    id: int
    state: str                       # "chan receive", "select (no cases)", "running", ...
    wait_minutes: int = 0            # ", N minutes"; 0 when not printed (under a minute/unknown)
    locked_to_thread: bool = False
    scan: bool = False               # " (scan)": the GC was scanning it at that moment
    leaked: bool = False             # " (leaked)", 1.26 leak-detecting GC
    bubble: Optional[int] = None     # ", synctest bubble N", 1.25+
    labels: Optional[str] = None     # " labels:{...}" as printed, 1.26 GODEBUG=tracebacklabels=1
    gp: Optional[str] = None         # "gp=0x..." (1.22+, GOTRACEBACK>=system)
    m: Optional[str] = None          # "m=3" or "m=nil"
    mp: Optional[str] = None
    frames: List[Frame] = field(default_factory=list)
    created_by: Optional[CreatedBy] = None
    elided: Optional[int] = None     # frames left out: N for "...N frames elided...",
    elided_at: Optional[int] = None  # -1 for 1.19's "...additional frames elided..."; and the
    #                                  index in frames where the gap is
    running_elsewhere: bool = False  # "goroutine running on other thread; stack unavailable"
    ancestors: List[Ancestor] = field(default_factory=list)


def dump_section(text: str) -> str:
    """The text between HEAPSCOPE-DUMP-BEGIN and -END lines, or all of text without markers."""
    lines = text.splitlines()
    if DUMP_BEGIN in lines:
        lines = lines[lines.index(DUMP_BEGIN) + 1:]
        if DUMP_END in lines:
            lines = lines[:lines.index(DUMP_END)]
    return "\n".join(lines) + "\n"


def split_function(text: str):
    """'sync.(*Mutex).Lock(...)' -> ('sync.(*Mutex).Lock', '...'). Arguments never hold '('."""
    if text.endswith(")") and "(" in text:
        i = text.rindex("(")
        return text[:i], text[i + 1:-1]
    return text, ""


def parse_header(line: str) -> Optional[Goroutine]:
    m = _HEADER.match(line)
    if not m:
        return None
    g = Goroutine(id=int(m.group(1)), state="", gp=m.group(2), m=m.group(3), mp=m.group(4))
    inside = m.group(5)
    li = inside.find(" labels:{")
    if li >= 0:
        g.labels, inside = inside[li + len(" labels:"):], inside[:li]
    parts = inside.split(", ")
    status = parts[0]
    for flag, suffix in (("leaked", " (leaked)"), ("scan", " (scan)")):
        if suffix in status:
            setattr(g, flag, True)
            status = status.replace(suffix, "", 1)
    g.state = status
    for part in parts[1:]:
        if part == "locked to thread":
            g.locked_to_thread = True
        elif _MINUTES.match(part):
            g.wait_minutes = int(_MINUTES.match(part).group(1))
        elif _BUBBLE.match(part):
            g.bubble = int(_BUBBLE.match(part).group(1))
        else:
            raise ValueError("unknown goroutine header decoration %r in %r" % (part, line))
    return g


def _fileline(line: str):
    m = _FILELINE.match(line)
    if not m:
        return None
    off = int(m.group(3), 16) if m.group(3) is not None else None
    return m.group(1), int(m.group(2)), off


class _Parser:
    def __init__(self, lines):
        self.lines = lines
        self.i = 0
        self.out: List[Goroutine] = []

    def run(self) -> List[Goroutine]:
        while self.i < len(self.lines):
            g = parse_header(self.lines[self.i])
            self.i += 1
            if g is not None:
                self.body(g)
                self.out.append(g)
        return self.out

    def next_is_fileline(self):
        return self.i < len(self.lines) and _fileline(self.lines[self.i]) is not None

    def body(self, g: Goroutine):
        target = g  # frames and created-by go to the goroutine, or to its latest ancestor
        while self.i < len(self.lines):
            line = self.lines[self.i]
            if line == "" or _HEADER.match(line):
                return
            self.i += 1
            if line == _OTHER_THREAD:
                g.running_elsewhere = True
            elif _ELIDED.match(line):
                n = _ELIDED.match(line).group(1)
                if target is g:
                    g.elided, g.elided_at = (int(n) if n else -1), len(g.frames)
            elif _ANCESTOR.match(line):
                target = Ancestor(id=int(_ANCESTOR.match(line).group(1)))
                g.ancestors.append(target)
            elif _CREATED.match(line) and self.next_is_fileline():
                m = _CREATED.match(line)
                file, ln, off = _fileline(self.lines[self.i])
                self.i += 1
                gid = int(m.group(2)) if m.group(2) else None
                target.created_by = CreatedBy(m.group(1), file, ln, gid, off)
            elif not line.startswith("\t") and self.next_is_fileline():
                file, ln, off = _fileline(self.lines[self.i])
                self.i += 1
                fn, args = split_function(line)
                target.frames.append(Frame(fn, file, ln, args == "...", off, args))
            else:
                self.i -= 1  # not part of a goroutine block: let run() look at it
                return


def parse(text: str) -> List[Goroutine]:
    """Every goroutine block in text, in the order printed."""
    return _Parser(text.splitlines()).run()


def parse_program_output(text: str) -> List[Goroutine]:
    """Goroutines of the dump a test program printed between its HEAPSCOPE-DUMP markers."""
    return parse(dump_section(text))
