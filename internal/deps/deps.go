// Package deps pins the project's dependencies while the packages that use
// them are written; it is removed once every one is imported for real.
package deps

import (
	_ "github.com/gosnmp/gosnmp"
	_ "github.com/leodido/go-syslog/v4/rfc3164"
	_ "github.com/leodido/go-syslog/v4/rfc5424"
	_ "github.com/nats-io/nats-server/v2/server"
	_ "github.com/nats-io/nats.go"
	_ "github.com/nats-io/nats.go/jetstream"
	_ "github.com/santhosh-tekuri/jsonschema/v6"
	_ "github.com/stretchr/testify/require"
	_ "go.yaml.in/yaml/v3"
	_ "golang.org/x/time/rate"
)
