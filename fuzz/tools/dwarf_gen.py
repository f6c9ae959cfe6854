"""dwarf_gen.py - a small DWARF 4 .debug_info/.debug_abbrev in the shape the Go linker writes
(one CU per package, Go type names such as "runtime.g", DW_AT_go_runtime_type on types,
DW_OP_addr globals, DW_TAG_constant values), holding what the layout reader asks for."""

import struct

DW_TAG = dict(compile_unit=0x11, structure_type=0x13, member=0x0D, base_type=0x24,
              pointer_type=0x0F, typedef=0x16, variable=0x34, constant=0x27, array_type=0x01,
              subrange_type=0x21)
AT = dict(name=0x03, byte_size=0x0B, data_member_location=0x38, type=0x49, location=0x02,
          const_value=0x1C, encoding=0x3E, language=0x13, go_runtime_type=0x2904, upper_bound=0x2F)
FORM = dict(string=0x08, udata=0x0F, sdata=0x0D, ref4=0x13, exprloc=0x18, addr=0x01, data1=0x0B)


def uleb(v):
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        out.append(b | (0x80 if v else 0))
        if not v:
            return bytes(out)


def sleb(v):
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        done = (v == 0 and not b & 0x40) or (v == -1 and b & 0x40)
        out.append(b | (0 if done else 0x80))
        if done:
            return bytes(out)


ABBREVS = [  # (code, tag, children, [(attr, form)])
    (1, "compile_unit", 1, [("name", "string"), ("language", "data1")]),
    (2, "structure_type", 1, [("name", "string"), ("byte_size", "udata"), ("go_runtime_type", "addr")]),
    (3, "member", 0, [("name", "string"), ("data_member_location", "udata"), ("type", "ref4")]),
    (4, "base_type", 0, [("name", "string"), ("byte_size", "data1"), ("encoding", "data1")]),
    (5, "constant", 0, [("name", "string"), ("type", "ref4"), ("const_value", "sdata")]),
    (6, "variable", 0, [("name", "string"), ("location", "exprloc"), ("type", "ref4")]),
    (7, "typedef", 0, [("name", "string"), ("type", "ref4")]),
    (8, "pointer_type", 0, [("name", "string"), ("type", "ref4")]),
    (9, "array_type", 1, [("name", "string"), ("type", "ref4")]),
    (10, "subrange_type", 0, [("upper_bound", "udata")]),
]


def abbrev_section():
    out = bytearray()
    for code, tag, children, attrs in ABBREVS:
        out += uleb(code) + uleb(DW_TAG[tag]) + bytes([children])
        for a, f in attrs:
            out += uleb(AT[a]) + uleb(FORM[f])
        out += b"\0\0"
    return bytes(out + b"\0")


class Unit:
    """Builds one CU; DIE references are offsets from the CU start (DW_FORM_ref4)."""

    def __init__(self, name):
        self.body = bytearray()
        self.die(1, name.encode() + b"\0", bytes([0x16]))  # DW_LANG_Go

    def off(self):
        return 11 + len(self.body)

    def die(self, code, *fields):
        at = self.off()
        self.body += uleb(code) + b"".join(fields)
        return at

    def end(self):
        self.body += b"\0"

    def base(self, name, size):
        return self.die(4, name.encode() + b"\0", bytes([size, 7]))

    def struct(self, name, size, members, rtype=0):
        """members: [(name, offset, type_ref)]."""
        at = self.die(2, name.encode() + b"\0", uleb(size), struct.pack("<Q", rtype))
        for mname, moff, mtype in members:
            self.die(3, mname.encode() + b"\0", uleb(moff), struct.pack("<I", mtype))
        self.end()
        return at

    def const(self, name, tref, value):
        return self.die(5, name.encode() + b"\0", struct.pack("<I", tref), sleb(value))

    def var(self, name, addr, tref):
        loc = b"\x03" + struct.pack("<Q", addr)  # DW_OP_addr
        return self.die(6, name.encode() + b"\0", uleb(len(loc)) + loc, struct.pack("<I", tref))

    def typedef(self, name, tref):
        return self.die(7, name.encode() + b"\0", struct.pack("<I", tref))

    def pointer(self, name, tref):
        return self.die(8, name.encode() + b"\0", struct.pack("<I", tref))

    def bytes(self):
        self.end()
        length = 2 + 4 + 1 + len(self.body)
        return struct.pack("<IHIB", length, 4, 0, 8) + bytes(self.body)


def runtime_unit(g_fields, m_fields, g_size, m_size):
    """The runtime CU: runtime.g/m/gobuf/stack/sudog/schedt, constants, globals."""
    u = Unit("runtime")
    u8, uptr = u.base("uint8", 1), u.base("uintptr", 8)
    stack = u.struct("runtime.stack", 16, [("lo", 0, uptr), ("hi", 8, uptr)], rtype=0x1000)
    gobuf = u.struct("runtime.gobuf", 56, [("sp", 0, uptr), ("pc", 8, uptr), ("bp", 48, uptr)])
    members = []
    for name, off in g_fields:
        t = stack if name == "stack" else gobuf if name == "sched" else u8 if name == "waitreason" else uptr
        members.append((name, off, t))
    g = u.struct("runtime.g", g_size, members, rtype=0x2000)
    m = u.struct("runtime.m", m_size, [(n, o, uptr) for n, o in m_fields], rtype=0x3000)
    u.struct("runtime.sudog", 88, [(n, 8 * i, uptr) for i, n in
                                   enumerate(["g", "next", "prev", "elem", "c", "waitlink", "isSelect"])])
    u.struct("runtime.schedt", 1024, [("lastpoll", 8, uptr)])
    pg = u.pointer("*runtime.g", g)
    u.typedef("runtime.gT", g)
    for i, n in enumerate(["_Gidle", "_Grunnable", "_Grunning", "_Gsyscall", "_Gwaiting",
                           "_Gmoribund_unused", "_Gdead"]):
        u.const("runtime." + n, uptr, i)
    u.const("runtime._Gscan", uptr, 0x1000)
    u.var("runtime.allgs", 0x500000, pg)
    u.var("runtime.allglen", 0x500018, uptr)
    u.var("runtime.allm", 0x500020, u.pointer("*runtime.m", m))
    u.var("runtime.buildVersion", 0x500030, uptr)
    return u.bytes()
