package agent

import (
	"errors"
	"sort"

	"github.com/gosnmp/gosnmp"
)

// reply is the content of a GetResponse before it is encoded.
type reply struct {
	status gosnmp.SNMPError
	index  int // 1-based: the varbind the status refers to
	vars   []gosnmp.SnmpPDU
}

// minVarbindSize is the fewest bytes a varbind takes (SEQUENCE, a
// one-byte OID, a NULL), so a response of size n holds at most n/7.
const minVarbindSize = 7

// answer builds the reply to a GET, GETNEXT, GETBULK or SET, reading the
// table under one lock. maxVars bounds the varbinds a GETBULK produces.
func (t *Table) answer(req *gosnmp.SnmpPacket, maxVars int) reply {
	t.mu.RLock()
	defer t.mu.RUnlock()
	v1 := req.Version == gosnmp.Version1
	switch req.PDUType {
	case gosnmp.GetRequest:
		return t.get(req.Variables, v1)
	case gosnmp.GetNextRequest:
		return t.getNext(req.Variables, v1)
	case gosnmp.GetBulkRequest:
		return t.getBulk(req, maxVars)
	}
	// SET: the agent is read-only.
	if len(req.Variables) == 0 {
		return reply{}
	}
	if v1 {
		return reply{status: gosnmp.NoSuchName, index: 1, vars: echo(req.Variables)}
	}
	return reply{status: gosnmp.NotWritable, index: 1, vars: echo(req.Variables)}
}

func (t *Table) get(vars []gosnmp.SnmpPDU, v1 bool) reply {
	out := make([]gosnmp.SnmpPDU, len(vars))
	for i, vb := range vars {
		o, err := parseOID(vb.Name)
		if err == nil {
			if e, ok := t.lookup(o); ok && !(v1 && e.val.Type == gosnmp.Counter64) {
				out[i] = pdu(e)
				continue
			}
		}
		if v1 {
			return reply{status: gosnmp.NoSuchName, index: i + 1, vars: echo(vars)}
		}
		out[i] = gosnmp.SnmpPDU{Name: vb.Name, Type: gosnmp.NoSuchObject}
		if err == nil && t.objectExists(o) {
			out[i].Type = gosnmp.NoSuchInstance
		}
	}
	return reply{vars: out}
}

func (t *Table) getNext(vars []gosnmp.SnmpPDU, v1 bool) reply {
	out := make([]gosnmp.SnmpPDU, len(vars))
	for i, vb := range vars {
		o, err := parseOID(vb.Name)
		if err != nil {
			return reply{status: gosnmp.GenErr, index: i + 1, vars: echo(vars)}
		}
		if e, ok := t.next(o, v1); ok {
			out[i] = pdu(e)
			continue
		}
		if v1 {
			return reply{status: gosnmp.NoSuchName, index: i + 1, vars: echo(vars)}
		}
		out[i] = gosnmp.SnmpPDU{Name: vb.Name, Type: gosnmp.EndOfMibView}
	}
	return reply{vars: out}
}

// getBulk follows RFC 3416 section 4.2.3: one GETNEXT for each of the
// first N varbinds, then up to M rounds of GETNEXT for the other R,
// stopping early once a round finds the end of the MIB for all R.
func (t *Table) getBulk(req *gosnmp.SnmpPacket, maxVars int) reply {
	vars := req.Variables
	n := min(int(req.NonRepeaters), len(vars))
	r, m := len(vars)-n, int(req.MaxRepetitions)
	out := make([]gosnmp.SnmpPDU, 0, min(n+r*min(m, maxVars), maxVars))
	cur := make([]oid, len(vars))
	names := make([]string, len(vars))
	for i, vb := range vars {
		o, err := parseOID(vb.Name)
		if err != nil {
			return reply{status: gosnmp.GenErr, index: i + 1}
		}
		cur[i], names[i] = o, vb.Name
	}
	step := func(i int) bool {
		if cur[i] != nil {
			if e, ok := t.next(cur[i], false); ok {
				cur[i], names[i] = e.oid, e.name
				out = append(out, pdu(e))
				return true
			}
			cur[i] = nil // at the end: stays there
		}
		out = append(out, gosnmp.SnmpPDU{Name: names[i], Type: gosnmp.EndOfMibView})
		return false
	}
	for i := range n {
		step(i)
	}
	for rep := 0; rep < m && r > 0 && len(out) < maxVars; rep++ {
		more := false
		for i := n; i < len(vars); i++ {
			more = step(i) || more
		}
		if !more {
			break
		}
	}
	return reply{vars: out}
}

func pdu(e entry) gosnmp.SnmpPDU {
	return gosnmp.SnmpPDU{Name: e.name, Type: e.val.Type, Value: e.val.Value}
}

// echo returns the request's varbinds with NULL values, as an SNMPv1
// error response or a refused SET carries them.
func echo(vars []gosnmp.SnmpPDU) []gosnmp.SnmpPDU {
	out := make([]gosnmp.SnmpPDU, len(vars))
	for i, vb := range vars {
		out[i] = gosnmp.SnmpPDU{Name: vb.Name, Type: gosnmp.Null}
	}
	return out
}

// errTooBig says that not even a tooBig response fits the size limit.
var errTooBig = errors.New("response too big even without varbinds")

// encode builds the GetResponse to req carrying r, at most limit bytes
// long. A GETBULK response that does not fit loses varbinds from its end
// (RFC 3416 section 4.2.3); any other becomes tooBig, with no varbinds in
// SNMPv2c and the request's in SNMPv1 (RFC 1157 section 4.1.2) where they
// fit.
func encode(req *gosnmp.SnmpPacket, r reply, limit int) (b []byte, tooBig bool, err error) {
	p := &gosnmp.SnmpPacket{
		Version:   req.Version,
		Community: req.Community,
		PDUType:   gosnmp.GetResponse,
		// gosnmp holds request-ids unsigned: a negative one (legal, but no
		// common client sends one) comes back as its unsigned twin.
		RequestID: req.RequestID,
		Error:     r.status,
		// gosnmp keeps the index in a byte; an error beyond varbind 255
		// is reported at 255.
		ErrorIndex: uint8(min(r.index, 255)),
		Variables:  r.vars,
	}
	if b, err = p.MarshalMsg(); err != nil || len(b) <= limit {
		return b, false, err
	}
	if req.PDUType == gosnmp.GetBulkRequest && r.status == gosnmp.NoError {
		fits := sort.Search(len(r.vars), func(n int) bool {
			p.Variables = r.vars[:n+1]
			b, err := p.MarshalMsg()
			return err != nil || len(b) > limit
		})
		if fits > 0 {
			p.Variables = r.vars[:fits]
			b, err = p.MarshalMsg()
			return b, false, err
		}
	}
	p.Error, p.ErrorIndex, p.Variables = gosnmp.TooBig, 0, nil
	if req.Version == gosnmp.Version1 {
		p.Variables = echo(req.Variables)
		if b, err = p.MarshalMsg(); err == nil && len(b) <= limit {
			return b, true, nil
		}
		p.Variables = nil
	}
	if b, err = p.MarshalMsg(); err == nil && len(b) > limit {
		err = errTooBig
	}
	return b, true, err
}
