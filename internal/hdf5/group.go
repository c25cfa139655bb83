package hdf5

import (
	"fmt"
	"slices"
	"strings"
)

// Group is a named collection of groups and datasets.
type Group struct {
	name    string
	path    string
	members map[string]member
	names   []string // sorted byte-wise, as HDF5 iterates symbol tables
	attrs   []*Attribute
	off     int64 // file offset of the object header
}

// member is one child of a group: exactly one field is set.
type member struct {
	group   *Group
	dataset *Dataset
}

// Name returns the group's link name; the root group's name is "/".
func (g *Group) Name() string { return g.name }

// Path returns the group's absolute path, e.g. "/node/nodes".
func (g *Group) Path() string { return g.path }

// Members returns the names of the group's children in byte-wise order.
func (g *Group) Members() []string { return slices.Clone(g.names) }

// Groups returns the child groups in name order.
func (g *Group) Groups() []*Group {
	var out []*Group
	for _, n := range g.names {
		if c := g.members[n].group; c != nil {
			out = append(out, c)
		}
	}
	return out
}

// Datasets returns the child datasets in name order.
func (g *Group) Datasets() []*Dataset {
	var out []*Dataset
	for _, n := range g.names {
		if c := g.members[n].dataset; c != nil {
			out = append(out, c)
		}
	}
	return out
}

// Attrs returns the group's attributes sorted by name.
func (g *Group) Attrs() []*Attribute { return slices.Clone(g.attrs) }

// Attr returns the attribute with the given name.
func (g *Group) Attr(name string) (*Attribute, error) { return findAttr(g.attrs, g.path, name) }

// Group returns the group at path, relative to g. Components are separated
// by "/"; empty components are ignored.
func (g *Group) Group(path string) (*Group, error) {
	m, full, err := g.lookup(path)
	if err != nil {
		return nil, err
	}
	if m.group == nil {
		return nil, fmt.Errorf("hdf5: %s is a dataset, not a group", full)
	}
	return m.group, nil
}

// Dataset returns the dataset at path, relative to g.
func (g *Group) Dataset(path string) (*Dataset, error) {
	m, full, err := g.lookup(path)
	if err != nil {
		return nil, err
	}
	if m.dataset == nil {
		return nil, fmt.Errorf("hdf5: %s is a group, not a dataset", full)
	}
	return m.dataset, nil
}

// lookup resolves a relative path. An empty path is the group itself.
func (g *Group) lookup(path string) (member, string, error) {
	cur := member{group: g}
	for _, name := range strings.Split(path, "/") {
		if name == "" {
			continue
		}
		if cur.group == nil {
			return member{}, "", fmt.Errorf("hdf5: %s is a dataset, not a group", cur.dataset.path)
		}
		next, ok := cur.group.members[name]
		if !ok {
			return member{}, "", fmt.Errorf("hdf5: %s: member %q %w", cur.group.path, name, ErrNotFound)
		}
		cur = next
	}
	if cur.group != nil {
		return cur, cur.group.path, nil
	}
	return cur, cur.dataset.path, nil
}

// joinPath appends a link name to a group path.
func joinPath(parent, name string) string {
	if parent == "/" {
		return "/" + name
	}
	return parent + "/" + name
}

// parser holds the state of one Open: objects already parsed and a budget
// that bounds the total work for hostile files.
type parser struct {
	f *File
	// budget is the number of metadata bytes that may still be scanned. A
	// valid file's metadata is disjoint, so scanning more than a few times
	// the file size means structures are being reused to make us loop.
	budget   int64
	groups   map[uint64]bool // object header addresses of groups
	datasets map[uint64]*datasetInfo
}

func newParser(f *File) *parser {
	return &parser{
		f:        f,
		budget:   4*int64(len(f.data)) + 1<<16,
		groups:   make(map[uint64]bool),
		datasets: make(map[uint64]*datasetInfo),
	}
}

// spend charges n scanned bytes to the budget.
func (p *parser) spend(n int, off int64) error {
	if p.budget -= int64(n); p.budget < 0 {
		return errorf("metadata near offset %#x is reused too often (corrupt or hostile file)", off)
	}
	return nil
}

// root parses the root group, whose object header is at addr.
func (p *parser) root(addr uint64) (*Group, error) {
	oh, err := p.readObjectHeader(addr)
	if err != nil {
		return nil, err
	}
	return p.group(oh, nil, "")
}

// group parses a group from its object header. parent is nil for the root.
func (p *parser) group(oh *objectHeader, parent *Group, name string) (*Group, error) {
	g := &Group{name: "/", path: "/", members: make(map[string]member), off: p.f.fileOffset(oh.addr)}
	if parent != nil {
		g.name, g.path = name, joinPath(parent.path, name)
	}
	// Groups must form a tree: this rules out cycles, and with them endless
	// or exponential walks through the hierarchy.
	if p.groups[oh.addr] {
		return nil, errorf("group %s (object header at offset %#x) is linked more than once", g.path, p.f.fileOffset(oh.addr))
	}
	p.groups[oh.addr] = true
	stab, ok := oh.find(msgSymbolTable)
	if !ok {
		return nil, p.notAGroup(oh, g.path)
	}
	var err error
	if g.attrs, err = p.readAttributes(oh); err != nil {
		return nil, err
	}
	d := p.f.newDecoder(stab.data, stab.off, "symbol table message")
	btree, heapAddr := d.addr(), d.addr()
	if d.err != nil {
		return nil, d.err
	}
	heap, err := p.readLocalHeap(heapAddr)
	if err != nil {
		return nil, err
	}
	var entries []symbolEntry
	w := &btreeWalk{
		f:       p.f,
		typ:     btreeGroup,
		keySize: p.f.lenSize,
		spend:   p.spend,
		visit: func(_ []byte, snod uint64) error {
			es, err := p.readSymbolNode(snod)
			entries = append(entries, es...)
			return err
		},
	}
	if err := w.run(btree); err != nil {
		return nil, err
	}
	for _, e := range entries {
		name, err := p.heapName(heap, e.nameOff)
		if err != nil {
			return nil, err
		}
		if err := p.addMember(g, name, e); err != nil {
			return nil, err
		}
	}
	slices.Sort(g.names)
	return g, nil
}

// notAGroup explains why an object that should be a group is not one.
func (p *parser) notAGroup(oh *objectHeader, path string) error {
	off := p.f.fileOffset(oh.addr)
	if _, ok := oh.find(msgLinkInfo); ok {
		return unsupported("group %s with link messages (new-style group at offset %#x)", path, off)
	}
	if _, ok := oh.find(msgLink); ok {
		return unsupported("group %s with link messages (new-style group at offset %#x)", path, off)
	}
	return errorf("%s (object header at offset %#x) is not a group", path, off)
}

// addMember parses the object a symbol table entry points to and adds it to g.
func (p *parser) addMember(g *Group, name string, e symbolEntry) error {
	if name == "" || name == "." || strings.Contains(name, "/") {
		return errorf("group %s has a member with invalid name %q", g.path, name)
	}
	if _, dup := g.members[name]; dup {
		return errorf("group %s has two members named %q", g.path, name)
	}
	path := joinPath(g.path, name)
	if e.cacheType == cacheSoftLink {
		return unsupported("soft link %s", path)
	}
	var m member
	if di, ok := p.datasets[e.header]; ok {
		m.dataset = &Dataset{name: name, path: path, datasetInfo: di}
	} else if p.groups[e.header] {
		return errorf("group %s (object header at offset %#x) is linked more than once", path, p.f.fileOffset(e.header))
	} else {
		oh, err := p.readObjectHeader(e.header)
		if err != nil {
			return err
		}
		switch {
		case hasMsg(oh, msgSymbolTable), hasMsg(oh, msgLinkInfo), hasMsg(oh, msgLink):
			if m.group, err = p.group(oh, g, name); err != nil {
				return err
			}
		case hasMsg(oh, msgLayout):
			di, err := p.readDataset(oh)
			if err != nil {
				return err
			}
			p.datasets[e.header] = di
			m.dataset = &Dataset{name: name, path: path, datasetInfo: di}
		case hasMsg(oh, msgDatatype):
			return unsupported("committed datatype %s", path)
		default:
			return errorf("%s (object header at offset %#x) is neither a group nor a dataset", path, p.f.fileOffset(e.header))
		}
	}
	g.members[name] = m
	g.names = append(g.names, name)
	return nil
}

func hasMsg(oh *objectHeader, typ uint16) bool {
	_, ok := oh.find(typ)
	return ok
}
