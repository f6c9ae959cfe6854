// pclnoracle prints, for one Go executable, what the Go standard library (debug/gosym,
// debug/buildinfo, debug/elf) reports about it: build version and main path, linker symbols that
// moduledata must point at, every function's [entry, end) and name, and a deterministic sample
// of PCs with their function, file and line. heapscope's unit tests compare their own decoding
// of pclntab and moduledata with this output, so it must come from an independent decoder.
//
// Usage: go run main.go EXE [FRAMES]
//
// FRAMES (optional) is the output of `readelf --debug-dump=frames-interp EXE`; when given, an
// "sp" line is printed for every sampled PC of package main, with the SP delta binutils derives
// from the linker's .debug_frame (CFA = SP + delta + 8 on amd64).
//
// Output lines (tab-separated):
//
//	version  GOVERSION
//	mainpath PATH
//	sym      NAME ADDR SIZE        (linker symbols; absent symbols are not printed)
//	section  NAME ADDR SIZE
//	nfunc    N
//	func     ENTRY END NAME
//	pc       PC ENTRY NAME FILE LINE   (gosym: physical function, innermost file:line)
//	sp       PC DELTA
package main

import (
	"bufio"
	"debug/buildinfo"
	"debug/elf"
	"debug/gosym"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
)

var symNames = []string{
	"runtime.firstmoduledata", "runtime.pclntab", "runtime.pcheader", "runtime.epclntab",
	"runtime.funcnametab", "runtime.cutab", "runtime.filetab", "runtime.pctab",
	"runtime.functab", "runtime.findfunctab",
	"runtime.text", "runtime.etext", "runtime.noptrdata", "runtime.enoptrdata",
	"runtime.data", "runtime.edata", "runtime.bss", "runtime.ebss",
	"runtime.noptrbss", "runtime.enoptrbss", "runtime.end", "runtime.gcdata", "runtime.gcbss",
	"runtime.types", "runtime.etypes", "runtime.rodata", "runtime.erodata",
	"go:func.*", "go.func.*", "runtime.typelink", "runtime.itablink", "runtime.buildVersion", "runtime.modinfo",
}

var sectionNames = []string{
	".text", ".rodata", ".gopclntab", ".go.buildinfo", ".go.module", ".noptrdata", ".data",
	".bss", ".noptrbss", ".typelink", ".itablink",
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: pclnoracle EXE [READELF-FRAMES]")
		os.Exit(2)
	}
	w := bufio.NewWriter(os.Stdout)
	defer w.Flush()
	if err := run(w, os.Args[1], os.Args[2:]); err != nil {
		w.Flush()
		fmt.Fprintln(os.Stderr, "pclnoracle:", err)
		os.Exit(1)
	}
}

func run(w *bufio.Writer, path string, rest []string) error {
	bi, err := buildinfo.ReadFile(path)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "version\t%s\nmainpath\t%s\n", bi.GoVersion, bi.Path)

	f, err := elf.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	syms, _ := f.Symbols()
	bySym := map[string]elf.Symbol{}
	for _, s := range syms {
		bySym[s.Name] = s
	}
	for _, n := range symNames {
		if s, ok := bySym[n]; ok {
			fmt.Fprintf(w, "sym\t%s\t0x%x\t%d\n", n, s.Value, s.Size)
		}
	}
	for _, n := range sectionNames {
		if s := f.Section(n); s != nil {
			fmt.Fprintf(w, "section\t%s\t0x%x\t%d\n", n, s.Addr, s.Size)
		}
	}

	tab, err := lineTable(f, bySym)
	if err != nil {
		return err
	}
	var deltas []cfaRow
	if len(rest) > 0 {
		if deltas, err = readFrames(rest[0]); err != nil {
			return err
		}
	}
	printFuncs(w, tab)
	printSample(w, tab, deltas)
	return nil
}

func lineTable(f *elf.File, bySym map[string]elf.Symbol) (*gosym.Table, error) {
	s := f.Section(".gopclntab")
	if s == nil {
		return nil, fmt.Errorf("no .gopclntab section")
	}
	data, err := s.Data()
	if err != nil {
		return nil, err
	}
	text := f.Section(".text").Addr
	if t, ok := bySym["runtime.text"]; ok {
		text = t.Value
	}
	var symtab []byte
	if st := f.Section(".gosymtab"); st != nil {
		symtab, _ = st.Data()
	}
	return gosym.NewTable(symtab, gosym.NewLineTable(data, text))
}

// printFuncs prints every package-main function and every third other one (the table is
// sorted by entry, so the sample covers all of text).
func printFuncs(w *bufio.Writer, tab *gosym.Table) {
	fmt.Fprintf(w, "nfunc\t%d\n", len(tab.Funcs))
	for i, fn := range tab.Funcs {
		if i%3 == 0 || strings.HasPrefix(fn.Name, "main.") || i == len(tab.Funcs)-1 {
			fmt.Fprintf(w, "func\t0x%x\t0x%x\t%s\n", fn.Entry, fn.End, fn.Name)
		}
	}
}

// printSample prints every 4th byte of each package-main function plus 400 PCs spread over all
// of text by a fixed linear congruential sequence: deterministic, and independent of layout.
func printSample(w *bufio.Writer, tab *gosym.Table, deltas []cfaRow) {
	var pcs []uint64
	for _, fn := range tab.Funcs {
		if strings.HasPrefix(fn.Name, "main.") {
			for pc := fn.Entry; pc < fn.End; pc += 4 {
				pcs = append(pcs, pc)
			}
		}
	}
	lo, hi := tab.Funcs[0].Entry, tab.Funcs[len(tab.Funcs)-1].End
	x := uint64(12345)
	for i := 0; i < 400; i++ {
		x = x*6364136223846793005 + 1442695040888963407
		pcs = append(pcs, lo+(x>>33)%(hi-lo))
	}
	sort.Slice(pcs, func(i, j int) bool { return pcs[i] < pcs[j] })
	for _, pc := range pcs {
		file, line, fn := tab.PCToLine(pc)
		if fn == nil {
			continue
		}
		fmt.Fprintf(w, "pc\t0x%x\t0x%x\t%s\t%s\t%d\n", pc, fn.Entry, fn.Name, file, line)
		if d, ok := lookupCFA(deltas, pc); ok && strings.HasPrefix(fn.Name, "main.") {
			fmt.Fprintf(w, "sp\t0x%x\t%d\n", pc, d-8)
		}
	}
}

// cfaRow is one row of readelf's interpreted CFA table: from pc (up to end), CFA = rsp + off.
type cfaRow struct {
	pc, end uint64
	off     int64
}

// readFrames parses `readelf --debug-dump=frames-interp` output: FDE headers give each
// function's range, the rows below them "LOC CFA ra" with CFA written as rsp+N.
func readFrames(path string) ([]cfaRow, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	var rows []cfaRow
	var end uint64
	sc := bufio.NewScanner(fh)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 5 && fields[3] == "FDE" {
			if i := strings.Index(fields[len(fields)-1], ".."); i > 0 {
				end, _ = strconv.ParseUint(fields[len(fields)-1][i+2:], 16, 64)
			}
			continue
		}
		if len(fields) < 2 || !strings.HasPrefix(fields[1], "rsp+") || end == 0 {
			continue
		}
		pc, err1 := strconv.ParseUint(fields[0], 16, 64)
		off, err2 := strconv.ParseInt(fields[1][4:], 10, 64)
		if err1 != nil || err2 != nil {
			continue
		}
		if n := len(rows); n > 0 && rows[n-1].end == end {
			rows[n-1].end = pc
		}
		rows = append(rows, cfaRow{pc, end, off})
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].pc < rows[j].pc })
	return rows, sc.Err()
}

func lookupCFA(rows []cfaRow, pc uint64) (int64, bool) {
	i := sort.Search(len(rows), func(i int) bool { return rows[i].pc > pc }) - 1
	if i < 0 || pc >= rows[i].end {
		return 0, false
	}
	return rows[i].off, true
}
