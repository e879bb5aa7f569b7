package snmp

import (
	"errors"
	"fmt"
)

// BER tags this package reads itself; everything inside a PDU is left to
// gosnmp.
const (
	tagInteger     = 0x02
	tagOctetString = 0x04
	tagSequence    = 0x30
	tagTrapV1      = 0xa4
	tagInform      = 0xa6
	tagTrapV2      = 0xa7
)

var errTruncated = errors.New("truncated")

// tlv is one BER element: its tag, its content, and the whole element as
// it appears in the packet.
type tlv struct {
	tag     byte
	content []byte
	whole   []byte
}

// readTLV reads the element at the start of b and returns it and what
// follows. It accepts what BER allows and gosnmp accepts: non-minimal
// long-form lengths (encoding/asn1 is DER-strict and would reject them),
// but only definite lengths (RFC 3417 forbids the indefinite form) and only
// single-byte tags, which is all SNMP uses.
func readTLV(b []byte) (tlv, []byte, error) {
	if len(b) < 2 {
		return tlv{}, nil, errTruncated
	}
	tag, l := b[0], int(b[1])
	if tag&0x1f == 0x1f {
		return tlv{}, nil, fmt.Errorf("multi-byte tag %#x", tag)
	}
	hdr := 2
	if l&0x80 != 0 {
		n := l & 0x7f
		if n == 0 {
			return tlv{}, nil, errors.New("indefinite length")
		}
		if n > 3 {
			return tlv{}, nil, fmt.Errorf("length of %d octets", n)
		}
		if len(b) < 2+n {
			return tlv{}, nil, errTruncated
		}
		l = 0
		for _, c := range b[2 : 2+n] {
			l = l<<8 | int(c)
		}
		hdr += n
	}
	if len(b)-hdr < l {
		return tlv{}, nil, errTruncated
	}
	end := hdr + l
	return tlv{tag: tag, content: b[hdr:end], whole: b[:end]}, b[end:], nil
}

// expect reads an element that must have the given tag.
func expect(b []byte, tag byte, what string) (tlv, []byte, error) {
	e, rest, err := readTLV(b)
	if err != nil {
		return tlv{}, nil, fmt.Errorf("%s: %w", what, err)
	}
	if e.tag != tag {
		return tlv{}, nil, fmt.Errorf("%s: tag %#x, want %#x", what, e.tag, tag)
	}
	return e, rest, nil
}

// readUint reads a non-negative INTEGER that fits 31 bits, as SNMP's
// version, msgID, msgMaxSize, engine boots and time do.
func readUint(b []byte, what string) (int64, []byte, error) {
	e, rest, err := expect(b, tagInteger, what)
	if err != nil {
		return 0, nil, err
	}
	c := e.content
	if len(c) == 0 || c[0]&0x80 != 0 {
		return 0, nil, fmt.Errorf("%s: not a non-negative integer", what)
	}
	for len(c) > 1 && c[0] == 0 {
		c = c[1:]
	}
	if len(c) > 4 {
		return 0, nil, fmt.Errorf("%s: out of range", what)
	}
	var v int64
	for _, x := range c {
		v = v<<8 | int64(x)
	}
	if v > 1<<31-1 {
		return 0, nil, fmt.Errorf("%s: out of range", what)
	}
	return v, rest, nil
}
