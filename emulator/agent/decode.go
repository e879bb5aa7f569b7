package agent

import (
	"context"
	"errors"
	"fmt"

	"github.com/gosnmp/gosnmp"
)

// errVersion marks a well-formed message of a version the agent does not
// speak (SNMPv3 or unknown).
var errVersion = errors.New("not SNMPv1 or SNMPv2c")

// decoder is gosnmp's decoder with every setting it would otherwise fill
// in on first use already set, so that using it only reads it and agents
// may share it.
var decoder = &gosnmp.GoSNMP{
	Version:   gosnmp.Version2c,
	Transport: "udp",
	MaxOids:   gosnmp.MaxOids,
	Context:   context.Background(),
}

// decodeRequest decodes one SNMPv1 or SNMPv2c message. gosnmp is a
// client library and not hardened against hostile bytes, so a panic in it
// becomes an error here.
func decodeRequest(b []byte) (p *gosnmp.SnmpPacket, err error) {
	defer func() {
		if r := recover(); r != nil {
			p, err = nil, fmt.Errorf("decoder panic: %v", r)
		}
	}()
	v, err := peekVersion(b)
	if err != nil {
		return nil, err
	}
	if v != int64(gosnmp.Version1) && v != int64(gosnmp.Version2c) {
		return nil, fmt.Errorf("version %d: %w", v, errVersion)
	}
	// The version is checked first so that gosnmp never takes its SNMPv3
	// path, which needs security parameters the agent does not have.
	p, err = decoder.SnmpDecodePacket(b)
	if err != nil {
		return nil, err
	}
	return p, nil
}

// peekVersion reads the version INTEGER at the start of an SNMP message:
// SEQUENCE { INTEGER version, ... }.
func peekVersion(b []byte) (int64, error) {
	if len(b) < 2 || b[0] != 0x30 {
		return 0, errors.New("not a BER sequence")
	}
	i := 2
	if l := b[1]; l&0x80 != 0 {
		n := int(l & 0x7f)
		if n == 0 || n > 4 {
			return 0, fmt.Errorf("message length of %d bytes", n)
		}
		i += n
	}
	if len(b) < i+3 || b[i] != 0x02 || b[i+1] < 1 || b[i+1] > 4 || len(b) < i+2+int(b[i+1]) {
		return 0, errors.New("no version integer")
	}
	body := b[i+2 : i+2+int(b[i+1])]
	v := int64(int8(body[0])) // two's complement: the first byte carries the sign
	for _, c := range body[1:] {
		v = v<<8 | int64(c)
	}
	return v, nil
}
