// Package events defines the pbxalarm event: the CloudEvents 1.0 JSON
// document every ingester publishes to NATS JetStream, the subject it is
// published on, and its deterministic id.
//
// It is the contract with every downstream subscriber. It depends on the
// standard library only, so any Go program can import it to decode what it
// receives; programs in other languages use the JSON Schema in
// schema/event.schema.json (also embedded here as [Schema]).
//
// Names in this package (event types, kinds, severities, field names) are a
// public interface: they are added to, never renamed.
package events
