package agent

import (
	"fmt"
	"math"
	"net/netip"
	"time"

	"github.com/gosnmp/gosnmp"
)

// Value is what the table holds at one OID: an SNMP type and a Go value
// of a kind that fits it. The constructors below build the usual ones.
//
// Set accepts, per type: Integer any Go integer within int32; Counter32,
// Gauge32, TimeTicks and Uinteger32 any Go integer within uint32;
// Counter64 any non-negative Go integer; OctetString, Opaque and
// BitString a string or []byte; ObjectIdentifier a dotted string;
// IPAddress a dotted IPv4 string, netip.Addr or 4-byte []byte; Null nil.
type Value struct {
	Type  gosnmp.Asn1BER
	Value any
}

// Integer returns an INTEGER (Integer32) value.
func Integer(n int32) Value { return Value{Type: gosnmp.Integer, Value: int(n)} }

// OctetString returns an OCTET STRING value holding s's bytes.
func OctetString(s string) Value { return Value{Type: gosnmp.OctetString, Value: []byte(s)} }

// Octets returns an OCTET STRING value holding a copy of b, for binary
// values such as DateAndTime.
func Octets(b []byte) Value {
	return Value{Type: gosnmp.OctetString, Value: append([]byte{}, b...)}
}

// ObjectIdentifier returns an OBJECT IDENTIFIER value, such as sysObjectID.
func ObjectIdentifier(o string) Value { return Value{Type: gosnmp.ObjectIdentifier, Value: o} }

// TimeTicks returns a TimeTicks value (hundredths of a second), such as
// sysUpTime.
func TimeTicks(t uint32) Value { return Value{Type: gosnmp.TimeTicks, Value: t} }

// Counter32 returns a Counter32 value.
func Counter32(n uint32) Value { return Value{Type: gosnmp.Counter32, Value: n} }

// Gauge32 returns a Gauge32 (Unsigned32) value.
func Gauge32(n uint32) Value { return Value{Type: gosnmp.Gauge32, Value: n} }

// Counter64 returns a Counter64 value; SNMPv1 requests never see it (RFC
// 3584 section 4.2.2.1).
func Counter64(n uint64) Value { return Value{Type: gosnmp.Counter64, Value: n} }

// IPAddress returns an IpAddress value.
func IPAddress(a netip.Addr) Value { return Value{Type: gosnmp.IPAddress, Value: a} }

// normalise checks that v can be encoded and converts its Go value to the
// one kind gosnmp's encoder takes for its type, so that encoding a
// response can never fail on a value the table accepted.
func normalise(v Value) (Value, error) {
	switch v.Type {
	case gosnmp.Integer:
		n, ok := toInt64(v.Value)
		if !ok || n < math.MinInt32 || n > math.MaxInt32 {
			return v, fmt.Errorf("integer value %v (%T) is not an int32", v.Value, v.Value)
		}
		return Value{Type: v.Type, Value: int(n)}, nil
	case gosnmp.Counter32, gosnmp.Gauge32, gosnmp.TimeTicks, gosnmp.Uinteger32:
		n, ok := toInt64(v.Value)
		if u, isU := v.Value.(uint64); isU {
			n, ok = int64(u), u <= math.MaxUint32
		}
		if !ok || n < 0 || n > math.MaxUint32 {
			return v, fmt.Errorf("%s value %v (%T) is not a uint32", v.Type, v.Value, v.Value)
		}
		return Value{Type: v.Type, Value: uint32(n)}, nil
	case gosnmp.Counter64:
		if u, ok := v.Value.(uint64); ok {
			return Value{Type: v.Type, Value: u}, nil
		}
		n, ok := toInt64(v.Value)
		if !ok || n < 0 {
			return v, fmt.Errorf("counter64 value %v (%T) is not a uint64", v.Value, v.Value)
		}
		return Value{Type: v.Type, Value: uint64(n)}, nil
	case gosnmp.OctetString, gosnmp.Opaque, gosnmp.BitString:
		switch s := v.Value.(type) {
		case string:
			return Value{Type: v.Type, Value: []byte(s)}, nil
		case []byte:
			// A copy, so that the caller may reuse its slice.
			return Value{Type: v.Type, Value: append([]byte{}, s...)}, nil
		}
		return v, fmt.Errorf("%s value is a %T, want string or []byte", v.Type, v.Value)
	case gosnmp.ObjectIdentifier:
		s, ok := v.Value.(string)
		if !ok {
			return v, fmt.Errorf("object identifier value is a %T, want string", v.Value)
		}
		o, err := parseOID(s)
		if err != nil {
			return v, err
		}
		return Value{Type: v.Type, Value: o.String()}, nil
	case gosnmp.IPAddress:
		return normaliseIP(v)
	case gosnmp.Null:
		return Value{Type: v.Type}, nil
	}
	return v, fmt.Errorf("type %s cannot be stored", v.Type)
}

func normaliseIP(v Value) (Value, error) {
	var a netip.Addr
	switch x := v.Value.(type) {
	case netip.Addr:
		a = x
	case string:
		a, _ = netip.ParseAddr(x)
	case []byte:
		a, _ = netip.AddrFromSlice(x)
	}
	a = a.Unmap()
	if !a.Is4() {
		return v, fmt.Errorf("ip address value %v is not IPv4", v.Value)
	}
	b := a.As4()
	return Value{Type: gosnmp.IPAddress, Value: b[:]}, nil
}

func toInt64(x any) (int64, bool) {
	switch n := x.(type) {
	case int:
		return int64(n), true
	case int8:
		return int64(n), true
	case int16:
		return int64(n), true
	case int32:
		return int64(n), true
	case int64:
		return n, true
	case uint:
		return int64(n), n <= math.MaxInt64
	case uint8:
		return int64(n), true
	case uint16:
		return int64(n), true
	case uint32:
		return int64(n), true
	case uint64:
		return int64(n), n <= math.MaxInt64
	}
	return 0, false
}

// DateAndTime returns t as an SNMPv2-TC DateAndTime OCTET STRING of 11
// bytes: year (2 bytes), month, day, hour, minute, second, deci-second,
// then the direction ('+' or '-'), hours and minutes of t's offset from
// UTC. MiVB's alarm detection date (mitelIpera3000AlmDetectDate) has this
// form.
func DateAndTime(t time.Time) Value {
	_, off := t.Zone()
	dir := byte('+')
	if off < 0 {
		dir, off = '-', -off
	}
	b := []byte{
		byte(t.Year() >> 8), byte(t.Year()), byte(t.Month()), byte(t.Day()),
		byte(t.Hour()), byte(t.Minute()), byte(t.Second()), byte(t.Nanosecond() / 1e8),
		dir, byte(off / 3600), byte(off % 3600 / 60),
	}
	return Value{Type: gosnmp.OctetString, Value: b}
}
