package agent

import (
	"testing"

	"github.com/gosnmp/gosnmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPeekVersion(t *testing.T) {
	cases := []struct {
		name    string
		in      []byte
		want    int64
		wantErr bool
	}{
		{"v1", []byte{0x30, 0x03, 0x02, 0x01, 0x00}, 0, false},
		{"v2c", []byte{0x30, 0x03, 0x02, 0x01, 0x01}, 1, false},
		{"v3", []byte{0x30, 0x03, 0x02, 0x01, 0x03}, 3, false},
		{"long-form length", []byte{0x30, 0x81, 0x03, 0x02, 0x01, 0x01}, 1, false},
		{"two-byte version", []byte{0x30, 0x04, 0x02, 0x02, 0x01, 0x00}, 256, false},
		{"negative version", []byte{0x30, 0x03, 0x02, 0x01, 0xff}, -1, false},
		{"empty", nil, 0, true},
		{"not a sequence", []byte{0x04, 0x03, 0x02, 0x01, 0x01}, 0, true},
		{"indefinite length", []byte{0x30, 0x80, 0x02, 0x01, 0x01}, 0, true},
		{"length of five bytes", []byte{0x30, 0x85, 0, 0, 0, 0, 3, 0x02, 0x01, 0x01}, 0, true},
		{"version not an integer", []byte{0x30, 0x03, 0x04, 0x01, 0x01}, 0, true},
		{"zero-length version", []byte{0x30, 0x02, 0x02, 0x00}, 0, true},
		{"version cut short", []byte{0x30, 0x04, 0x02, 0x02, 0x01}, 0, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := peekVersion(c.in)
			if c.wantErr {
				assert.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, c.want, got)
		})
	}
}

func TestDecodeRequest_ReadsWhatClientsSend(t *testing.T) {
	b := encodeRequest(t, gosnmp.Version2c, "public", gosnmp.GetBulkRequest, 1, 7, oidSysDescr, oidCatName)
	req, err := decodeRequest(b)
	require.NoError(t, err)
	assert.Equal(t, gosnmp.Version2c, req.Version)
	assert.Equal(t, "public", req.Community)
	assert.Equal(t, gosnmp.GetBulkRequest, req.PDUType)
	assert.Equal(t, uint8(1), req.NonRepeaters)
	assert.Equal(t, uint32(7), req.MaxRepetitions)
	require.Len(t, req.Variables, 2)
	assert.Equal(t, oidCatName, req.Variables[1].Name)
}

func TestDecodeRequest_RefusesSNMPv3BeforeGoSNMPSeesIt(t *testing.T) {
	g := &gosnmp.GoSNMP{
		Version: gosnmp.Version3, SecurityModel: gosnmp.UserSecurityModel, MsgFlags: gosnmp.NoAuthNoPriv,
		SecurityParameters: &gosnmp.UsmSecurityParameters{UserName: "u"},
	}
	b, err := g.SnmpEncodePacket(gosnmp.GetRequest, []gosnmp.SnmpPDU{{Name: oidSysName, Type: gosnmp.Null}}, 0, 0)
	require.NoError(t, err)
	_, err = decodeRequest(b)
	assert.ErrorIs(t, err, errVersion)
}
