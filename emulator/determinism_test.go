package emulator

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sequence renders a plan as lines: time, system, and the message.
func sequence(p *plan) []string {
	out := make([]string, 0, len(p.items))
	for _, it := range p.items {
		s := p.systems[it.sys].name
		switch it.kind {
		case itemRecord:
			out = append(out, fmt.Sprintf("%s %s %s", it.at.Format(time.RFC3339), s, syslogMessage(FormatRFC3164, s, it.rec)))
		case itemMalformed:
			out = append(out, fmt.Sprintf("%s %s %q", it.at.Format(time.RFC3339), s, it.raw))
		case itemTrap:
			out = append(out, fmt.Sprintf("%s %s %s", it.at.Format(time.RFC3339), s, it.trap.text))
		}
	}
	return out
}

func TestPlan_SameSeedSameSequence(t *testing.T) {
	for _, name := range Builtins() {
		sc, err := Load(name)
		require.NoError(t, err)
		a := sequence(planOf(t, sc, WithSeed(7), WithFleet(12)))
		b := sequence(planOf(t, sc, WithSeed(7), WithFleet(12)))
		require.NotEmpty(t, a)
		assert.Equal(t, a, b, name)
	}
}

func TestPlan_DifferentSeedDifferentJitterSameStory(t *testing.T) {
	sc := mustParse(t, smallScenario)
	p1, p2 := planOf(t, sc, WithSeed(1)), planOf(t, sc, WithSeed(2))
	assert.NotEqual(t, sequence(p1), sequence(p2))
	// The licence story is the same: the same levels on the same days,
	// reached at moments that differ by the jitter alone.
	c1, c2 := changes(p1), changes(p2)
	require.Len(t, c2, len(c1))
	moved := 0
	for name, h1 := range c1 {
		h2 := c2[name]
		require.Len(t, h2, len(h1), name)
		for i := range h1 {
			assert.Equal(t, h1[i].Level, h2[i].Level, name)
			assert.Equal(t, h1[i].Day, h2[i].Day, name)
			d := h1[i].At.Sub(h2[i].At).Abs()
			assert.LessOrEqual(t, d, time.Minute, "within the scenario's jitter of 1m")
			if d > 0 {
				moved++
			}
		}
	}
	assert.Positive(t, moved, "jitter differs with the seed")
}

// changes lists each system's licence level changes.
func changes(p *plan) map[string][]LevelChange {
	out := map[string][]LevelChange{}
	for _, it := range p.items {
		if it.level != nil {
			name := p.systems[it.sys].name
			out[name] = append(out[name], *it.level)
		}
	}
	return out
}

func TestPlan_FleetCyclesTemplatesWithOwnNamesAndAddresses(t *testing.T) {
	sc := mustParse(t, smallScenario)
	m, err := Systems(sc, WithFleet(7))
	require.NoError(t, err)
	assert.Equal(t, map[string]string{
		"127.0.0.2": "PBX-A", "127.0.0.3": "PBX-B", "127.0.0.4": "PBX-C",
		"127.0.0.5": "PBX-A-2", "127.0.0.6": "PBX-B-2", "127.0.0.7": "PBX-C-2", "127.0.0.8": "PBX-A-3",
	}, m)
	p := planOf(t, sc, WithFleet(7))
	c := changes(p)
	story := func(cs []LevelChange) (out []string) {
		for _, x := range cs {
			out = append(out, fmt.Sprintf("%s day %d", x.Level, x.Day))
		}
		return out
	}
	require.NotEmpty(t, c["PBX-A"])
	assert.Equal(t, story(c["PBX-A"]), story(c["PBX-A-3"]), "a copy lives its template's story")
	assert.NotEqual(t, c["PBX-A-3"], c["PBX-A"], "with its own jitter")
	m, err = Systems(sc, WithFleet(2), WithBaseIP(netipMust("10.0.0.255")))
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"10.0.0.255": "PBX-A", "10.0.1.0": "PBX-B"}, m)
	_, err = Systems(sc, WithFleet(3), WithBaseIP(netipMust("255.255.255.254")))
	assert.ErrorContains(t, err, "not a unicast IPv4 address")
}

// Zones lists the systems whose clocks are not UTC, copies included, at
// the addresses Systems gives them.
func TestZones_ListsTheSystemsNotOnUTC(t *testing.T) {
	sc := mustParse(t, smallScenario)
	sc.Systems[0].Timezone = "America/New_York"
	sc.Systems[1].Timezone = "UTC"
	m, err := Zones(sc, WithFleet(4))
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"127.0.0.2": "America/New_York", "127.0.0.5": "America/New_York"}, m)
	sc.Systems[0].Timezone = ""
	m, err = Zones(sc)
	require.NoError(t, err)
	assert.Empty(t, m)
}

// TestRun_SameSeedSameBytes runs the fleet twice and compares, system by
// system, every datagram received.
func TestRun_SameSeedSameBytes(t *testing.T) {
	sc := mustParse(t, smallScenario)
	run := func() map[string][]string {
		u := newUDPReceiver(t)
		sum, err := Run(context.Background(), sc, Targets{Syslog: []string{"udp://" + u.addr()}}, WithInstant(), WithSeed(99))
		require.NoError(t, err)
		waitFor(t, "every datagram", func() bool { return len(u.all()) == sum.Sent.Syslog })
		out := map[string][]string{}
		for _, d := range u.all() {
			ip := d.from.Addr().String()
			out[ip] = append(out[ip], string(d.data))
		}
		for _, v := range out {
			slices.Sort(v)
		}
		return out
	}
	a, b := run(), run()
	assert.Len(t, a, 3)
	assert.Equal(t, a, b)
}
