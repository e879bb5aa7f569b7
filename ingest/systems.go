package ingest

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"
)

// prefixTable maps sender addresses to values by IP or CIDR. The most
// specific prefix wins, so a host entry overrides its network's. Host
// entries, most of a fleet's, are found in a map: a message is looked up
// up to three times, and a scan of 500 entries cost 4 µs each.
type prefixTable[V any] struct {
	hosts   map[netip.Addr]V
	entries []prefixEntry[V] // the networks, longest prefix first
}

type prefixEntry[V any] struct {
	prefix netip.Prefix
	value  V
}

// newPrefixTable builds a table from "IP or CIDR" keys, each value made by
// conv, whose error names neither the key nor the field.
func newPrefixTable[V any](m map[string]string, conv func(string) (V, error)) (prefixTable[V], error) {
	t := prefixTable[V]{hosts: map[netip.Addr]V{}}
	for k, s := range m {
		p, err := parsePrefix(k)
		if err != nil {
			return t, err
		}
		v, err := conv(s)
		if err != nil {
			return t, fmt.Errorf("%s: %w", k, err)
		}
		if p.IsSingleIP() {
			t.hosts[p.Addr()] = v
			continue
		}
		t.entries = append(t.entries, prefixEntry[V]{p, v})
	}
	slices.SortFunc(t.entries, func(a, b prefixEntry[V]) int {
		if c := cmp.Compare(b.prefix.Bits(), a.prefix.Bits()); c != 0 {
			return c
		}
		return cmp.Compare(a.prefix.String(), b.prefix.String())
	})
	return t, nil
}

// parsePrefix reads an IP address (as a host prefix) or a CIDR.
func parsePrefix(k string) (netip.Prefix, error) {
	if strings.Contains(k, "/") {
		p, err := netip.ParsePrefix(k)
		if err != nil {
			return p, fmt.Errorf("%q is not an IP address or CIDR: %w", k, err)
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(k)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("%q is not an IP address or CIDR: %w", k, err)
	}
	return netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()), nil
}

// lookup returns the value of the most specific prefix holding addr.
func (t prefixTable[V]) lookup(addr netip.Addr) (V, bool) {
	addr = addr.Unmap()
	if v, ok := t.hosts[addr]; ok {
		return v, true
	}
	for _, e := range t.entries {
		if e.prefix.Contains(addr) {
			return e.value, true
		}
	}
	var zero V
	return zero, false
}

// SystemNames maps sender addresses to configured system names.
type SystemNames struct {
	table prefixTable[string]
}

// NewSystemNames builds the mapping from "IP or CIDR" -> name.
func NewSystemNames(m map[string]string) (*SystemNames, error) {
	t, err := newPrefixTable(m, func(name string) (string, error) {
		if strings.TrimSpace(name) == "" {
			return "", fmt.Errorf("empty system name")
		}
		return name, nil
	})
	if err != nil {
		return nil, err
	}
	return &SystemNames{t}, nil
}

// Lookup returns the configured name for addr.
func (s *SystemNames) Lookup(addr netip.Addr) (string, bool) {
	if s == nil {
		return "", false
	}
	return s.table.lookup(addr)
}

// Name chooses a system's name: the configured name for the sender's
// address, else the name the message gives (syslog HOSTNAME, sysName),
// else the sender's IP address.
func (s *SystemNames) Name(sender netip.Addr, given string) string {
	if n, ok := s.Lookup(sender); ok {
		return n
	}
	if given = strings.TrimSpace(given); given != "" {
		return given
	}
	return sender.Unmap().String()
}

// Zones says in which time zone each sender writes the timestamps that
// name none: an RFC 3164 header's, and a MiVB record's own date and time.
// A fleet spread over time zones needs this, or a PBX an ocean away is
// read hours off and its licence countdown with it.
type Zones struct {
	def   *time.Location
	table prefixTable[*time.Location]
}

// NewZones builds the mapping from "IP or CIDR" -> IANA zone name, with
// def for senders it does not hold (nil: UTC).
func NewZones(def *time.Location, m map[string]string) (*Zones, error) {
	if def == nil {
		def = time.UTC
	}
	t, err := newPrefixTable(m, func(name string) (*time.Location, error) {
		if strings.TrimSpace(name) == "" {
			return nil, fmt.Errorf("empty time zone")
		}
		return time.LoadLocation(name)
	})
	if err != nil {
		return nil, err
	}
	return &Zones{def, t}, nil
}

// Location is the zone of addr's timestamps. A nil Zones is UTC for all.
func (z *Zones) Location(addr netip.Addr) *time.Location {
	if z == nil {
		return time.UTC
	}
	if loc, ok := z.table.lookup(addr); ok {
		return loc
	}
	return z.def
}
