package emulator

// rebootCause is why a system restarts, as its records and traps say it
// (MITEL-IperaVoiceLAN-MIB shutdown and reset causes, mitel-facts.md §4).
type rebootCause struct {
	name      string // as records and scenario files write it
	shutdown  int    // mitelIpera3000TrapAlmShutdownCause; 0: no orderly shutdown (power lost)
	reset     int    // mitelIpera3000AlmResetCause after the restart
	resetText string
	fault     bool // the restart follows a fault: the record is an Error
}

var rebootCauses = []rebootCause{
	{name: "maintenance command", shutdown: 10, reset: 2, resetText: "software initiated"},
	{name: "software upgraded", shutdown: 4, reset: 2, resetText: "software initiated"},
	{name: "database restore", shutdown: 5, reset: 2, resetText: "software initiated"},
	{name: "programmed reboot", shutdown: 9, reset: 2, resetText: "software initiated"},
	{name: "software failure", shutdown: 2, reset: 4, resetText: "system fault", fault: true},
	{name: "hardware failure", shutdown: 3, reset: 4, resetText: "system fault", fault: true},
	{name: "power failure", shutdown: 0, reset: 3, resetText: "power on"},
}

func rebootCauseFor(name string) *rebootCause {
	for i := range rebootCauses {
		if rebootCauses[i].name == name {
			return &rebootCauses[i]
		}
	}
	return nil
}

func rebootCauseNames() []string {
	out := make([]string, len(rebootCauses))
	for i, c := range rebootCauses {
		out[i] = c.name
	}
	return out
}
