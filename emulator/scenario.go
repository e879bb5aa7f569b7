package emulator

import (
	"errors"
	"fmt"
	"regexp"
	"time"
)

// Scenario is a fleet and what happens to it: the YAML schema of scenario
// files (docs/EMULATOR.md). Load, Parse or the built-ins give validated
// scenarios; Run and Expect validate one built in code.
type Scenario struct {
	Name        string `yaml:"name"`
	Description string `yaml:"description,omitempty"`
	// Start and End bound the virtual time the scenario covers; End may be
	// given as Duration instead.
	Start    time.Time `yaml:"start"`
	End      time.Time `yaml:"end,omitempty"`
	Duration Duration  `yaml:"duration,omitempty"`
	// Schedule is the escalation schedule of systems that name none
	// (default "default").
	Schedule string `yaml:"schedule,omitempty"`
	// Seed makes the run repeatable; WithSeed overrides it.
	Seed    uint64       `yaml:"seed,omitempty"`
	Noise   Noise        `yaml:"noise,omitempty"`
	Systems []SystemSpec `yaml:"systems"`
}

// Noise is what a system emits besides its licence story, per system.
type Noise struct {
	// RecordsPerDay and SoftwarePerDay are the mean rates of ordinary
	// maintenance-log and software-log records.
	RecordsPerDay  float64 `yaml:"records_per_day,omitempty"`
	SoftwarePerDay float64 `yaml:"software_per_day,omitempty"`
	// AlarmsPerWeek is the mean rate of other alarms (a trunk, a power
	// supply) that are raised and cleared after a while.
	AlarmsPerWeek float64 `yaml:"alarms_per_week,omitempty"`
	// MalformedShare is the chance, after each record, of also sending a
	// malformed one (bytes that are not a record at all), 0 to 1.
	MalformedShare float64 `yaml:"malformed_share,omitempty"`
	// Jitter is the most by which a message is sent after the moment it
	// describes.
	Jitter Duration `yaml:"jitter,omitempty"`
}

// SystemSpec is one system of a scenario, or a template that WithFleet
// repeats.
type SystemSpec struct {
	// Name is the system's sysName and syslog HOSTNAME.
	Name string `yaml:"name"`
	// Release is its software release, e.g. "9.0 SP2" or "MCD 5.0 SP2 PR2".
	Release string `yaml:"release"`
	// Platform is the VerHw of sysDescr (default MXe); MCD is software.
	Platform string `yaml:"platform,omitempty"`
	// Schedule is its escalation schedule (default the scenario's).
	Schedule string `yaml:"schedule,omitempty"`
	// Patched says the 2020 Security Certificate Update patch is installed.
	Patched bool `yaml:"patched,omitempty"`
	// DLM says the system is its application group's Designated License
	// Manager, which then writes the licence records (src=DLM).
	DLM bool `yaml:"dlm,omitempty"`
	// DetectsAt is the time of day ("09:00") at which a calendar schedule's
	// violation is detected; by default a time drawn from the seed.
	DetectsAt string `yaml:"detects_at,omitempty"`
	// Timezone is the IANA zone of the system's clock (default UTC): its
	// records' dates and times, and RFC 3164 headers, are written in it
	// with no zone, as a real PBX does; pbxalarm must be told it (Zones).
	Timezone string      `yaml:"timezone,omitempty"`
	Licences Licences    `yaml:"licences,omitempty"`
	Events   []EventSpec `yaml:"events,omitempty"`
}

// Licences are a system's licence counts per type.
type Licences struct {
	IPUser   LicenceCount `yaml:"ip_user,omitempty"`
	IPDevice LicenceCount `yaml:"ip_device,omitempty"`
}

// LicenceCount is how many licences of a type are purchased and used.
type LicenceCount struct {
	Purchased int `yaml:"purchased"`
	Used      int `yaml:"used"`
}

// EventSpec is something that happens to a system: at a time, or After a
// duration since the scenario's start. Do says what (see docs/EMULATOR.md
// for the fields each needs).
type EventSpec struct {
	At    time.Time `yaml:"at,omitempty"`
	After Duration  `yaml:"after,omitempty"`
	Do    string    `yaml:"do"`
	// Licence is ip_user or ip_device (overuse, add_licences).
	Licence   string `yaml:"licence,omitempty"`
	Used      int    `yaml:"used,omitempty"`
	Purchased int    `yaml:"purchased,omitempty"`
	// Level is the level a new violation starts at (default Warning), or
	// the level of an alarm.
	Level string `yaml:"level,omitempty"`
	// Release is the release an upgrade installs.
	Release string `yaml:"release,omitempty"`
	// What names the expired licence, or states another violation's cause.
	What string `yaml:"what,omitempty"`
	// Cause is a reboot's cause.
	Cause string `yaml:"cause,omitempty"`
	// Category is an alarm's category.
	Category string `yaml:"category,omitempty"`
	// For is how long an alarm lasts or a reboot keeps the system down.
	For Duration `yaml:"for,omitempty"`
}

// action is what an event does.
type action string

// The actions a scenario event may take.
const (
	doOveruse     action = "overuse"      // licences over-used: a violation (licence_overuse)
	doExpire      action = "expire"       // a licence expires: a violation (licence_expired)
	doCert        action = "cert"         // certificate update missing: a violation (certificate_update)
	doViolation   action = "violation"    // another cause: a violation (other)
	doPatch       action = "patch"        // certificate patch applied: clears certificate_update
	doUpgrade     action = "upgrade"      // new release, with a reboot: clears certificate_update on 9.0 SP3+
	doAddLicences action = "add_licences" // licences purchased: clears licence_overuse when within limits
	doRenew       action = "renew"        // expired licence renewed: clears licence_expired
	doResolve     action = "resolve"      // the other cause removed: clears other
	doReboot      action = "reboot"       // restart, with shutdown and restart traps
	doAlarm       action = "alarm"        // another alarm category raised for a while
)

var actions = []action{doOveruse, doExpire, doCert, doViolation, doPatch, doUpgrade, doAddLicences, doRenew, doResolve, doReboot, doAlarm}

// The largest fleet and the longest scenario the emulator plans.
const (
	maxSystems  = 1 << 16
	maxDuration = 5 * 366 * day
)

var (
	systemName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$`)
	timeOfDay  = regexp.MustCompile(`^([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?$`)
)

// Validate checks every field and names the first bad one, as
// "systems[1].events[0].do: ...".
func (sc Scenario) Validate() error {
	_, err := compile(sc)
	return err
}

// fieldError names the field a validation error is about.
type fieldError struct {
	path string
	err  error
}

func (e *fieldError) Error() string { return e.path + ": " + e.err.Error() }
func (e *fieldError) Unwrap() error { return e.err }

func fieldErr(path string, format string, a ...any) error {
	return &fieldError{path: path, err: fmt.Errorf(format, a...)}
}

// scenarioError wraps a validation error with the scenario's name.
func scenarioError(name string, err error) error {
	var fe *fieldError
	if name == "" || !errors.As(err, &fe) {
		return fmt.Errorf("emulator: scenario: %w", err)
	}
	return fmt.Errorf("emulator: scenario %q: %w", name, err)
}
