// Package tracker keeps one licence state per PBX: it consumes the event
// stream with its own durable JetStream consumer, applies each licence,
// alarm and system event to the sending system's state, stores the state
// in the pbx_licence key-value bucket with compare-and-set, and publishes a
// state event at every change of level. Apply is the pure core; Tracker
// wires it to NATS. Replaying the stream into an empty bucket rebuilds the
// same states, and several trackers at once agree.
package tracker
