package emulator

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Release is a MiVB (formerly MCD) software release, such as 9.0 SP2 or
// 7.0 SP1 PR2.
type Release struct {
	Major, Minor int
	SP, PR       int // service pack and product release; 0 when none
}

var releaseForm = regexp.MustCompile(`(?i)^\s*(?:mivb|mcd|mivoice\s+business)?\s*r?(\d{1,2})\.(\d{1,2})(?:\s*sp\s*(\d{1,2}))?(?:\s*pr\s*(\d{1,2}))?\s*$`)

// ParseRelease reads a release written "9.0 SP2", "MCD 5.0 SP2 PR2",
// "MiVB R9.0 SP3" or "10.0", in any case.
func ParseRelease(s string) (Release, error) {
	m := releaseForm.FindStringSubmatch(s)
	if m == nil {
		return Release{}, fmt.Errorf("release %q: want MAJOR.MINOR [SPn] [PRn], e.g. \"9.0 SP2\"", s)
	}
	n := func(i int) int {
		v, _ := strconv.Atoi(m[i]) // the pattern admits digits only; "" is 0
		return v
	}
	r := Release{Major: n(1), Minor: n(2), SP: n(3), PR: n(4)}
	if r.Major < 4 {
		return Release{}, fmt.Errorf("release %q: the emulator models MCD 4.0 and later", s)
	}
	return r, nil
}

// String writes the release as MiVB's VerMCD field does: "9.0 SP2".
func (r Release) String() string {
	s := fmt.Sprintf("%d.%d", r.Major, r.Minor)
	if r.SP > 0 {
		s += fmt.Sprintf(" SP%d", r.SP)
	}
	if r.PR > 0 {
		s += fmt.Sprintf(" PR%d", r.PR)
	}
	return s
}

// Compare orders releases: -1 if r is older than o, 0 if equal, +1 if newer.
func (r Release) Compare(o Release) int {
	a := [...]int{r.Major, r.Minor, r.SP, r.PR}
	b := [...]int{o.Major, o.Minor, o.SP, o.PR}
	for i := range a {
		switch {
		case a[i] < b[i]:
			return -1
		case a[i] > b[i]:
			return 1
		}
	}
	return 0
}

// Releases the 2020 Security Certificate Update affects: MCD 5.0 up to
// MiVB 9.0 before SP3 (seed.txt; mitel-facts.md §9.3).
var (
	certFirstAffected = Release{Major: 5}
	certFixedIn       = Release{Major: 9, SP: 3}
)

// CertAffected reports whether the 2020 Security Certificate Update
// applies to the release: MCD 5.0 and 6.0, MiVB 7.0 to 8.0 and 9.0
// before SP3.
func (r Release) CertAffected() bool {
	return r.Compare(certFirstAffected) >= 0 && r.Compare(certFixedIn) < 0
}

// VerSw is the call-control build in sysDescr: its major number is the
// release's plus 6 (11.x is MCD 5.0, 13.x is MiVB 7.0; 14.x for 8.0 and
// 15.x for 9.0 are DERIVED, mitel-facts.md §6), then minor, service pack
// and a build number. The build number is made up.
func (r Release) VerSw() string {
	return fmt.Sprintf("%d.%d.%d.%d", r.Major+6, r.Minor, r.SP, 25+14*r.PR+3*r.Minor)
}

// Platforms are the VerHw values a system may have; MCD is software on a
// server and adds HostSrv to sysDescr.
var Platforms = []string{"MXe", "MXe III", "CX", "CX II", "CXi", "CXi-II", "EX", "MCD"}

// sysDescr builds a MiVB sysDescr in the form real systems report
// (mitel-facts.md §6): VerAg;VerSw;VerHw;VerPl[;HostSrv];VerMCD.
func sysDescr(r Release, platform, hostIP string) string {
	parts := []string{"VerAg:07.00.00.01.00", "VerSw:" + r.VerSw(), "VerHw:" + platform, "VerPl:3300 ICP"}
	if platform == "MCD" {
		parts = append(parts, "HostSrv:"+hostIP)
	}
	parts = append(parts, "VerMCD:"+r.String())
	return strings.Join(parts, ";")
}

func validPlatform(p string) bool {
	for _, v := range Platforms {
		if v == p {
			return true
		}
	}
	return false
}
