// Package publish is the NATS side of pbxalarm: it runs an embedded NATS
// server with JetStream ([StartEmbedded]), connects to an external NATS
// ([Connect]), creates or updates the event stream ([EnsureStream]) and
// publishes events to JetStream without losing any ([Publisher]).
//
// A [Publisher] holds every message from [Publisher.Publish] until JetStream
// acknowledges it, retrying with the same Nats-Msg-Id across failures,
// timeouts and reconnects, so the stream's duplicate window turns an
// at-least-once retry into exactly-once storage. Its in-flight limit is the
// backpressure the inputs rely on: Publish blocks while the limit is reached.
package publish
