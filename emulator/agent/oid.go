package agent

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// maxArcs is the most sub-identifiers an OID may have (RFC 2578).
const maxArcs = 128

// oid is an object identifier as numbers, so that slices.Compare orders
// OIDs numerically (1.3.6.1.2 before 1.3.6.1.10), as GETNEXT needs.
type oid []uint32

// parseOID reads a dotted OID, with or without a leading dot. It accepts
// only OIDs that BER can encode: at least two arcs, the first 0, 1 or 2,
// the second below 40 unless the first is 2.
func parseOID(s string) (oid, error) {
	s = strings.TrimPrefix(s, ".")
	if s == "" {
		return nil, errors.New("empty OID")
	}
	o := make(oid, 0, strings.Count(s, ".")+1)
	for part := range strings.SplitSeq(s, ".") {
		n, err := strconv.ParseUint(part, 10, 32)
		if err != nil {
			return nil, fmt.Errorf("OID %q: arc %q is not a number up to 2^32-1", s, part)
		}
		o = append(o, uint32(n))
	}
	switch {
	case len(o) < 2 || len(o) > maxArcs:
		return nil, fmt.Errorf("OID %q: has %d arcs, want 2..%d", s, len(o), maxArcs)
	case o[0] > 2:
		return nil, fmt.Errorf("OID %q: first arc must be 0, 1 or 2", s)
	case o[0] < 2 && o[1] >= 40:
		return nil, fmt.Errorf("OID %q: second arc must be below 40 under %d", s, o[0])
	case o[0] == 2 && o[1] > ^uint32(0)-80:
		return nil, fmt.Errorf("OID %q: second arc too large", s)
	}
	return o, nil
}

// String returns the OID in gosnmp's form, with a leading dot.
func (o oid) String() string {
	b := make([]byte, 0, len(o)*4)
	for _, a := range o {
		b = append(b, '.')
		b = strconv.AppendUint(b, uint64(a), 10)
	}
	return string(b)
}

// hasPrefix reports whether o lies in the subtree rooted at p (or is p).
func (o oid) hasPrefix(p oid) bool {
	return len(o) >= len(p) && slices.Equal(o[:len(p)], p)
}
