package snmp

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gosnmp/gosnmp"

	"github.com/pbxalarm/pbxalarm/events"
	"github.com/pbxalarm/pbxalarm/ingest/mivb"
)

// varbind renders one gosnmp variable as an event varbind: the OID without
// its leading dot, the object's name where mivb knows it, gosnmp's type
// name, and the value as text.
func varbind(v gosnmp.SnmpPDU) events.Varbind {
	oid := strings.TrimPrefix(v.Name, ".")
	name, obj, _ := mivb.LookupObject(oid)
	return events.Varbind{OID: oid, Name: name, Type: v.Type.String(), Value: valueText(v, obj.Syntax)}
}

// valueText renders a value. Octet strings are text when they are printable
// UTF-8 (trailing NULs dropped, as some agents pad), a DateAndTime in its
// display form, anything else "0x" and hex.
func valueText(v gosnmp.SnmpPDU, syntax mivb.Syntax) string {
	switch x := v.Value.(type) {
	case nil:
		return ""
	case []byte:
		if syntax == mivb.SyntaxDateAndTime {
			if s, ok := mivb.FormatDateAndTime(x); ok {
				return s
			}
		}
		return octetsText(x)
	case string:
		if v.Type == gosnmp.ObjectIdentifier {
			return strings.TrimPrefix(x, ".")
		}
		return x
	case int:
		return strconv.Itoa(x)
	case uint:
		return strconv.FormatUint(uint64(x), 10)
	case uint32:
		return strconv.FormatUint(uint64(x), 10)
	case uint64:
		return strconv.FormatUint(x, 10)
	case float32:
		return strconv.FormatFloat(float64(x), 'g', -1, 32)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	default:
		return fmt.Sprint(x)
	}
}

func octetsText(b []byte) string {
	t := bytes.TrimRight(b, "\x00")
	if printable(t) {
		return string(t)
	}
	return "0x" + hex.EncodeToString(b)
}

func printable(b []byte) bool {
	if !utf8.Valid(b) {
		return false
	}
	for _, r := range string(b) {
		if !unicode.IsPrint(r) && r != '\t' && r != '\n' && r != '\r' {
			return false
		}
	}
	return true
}
