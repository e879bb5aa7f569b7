package snmp

import (
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/gosnmp/gosnmp"
)

// AuthProtocol names an SNMPv3 authentication protocol as net-snmp's -a
// does: none, MD5, SHA, SHA-224, SHA-256, SHA-384, SHA-512.
type AuthProtocol string

// PrivProtocol names an SNMPv3 privacy protocol: none, DES, AES (AES-128,
// RFC 3826), AES-192 and AES-256 with the key extension of
// draft-blumenthal-aes-usm-04 (what net-snmp's -x AES-192/AES-256 use), and
// AES-192-C and AES-256-C with the Reeder ("3DES") key extension that
// Cisco devices use.
type PrivProtocol string

// The protocols.
const (
	AuthNone   AuthProtocol = "none"
	AuthMD5    AuthProtocol = "MD5"
	AuthSHA    AuthProtocol = "SHA"
	AuthSHA224 AuthProtocol = "SHA-224"
	AuthSHA256 AuthProtocol = "SHA-256"
	AuthSHA384 AuthProtocol = "SHA-384"
	AuthSHA512 AuthProtocol = "SHA-512"

	PrivNone    PrivProtocol = "none"
	PrivDES     PrivProtocol = "DES"
	PrivAES     PrivProtocol = "AES"
	PrivAES192  PrivProtocol = "AES-192"
	PrivAES256  PrivProtocol = "AES-256"
	PrivAES192C PrivProtocol = "AES-192-C"
	PrivAES256C PrivProtocol = "AES-256-C"
	anyEngine                = "any"
	minPassLen               = 8 // RFC 3414 11.2 and net-snmp refuse shorter passphrases
	maxUserName              = 32
)

var authProtocols = map[AuthProtocol]gosnmp.SnmpV3AuthProtocol{
	AuthNone: gosnmp.NoAuth, AuthMD5: gosnmp.MD5, AuthSHA: gosnmp.SHA,
	AuthSHA224: gosnmp.SHA224, AuthSHA256: gosnmp.SHA256, AuthSHA384: gosnmp.SHA384, AuthSHA512: gosnmp.SHA512,
}

var privProtocols = map[PrivProtocol]gosnmp.SnmpV3PrivProtocol{
	PrivNone: gosnmp.NoPriv, PrivDES: gosnmp.DES, PrivAES: gosnmp.AES,
	PrivAES192: gosnmp.AES192, PrivAES256: gosnmp.AES256,
	PrivAES192C: gosnmp.AES192C, PrivAES256C: gosnmp.AES256C,
}

// User is an SNMPv3 user (USM). Its fields are also the keys of the user
// entries in the YAML configuration.
type User struct {
	Name     string       `yaml:"name"`
	Auth     AuthProtocol `yaml:"auth"`      // empty means none
	AuthPass string       `yaml:"auth_pass"` // at least 8 characters unless Auth is none
	Priv     PrivProtocol `yaml:"priv"`      // empty means none
	PrivPass string       `yaml:"priv_pass"` // at least 8 characters unless Priv is none
	// EngineID is the authoritative engine the user belongs to, in hex:
	// the PBX's own for traps, the receiver's for informs. Empty or "any"
	// accepts the user from every engine.
	EngineID string `yaml:"engine_id"`
}

// ParseUser reads a user written NAME:AUTH:AUTHPASS:PRIV:PRIVPASS@ENGINE,
// e.g. "ops:SHA:secret123:AES:secret456@any" or "mon:none::none:@any".
// AUTH and PRIV are protocol names (case does not matter) or none with an
// empty passphrase; ENGINE is hex or any. AUTHPASS cannot hold ':';
// PRIVPASS may, and may hold '@' (the last '@' starts the engine).
func ParseUser(s string) (User, error) {
	at := strings.LastIndexByte(s, '@')
	if at < 0 {
		return User{}, fmt.Errorf("snmp: user %q: want NAME:AUTH:AUTHPASS:PRIV:PRIVPASS@ENGINE", redactUser(s))
	}
	f := strings.SplitN(s[:at], ":", 5)
	if len(f) != 5 {
		return User{}, fmt.Errorf("snmp: user %q: want NAME:AUTH:AUTHPASS:PRIV:PRIVPASS@ENGINE", redactUser(s))
	}
	u := User{Name: f[0], Auth: AuthProtocol(f[1]), AuthPass: f[2], Priv: PrivProtocol(f[3]), PrivPass: f[4], EngineID: s[at+1:]}
	if err := u.Normalize(); err != nil {
		return User{}, err
	}
	return u, nil
}

// redactUser keeps only the name of a user string for error messages.
func redactUser(s string) string {
	name, _, _ := strings.Cut(s, ":")
	return name + ":..."
}

// Normalize spells the protocol names canonically (accepting any case and
// the forms without hyphens, such as SHA256 or AES256C), fills empty
// protocols and engine with none and any, and checks every field.
func (u *User) Normalize() error {
	u.Auth = AuthProtocol(canonical(string(u.Auth), authNames))
	u.Priv = PrivProtocol(canonical(string(u.Priv), privNames))
	u.EngineID = strings.ToLower(strings.TrimSpace(u.EngineID))
	if u.EngineID == "" {
		u.EngineID = anyEngine
	}
	return u.Validate()
}

var (
	authNames = names(authProtocols)
	privNames = names(privProtocols)
)

func names[K ~string, V any](m map[K]V) map[string]string {
	out := make(map[string]string, 2*len(m))
	for k := range m {
		s := string(k)
		out[strings.ToLower(s)] = s
		out[strings.ToLower(strings.ReplaceAll(s, "-", ""))] = s
	}
	out["aes128"] = string(PrivAES)
	return out
}

func canonical(s string, known map[string]string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return "none"
	}
	if c, ok := known[strings.ToLower(s)]; ok {
		return c
	}
	return s
}

// Validate checks every field and names the first bad one.
func (u User) Validate() error {
	var errs []error
	bad := func(f string, a ...any) { errs = append(errs, fmt.Errorf(f, a...)) }
	if u.Name == "" || len(u.Name) > maxUserName {
		bad("name must be 1 to %d characters", maxUserName)
	}
	if _, ok := authProtocols[u.Auth]; !ok {
		bad("auth %q is not one of none, MD5, SHA, SHA-224, SHA-256, SHA-384, SHA-512", u.Auth)
	}
	if _, ok := privProtocols[u.Priv]; !ok {
		bad("priv %q is not one of none, DES, AES, AES-192, AES-256, AES-192-C, AES-256-C", u.Priv)
	}
	switch {
	case u.Auth == AuthNone && u.AuthPass != "":
		bad("auth_pass must be empty when auth is none")
	case u.Auth != AuthNone && len(u.AuthPass) < minPassLen:
		bad("auth_pass must be at least %d characters", minPassLen)
	}
	switch {
	case u.Priv != PrivNone && u.Auth == AuthNone:
		bad("priv needs auth: there is no noAuthPriv level")
	case u.Priv == PrivNone && u.PrivPass != "":
		bad("priv_pass must be empty when priv is none")
	case u.Priv != PrivNone && len(u.PrivPass) < minPassLen:
		bad("priv_pass must be at least %d characters", minPassLen)
	}
	if u.EngineID != "" && u.EngineID != anyEngine {
		id, err := hex.DecodeString(u.EngineID)
		if err != nil || len(id) < 5 || len(id) > 32 {
			bad("engine_id %q must be 5 to 32 octets in hex, or any", u.EngineID)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("snmp: user %q: %w", u.Name, err)
	}
	return nil
}

// String describes the user without its passphrases.
func (u User) String() string {
	return fmt.Sprintf("%s:%s:***:%s:***@%s", u.Name, u.Auth, u.Priv, u.EngineID)
}

// LogValue keeps passphrases out of structured logs.
func (u User) LogValue() slog.Value { return slog.StringValue(u.String()) }

// GoString keeps passphrases out of %#v.
func (u User) GoString() string { return "snmp.User(" + u.String() + ")" }

// MsgFlags returns the security level the user's protocols give, as the
// flags of the messages the user sends.
func (u User) MsgFlags() gosnmp.SnmpV3MsgFlags {
	switch {
	case u.Priv != PrivNone && u.Priv != "":
		return gosnmp.AuthPriv
	case u.Auth != AuthNone && u.Auth != "":
		return gosnmp.AuthNoPriv
	}
	return gosnmp.NoAuthNoPriv
}

// USM returns the user's parameters for gosnmp, for messages whose
// authoritative engine is engine (raw bytes; empty to have gosnmp discover
// it). Senders use it; the receiver keeps keys of its own (see usm.go).
func (u User) USM(engine string) *gosnmp.UsmSecurityParameters {
	return &gosnmp.UsmSecurityParameters{
		AuthoritativeEngineID:    engine,
		UserName:                 u.Name,
		AuthenticationProtocol:   authProtocols[u.Auth],
		AuthenticationPassphrase: u.AuthPass,
		PrivacyProtocol:          privProtocols[u.Priv],
		PrivacyPassphrase:        u.PrivPass,
	}
}
