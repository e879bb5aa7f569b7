package snmp

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// engineFile is where the local engine ID and boot counter are kept, in the
// data directory.
const engineFile = "snmp-engine.json"

// maxBoots is where snmpEngineBoots latches (RFC 3414 2.2.2).
const maxBoots = 1<<31 - 1

// localEngine is the receiver as an SNMPv3 authoritative engine: the one v3
// informs are addressed to.
type localEngine struct {
	id    []byte
	boots uint32
	start time.Time
	now   func() time.Time
}

// engineTime returns snmpEngineTime: seconds since this boot.
func (e *localEngine) engineTime() uint32 {
	return uint32(min(e.now().Sub(e.start)/time.Second, maxBoots))
}

// inTimeWindow applies RFC 3414 3.2.7a to a message addressed to us: same
// boots, engine time within 150 seconds.
func (e *localEngine) inTimeWindow(boots, t int64) bool {
	if e.boots == maxBoots || boots != int64(e.boots) {
		return false
	}
	d := t - int64(e.engineTime())
	return d >= -150 && d <= 150
}

type engineState struct {
	EngineID string `json:"engine_id"`
	Boots    uint32 `json:"boots"`
}

// loadEngine sets up the local engine: the configured ID, else the one kept
// in dataDir, else a new one; the boot counter kept in dataDir plus one,
// else 1. The new state is written back before the receiver serves.
func loadEngine(configured []byte, dataDir string, now func() time.Time) (*localEngine, error) {
	if configured != nil && (len(configured) < 5 || len(configured) > 32) {
		return nil, fmt.Errorf("snmp: engine ID %x: must be 5 to 32 octets", configured)
	}
	e := &localEngine{id: configured, boots: 1, start: now(), now: now}
	if dataDir == "" {
		if e.id == nil {
			e.id = newEngineID()
		}
		return e, nil
	}
	path := filepath.Join(dataDir, engineFile)
	var st engineState
	switch b, err := os.ReadFile(path); {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, fmt.Errorf("snmp: read engine state: %w", err)
	default:
		if err := json.Unmarshal(b, &st); err != nil {
			return nil, fmt.Errorf("snmp: engine state %s: %w", path, err)
		}
		kept, err := hex.DecodeString(st.EngineID)
		if err != nil || len(kept) < 5 || len(kept) > 32 {
			return nil, fmt.Errorf("snmp: engine state %s: engine_id %q is not 5 to 32 octets in hex", path, st.EngineID)
		}
		switch {
		case e.id == nil:
			e.id = kept
			e.boots = min(st.Boots+1, maxBoots)
		case bytes.Equal(e.id, kept):
			e.boots = min(st.Boots+1, maxBoots)
		}
	}
	if e.id == nil {
		e.id = newEngineID()
	}
	if err := writeEngineState(path, engineState{EngineID: hex.EncodeToString(e.id), Boots: e.boots}); err != nil {
		return nil, err
	}
	return e, nil
}

// writeEngineState replaces the file atomically, so a crash leaves the old
// or the new state, never half of one.
func writeEngineState(path string, st engineState) error {
	b, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("snmp: encode engine state: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("snmp: engine state directory: %w", err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o600); err != nil {
		return fmt.Errorf("snmp: write engine state: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("snmp: write engine state: %w", err)
	}
	return nil
}

// newEngineID makes an RFC 3411 engine ID: enterprise 0 (no number of our
// own is registered) with the high bit set, format 5 (administratively
// assigned octets), then 12 random octets.
func newEngineID() []byte {
	id := []byte{0x80, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}
	rand.Read(id[5:])
	return id
}
