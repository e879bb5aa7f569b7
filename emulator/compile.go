package emulator

import (
	"fmt"
	"regexp"
	"strconv"
	"time"
)

// plan inputs: a validated scenario in the form the simulation uses.
type compiled struct {
	name       string
	start, end time.Time
	seed       uint64
	noise      Noise
	templates  []template
}

// template is a validated SystemSpec.
type template struct {
	name     string
	release  Release
	platform string
	sched    *Schedule
	patched  bool
	dlm      bool
	detectAt time.Duration  // time of day of a calendar detection; -1 drawn from the seed
	loc      *time.Location // of the system's clock
	licences [numLicenceTypes]LicenceCount
	events   []event
}

// namedCause finds words that give a violation a cause of its own, which
// a receiver would read instead of "other".
var namedCause = regexp.MustCompile(`(?i)cert|security[\s_-]*(update|patch)|over[\s_-]*(use|usage|using|alloc|subscri|commit|provision|deploy|limit|capacity)|exceed|too\s+many|more\b.*\bthan|insufficient|expir|laps`)

// event is a validated EventSpec.
type event struct {
	at        time.Time
	do        action
	licence   int // licence type index
	used      int
	purchased int
	level     Level
	release   Release
	what      string
	reboot    *rebootCause
	category  string
	dur       time.Duration
}

// Licence types, as indexes of per-type arrays.
const (
	licIPUser = iota
	licIPDevice
	numLicenceTypes
)

var licenceTypeNames = [numLicenceTypes]string{"IP User", "IP Device"}
var licenceTypeKeys = map[string]int{"ip_user": licIPUser, "ip_device": licIPDevice}

func compile(sc Scenario) (*compiled, error) {
	c, err := compileScenario(sc)
	if err != nil {
		return nil, scenarioError(sc.Name, err)
	}
	return c, nil
}

func compileScenario(sc Scenario) (*compiled, error) {
	c := &compiled{name: sc.Name, start: sc.Start.UTC(), seed: sc.Seed, noise: sc.Noise}
	if sc.Start.IsZero() {
		return nil, fieldErr("start", "is required (e.g. 2020-08-20T00:00:00Z)")
	}
	switch {
	case !sc.End.IsZero() && sc.Duration != 0:
		return nil, fieldErr("end", "give end or duration, not both")
	case !sc.End.IsZero():
		c.end = sc.End.UTC()
	case sc.Duration != 0:
		c.end = c.start.Add(time.Duration(sc.Duration))
	default:
		return nil, fieldErr("end", "is required (or duration)")
	}
	if !c.end.After(c.start) || c.end.Sub(c.start) > maxDuration {
		return nil, fieldErr("end", "%s must be after start %s and at most 5 years later", c.end.Format(time.RFC3339), c.start.Format(time.RFC3339))
	}
	if err := checkNoise(sc.Noise); err != nil {
		return nil, err
	}
	schedName := sc.Schedule
	if schedName == "" {
		schedName = "default"
	}
	if _, err := LookupSchedule(schedName); err != nil {
		return nil, fieldErr("schedule", "%v", err)
	}
	if len(sc.Systems) == 0 || len(sc.Systems) > maxSystems {
		return nil, fieldErr("systems", "want 1 to %d systems, have %d", maxSystems, len(sc.Systems))
	}
	seen := map[string]bool{}
	for i, s := range sc.Systems {
		path := "systems[" + strconv.Itoa(i) + "]"
		t, err := compileSystem(path, s, schedName, c)
		if err != nil {
			return nil, err
		}
		if seen[t.name] {
			return nil, fieldErr(path+".name", "%q is given twice", t.name)
		}
		seen[t.name] = true
		c.templates = append(c.templates, t)
	}
	return c, nil
}

func checkNoise(n Noise) error {
	for _, f := range []struct {
		name string
		v    float64
		max  float64
	}{
		{"records_per_day", n.RecordsPerDay, 100000},
		{"software_per_day", n.SoftwarePerDay, 100000},
		{"alarms_per_week", n.AlarmsPerWeek, 1000},
		{"malformed_share", n.MalformedShare, 1},
	} {
		if !(f.v >= 0 && f.v <= f.max) { // also refuses NaN
			return fieldErr("noise."+f.name, "%v is not within 0..%v", f.v, f.max)
		}
	}
	if j := time.Duration(n.Jitter); j < 0 || j > time.Hour {
		return fieldErr("noise.jitter", "%s is not within 0..1h", n.Jitter)
	}
	return nil
}

func compileSystem(path string, s SystemSpec, schedName string, c *compiled) (template, error) {
	t := template{name: s.Name, platform: s.Platform, patched: s.Patched, dlm: s.DLM, detectAt: -1, loc: time.UTC}
	if !systemName.MatchString(s.Name) {
		return t, fieldErr(path+".name", "%q must be 1 to 63 letters, digits, '.', '_' or '-', starting with a letter or digit", s.Name)
	}
	var err error
	if t.release, err = ParseRelease(s.Release); err != nil {
		return t, fieldErr(path+".release", "%v", err)
	}
	if t.platform == "" {
		t.platform = "MXe"
	}
	if !validPlatform(t.platform) {
		return t, fieldErr(path+".platform", "%q is not one of %v", t.platform, Platforms)
	}
	if s.Schedule != "" {
		schedName = s.Schedule
	}
	if t.sched, err = LookupSchedule(schedName); err != nil {
		return t, fieldErr(path+".schedule", "%v", err)
	}
	if s.Timezone != "" {
		if t.loc, err = time.LoadLocation(s.Timezone); err != nil {
			return t, fieldErr(path+".timezone", "%v", err)
		}
	}
	if s.DetectsAt != "" {
		m := timeOfDay.FindStringSubmatch(s.DetectsAt)
		if m == nil {
			return t, fieldErr(path+".detects_at", "%q is not a time of day HH:MM[:SS]", s.DetectsAt)
		}
		h, _ := strconv.Atoi(m[1])
		mi, _ := strconv.Atoi(m[2])
		sec, _ := strconv.Atoi(m[3])
		t.detectAt = time.Duration(h)*time.Hour + time.Duration(mi)*time.Minute + time.Duration(sec)*time.Second
	}
	for k, lc := range map[string]LicenceCount{"ip_user": s.Licences.IPUser, "ip_device": s.Licences.IPDevice} {
		if lc.Purchased < 0 || lc.Used < 0 || lc.Purchased > 1e6 || lc.Used > 1e6 {
			return t, fieldErr(path+".licences."+k, "counts must be within 0..1000000")
		}
		t.licences[licenceTypeKeys[k]] = lc
	}
	for j, e := range s.Events {
		ev, err := compileEvent(path+".events["+strconv.Itoa(j)+"]", e, c)
		if err != nil {
			return t, err
		}
		t.events = append(t.events, ev)
	}
	return t, nil
}

func compileEvent(path string, e EventSpec, c *compiled) (event, error) {
	ev := event{do: action(e.Do), what: e.What, category: e.Category, dur: time.Duration(e.For), level: LevelWarning, licence: -1}
	switch {
	case !e.At.IsZero() && e.After != 0:
		return ev, fieldErr(path+".at", "give at or after, not both")
	case !e.At.IsZero():
		ev.at = e.At.UTC()
	default:
		ev.at = c.start.Add(time.Duration(e.After))
	}
	if ev.at.After(c.end) {
		return ev, fieldErr(path+".at", "%s is after the scenario's end %s", ev.at.Format(time.RFC3339), c.end.Format(time.RFC3339))
	}
	known := false
	for _, a := range actions {
		known = known || a == ev.do
	}
	if !known {
		return ev, fieldErr(path+".do", "%q is not one of %v", e.Do, actions)
	}
	if e.Licence != "" {
		n, ok := licenceTypeKeys[e.Licence]
		if !ok {
			return ev, fieldErr(path+".licence", "%q is not ip_user or ip_device", e.Licence)
		}
		ev.licence = n
	}
	if e.Level != "" {
		l, err := ParseLevel(e.Level)
		if err != nil {
			return ev, fieldErr(path+".level", "%v", err)
		}
		ev.level = l
	}
	return ev, checkEvent(path, e, &ev)
}

// checkEvent checks the fields each action needs.
func checkEvent(path string, e EventSpec, ev *event) error {
	need := func(field string, ok bool, what string) error {
		if !ok {
			return fieldErr(path+"."+field, "%s needs %s", e.Do, what)
		}
		return nil
	}
	var err error
	switch ev.do {
	case doOveruse:
		if err = need("licence", ev.licence >= 0, "a licence type (ip_user or ip_device)"); err == nil {
			err = need("used", e.Used > 0, "the number of licences used")
		}
		ev.used = e.Used
	case doAddLicences:
		if err = need("licence", ev.licence >= 0, "a licence type (ip_user or ip_device)"); err == nil {
			err = need("purchased", e.Purchased > 0, "the new number of licences purchased")
		}
		ev.purchased = e.Purchased
	case doExpire:
		if ev.what == "" {
			ev.what = "Software Assurance"
		}
	case doViolation:
		err = need("what", ev.what != "", "the cause in a few words (e.g. System ID mismatch)")
		if err == nil && namedCause.MatchString(ev.what) {
			err = fieldErr(path+".what", "%q names a cause of its own (certificate, over-use, expiry): use do: cert, overuse or expire", ev.what)
		}
	case doUpgrade:
		if ev.release, err = ParseRelease(e.Release); err != nil {
			err = fieldErr(path+".release", "%v", err)
		}
		ev.reboot = rebootCauseFor("software upgraded")
	case doReboot:
		c := e.Cause
		if c == "" {
			c = "maintenance command"
		}
		if ev.reboot = rebootCauseFor(c); ev.reboot == nil {
			err = fieldErr(path+".cause", "%q is not one of %v", c, rebootCauseNames())
		}
	case doAlarm:
		if err = need("category", categoryByName(ev.category) >= 0, fmt.Sprintf("a category, one of %v", categoryNames())); err == nil {
			err = need("level", e.Level != "" && ev.level >= LevelMinor && ev.level <= LevelCritical, "a level Minor, Major or Critical")
		}
		if err == nil && ev.dur <= 0 {
			err = fieldErr(path+".for", "alarm needs how long it lasts (e.g. 3h)")
		}
	}
	if err == nil && (ev.do == doUpgrade || ev.do == doReboot) && ev.dur == 0 {
		ev.dur = 4*time.Minute + 30*time.Second
	}
	if err == nil && ev.dur > 30*day {
		err = fieldErr(path+".for", "%s is longer than 30 days", e.For)
	}
	if err != nil {
		return err
	}
	return nil
}

func (t template) String() string { return fmt.Sprintf("%s (%s)", t.name, t.release) }
