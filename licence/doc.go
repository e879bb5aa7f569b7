// Package licence knows how a MiVB licence violation escalates: the levels
// (Clear to System Lock) and the escalation schedules, as data, with the
// functions that say which level a violation reaches when. The emulator
// plays the schedules; the tracker predicts from them.
package licence
