package mivb

import "testing"

// BenchmarkRecognise measures one call per line kind. Recognise runs on
// every received message, so non-matching lines must stay cheap.
func BenchmarkRecognise(b *testing.B) {
	lines := []struct{ name, text string }{
		{"licence-canonical", "MAINT 004711 Warning 2020/08/21 09:14:02 src=LicenseMgr mod=LMS: License Violation - level Warning, day 1; cause: Security Certificate Update not installed; first detected 2020/08/21 09:00:00; release 9.0 SP2"},
		{"licence-kv-reordered", `cause=overuse day=9 level=Major desc="License Violation reminder" first_detected=2020-08-21T09:00:00Z sev=Error mod=LMS src=LicenseMgr num=004802 type=MAINT`},
		{"licence-pipe-separated", "MAINT | 004831 | Error | 2020/09/04 | 09:00:00 | LicenseMgr | LMS | License Violation | level Critical | day 14 | cause: licence over-allocation | first detected: 2020/08/21 09:00:00"},
		{"alarm-record", "MAINT 004720 Error 2020/08/28 09:00:01 src=AlarmMgr mod=ALM: Alarm level changed to Major; categories: License Violation, IP Trunks"},
		{"info-record", "MAINT 004730 Info 2020/08/21 10:00:00 src=DBMgr mod=DB: Database backup completed"},
		{"nonmatching-sshd", "sshd[1234]: Accepted publickey for deploy from 192.0.2.10 port 50522 ssh2: ED25519 SHA256:Zm9vYmFyYmF6"},
		{"nonmatching-cisco-license", "%LICENSE-6-EULA_ACCEPTED: EULA for feature uck9 1.0 has been accepted. UDI=CISCO2951/K9:FTX1234ABCD; StoreIndex=0:Primary License Storage"},
		{"nonmatching-expires-soon", "Your license expires in 30 days. Renew to avoid interruption of service for all users."},
		{"nonmatching-kernel", "kernel: [12345.678901] e1000e 0000:00:19.0 eth0: NIC Link is Up 1000 Mbps Full Duplex, Flow Control: Rx/Tx"},
	}
	for _, l := range lines {
		b.Run(l.name, func(b *testing.B) {
			in := Input{Text: l.text}
			b.ReportAllocs()
			b.SetBytes(int64(len(l.text)))
			for b.Loop() {
				Recognise(in)
			}
		})
	}
}
