package agent

import (
	"fmt"
	"maps"
	"slices"
	"sync"

	"github.com/gosnmp/gosnmp"
)

// Table is the set of OIDs an agent answers from, kept sorted numerically
// for GETNEXT and GETBULK. The zero value is an empty table ready to use.
// It is safe for concurrent use, also while agents serve from it; each
// method that changes several OIDs does so under one lock, so a request
// sees all of the change or none of it.
type Table struct {
	mu      sync.RWMutex
	entries []entry // sorted by oid
}

type entry struct {
	oid  oid
	name string // oid.String(), kept for responses
	val  Value
}

func cmpEntry(e entry, o oid) int { return slices.Compare(e.oid, o) }

// NewTable returns an empty table.
func NewTable() *Table { return new(Table) }

// Set stores v at oid (dotted, leading dot optional), replacing any value
// there. It fails, leaving the table as it was, if the OID is malformed or
// the value does not fit its type (see [Value]).
func (t *Table) Set(oid string, v Value) error {
	e, err := newEntry(oid, v)
	if err != nil {
		return err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	i, found := slices.BinarySearchFunc(t.entries, e.oid, cmpEntry)
	if found {
		t.entries[i] = e
	} else {
		t.entries = slices.Insert(t.entries, i, e)
	}
	return nil
}

// Delete removes oid from the table, if it is there.
func (t *Table) Delete(oid string) {
	o, err := parseOID(oid)
	if err != nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if i, found := slices.BinarySearchFunc(t.entries, o, cmpEntry); found {
		t.entries = slices.Delete(t.entries, i, i+1)
	}
}

// Get returns the value stored at oid.
func (t *Table) Get(oid string) (Value, bool) {
	o, err := parseOID(oid)
	if err != nil {
		return Value{}, false
	}
	t.mu.RLock()
	defer t.mu.RUnlock()
	if e, ok := t.lookup(o); ok {
		return e.val, true
	}
	return Value{}, false
}

// Len returns how many OIDs the table holds.
func (t *Table) Len() int {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return len(t.entries)
}

// SetAll stores every value of m at its OID, keeping the other OIDs. It
// changes nothing if any OID or value is bad.
func (t *Table) SetAll(m map[string]Value) error {
	return t.merge(nil, m)
}

// Replace makes m the whole content of the table. It changes nothing if
// any OID or value is bad.
func (t *Table) Replace(m map[string]Value) error {
	return t.merge(oid{}, m)
}

// ReplaceSubtree removes every OID under prefix (and prefix itself) and
// stores m, as one change: a table such as MiVB's alarm category table can
// be rewritten without a request seeing it half done. OIDs in m need not
// lie under prefix. It changes nothing if prefix, an OID or a value is
// bad.
func (t *Table) ReplaceSubtree(prefix string, m map[string]Value) error {
	p, err := parseOID(prefix)
	if err != nil {
		return fmt.Errorf("agent: replace subtree: %w", err)
	}
	return t.merge(p, m)
}

// merge removes the OIDs under drop (none if drop is nil, all if it is
// empty) and stores m, under one lock.
func (t *Table) merge(drop oid, m map[string]Value) error {
	add := make([]entry, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		e, err := newEntry(k, m[k])
		if err != nil {
			return err
		}
		add = append(add, e)
	}
	slices.SortFunc(add, func(a, b entry) int { return slices.Compare(a.oid, b.oid) })
	for i := 1; i < len(add); i++ {
		if slices.Equal(add[i-1].oid, add[i].oid) {
			return fmt.Errorf("agent: set: OID %s is given twice", add[i].name)
		}
	}

	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]entry, 0, len(t.entries)+len(add))
	i := 0
	for _, e := range t.entries {
		if drop != nil && e.oid.hasPrefix(drop) {
			continue
		}
		for i < len(add) && slices.Compare(add[i].oid, e.oid) < 0 {
			out = append(out, add[i])
			i++
		}
		if i < len(add) && slices.Equal(add[i].oid, e.oid) {
			continue // replaced by add[i], appended next
		}
		out = append(out, e)
	}
	t.entries = append(out, add[i:]...)
	return nil
}

func newEntry(s string, v Value) (entry, error) {
	o, err := parseOID(s)
	if err != nil {
		return entry{}, fmt.Errorf("agent: set: %w", err)
	}
	nv, err := normalise(v)
	if err != nil {
		return entry{}, fmt.Errorf("agent: set %s: %w", o, err)
	}
	return entry{oid: o, name: o.String(), val: nv}, nil
}

// lookup finds o exactly. The caller holds t.mu.
func (t *Table) lookup(o oid) (entry, bool) {
	i, found := slices.BinarySearchFunc(t.entries, o, cmpEntry)
	if !found {
		return entry{}, false
	}
	return t.entries[i], true
}

// next finds the first OID after o, skipping Counter64 values when skip64
// (SNMPv1 cannot carry them). The caller holds t.mu.
func (t *Table) next(o oid, skip64 bool) (entry, bool) {
	i, found := slices.BinarySearchFunc(t.entries, o, cmpEntry)
	if found {
		i++
	}
	for ; i < len(t.entries); i++ {
		if !skip64 || t.entries[i].val.Type != gosnmp.Counter64 {
			return t.entries[i], true
		}
	}
	return entry{}, false
}

// objectExists reports whether the table holds any instance of the
// object o would be an instance of (an OID beside it under its parent),
// which tells noSuchInstance from noSuchObject. The caller holds t.mu.
func (t *Table) objectExists(o oid) bool {
	if len(o) < 2 {
		return false
	}
	parent := o[:len(o)-1]
	i, _ := slices.BinarySearchFunc(t.entries, parent, cmpEntry)
	return i < len(t.entries) && t.entries[i].oid.hasPrefix(parent)
}
