package ingest

import (
	"fmt"
	"net/netip"
	"sort"
	"strings"
)

// SystemNames maps sender addresses to configured system names. The most
// specific prefix wins, so a host entry overrides its network's.
type SystemNames struct {
	prefixes []namedPrefix // longest first
}

type namedPrefix struct {
	prefix netip.Prefix
	name   string
}

// NewSystemNames builds the mapping from "IP or CIDR" -> name.
func NewSystemNames(m map[string]string) (*SystemNames, error) {
	s := &SystemNames{}
	for k, name := range m {
		if strings.TrimSpace(name) == "" {
			return nil, fmt.Errorf("%q: empty system name", k)
		}
		var p netip.Prefix
		var err error
		if strings.Contains(k, "/") {
			p, err = netip.ParsePrefix(k)
		} else {
			var a netip.Addr
			a, err = netip.ParseAddr(k)
			p = netip.PrefixFrom(a, a.BitLen())
		}
		if err != nil {
			return nil, fmt.Errorf("%q is not an IP address or CIDR: %w", k, err)
		}
		s.prefixes = append(s.prefixes, namedPrefix{p.Masked(), name})
	}
	sort.Slice(s.prefixes, func(i, j int) bool {
		if a, b := s.prefixes[i].prefix.Bits(), s.prefixes[j].prefix.Bits(); a != b {
			return a > b
		}
		return s.prefixes[i].prefix.String() < s.prefixes[j].prefix.String()
	})
	return s, nil
}

// Lookup returns the configured name for addr.
func (s *SystemNames) Lookup(addr netip.Addr) (string, bool) {
	if s == nil {
		return "", false
	}
	addr = addr.Unmap()
	for _, p := range s.prefixes {
		if p.prefix.Contains(addr) {
			return p.name, true
		}
	}
	return "", false
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
