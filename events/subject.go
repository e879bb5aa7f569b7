package events

import (
	"fmt"
	"strings"
)

// DefaultPrefix is the first subject token unless configured otherwise.
const DefaultPrefix = "pbx"

// SystemToken turns a system name into its subject token: lower case, every
// character outside [a-z0-9_-] replaced by '_'. An empty name becomes "_".
func SystemToken(name string) string {
	if name == "" {
		return "_"
	}
	var b strings.Builder
	b.Grow(len(name))
	for _, r := range strings.ToLower(name) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '_', r == '-':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	return b.String()
}

// Subject returns <prefix>.<system token>.<kind>.<severity>.
func Subject(prefix, system string, k Kind, s Severity) string {
	return prefix + "." + SystemToken(system) + "." + string(k) + "." + string(s)
}

// ValidatePrefix checks that a subject prefix is one or more NATS tokens
// with no wildcards, so that "<prefix>.>" is a valid stream subject.
func ValidatePrefix(prefix string) error {
	if prefix == "" {
		return fmt.Errorf("events: subject prefix is empty")
	}
	for _, tok := range strings.Split(prefix, ".") {
		if tok == "" || strings.ContainsAny(tok, "*> \t\r\n") {
			return fmt.Errorf("events: subject prefix %q: token %q is empty or holds a wildcard or space", prefix, tok)
		}
	}
	return nil
}
