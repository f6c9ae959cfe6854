"""elfw.py - just enough 64-bit little-endian ELF for the seed makers: read headers, sections
and symbols of real files, and write small executables and cores from parts."""

import struct

EHDR = struct.Struct("<16sHHIQQQIHHHHHH")
PHDR = struct.Struct("<IIQQQQQQ")
SHDR = struct.Struct("<IIQQQQIIQQ")
SYM = struct.Struct("<IBBHQQ")
PT_LOAD, PT_NOTE = 1, 4
SHT_PROGBITS, SHT_SYMTAB, SHT_STRTAB, SHT_NOTE, SHT_NOBITS = 1, 2, 3, 7, 8
PF_X, PF_W, PF_R = 1, 2, 4
SHF_WRITE, SHF_ALLOC, SHF_EXECINSTR = 1, 2, 4
ET_EXEC, ET_CORE = 2, 4
IDENT = b"\x7fELF\x02\x01\x01" + bytes(9)


class Elf:
    """A parsed file: .data (bytes), .ehdr, .phdrs [type, flags, off, vaddr, paddr, filesz,
    memsz, align], .sections {name: (addr, off, size, type, flags)}."""

    def __init__(self, data):
        self.data = data
        self.ehdr = EHDR.unpack_from(data, 0)
        phoff, shoff = self.ehdr[5], self.ehdr[6]
        self.phdrs = [list(PHDR.unpack_from(data, phoff + i * PHDR.size)) for i in range(self.ehdr[10])]
        self.sections = {}
        self.shdrs = [SHDR.unpack_from(data, shoff + i * SHDR.size) for i in range(self.ehdr[12])] if shoff else []
        if self.shdrs:
            strtab = self.shdrs[self.ehdr[13]]
            for sh in self.shdrs:
                name = self.cstr(strtab[4] + sh[0])
                self.sections[name] = (sh[3], sh[4], sh[5], sh[1], sh[2])

    def cstr(self, off):
        return self.data[off:self.data.index(b"\0", off)].decode("latin-1")

    def section_bytes(self, name):
        addr, off, size = self.sections[name][:3]
        return self.data[off:off + size]

    def symbols(self):
        """{name: (value, size)} from .symtab."""
        out = {}
        for sh in self.shdrs:
            if sh[1] != SHT_SYMTAB:
                continue
            strtab = self.shdrs[sh[6]]
            for i in range(sh[5] // SYM.size):
                name, info, other, shndx, value, size = SYM.unpack_from(self.data, sh[4] + i * SYM.size)
                if name:
                    out[self.cstr(strtab[4] + name)] = (value, size)
        return out

    def read(self, vaddr, size):
        """Bytes at a link-time address from the load segments (file part only)."""
        for p in self.phdrs:
            if p[0] == PT_LOAD and p[3] <= vaddr and vaddr + size <= p[3] + p[5]:
                off = p[2] + vaddr - p[3]
                return self.data[off:off + size]
        raise KeyError("0x%x+%d not in the file" % (vaddr, size))

    def window(self, vaddr):
        """Bytes from a link-time address to the end of its segment's file part."""
        for p in self.phdrs:
            if p[0] == PT_LOAD and p[3] <= vaddr < p[3] + p[5]:
                return self.data[p[2] + vaddr - p[3]:p[2] + p[5]]
        raise KeyError("0x%x not in the file" % vaddr)


def write_exe(path, entry, segments, sections, symbols=(), etype=ET_EXEC):
    """segments: [(vaddr, flags, bytes)], each page-aligned in the file at vaddr % 4096;
    sections: [(name, vaddr, bytes_or_None, type, flags)] placed inside the segment that covers
    vaddr (None: NOBITS); symbols: [(name, value, size)] for .symtab. Returns the bytes."""
    nseg = len(segments)
    out = bytearray(4096)
    seg_off = []
    for vaddr, flags, data in segments:
        off = (len(out) + 4095) // 4096 * 4096 + vaddr % 4096
        out += bytes(off - len(out)) + data
        seg_off.append(off)
    shstr = bytearray(b"\0")
    shdrs = [bytes(SHDR.size)]

    def name_off(n):
        shstr.extend(n.encode() + b"\0")
        return len(shstr) - len(n) - 1

    for name, vaddr, data, stype, sflags in sections:
        off, size = 0, len(data) if data is not None else 0
        for (sv, _, sd), so in zip(segments, seg_off):
            if sflags & SHF_ALLOC and sv <= vaddr <= sv + len(sd):
                off = so + vaddr - sv
        if not off and data is not None:  # not loaded (debug sections): after the segments
            off = len(out)
            out += data
        if data is None:
            size = 0x100
        shdrs.append(SHDR.pack(name_off(name), stype, sflags, vaddr, off, size, 0, 0, 16, 0))
    if symbols:
        strtab = bytearray(b"\0")
        syms = bytearray(bytes(SYM.size))
        for name, value, size in symbols:
            syms += SYM.pack(len(strtab), 0x11, 0, 1, value, size)
            strtab += name.encode() + b"\0"
        str_index = len(shdrs) + 1
        shdrs.append(SHDR.pack(name_off(".symtab"), SHT_SYMTAB, 0, 0, len(out), len(syms), str_index, 1, 8, SYM.size))
        out += syms
        shdrs.append(SHDR.pack(name_off(".strtab"), SHT_STRTAB, 0, 0, len(out), len(strtab), 0, 0, 1, 0))
        out += strtab
    shdrs.append(SHDR.pack(name_off(".shstrtab"), SHT_STRTAB, 0, 0, len(out) + 0, 0, 0, 0, 1, 0))
    shdrs[-1] = SHDR.pack(SHDR.unpack(shdrs[-1])[0], SHT_STRTAB, 0, 0, len(out), len(shstr), 0, 0, 1, 0)
    out += shstr
    while len(out) % 8:
        out.append(0)
    shoff = len(out)
    for sh in shdrs:
        out += sh
    phdrs = b"".join(PHDR.pack(PT_LOAD, flags, off, vaddr, vaddr, len(data), len(data), 4096)
                     for (vaddr, flags, data), off in zip(segments, seg_off))
    out[0:EHDR.size] = EHDR.pack(IDENT, etype, 62, 1, entry, EHDR.size, shoff, 0, EHDR.size,
                                 PHDR.size, nseg, SHDR.size, len(shdrs), len(shdrs) - 1)
    out[EHDR.size:EHDR.size + len(phdrs)] = phdrs
    with open(path, "wb") as f:
        f.write(out)
    return bytes(out)


def write_core(path, notes, loads, machine=62):
    """A core: notes (bytes of one PT_NOTE) and loads [(vaddr, flags, bytes, memsz)], for an
    ELF machine (62 x86-64, 183 AArch64)."""
    n = 1 + len(loads)
    off = EHDR.size + n * PHDR.size
    phdrs = [PHDR.pack(PT_NOTE, PF_R, off, 0, 0, len(notes), 0, 1)]
    body = bytearray(notes)
    off += len(notes)
    for vaddr, flags, data, memsz in loads:
        phdrs.append(PHDR.pack(PT_LOAD, flags, off, vaddr, 0, len(data), memsz, 1))
        body += data
        off += len(data)
    out = EHDR.pack(IDENT, ET_CORE, machine, 1, 0, EHDR.size, 0, 0, EHDR.size, PHDR.size, n, SHDR.size, 0, 0)
    out += b"".join(phdrs) + body
    with open(path, "wb") as f:
        f.write(out)
    return out


def note(name, ntype, desc):
    """One ELF note, 4-byte aligned."""
    nb = name.encode() + b"\0"
    pad = lambda b: b + bytes(-len(b) % 4)
    return struct.pack("<III", len(nb), len(desc), ntype) + pad(nb) + pad(desc)


def notes_of(elf):
    """The bytes of every PT_NOTE segment, concatenated."""
    return b"".join(elf.data[p[2]:p[2] + p[5]] for p in elf.phdrs if p[0] == PT_NOTE)
