"""pcln_reduce.py - cuts the pclntab of a real Go executable (Go 1.18+ formats) down to a few
functions, keeping what lookups of those functions touch: names, their pcsp/pcfile/pcln/pcdata
value tables, the CU and file tables, and their inline trees (FUNCDATA_InlTree, copied into a
new gofunc blob with the names they use). The result is small enough to fuzz well and still
decodes like the original for the kept functions."""

import struct

MAGIC_118, MAGIC_120 = 0xFFFFFFF0, 0xFFFFFFF1
PCDATA_INLTREE, FUNCDATA_INLTREE = 2, 3


def uvarint(b, i):
    v = shift = 0
    while True:
        x = b[i]
        i += 1
        v |= (x & 0x7F) << shift
        if x < 0x80:
            return v, i
        shift += 7


def table_len(pctab, off):
    """Length of the value table at off (until its 0 value-delta terminator) and its values."""
    i, first, val, vals = off, True, -1, []
    while True:
        uv, j = uvarint(pctab, i)
        if uv == 0 and not first:
            return j - off, vals
        first = False
        val += -(uv >> 1) - 1 if uv & 1 else uv >> 1
        vals.append(val)
        _, i = uvarint(pctab, j)


class Reducer:
    def __init__(self, tab, gofunc, names_wanted, limit):
        self.tab, self.gofunc = tab, gofunc
        h = struct.unpack_from("<IBBBBQQQQQQQQ", tab, 0)
        self.magic, self.nfunc, self.nfiles, self.text = h[0], h[5], h[6], h[7]
        self.offs = h[8:13]  # funcname, cu, filetab, pctab, pcln
        self.v120 = self.magic == MAGIC_120
        self.fsize = 44 if self.v120 else 40
        self.inl = 16 if self.v120 else 20
        self.names_wanted, self.limit = names_wanted, limit
        self.names, self.name_map = bytearray(), {}
        self.pctab, self.pc_map = bytearray(b"\0"), {0: 0}
        self.gf = bytearray()

    def region(self, k):
        ends = [o for o in self.offs if o > self.offs[k]] + [len(self.tab)]
        return self.tab[self.offs[k]:min(ends)]

    def name(self, off):
        if off not in self.name_map:
            fn = self.region(0)
            s = fn[off:fn.index(b"\0", off) + 1]
            self.name_map[off] = len(self.names)
            self.names += s
        return self.name_map[off]

    def pcvalue(self, off):
        if off not in self.pc_map:
            pct = self.region(3)
            n, _ = table_len(pct, off)
            self.pc_map[off] = len(self.pctab)
            self.pctab += pct[off:off + n]
        return self.pc_map[off]

    def inline_tree(self, foff, npcdata, gofunc_off):
        """Copies the tree (entries up to the largest index its PCDATA table uses)."""
        pcl = self.region(4)
        if npcdata <= PCDATA_INLTREE:
            return 0xFFFFFFFF
        idx_tab = struct.unpack_from("<I", pcl, foff + self.fsize + 4 * PCDATA_INLTREE)[0]
        if idx_tab == 0:
            return 0xFFFFFFFF
        _, vals = table_len(self.region(3), idx_tab)
        count = max(vals) + 1 if vals else 0
        new = len(self.gf)
        for i in range(count):
            e = bytearray(self.gofunc[gofunc_off + i * self.inl:gofunc_off + (i + 1) * self.inl])
            at = 4 if self.v120 else 12  # nameOff / func_
            struct.pack_into("<i", e, at, self.name(struct.unpack_from("<i", e, at)[0]))
            self.gf += e
        return new

    def keep(self):
        pcl = self.region(4)
        chosen = []
        for i in range(self.nfunc):
            entry, foff = struct.unpack_from("<II", pcl, 8 * i)
            nameoff = struct.unpack_from("<i", pcl, foff + 4)[0]
            fn = self.region(0)
            name = bytes(fn[nameoff:fn.index(b"\0", nameoff)]).decode("latin-1")
            if i < 3 or any(name.startswith(w) for w in self.names_wanted):
                chosen.append(i)
        return chosen[:self.limit]

    def func(self, i):
        pcl = self.region(4)
        entry, foff = struct.unpack_from("<II", pcl, 8 * i)
        f = bytearray(pcl[foff:foff + self.fsize])
        npcdata = struct.unpack_from("<I", f, 28)[0]
        nfuncdata = f[self.fsize - 1]
        struct.pack_into("<i", f, 4, self.name(struct.unpack_from("<i", f, 4)[0]))
        for k in (16, 20, 24):  # pcsp, pcfile, pcln
            struct.pack_into("<I", f, k, self.pcvalue(struct.unpack_from("<I", f, k)[0]))
        tail = bytearray()
        for k in range(npcdata):
            tail += struct.pack("<I", self.pcvalue(struct.unpack_from("<I", pcl, foff + self.fsize + 4 * k)[0]))
        for k in range(nfuncdata):
            off = struct.unpack_from("<I", pcl, foff + self.fsize + 4 * (npcdata + k))[0]
            if k == FUNCDATA_INLTREE and off != 0xFFFFFFFF:
                off = self.inline_tree(foff, npcdata, off)
            elif k != FUNCDATA_INLTREE:
                off = 0xFFFFFFFF
            tail += struct.pack("<I", off)
        return entry, f + tail

    def build(self):
        chosen = self.keep()
        pcl = self.region(4)
        funcs = [self.func(i) for i in chosen]
        end = struct.unpack_from("<I", pcl, 8 * (chosen[-1] + 1))[0]
        ftab = bytearray()
        body = bytearray()
        base = 8 * (len(funcs) + 1)
        for entry, rec in funcs:
            ftab += struct.pack("<II", entry, base + len(body))
            body += rec
            while len(body) % 4:
                body.append(0)
        ftab += struct.pack("<II", end, 0)
        cu, files = bytes(self.region(1)), bytes(self.region(2))
        parts = [bytes(self.names), cu, files, bytes(self.pctab), bytes(ftab + body)]
        offs, pos = [], 72
        for p in parts:
            offs.append(pos)
            pos += len(p) + (-len(p) % 8)
        head = struct.pack("<IBBBBQQQQQQQQ", self.magic, 0, 0, 1, 8, len(funcs), self.nfiles,
                           self.text, *offs)
        out = bytearray(head)
        for p in parts:
            out += p + bytes(-len(p) % 8)
        return bytes(out), bytes(self.gf)


def reduce(tab, gofunc, names_wanted, limit=24):
    """(table, gofunc) for at most `limit` functions: the first three and those whose names
    start with one of names_wanted."""
    return Reducer(tab, gofunc, names_wanted, limit).build()
