package events

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"
)

// SpecVersion is the CloudEvents version of every event.
const SpecVersion = "1.0"

// ContentType is the datacontenttype of every event.
const ContentType = "application/json"

// Event is one normalised event, a CloudEvents 1.0 document in structured
// mode. Its JSON encoding is what is published on NATS.
type Event struct {
	SpecVersion     string    `json:"specversion"`
	ID              string    `json:"id"`
	Source          string    `json:"source"`
	Type            Type      `json:"type"`
	Subject         string    `json:"subject"` // the system name
	Time            time.Time `json:"time"`
	DataContentType string    `json:"datacontenttype"`
	Data            Data      `json:"data"`
}

// Data is the payload of an event. Fields without omitempty are always
// present; the others appear where the source gave them.
type Data struct {
	// System is the PBX's name (see docs/EVENTS.md for how it is chosen).
	System    string    `json:"system"`
	Kind      Kind      `json:"kind"`
	Severity  Severity  `json:"severity"`
	Transport Transport `json:"transport"`
	// Peer is the sender's address as ip:port.
	Peer       string    `json:"peer"`
	ReceivedAt time.Time `json:"received_at"`
	// Message is human-readable text: the record's description where one
	// was recognised, else the syslog MSG, else the raw text.
	Message string `json:"message"`
	// Raw is the message exactly as received: text where it is valid UTF-8,
	// else standard base64 with RawBase64 set.
	Raw       string `json:"raw"`
	RawBase64 bool   `json:"raw_base64,omitempty"`

	// Recognised says whether a MiVB record or trap was recognised; false
	// means the event carries the message as it came (kind log).
	Recognised bool `json:"recognised"`

	// Licence violation details (kind licence).
	Cause           Cause      `json:"cause,omitempty"`
	Day             int        `json:"day,omitempty"`
	FirstDetectedAt *time.Time `json:"first_detected_at,omitempty"`

	// Release is the PBX software release where known (e.g. "9.0 SP2").
	Release string `json:"release,omitempty"`

	// Record holds the fields of a recognised MiVB maintenance-log record.
	Record *Record `json:"record,omitempty"`
	// Syslog holds the syslog header, for transport syslog.
	Syslog *Syslog `json:"syslog,omitempty"`
	// SNMP holds the notification's details, for transport snmp.
	SNMP *SNMP `json:"snmp,omitempty"`
	// State holds a licence-state transition, for kind state.
	State *StateChange `json:"state,omitempty"`
}

// Record is a MiVB maintenance-log record as recognised.
type Record struct {
	LogType     string `json:"log_type,omitempty"`     // Maintenance or Software
	LogNumber   string `json:"log_number,omitempty"`   // index unique per log
	LogSeverity string `json:"log_severity,omitempty"` // Info, Warning or Error
	Source      string `json:"source,omitempty"`
	Module      string `json:"module,omitempty"`
	Description string `json:"description,omitempty"`
	// Level is the licence-violation or alarm level word as written.
	Level string `json:"level,omitempty"`
	// Pattern names the recogniser rule that matched.
	Pattern string `json:"pattern,omitempty"`
}

// Syslog is the header of a syslog message, where it could be parsed.
type Syslog struct {
	// Format is rfc5424, rfc3164 or none (no header could be parsed).
	Format   string `json:"format"`
	Facility *int   `json:"facility,omitempty"`
	Severity *int   `json:"severity,omitempty"`
	// Timestamp is the time in the header, with the year inferred for RFC
	// 3164 lines that carry none.
	Timestamp      *time.Time                   `json:"timestamp,omitempty"`
	Hostname       string                       `json:"hostname,omitempty"`
	AppName        string                       `json:"app_name,omitempty"`
	ProcID         string                       `json:"proc_id,omitempty"`
	MsgID          string                       `json:"msg_id,omitempty"`
	StructuredData map[string]map[string]string `json:"structured_data,omitempty"`
	// ParseError says why the header could not be (fully) parsed.
	ParseError string `json:"parse_error,omitempty"`
	// Framing is how the frame was delimited on a stream: octet-counting,
	// lf or nul; empty for datagrams.
	Framing string `json:"framing,omitempty"`
}

// SNMP describes a received notification.
type SNMP struct {
	Version      string    `json:"version"` // 1, 2c or 3
	PDU          string    `json:"pdu"`     // trap or inform
	TrapOID      string    `json:"trap_oid,omitempty"`
	Enterprise   string    `json:"enterprise,omitempty"`
	GenericTrap  *int      `json:"generic_trap,omitempty"`
	SpecificTrap *int      `json:"specific_trap,omitempty"`
	AgentAddress string    `json:"agent_address,omitempty"`
	Uptime       *uint32   `json:"uptime,omitempty"`
	User         string    `json:"user,omitempty"` // v3 user name
	Varbinds     []Varbind `json:"varbinds"`
	// AlarmLevel is mitelIpera3000AlmLevel as sent (1..4), where present.
	AlarmLevel *int `json:"alarm_level,omitempty"`
	// LevelAmbiguous is set where the source cannot tell some levels apart
	// (a trap's clear may be a licence Warning; its critical may be System
	// Lock).
	LevelAmbiguous bool `json:"level_ambiguous,omitempty"`
	// Enriched says whether the PBX's category table was read back.
	Enriched    bool       `json:"enriched"`
	EnrichError string     `json:"enrich_error,omitempty"`
	Categories  []Category `json:"categories,omitempty"`
	SysDescr    string     `json:"sys_descr,omitempty"`
}

// Varbind is one SNMP variable binding, its value rendered as text.
type Varbind struct {
	OID   string `json:"oid"`
	Name  string `json:"name,omitempty"`
	Type  string `json:"type"`
	Value string `json:"value"`
}

// Category is one row of the PBX's alarm category table.
type Category struct {
	Index       int    `json:"index"`
	Name        string `json:"name"`
	Level       int    `json:"level"`
	Available   int    `json:"available,omitempty"`
	Unavailable int    `json:"unavailable,omitempty"`
}

// StateChange is a licence-state transition (kind state).
type StateChange struct {
	PreviousLevel    Severity   `json:"previous_level"`
	Level            Severity   `json:"level"`
	NextLevel        Severity   `json:"next_level,omitempty"`
	NextEscalationAt *time.Time `json:"next_escalation_at,omitempty"`
	SystemLockAt     *time.Time `json:"system_lock_at,omitempty"`
}

// SetRaw stores raw bytes in d.Raw: as text when valid UTF-8, else base64
// with RawBase64 set.
func (d *Data) SetRaw(raw []byte) {
	if utf8.Valid(raw) {
		d.Raw, d.RawBase64 = string(raw), false
		return
	}
	d.Raw, d.RawBase64 = base64.StdEncoding.EncodeToString(raw), true
}

// RawBytes returns the original bytes of the message.
func (d *Data) RawBytes() ([]byte, error) {
	if !d.RawBase64 {
		return []byte(d.Raw), nil
	}
	b, err := base64.StdEncoding.DecodeString(d.Raw)
	if err != nil {
		return nil, fmt.Errorf("events: decode raw: %w", err)
	}
	return b, nil
}

// New fills the CloudEvents envelope around d: the id from the transport,
// sender IP and raw bytes, the type from kind and severity, the subject
// from the system name. at is the time the event occurred (the message's
// own timestamp where it had one); zero means d.ReceivedAt.
func New(d Data, senderIP string, raw []byte, at time.Time) Event {
	if at.IsZero() {
		at = d.ReceivedAt
	}
	d.SetRaw(raw)
	return Event{
		SpecVersion:     SpecVersion,
		ID:              ID(d.Transport, senderIP, raw),
		Source:          "/pbxalarm/" + string(d.Transport) + "/" + senderIP,
		Type:            TypeFor(d.Kind, d.Severity),
		Subject:         d.System,
		Time:            at.UTC(),
		DataContentType: ContentType,
		Data:            d,
	}
}

// NATSSubject returns the subject the event is published on.
func (e *Event) NATSSubject(prefix string) string {
	return Subject(prefix, e.Data.System, e.Data.Kind, e.Data.Severity)
}

// Validate checks the invariants every published event holds.
func (e *Event) Validate() error {
	var errs []error
	bad := func(f string, a ...any) { errs = append(errs, fmt.Errorf(f, a...)) }
	if e.SpecVersion != SpecVersion {
		bad("specversion is %q, want %q", e.SpecVersion, SpecVersion)
	}
	if e.ID == "" {
		bad("id is empty")
	}
	if e.Source == "" {
		bad("source is empty")
	}
	k, err := KindOf(e.Type)
	if err != nil {
		bad("type: %v", err)
	} else if k != e.Data.Kind {
		bad("type %q does not fit data.kind %q", e.Type, e.Data.Kind)
	}
	if e.Subject != e.Data.System {
		bad("subject %q differs from data.system %q", e.Subject, e.Data.System)
	}
	if e.Time.IsZero() {
		bad("time is zero")
	}
	if e.DataContentType != ContentType {
		bad("datacontenttype is %q, want %q", e.DataContentType, ContentType)
	}
	d := &e.Data
	if d.System == "" {
		bad("data.system is empty")
	}
	if !d.Severity.Valid() {
		bad("data.severity %q is not a severity", d.Severity)
	}
	if !validTransports[d.Transport] {
		bad("data.transport %q is not a transport", d.Transport)
	}
	if d.ReceivedAt.IsZero() {
		bad("data.received_at is zero")
	}
	if d.Kind == KindLicence && !validCauses[d.Cause] {
		bad("data.cause %q is not a cause", d.Cause)
	}
	if d.Kind != KindLicence && d.Cause != "" {
		bad("data.cause is set on a %s event", d.Kind)
	}
	if d.Day < 0 {
		bad("data.day is negative")
	}
	if d.RawBase64 {
		if _, err := base64.StdEncoding.DecodeString(d.Raw); err != nil {
			bad("data.raw is flagged base64 but is not: %v", err)
		}
	} else if !utf8.ValidString(d.Raw) {
		bad("data.raw is not valid UTF-8 and not flagged base64")
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("events: invalid event %s: %w", e.ID, err)
	}
	return nil
}

// Marshal validates e and returns its JSON encoding.
func (e *Event) Marshal() ([]byte, error) {
	if err := e.Validate(); err != nil {
		return nil, err
	}
	b, err := json.Marshal(e)
	if err != nil {
		return nil, fmt.Errorf("events: encode %s: %w", e.ID, err)
	}
	return b, nil
}

// Unmarshal decodes and validates an event.
func Unmarshal(b []byte) (Event, error) {
	var e Event
	if err := json.Unmarshal(b, &e); err != nil {
		return Event{}, fmt.Errorf("events: decode: %w", err)
	}
	return e, e.Validate()
}
