package events

import _ "embed"

// Schema is the JSON Schema (draft 2020-12) of an event, for subscribers
// that validate what they receive.
//
//go:embed schema/event.schema.json
var Schema []byte
