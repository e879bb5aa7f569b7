package events

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSystemToken(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"10.1.2.3", "10_1_2_3"},
		{"MIVB-HQ", "mivb-hq"},
		{"pbx_01", "pbx_01"},
		{"Büro PBX", "b_ro_pbx"},
		{"a.b>c*d", "a_b_c_d"},
		{"", "_"},
		{"fe80::1", "fe80__1"},
	} {
		assert.Equal(t, tc.want, SystemToken(tc.in), "SystemToken(%q)", tc.in)
	}
}

func TestSubject(t *testing.T) {
	assert.Equal(t, "pbx.10_1_2_3.licence.system_lock", Subject("pbx", "10.1.2.3", KindLicence, SeveritySystemLock))
	assert.Equal(t, "site.a.hq.alarm.major", Subject("site.a", "HQ", KindAlarm, SeverityMajor))
}

func TestValidatePrefix(t *testing.T) {
	for _, ok := range []string{"pbx", "site.a", "pbx-eu_1"} {
		assert.NoError(t, ValidatePrefix(ok), ok)
	}
	for _, bad := range []string{"", "pbx.", ".pbx", "pbx.*", "pbx.>", "a b", "a..b"} {
		assert.Error(t, ValidatePrefix(bad), bad)
	}
}

func TestID_IgnoresPortButNotAddressTransportOrBytes(t *testing.T) {
	raw := []byte("<13>Aug 21 09:14:02 hq MiVB: hello")
	id := ID(TransportSyslog, "10.0.0.1", raw)
	assert.Len(t, id, 32)
	assert.Equal(t, id, ID(TransportSyslog, "10.0.0.1", append([]byte(nil), raw...)), "same input, same id")
	assert.NotEqual(t, id, ID(TransportSyslog, "10.0.0.2", raw), "sender address is part of the id")
	assert.NotEqual(t, id, ID(TransportLogstream, "10.0.0.1", raw), "transport is part of the id")
	assert.NotEqual(t, id, ID(TransportSyslog, "10.0.0.1", raw[1:]), "bytes are part of the id")
}

func TestTypeFor(t *testing.T) {
	for _, tc := range []struct {
		k    Kind
		s    Severity
		want Type
	}{
		{KindLicence, SeverityWarning, TypeLicenceViolation},
		{KindLicence, SeveritySystemLock, TypeLicenceViolation},
		{KindLicence, SeverityCleared, TypeLicenceCleared},
		{KindAlarm, SeverityCleared, TypeAlarm},
		{KindSystem, SeverityInfo, TypeSystem},
		{KindLog, SeverityMajor, TypeLog},
		{KindState, SeverityCritical, TypeStateEscalated},
		{KindState, SeverityCleared, TypeStateCleared},
	} {
		assert.Equal(t, tc.want, TypeFor(tc.k, tc.s), "%s/%s", tc.k, tc.s)
		k, err := KindOf(tc.want)
		require.NoError(t, err)
		assert.Equal(t, tc.k, k)
	}
	_, err := KindOf("pbx.nope")
	assert.Error(t, err)
}

func TestSeverityRank(t *testing.T) {
	assert.Equal(t, 0, SeverityCleared.Rank())
	assert.Equal(t, 6, SeveritySystemLock.Rank())
	assert.Less(t, SeverityMinor.Rank(), SeverityMajor.Rank())
	assert.Equal(t, -1, Severity("loud").Rank())
	assert.False(t, Severity("loud").Valid())
}

func sample(raw []byte) Event {
	rx := time.Date(2020, 8, 21, 9, 14, 2, 0, time.UTC)
	return New(Data{
		System: "MIVB-HQ", Kind: KindLicence, Severity: SeverityWarning, Transport: TransportSyslog,
		Peer: "10.1.2.3:514", ReceivedAt: rx, Message: "License Violation", Recognised: true,
		Cause: CauseCertificateUpdate, Day: 1,
	}, "10.1.2.3", raw, time.Time{})
}

func TestNew_FillsEnvelope(t *testing.T) {
	e := sample([]byte("hello"))
	require.NoError(t, e.Validate())
	assert.Equal(t, "1.0", e.SpecVersion)
	assert.Equal(t, TypeLicenceViolation, e.Type)
	assert.Equal(t, "MIVB-HQ", e.Subject)
	assert.Equal(t, "/pbxalarm/syslog/10.1.2.3", e.Source)
	assert.Equal(t, e.Data.ReceivedAt, e.Time, "zero time means received_at")
	assert.Equal(t, "pbx.mivb-hq.licence.warning", e.NATSSubject("pbx"))
}

func TestRaw_TextOrBase64RoundTrip(t *testing.T) {
	for _, raw := range [][]byte{
		[]byte("plain text"),
		{0xff, 0xfe, 'a'},
		[]byte("nul\x00inside"),
		{},
	} {
		e := sample(raw)
		assert.Equal(t, !utf8.Valid(raw), e.Data.RawBase64, "base64 exactly when not UTF-8")
		b, err := e.Marshal()
		require.NoError(t, err)
		got, err := Unmarshal(b)
		require.NoError(t, err)
		back, err := got.Data.RawBytes()
		require.NoError(t, err)
		assert.True(t, bytes.Equal(raw, back), "raw %q came back as %q", raw, back)
	}
}

func TestValidate_RejectsBrokenEvents(t *testing.T) {
	for name, mutate := range map[string]func(*Event){
		"no id":              func(e *Event) { e.ID = "" },
		"wrong specversion":  func(e *Event) { e.SpecVersion = "0.3" },
		"type kind mismatch": func(e *Event) { e.Type = TypeAlarm },
		"unknown severity":   func(e *Event) { e.Data.Severity = "loud" },
		"unknown transport":  func(e *Event) { e.Data.Transport = "carrier-pigeon" },
		"licence no cause":   func(e *Event) { e.Data.Cause = "" },
		"cause on log":       func(e *Event) { e.Data.Kind, e.Type = KindLog, TypeLog },
		"subject mismatch":   func(e *Event) { e.Subject = "other" },
		"bad base64":         func(e *Event) { e.Data.RawBase64 = true; e.Data.Raw = "!!" },
		"zero received_at":   func(e *Event) { e.Data.ReceivedAt = time.Time{} },
	} {
		e := sample([]byte("x"))
		mutate(&e)
		err := e.Validate()
		assert.Error(t, err, name)
		_, err = e.Marshal()
		assert.Error(t, err, name)
	}
}

// The examples in testdata/examples are the ones docs/EVENTS.md shows: each
// must pass the Go validation, the JSON Schema, and survive a round trip.
func TestExamples_ValidateAgainstGoAndSchema(t *testing.T) {
	c := jsonschema.NewCompiler()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(Schema))
	require.NoError(t, err)
	require.NoError(t, c.AddResource("event.schema.json", doc))
	sch, err := c.Compile("event.schema.json")
	require.NoError(t, err)

	files, err := filepath.Glob("testdata/examples/*.json")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	seen := map[Type]bool{}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			b, err := os.ReadFile(f)
			require.NoError(t, err)
			e, err := Unmarshal(b)
			require.NoError(t, err)
			seen[e.Type] = true
			inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
			require.NoError(t, err)
			require.NoError(t, sch.Validate(inst))
			out, err := e.Marshal()
			require.NoError(t, err)
			again, err := Unmarshal(out)
			require.NoError(t, err)
			assert.Equal(t, e, again)
		})
	}
	for _, typ := range []Type{TypeLicenceViolation, TypeLicenceCleared, TypeAlarm, TypeSystem, TypeLog} {
		assert.True(t, seen[typ], "no example of %s", typ)
	}
}

func TestSchema_RejectsMismatchedTypeAndKind(t *testing.T) {
	c := jsonschema.NewCompiler()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(Schema))
	require.NoError(t, err)
	require.NoError(t, c.AddResource("event.schema.json", doc))
	sch, err := c.Compile("event.schema.json")
	require.NoError(t, err)
	e := sample([]byte("x"))
	b, err := json.Marshal(e)
	require.NoError(t, err)
	bad := strings.Replace(string(b), `"type":"pbx.licence.violation"`, `"type":"pbx.alarm"`, 1)
	inst, err := jsonschema.UnmarshalJSON(strings.NewReader(bad))
	require.NoError(t, err)
	assert.Error(t, sch.Validate(inst))
}
