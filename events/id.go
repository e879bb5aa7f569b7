package events

import (
	"crypto/sha256"
	"encoding/hex"
)

// ID returns the deterministic event id of a received message: a hash of
// the transport, the sender's IP address (not its port, which changes when
// a sender reconnects) and the raw bytes. The same bytes received twice from
// the same address give the same id, so JetStream's duplicate window drops
// a retransmission or a republish (the id is sent as Nats-Msg-Id).
func ID(t Transport, senderIP string, raw []byte) string {
	h := sha256.New()
	h.Write([]byte(t))
	h.Write([]byte{0})
	h.Write([]byte(senderIP))
	h.Write([]byte{0})
	h.Write(raw)
	var sum [sha256.Size]byte
	return hex.EncodeToString(h.Sum(sum[:0])[:16])
}
