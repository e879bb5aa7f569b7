package emulator

// This file holds the tables of what a system says besides its licence
// story: its alarm categories, ordinary records and malformed bytes. The
// wording is modelled (docs/RECORDS.md: no MiVB log line was ever
// captured); every text here is chosen so that it means only what its
// row says (a plain record, never a licence, alarm or restart record).

// categoryRow is an ordinary row of the alarm category table, with the
// records written when it goes into alarm and out again (%d is a unit
// number).
type categoryRow struct {
	name      string
	available int
	thresh    [3]int // minor, major, critical: percent unavailable
	raise     string
	clear     string
	source    string
	module    string
}

// categoryRows are the ordinary rows, indexes 1..len; the licence row
// follows them while a violation lasts (index licenceRowIndex).
var categoryRows = [...]categoryRow{
	{"Digital Trunks", 24, [3]int{10, 30, 60}, "Digital trunk %d out of service", "Digital trunk %d returned to service", "CallCtrl", "CP"},
	{"IP Trunks", 30, [3]int{10, 30, 60}, "IP trunk link %d unreachable", "IP trunk link %d reachable again", "CallCtrl", "CP"},
	{"IP Phones", 0, [3]int{5, 20, 50}, "IP phones on switch port %d unregistered", "IP phones on switch port %d registered", "IPMgr", "IPM"},
	{"Voice Mail Ports", 16, [3]int{20, 50, 90}, "Voice mail port %d failed", "Voice mail port %d recovered", "VMail", "VM"},
	{"Power Supply Units", 2, [3]int{50, 50, 100}, "Power supply unit %d fault", "Power supply unit %d normal", "HwMon", "HW"},
	{"Fans", 4, [3]int{25, 50, 75}, "Fan %d speed below limit", "Fan %d speed normal", "HwMon", "HW"},
}

// licenceRowIndex is the category-table index of the licence row.
var licenceRowIndex = len(categoryRows) + 1

func categoryByName(name string) int {
	for i, c := range categoryRows {
		if c.name == name {
			return i
		}
	}
	return -1
}

func categoryNames() []string {
	out := make([]string, len(categoryRows))
	for i, c := range categoryRows {
		out[i] = c.name
	}
	return out
}

// ordinaryRecord is a record that is neither licence, alarm nor system.
type ordinaryRecord struct {
	severity string
	source   string
	module   string
	text     string // %d is a number drawn from 1..n
	n        int
}

var maintRecords = []ordinaryRecord{
	{sevInfo, "DBMgr", "DB", "Database backup completed", 0},
	{sevInfo, "DBMgr", "DB", "Database audit finished, %d records checked", 90000},
	{sevInfo, "SysMgr", "SYS", "NTP time synchronised with server %d", 3},
	{sevInfo, "IPMgr", "IPM", "IP set %d registered", 9000},
	{sevWarning, "IPMgr", "IPM", "IP set %d registration refused: bad credentials", 9000},
	{sevWarning, "CallCtrl", "CP", "Trunk %d seized with no dial tone", 24},
	{sevInfo, "SMDR", "SMDR", "SMDR buffer at %d percent", 90},
	{sevWarning, "SMDR", "SMDR", "SMDR collector not connected, %d records buffered", 5000},
	{sevError, "FileMgr", "FS", "Disk partition /db at %d percent of capacity", 99},
	{sevInfo, "Scheduler", "SCH", "Scheduled task %d completed", 40},
}

var softRecords = []ordinaryRecord{
	{sevWarning, "CallCtrl", "CP", "Unexpected message from set %d discarded", 9000},
	{sevInfo, "CallCtrl", "CP", "Call record queue high-water mark %d", 500},
	{sevWarning, "IPMgr", "IPM", "Keepalive from set %d missed", 9000},
	{sevError, "MsgSys", "MSG", "Message queue %d full, message dropped", 64},
	{sevInfo, "MsgSys", "MSG", "Task %d stack usage within limits", 300},
}

// Malformed bytes are drawn from these: they hold no letters, so no
// recogniser can read a meaning into them, and no LF, CR or NUL, so every
// framing keeps them one message. The first byte is never a digit, '<'
// or a space, so no octet count, PRI or blank is read into them.
const (
	malformedText  = "#%&*+/=?@^_~|!$()[]{}-.,:;0123456789"
	malformedFirst = "#%&*+/=?@^_~|!$"
)
