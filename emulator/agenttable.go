package emulator

import (
	"strconv"
	"time"

	"github.com/pbxalarm/pbxalarm/emulator/agent"
)

// tableValues are the OIDs a system's agent serves for a snapshot
// (mitel-facts.md §3.4, §5, §6). sysUpTime is set apart, as time passes.
func tableValues(name string, s *snapshot) map[string]agent.Value {
	m := map[string]agent.Value{
		oidSysDescr:         agent.OctetString(s.descr),
		oidSysObjectID:      agent.ObjectIdentifier(oidMitelIpera3000),
		oidSysName:          agent.OctetString(name),
		oidAlmLevel:         agent.Integer(int32(s.almLevel)),
		oidAlmDetectDate:    agent.Octets(dateAndTime(s.almSince)),
		oidAlmNbrCategories: agent.Integer(int32(len(s.rows))),
	}
	for i, v := range []int{s.lic[licIPUser].Purchased, s.lic[licIPUser].Used, s.lic[licIPDevice].Purchased, s.lic[licIPDevice].Used} {
		m[oidLicences+"."+strconv.Itoa(i+1)+".0"] = agent.Integer(int32(v))
	}
	for _, r := range s.rows {
		col := func(c int) string { return oidCategoryEntry + "." + strconv.Itoa(c) + "." + strconv.Itoa(r.index) }
		m[col(1)] = agent.Integer(int32(r.index))
		m[col(2)] = agent.Integer(int32(r.available))
		m[col(3)] = agent.Integer(int32(r.unavailable))
		m[col(4)] = agent.Integer(int32(r.level))
		m[col(5)] = agent.Integer(int32(r.thresh[0]))
		m[col(6)] = agent.Integer(int32(r.thresh[1]))
		m[col(7)] = agent.Integer(int32(r.thresh[2]))
		m[col(8)] = agent.OctetString(r.name)
	}
	return m
}

// applySnapshot makes the table show s, in one change: the category
// table is replaced whole, so a walk never sees a half-written row set.
func applySnapshot(t *agent.Table, name string, s *snapshot) error {
	return t.ReplaceSubtree(oidCategoryTable, tableValues(name, s))
}

// uptimeTicks is sysUpTime in hundredths of a second, wrapping as
// TimeTicks do.
func uptimeTicks(d time.Duration) agent.Value {
	if d < 0 {
		d = 0
	}
	return agent.TimeTicks(uint32(int64(d / (10 * time.Millisecond))))
}
