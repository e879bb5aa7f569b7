// Package ingest runs pbxalarm's ingester: it receives messages from the
// inputs (syslog, SNMP), turns each into one normalised event and publishes
// it to NATS JetStream.
//
// Data flows one way, and each stage is a sub-package:
//
//	socket -> frame -> parse   ingest/syslog, ingest/snmp
//	       -> recognise        ingest/mivb
//	       -> event            events (the contract with subscribers)
//	       -> publish          ingest/publish
//
// This package holds the configuration of the whole ingester ([Config]), the
// pipeline that joins the stages ([Pipeline]) and [Run], which starts and
// stops them together.
package ingest
