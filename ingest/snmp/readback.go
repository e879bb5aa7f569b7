package snmp

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gosnmp/gosnmp"

	"github.com/pbxalarm/pbxalarm/events"
	"github.com/pbxalarm/pbxalarm/ingest/mivb"
)

// DefaultReadBackPort is the PBX's SNMP agent port.
const DefaultReadBackPort = 161

// ReadBack is the [Enricher] that reads sysDescr.0 and the category table
// (mitelIpera3000CategoryTable) from the PBX's SNMP agent with gosnmp's
// client. It is safe for concurrent use: each read has its own socket.
type ReadBack struct {
	port      uint16
	community string
	user      *User
	retries   int
}

// ReadBackOption configures a [ReadBack].
type ReadBackOption func(*ReadBack)

// ReadBackPort sets the agent's UDP port (default 161).
func ReadBackPort(p uint16) ReadBackOption { return func(r *ReadBack) { r.port = p } }

// ReadBackCommunity reads with SNMPv2c and this community.
func ReadBackCommunity(c string) ReadBackOption {
	return func(r *ReadBack) { r.community, r.user = c, nil }
}

// ReadBackUser reads with SNMPv3 as this user. Its engine ID is ignored:
// the agent's is discovered at each read.
func ReadBackUser(u User) ReadBackOption { return func(r *ReadBack) { r.user, r.community = &u, "" } }

// ReadBackRetries sets how often a request is resent within the deadline
// (default 1).
func ReadBackRetries(n int) ReadBackOption {
	return func(r *ReadBack) {
		if n >= 0 {
			r.retries = n
		}
	}
}

// NewReadBack returns a reader; it needs a community or a user.
func NewReadBack(opts ...ReadBackOption) (*ReadBack, error) {
	r := &ReadBack{port: DefaultReadBackPort, retries: 1}
	for _, o := range opts {
		o(r)
	}
	if r.user == nil && r.community == "" {
		return nil, errors.New("snmp: read-back needs a community or a v3 user")
	}
	if r.user != nil {
		if err := r.user.Normalize(); err != nil {
			return nil, fmt.Errorf("snmp: read-back: %w", err)
		}
	}
	return r, nil
}

// Enrich reads sysDescr.0 and walks the category table of the agent at
// addr, all before ctx's deadline (2 s when ctx has none).
func (r *ReadBack) Enrich(ctx context.Context, addr netip.Addr) (*Enrichment, error) {
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(DefaultEnrichTimeout)
	}
	g := &gosnmp.GoSNMP{
		Target:         addr.Unmap().String(),
		Port:           r.port,
		Transport:      "udp",
		Context:        ctx,
		Timeout:        max(time.Until(deadline)/time.Duration(r.retries+1), time.Millisecond),
		Retries:        r.retries,
		MaxOids:        gosnmp.MaxOids,
		MaxRepetitions: 25,
	}
	if r.user != nil {
		g.Version, g.SecurityModel, g.MsgFlags = gosnmp.Version3, gosnmp.UserSecurityModel, r.user.MsgFlags()
		g.SecurityParameters = r.user.USM("")
	} else {
		g.Version, g.Community = gosnmp.Version2c, r.community
	}
	if err := g.Connect(); err != nil {
		return nil, fmt.Errorf("snmp: read-back from %s: connect: %w", addr, err)
	}
	defer g.Close()
	// Close the socket when ctx ends, so a shutdown does not wait for the
	// read deadline.
	stop := context.AfterFunc(ctx, func() { g.Close() })
	defer stop()

	var e Enrichment
	res, err := g.Get([]string{mivb.OIDSysDescr})
	if err != nil {
		return nil, fmt.Errorf("snmp: read-back from %s: get sysDescr.0: %w", addr, err)
	}
	if len(res.Variables) == 1 {
		if b, ok := res.Variables[0].Value.([]byte); ok {
			e.SysDescr = strings.TrimRight(string(b), "\x00")
		}
	}
	rows := map[int]*events.Category{}
	walk := func(v gosnmp.SnmpPDU) error {
		addCell(rows, strings.TrimPrefix(v.Name, "."), v)
		return nil
	}
	if err := g.BulkWalk(mivb.OIDCategoryEntry, walk); err != nil {
		return nil, fmt.Errorf("snmp: read-back from %s: walk category table: %w", addr, err)
	}
	for _, c := range rows {
		e.Categories = append(e.Categories, *c)
	}
	slices.SortFunc(e.Categories, func(a, b events.Category) int { return a.Index - b.Index })
	return &e, nil
}

// addCell files one cell of the category table (entry.column.index) into
// its row.
func addCell(rows map[int]*events.Category, oid string, v gosnmp.SnmpPDU) {
	rest, ok := strings.CutPrefix(oid, mivb.OIDCategoryEntry+".")
	if !ok {
		return
	}
	colText, idxText, ok := strings.Cut(rest, ".")
	col, err1 := strconv.Atoi(colText)
	idx, err2 := strconv.Atoi(idxText)
	if !ok || err1 != nil || err2 != nil {
		return
	}
	row := rows[idx]
	if row == nil {
		row = &events.Category{Index: idx}
		rows[idx] = row
	}
	n := int(gosnmp.ToBigInt(v.Value).Int64())
	switch col {
	case mivb.CatColAvailable:
		row.Available = n
	case mivb.CatColUnavailable:
		row.Unavailable = n
	case mivb.CatColLevel:
		row.Level = n
	case mivb.CatColName:
		if b, ok := v.Value.([]byte); ok {
			row.Name = categoryName(b)
		}
	}
}

func categoryName(b []byte) string {
	t := strings.TrimRight(string(b), "\x00")
	if printable([]byte(t)) {
		return t
	}
	return "0x" + hex.EncodeToString(b)
}
