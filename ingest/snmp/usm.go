package snmp

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"sync"

	"github.com/gosnmp/gosnmp"
)

// maxCachedKeys bounds the localised-key cache: a flood of made-up engine
// IDs for an "any" user must not grow memory without end.
const maxCachedKeys = 4096

// userTable finds the configured user for an engine ID and user name and
// keeps each user's keys localised per engine ID (RFC 3414 2.6), so the
// hashing is done once per engine, not per message.
type userTable struct {
	byName map[string][]userConf

	mu   sync.RWMutex
	keys map[string]*localUser // engine ID + 0 + user name
}

type userConf struct {
	User
	engine []byte // nil: any engine
	auth   gosnmp.SnmpV3AuthProtocol
	priv   gosnmp.SnmpV3PrivProtocol
}

// localUser is a user with keys localised to one engine: what gosnmp needs
// to check, decrypt and encrypt a message.
type localUser struct {
	conf *userConf
	usm  *gosnmp.UsmSecurityParameters // keys set; never modified after creation
	dec  *gosnmp.GoSNMP                // decoder bound to usm
}

func newUserTable(users []User) (*userTable, error) {
	t := &userTable{byName: map[string][]userConf{}, keys: map[string]*localUser{}}
	for _, u := range users {
		if err := u.Normalize(); err != nil {
			return nil, err
		}
		c := userConf{User: u, auth: authProtocols[u.Auth], priv: privProtocols[u.Priv]}
		if u.EngineID != anyEngine {
			c.engine, _ = hex.DecodeString(u.EngineID) // validated
		}
		for _, o := range t.byName[u.Name] {
			if bytes.Equal(o.engine, c.engine) {
				return nil, fmt.Errorf("snmp: user %q is configured twice for engine %s", u.Name, u.EngineID)
			}
		}
		t.byName[u.Name] = append(t.byName[u.Name], c)
	}
	return t, nil
}

// lookup returns the user for a message from engine with user name, or
// the reason it has none: unknown_user when no user has that name,
// unknown_engine when none of that name belongs to that engine.
func (t *userTable) lookup(engine []byte, name string) (*localUser, *rejection) {
	confs, ok := t.byName[name]
	if !ok {
		return nil, rejectf(ReasonUnknownUser, fmt.Sprintf("unknown user %q", name))
	}
	var conf *userConf
	for i := range confs {
		c := &confs[i]
		if bytes.Equal(c.engine, engine) {
			conf = c
			break
		}
		if c.engine == nil {
			conf = c // an exact engine match, later in the list, still wins
		}
	}
	if conf == nil {
		return nil, rejectf(ReasonUnknownEngine, fmt.Sprintf("user %q is not configured for engine %x", name, engine))
	}
	key := string(engine) + "\x00" + name
	t.mu.RLock()
	lu := t.keys[key]
	t.mu.RUnlock()
	if lu != nil && lu.conf == conf {
		return lu, nil
	}
	lu, err := localise(conf, engine)
	if err != nil {
		return nil, reject(ReasonAuthFailure, err)
	}
	t.mu.Lock()
	if len(t.keys) >= maxCachedKeys {
		clear(t.keys)
	}
	t.keys[key] = lu
	t.mu.Unlock()
	return lu, nil
}

// localise derives the user's keys for engine through gosnmp. engine may
// be part of a read buffer: only copies of it are kept.
func localise(c *userConf, engine []byte) (*localUser, error) {
	usm := &gosnmp.UsmSecurityParameters{
		AuthoritativeEngineID:    string(engine),
		UserName:                 c.Name,
		AuthenticationProtocol:   c.auth,
		AuthenticationPassphrase: c.AuthPass,
		PrivacyProtocol:          c.priv,
		PrivacyPassphrase:        c.PrivPass,
	}
	if err := usm.InitSecurityKeys(); err != nil {
		return nil, fmt.Errorf("snmp: localise keys of user %q for engine %x: %w", c.Name, engine, err)
	}
	return &localUser{
		conf: c,
		usm:  usm,
		dec: &gosnmp.GoSNMP{
			Version:            gosnmp.Version3,
			SecurityModel:      gosnmp.UserSecurityModel,
			MsgFlags:           c.MsgFlags(),
			SecurityParameters: usm,
		},
	}, nil
}
