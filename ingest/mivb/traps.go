package mivb

import (
	"encoding/hex"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/pbxalarm/pbxalarm/events"
)

// OIDs of the notifications MiVB sends, in their SNMPv2 form (RFC 3584
// translates a v1 trap to enterprise.0.specific, or to snmpTraps for the
// generic traps). Sources: MITEL-IperaVoiceLAN-MIB, SNMPv2-MIB.
const (
	OIDMitelIpera3000        = "1.3.6.1.4.1.1027.1.2.3" // mitelIdCsIpera3000: enterprise of MiVB traps and its sysObjectID
	OIDTrapAlarm             = "1.3.6.1.4.1.1027.1.2.3.0.301"
	OIDTrapShutdown          = "1.3.6.1.4.1.1027.1.2.3.0.302"
	OIDTrapRestartComplete   = "1.3.6.1.4.1.1027.1.2.3.0.303"
	OIDTrapResilFailover     = "1.3.6.1.4.1.1027.1.2.3.0.501"
	OIDTrapResilHealthCheck  = "1.3.6.1.4.1.1027.1.2.3.0.502"
	OIDTrapResilHandoff      = "1.3.6.1.4.1.1027.1.2.3.0.503"
	OIDColdStart             = "1.3.6.1.6.3.1.1.5.1"
	trapOIDSnmpTraps         = "1.3.6.1.6.3.1.1.5" // parent of the generic traps
	OIDSysDescr              = "1.3.6.1.2.1.1.1.0"
	OIDSysUpTime             = "1.3.6.1.2.1.1.3.0"
	OIDSysName               = "1.3.6.1.2.1.1.5.0"
	OIDSnmpTrapOID           = "1.3.6.1.6.3.1.1.4.1.0"
	OIDSnmpTrapEnterprise    = "1.3.6.1.6.3.1.1.4.3.0"
	OIDAlmLevel              = "1.3.6.1.4.1.1027.4.1.1.2.2.1.0"
	OIDAlmDetectDate         = "1.3.6.1.4.1.1027.4.1.1.2.2.2.0"
	OIDAlmNbrCategories      = "1.3.6.1.4.1.1027.4.1.1.2.2.3.0"
	OIDCategoryEntry         = "1.3.6.1.4.1.1027.4.1.1.2.2.4.1" // mitelIpera3000CategoryEntry; columns below
	OIDShutdownCause         = "1.3.6.1.4.1.1027.4.1.1.2.2.5"
	OIDShutdownDetailedCause = "1.3.6.1.4.1.1027.4.1.1.2.2.6"
	OIDResetCause            = "1.3.6.1.4.1.1027.4.1.1.2.2.7"
	OIDResetCauseBits        = "1.3.6.1.4.1.1027.4.1.1.2.2.8"
)

// Columns of mitelIpera3000CategoryTable: the row's OID is
// OIDCategoryEntry.<column>.<index>.
const (
	CatColIndex          = 1
	CatColAvailable      = 2
	CatColUnavailable    = 3
	CatColLevel          = 4
	CatColMinorThresh    = 5
	CatColMajorThresh    = 6
	CatColCriticalThresh = 7
	CatColName           = 8
)

// Syntax says how an object's value is to be rendered as text.
type Syntax int

// The syntaxes a receiver needs to know about; everything else is rendered
// from its BER type alone.
const (
	SyntaxOther       Syntax = iota
	SyntaxDateAndTime        // SNMPv2-TC DateAndTime, 8 or 11 octets
)

// Object is a MIB object a MiVB notification may carry.
type Object struct {
	OID    string // without instance suffix
	Name   string
	Syntax Syntax
	Enum   map[int]string // labels of an enumerated INTEGER
}

// AlarmLevels labels MitelIpera3000AlarmLevelType.
var AlarmLevels = map[int]string{1: "almClear", 2: "almMinor", 3: "almMajor", 4: "almCritical"}

// ShutdownCauses labels MitelIpera3000ShutdownCause.
var ShutdownCauses = map[int]string{
	1: "resourcesLowReboot", 2: "softwareFailureReboot", 3: "hardwareFailureReboot",
	4: "softwareUpgradedReboot", 5: "databaseRestoreReboot", 6: "intermediateReboot",
	7: "l2SwitchFailureReboot", 8: "remoteAlarmButtonReboot", 9: "programmedReboot",
	10: "maintenanceCommandReboot", 11: "maintenanceCommandShutdown", 12: "shutdownCauseNotReported",
}

// ResetCauses labels MitelIpera3000ResetCause ("uknownReset" is spelt as in
// the MIB).
var ResetCauses = map[int]string{
	1: "pushButtonReset", 2: "softwareInitiatedReset", 3: "powerOnReset",
	4: "systemFaultReset", 5: "uknownReset",
}

// Objects lists the objects named in events (varbind names), keyed by OID
// without instance suffix.
var Objects = trapIndexObjects([]Object{
	{OID: "1.3.6.1.2.1.1.1", Name: "sysDescr"},
	{OID: "1.3.6.1.2.1.1.2", Name: "sysObjectID"},
	{OID: "1.3.6.1.2.1.1.3", Name: "sysUpTime"},
	{OID: "1.3.6.1.2.1.1.5", Name: "sysName"},
	{OID: "1.3.6.1.6.3.1.1.4.1", Name: "snmpTrapOID"},
	{OID: "1.3.6.1.6.3.1.1.4.3", Name: "snmpTrapEnterprise"},
	{OID: "1.3.6.1.4.1.1027.4.1.1.2.2.1", Name: "mitelIpera3000AlmLevel", Enum: AlarmLevels},
	{OID: "1.3.6.1.4.1.1027.4.1.1.2.2.2", Name: "mitelIpera3000AlmDetectDate", Syntax: SyntaxDateAndTime},
	{OID: "1.3.6.1.4.1.1027.4.1.1.2.2.3", Name: "mitelIpera3000AlmNbrCategories"},
	{OID: OIDCategoryEntry + ".1", Name: "mitelIpera3000CatTblIndex"},
	{OID: OIDCategoryEntry + ".2", Name: "mitelIpera3000CatTblAvailable"},
	{OID: OIDCategoryEntry + ".3", Name: "mitelIpera3000CatTblUnavailable"},
	{OID: OIDCategoryEntry + ".4", Name: "mitelIpera3000CatTblLevel", Enum: AlarmLevels},
	{OID: OIDCategoryEntry + ".5", Name: "mitelIpera3000CatTblMinorThresh"},
	{OID: OIDCategoryEntry + ".6", Name: "mitelIpera3000CatTblMajorThresh"},
	{OID: OIDCategoryEntry + ".7", Name: "mitelIpera3000CatTblCriticalThresh"},
	{OID: OIDCategoryEntry + ".8", Name: "mitelIpera3000CatTblName"},
	{OID: OIDShutdownCause, Name: "mitelIpera3000TrapAlmShutdownCause", Enum: ShutdownCauses},
	{OID: OIDShutdownDetailedCause, Name: "mitelIpera3000TrapAlmShutdownDetailedCause"},
	{OID: OIDResetCause, Name: "mitelIpera3000AlmResetCause", Enum: ResetCauses},
	{OID: OIDResetCauseBits, Name: "mitelIpera3000AlmResetCauseBITS"},
	// Resiliency table columns, as the 501-503 traps carry them.
	{OID: "1.3.6.1.4.1.1027.4.1.1.2.4.1.1.1", Name: "mitelIpera3000ResTblPriSysName"},
	{OID: "1.3.6.1.4.1.1027.4.1.1.2.4.1.1.2", Name: "mitelIpera3000ResTblPriCEID"},
	{OID: "1.3.6.1.4.1.1027.4.1.1.2.4.1.1.3", Name: "mitelIpera3000ResTblClusterName"},
	{OID: "1.3.6.1.4.1.1027.4.1.1.2.4.1.1.4", Name: "mitelIpera3000ResTblDetectDate", Syntax: SyntaxDateAndTime},
})

func trapIndexObjects(list []Object) map[string]Object {
	m := make(map[string]Object, len(list))
	for _, o := range list {
		m[o.OID] = o
	}
	return m
}

// LookupObject finds the object an OID (with or without instance suffix)
// belongs to and returns its name with the suffix appended, as
// "sysName.0".
func LookupObject(oid string) (name string, obj Object, ok bool) {
	for base := oid; base != ""; base = trapParentOID(base) {
		if o, found := Objects[base]; found {
			return o.Name + oid[len(base):], o, true
		}
	}
	return "", Object{}, false
}

func trapParentOID(oid string) string {
	i := strings.LastIndexByte(oid, '.')
	if i < 0 {
		return ""
	}
	return oid[:i]
}

// TrapInfo describes a known notification and what it becomes.
type TrapInfo struct {
	Name     string
	Kind     events.Kind
	Severity events.Severity // for trap 301 the level decides instead
	Text     string          // the start of the event message
}

// Traps lists the known notifications by SNMPv2 OID.
var Traps = map[string]TrapInfo{
	OIDTrapAlarm:            {Name: "mitelIpera3000NotifAlarm", Kind: events.KindAlarm, Text: "MiVB alarm level"},
	OIDTrapShutdown:         {Name: "mitelIpera3000ShutdownAlarm", Kind: events.KindSystem, Severity: events.SeverityMajor, Text: "MiVB shutting down"},
	OIDTrapRestartComplete:  {Name: "mitelIpera3000RestartCompleteAlarm", Kind: events.KindSystem, Severity: events.SeverityInfo, Text: "MiVB restart complete"},
	OIDTrapResilFailover:    {Name: "mitelIpera3000NotifResiltFirstSetFailover", Kind: events.KindSystem, Severity: events.SeverityWarning, Text: "MiVB resiliency: first set failed over"},
	OIDTrapResilHealthCheck: {Name: "mitelIpera3000NotifResiltHealthCheckComplete", Kind: events.KindSystem, Severity: events.SeverityInfo, Text: "MiVB resiliency: health check complete"},
	OIDTrapResilHandoff:     {Name: "mitelIpera3000NotifResiltHandoffComplete", Kind: events.KindSystem, Severity: events.SeverityInfo, Text: "MiVB resiliency: handoff complete"},
	OIDColdStart:            {Name: "coldStart", Kind: events.KindSystem, Severity: events.SeverityInfo, Text: "coldStart: the system restarted"},
}

// trapLevelSeverity maps mitelIpera3000AlmLevel to a severity. Level 1 may
// also be a licence Warning and level 4 a System Lock: see LevelAmbiguous.
var trapLevelSeverity = map[int]events.Severity{
	1: events.SeverityCleared, 2: events.SeverityMinor, 3: events.SeverityMajor, 4: events.SeverityCritical,
}

var trapLevelWord = map[int]string{1: "clear", 2: "minor", 3: "major", 4: "critical"}

// trapShutdownSeverity lowers planned shutdowns to warning; the rest keep the
// trap's major.
var trapShutdownSeverity = map[int]events.Severity{
	4: events.SeverityWarning, 5: events.SeverityWarning, 9: events.SeverityWarning,
	10: events.SeverityWarning, 11: events.SeverityWarning,
}

// trapResetSeverity raises a restart after a system fault to warning.
var trapResetSeverity = map[int]events.Severity{4: events.SeverityWarning}

// trapLicenceCategory recognises a category name that speaks of a licence
// violation; trapLicenceCauses then say why, first match wins.
var (
	trapLicenceCategory = regexp.MustCompile(`(?i)licen[cs]e.*violation|violation.*licen[cs]e`)
	trapLicenceCauses   = []struct {
		re    *regexp.Regexp
		cause events.Cause
	}{
		{regexp.MustCompile(`(?i)certificate`), events.CauseCertificateUpdate},
		{regexp.MustCompile(`(?i)over[- ]?(use|usage|allocat)`), events.CauseLicenceOveruse},
		{regexp.MustCompile(`(?i)expir`), events.CauseLicenceExpired},
	}
	trapReleaseField = regexp.MustCompile(`(?:^|;)\s*VerMCD:([^;]*)`)
)

// Trap is what the SNMP receiver decoded from one notification, plus what
// it read back from the PBX.
type Trap struct {
	Version    string            `json:"version"`              // "1", "2c" or "3"
	TrapOID    string            `json:"trap_oid,omitempty"`   // snmpTrapOID.0 (v2c, v3)
	Enterprise string            `json:"enterprise,omitempty"` // v1 enterprise
	Generic    int               `json:"generic,omitempty"`    // v1 generic-trap
	Specific   int               `json:"specific,omitempty"`   // v1 specific-trap
	Varbinds   []events.Varbind  `json:"varbinds"`
	Categories []events.Category `json:"categories,omitempty"` // the category table read back, if it was
	SysDescr   string            `json:"sys_descr,omitempty"`  // sysDescr.0 read back, if it was
	// Location is the sender's zone, for a DateAndTime that names none
	// (8 octets); nil is UTC.
	Location *time.Location `json:"-"`
}

// NotificationOID returns the trap's SNMPv2 OID: snmpTrapOID.0, or for a
// v1 trap its RFC 3584 translation.
func (t Trap) NotificationOID() string {
	if t.TrapOID != "" || t.Version != "1" {
		return t.TrapOID
	}
	if t.Generic == 6 {
		return t.Enterprise + ".0." + strconv.Itoa(t.Specific)
	}
	if t.Generic >= 0 && t.Generic < 6 {
		return trapOIDSnmpTraps + "." + strconv.Itoa(t.Generic+1)
	}
	return ""
}

// Value returns the text of the varbind for oid or its ".0" instance.
func (t Trap) Value(oid string) (string, bool) {
	for _, vb := range t.Varbinds {
		if vb.OID == oid || vb.OID == oid+".0" {
			return vb.Value, true
		}
	}
	return "", false
}

func (t Trap) intValue(oid string) (int, bool) {
	v, ok := t.Value(oid)
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	return n, err == nil
}

// AlarmLevel returns mitelIpera3000AlmLevel (1 clear .. 4 critical) where
// the trap carries a valid one.
func (t Trap) AlarmLevel() (int, bool) {
	n, ok := t.intValue(OIDAlmLevel)
	if !ok || trapLevelSeverity[n] == "" {
		return 0, false
	}
	return n, true
}

// LevelAmbiguous reports whether an alarm level cannot be told apart from
// a licence level it hides: clear (1) may be a licence Warning, critical
// (4) may be System Lock.
func LevelAmbiguous(level int) bool { return level == 1 || level == 4 }

// ReleaseFromSysDescr returns the VerMCD field of a MiVB sysDescr
// ("...;VerMCD:7.0 SP1 PR2" -> "7.0 SP1 PR2"), or "".
func ReleaseFromSysDescr(s string) string {
	m := trapReleaseField.FindStringSubmatch(s)
	if m == nil {
		return ""
	}
	return strings.TrimSpace(m[1])
}

// RecogniseTrap says what a notification means. Unknown notifications are
// not recognised: kind log, severity info, and a message naming the OID.
func RecogniseTrap(t Trap) Result {
	oid := t.NotificationOID()
	info, known := Traps[oid]
	r := Result{Release: ReleaseFromSysDescr(t.SysDescr)}
	switch {
	case !known:
		return trapUnrecognised(t, r, "unrecognised SNMP notification "+trapOrUnknown(oid))
	case oid == OIDTrapAlarm:
		return trapRecogniseAlarm(t, r, info)
	}
	r.Recognised, r.Kind, r.Severity, r.Message = true, info.Kind, info.Severity, info.Text
	switch oid {
	case OIDTrapShutdown:
		cause, ok := t.intValue(OIDShutdownCause)
		if s, found := trapShutdownSeverity[cause]; ok && found {
			r.Severity = s
		}
		r.Message += trapCauseText(t, OIDShutdownCause, ShutdownCauses)
		if d, ok := t.Value(OIDShutdownDetailedCause); ok {
			r.Message += ", detailed cause " + d
		}
	case OIDTrapRestartComplete:
		cause, ok := t.intValue(OIDResetCause)
		if s, found := trapResetSeverity[cause]; ok && found {
			r.Severity = s
		}
		r.Message += trapCauseText(t, OIDResetCause, ResetCauses)
	}
	return r
}

func trapRecogniseAlarm(t Trap, r Result, info TrapInfo) Result {
	level, ok := t.AlarmLevel()
	if !ok {
		return trapUnrecognised(t, r, info.Name+" without a valid mitelIpera3000AlmLevel")
	}
	r.Recognised, r.Kind, r.Severity = true, info.Kind, trapLevelSeverity[level]
	if d, ok := t.Value(OIDAlmDetectDate); ok {
		if at, err := ParseDateAndTimeIn(d, t.Location); err == nil {
			r.FirstDetectedAt = &at
		}
	}
	detail := trapCategoriesText(t)
	if c, ok := trapLicenceRow(t.Categories, level); ok {
		r.Kind, r.Cause = events.KindLicence, trapLicenceCause(c.Name)
		detail = fmt.Sprintf("category %q", c.Name)
		r.Message = fmt.Sprintf("MiVB licence violation level %s (trap 301, %s)", trapLevelWord[level], detail)
		return r
	}
	r.Message = fmt.Sprintf("%s %s (trap 301, %s)", info.Text, trapLevelWord[level], detail)
	return r
}

// trapLicenceRow finds a licence-violation category that accounts for the
// trap's level: one at that level, or one whose level was not read.
func trapLicenceRow(cats []events.Category, level int) (events.Category, bool) {
	for _, c := range cats {
		if trapLicenceCategory.MatchString(c.Name) && (c.Level == level || c.Level == 0) {
			return c, true
		}
	}
	return events.Category{}, false
}

func trapLicenceCause(name string) events.Cause {
	for _, lc := range trapLicenceCauses {
		if lc.re.MatchString(name) {
			return lc.cause
		}
	}
	return events.CauseUnknown
}

func trapCategoriesText(t Trap) string {
	n, ok := t.intValue(OIDAlmNbrCategories)
	switch {
	case !ok:
		return "categories not given"
	case n == 1:
		return "1 category"
	}
	return strconv.Itoa(n) + " categories"
}

func trapCauseText(t Trap, oid string, labels map[int]string) string {
	n, ok := t.intValue(oid)
	if !ok {
		return ""
	}
	if l, found := labels[n]; found {
		return fmt.Sprintf(": %s (%d)", l, n)
	}
	return fmt.Sprintf(": cause %d", n)
}

// maxTrapSummary bounds the varbind summary of an trapUnrecognised trap.
const maxTrapSummary = 512

func trapUnrecognised(t Trap, r Result, head string) Result {
	r.Recognised, r.Kind, r.Severity = false, events.KindLog, events.SeverityInfo
	var b strings.Builder
	b.WriteString(head)
	for i, vb := range t.Varbinds {
		if b.Len() > maxTrapSummary {
			b.WriteString(", ...")
			break
		}
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString(", ")
		}
		name := vb.Name
		if name == "" {
			name = vb.OID
		}
		b.WriteString(name + "=" + vb.Value)
	}
	r.Message = b.String()
	return r
}

func trapOrUnknown(oid string) string {
	if oid == "" {
		return "(no trap OID)"
	}
	return oid
}

// FormatDateAndTime renders a DateAndTime (8 or 11 octets) in its display
// hint "2d-1d-1d,1d:1d:1d.1d,1a1d:1d", e.g. "2020-8-21,9:0:0.0,+0:0".
func FormatDateAndTime(b []byte) (string, bool) {
	if len(b) != 8 && len(b) != 11 {
		return "", false
	}
	s := fmt.Sprintf("%d-%d-%d,%d:%d:%d.%d", int(b[0])<<8|int(b[1]), b[2], b[3], b[4], b[5], b[6], b[7])
	if len(b) == 11 {
		if b[8] != '+' && b[8] != '-' {
			return "", false
		}
		s += fmt.Sprintf(",%c%d:%d", b[8], b[9], b[10])
	}
	return s, true
}

// ParseDateAndTime reads a DateAndTime as rendered by FormatDateAndTime,
// or as "0x" and hex (how the receiver renders one it cannot format).
// Without a zone it is taken as UTC.
func ParseDateAndTime(s string) (time.Time, error) { return ParseDateAndTimeIn(s, nil) }

// ParseDateAndTimeIn is ParseDateAndTime with a DateAndTime that names no
// zone read in loc (nil: UTC), the agent's own zone where it is known.
func ParseDateAndTimeIn(s string, loc *time.Location) (time.Time, error) {
	bad := func(what string) (time.Time, error) {
		return time.Time{}, fmt.Errorf("mivb: DateAndTime %q: %s", s, what)
	}
	text := strings.TrimSpace(s)
	if h, ok := strings.CutPrefix(text, "0x"); ok {
		b, err := hex.DecodeString(h)
		if err != nil {
			return bad("not hex")
		}
		if text, ok = FormatDateAndTime(b); !ok {
			return bad("not 8 or 11 octets")
		}
	}
	parts := strings.Split(text, ",")
	if len(parts) < 2 || len(parts) > 3 {
		return bad("want date,time[,zone]")
	}
	date, ok1 := trapInts(parts[0], "-", 3)
	clock, ok2 := trapInts(strings.Replace(parts[1], ".", ":", 1), ":", 4)
	if !ok1 || !ok2 {
		return bad("want y-m-d,h:m:s.d")
	}
	zone := loc
	if zone == nil {
		zone = time.UTC
	}
	if len(parts) == 3 {
		z := parts[2]
		hm, ok := trapInts(z[min(1, len(z)):], ":", 2)
		if !ok || (z[0] != '+' && z[0] != '-') || hm[0] > 13 || hm[1] > 59 {
			return bad("zone")
		}
		offset := (hm[0]*60 + hm[1]) * 60
		if z[0] == '-' {
			offset = -offset
		}
		zone = time.FixedZone("", offset)
	}
	mo, d, h, mi, sec, ds := date[1], date[2], clock[0], clock[1], clock[2], clock[3]
	if mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60 || ds > 9 {
		return bad("field out of range")
	}
	at := time.Date(date[0], time.Month(mo), d, h, mi, sec, ds*100_000_000, zone)
	return at.UTC(), nil
}

// trapInts splits s by sep into exactly n non-negative decimal numbers.
func trapInts(s, sep string, n int) ([]int, bool) {
	f := strings.Split(s, sep)
	if len(f) != n {
		return nil, false
	}
	out := make([]int, n)
	for i, x := range f {
		v, err := strconv.Atoi(x)
		if err != nil || v < 0 {
			return nil, false
		}
		out[i] = v
	}
	return out, true
}
