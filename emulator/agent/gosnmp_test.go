package agent

import (
	"fmt"
	"testing"

	"github.com/gosnmp/gosnmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	oidSysDescr   = ".1.3.6.1.2.1.1.1.0"
	oidSysName    = ".1.3.6.1.2.1.1.5.0"
	oidAlarmLevel = ".1.3.6.1.4.1.1027.4.1.1.2.2.1.0"
	oidCategories = ".1.3.6.1.4.1.1027.4.1.1.2.2.4"
	oidCatName    = ".1.3.6.1.4.1.1027.4.1.1.2.2.4.1.8"
)

func TestGoSNMPClient_GetReadsValues(t *testing.T) {
	a := startAgent(t, loadTable(t, "testdata/mivb-table.txt"))
	for _, v := range []gosnmp.SnmpVersion{gosnmp.Version1, gosnmp.Version2c} {
		t.Run(v.String(), func(t *testing.T) {
			res, err := client(t, a, v, "public").Get([]string{oidSysDescr, oidSysName, oidAlarmLevel})
			require.NoError(t, err)
			require.Equal(t, gosnmp.NoError, res.Error)
			require.Len(t, res.Variables, 3)
			assert.Equal(t, "VerAg:07.00.00.01.00;VerSw:13.0.1.53;VerHw:MXe;VerPl:3300 ICP;VerMCD:7.0 SP1 PR2", string(res.Variables[0].Value.([]byte)))
			assert.Equal(t, "MIVB-HQ", string(res.Variables[1].Value.([]byte)))
			assert.Equal(t, gosnmp.Integer, res.Variables[2].Type)
			assert.Equal(t, 3, res.Variables[2].Value)
		})
	}
}

func TestGoSNMPClient_BulkWalkReadsCategoryTableInOrder(t *testing.T) {
	a := startAgent(t, loadTable(t, "testdata/mivb-table.txt"))
	for _, reps := range []uint32{1, 2, 50} {
		t.Run(fmt.Sprint("max-repetitions ", reps), func(t *testing.T) {
			c := client(t, a, gosnmp.Version2c, "public")
			c.MaxRepetitions = reps
			pdus, err := c.BulkWalkAll(oidCatName)
			require.NoError(t, err)
			var got []string
			for _, p := range pdus {
				got = append(got, p.Name+"="+string(p.Value.([]byte)))
			}
			assert.Equal(t, []string{
				oidCatName + ".1=License Violation",
				oidCatName + ".2=IP Trunks",
				oidCatName + ".10=Digital Links",
			}, got)
		})
	}
	assert.NotZero(t, a.Stats().GetBulks.Load())
}

func TestGoSNMPClient_WalkV1MatchesBulkWalk(t *testing.T) {
	a := startAgent(t, loadTable(t, "testdata/mivb-table.txt"))
	walked, err := client(t, a, gosnmp.Version1, "public").WalkAll(".1.3.6.1.4.1.1027")
	require.NoError(t, err)
	bulk, err := client(t, a, gosnmp.Version2c, "public").BulkWalkAll(".1.3.6.1.4.1.1027")
	require.NoError(t, err)
	require.Len(t, walked, 18)
	assert.Equal(t, bulk, walked)
}

func TestGoSNMPClient_GetBulkNonRepeatersAndEnd(t *testing.T) {
	a := startAgent(t, loadTable(t, "testdata/mivb-table.txt"))
	c := client(t, a, gosnmp.Version2c, "public")
	res, err := c.GetBulk([]string{oidSysDescr, oidCatName + ".2"}, 1, 10)
	require.NoError(t, err)
	var got []string
	for _, p := range res.Variables {
		got = append(got, fmt.Sprintf("%s %s", p.Name, p.Type))
	}
	assert.Equal(t, []string{
		".1.3.6.1.2.1.1.2.0 ObjectIdentifier", // non-repeater: one GETNEXT
		oidCatName + ".10 OctetString",
		".1.3.6.1.6.3.10.2.1.3.0 Integer",
		".1.3.6.1.6.3.10.2.1.3.0 EndOfMibView", // then the round at the end stops the repetitions
	}, got)
}
