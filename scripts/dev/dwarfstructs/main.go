// dwarfstructs prints the layout of chosen Go runtime structs from the DWARF of Go executables,
// in the matrix format of the project's reference offset tables, one column per executable:
//
//	## runtime.mstats (amd64)    (the executables' architecture)
//	size: 1.19=...  1.21=...
//	  field   off1 off2 ...   type
//
// usage: dwarfstructs STRUCTS-FILE VERSION=EXE...   (STRUCTS-FILE: one struct name per line)
//
//	dwarfstructs -consts EXE   prints every DWARF constant as "name = value", sorted by name, in the
//	                           format of the reference's const_<ver>_<arch>.txt
// It is a development tool for scripts/dev/gen_go_tables.py; standard library only.
package main

import (
	"bufio"
	"debug/dwarf"
	"debug/elf"
	"fmt"
	"os"
	"sort"
	"strings"
)

type member struct {
	off int64
	typ string
}

type layout struct {
	size    int64
	members map[string]member
	order   []string
}

func load(path string, want map[string]bool) (map[string]*layout, error) {
	f, err := elf.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	d, err := f.DWARF()
	if err != nil {
		return nil, err
	}
	out := map[string]*layout{}
	r := d.Reader()
	for {
		e, err := r.Next()
		if err != nil || e == nil {
			return out, err
		}
		if e.Tag != dwarf.TagStructType {
			continue
		}
		name, _ := e.Val(dwarf.AttrName).(string)
		if !want[name] || out[name] != nil {
			r.SkipChildren()
			continue
		}
		t, err := d.Type(e.Offset)
		if err != nil {
			return nil, err
		}
		st, ok := t.(*dwarf.StructType)
		if !ok {
			continue
		}
		l := &layout{size: st.ByteSize, members: map[string]member{}}
		for _, f := range st.Field {
			l.members[f.Name] = member{f.ByteOffset, f.Type.String()}
			l.order = append(l.order, f.Name)
		}
		out[name] = l
		r.SkipChildren()
	}
}

// consts prints the DW_TAG_constant entries of one executable.
func consts(path string) error {
	f, err := elf.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	d, err := f.DWARF()
	if err != nil {
		return err
	}
	var lines []string
	r := d.Reader()
	for {
		e, err := r.Next()
		if err != nil {
			return err
		}
		if e == nil {
			break
		}
		if e.Tag != dwarf.TagConstant {
			continue
		}
		name, _ := e.Val(dwarf.AttrName).(string)
		if v, ok := e.Val(dwarf.AttrConstValue).(int64); ok && name != "" {
			lines = append(lines, fmt.Sprintf("%s = %d", name, v))
		}
	}
	sort.Strings(lines)
	for _, l := range lines {
		fmt.Println(l)
	}
	return nil
}

func main() {
	if len(os.Args) == 3 && os.Args[1] == "-consts" {
		if err := consts(os.Args[2]); err != nil {
			fmt.Fprintln(os.Stderr, os.Args[2]+":", err)
			os.Exit(1)
		}
		return
	}
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: dwarfstructs STRUCTS-FILE VERSION=EXE...")
		os.Exit(2)
	}
	sf, err := os.Open(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	var names []string
	want := map[string]bool{}
	sc := bufio.NewScanner(sf)
	for sc.Scan() {
		if n := strings.TrimSpace(sc.Text()); n != "" && !strings.HasPrefix(n, "#") {
			names = append(names, n)
			want[n] = true
		}
	}
	var vers []string
	var lays []map[string]*layout
	arch := "amd64"
	for _, arg := range os.Args[2:] {
		v, exe, _ := strings.Cut(arg, "=")
		if f, err := elf.Open(exe); err == nil {
			if f.Machine == elf.EM_AARCH64 {
				arch = "arm64"
			}
			f.Close()
		}
		l, err := load(exe, want)
		if err != nil {
			fmt.Fprintln(os.Stderr, exe+":", err)
			os.Exit(1)
		}
		vers = append(vers, v)
		lays = append(lays, l)
	}
	for _, n := range names {
		fmt.Printf("## %s (%s)\nsize:", n, arch)
		var order []string
		seen := map[string]bool{}
		typ := map[string]string{}
		for i, l := range lays {
			s := int64(-1)
			if x := l[n]; x != nil {
				s = x.size
				for _, m := range x.order {
					if !seen[m] {
						seen[m] = true
						order = append(order, m)
					}
					typ[m] = x.members[m].typ
				}
			}
			fmt.Printf(" %s=%d", vers[i], s)
		}
		fmt.Println()
		for _, m := range order {
			fmt.Printf("  %-28s", m)
			for _, l := range lays {
				if x := l[n]; x != nil {
					if mm, ok := x.members[m]; ok {
						fmt.Printf(" %6d", mm.off)
						continue
					}
				}
				fmt.Printf(" %6s", "-")
			}
			fmt.Printf("   %s\n", typ[m])
		}
	}
}
