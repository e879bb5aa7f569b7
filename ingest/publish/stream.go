package publish

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/pbxalarm/pbxalarm/events"
)

// Stream defaults.
const (
	DefaultStreamName = "PBX_EVENTS"
	DefaultDuplicates = 2 * time.Minute
	DefaultMaxAge     = 30 * 24 * time.Hour
)

// StreamConfig describes the event stream. The zero value gives the
// defaults.
type StreamConfig struct {
	// Name is the stream name; default DefaultStreamName.
	Name string
	// Subjects the stream stores; default "<events.DefaultPrefix>.>".
	Subjects []string
	// Duplicates is the window within which a repeated Nats-Msg-Id is
	// dropped; default DefaultDuplicates. It bounds how long a retry may
	// take and still be recognised as a duplicate.
	Duplicates time.Duration
	// MaxAge is how long events are kept; default DefaultMaxAge.
	MaxAge time.Duration
	// MaxBytes bounds the stream's size; 0 means unlimited. When full the
	// oldest events are discarded.
	MaxBytes int64
	// Replicas is the number of copies in a cluster; default 1.
	Replicas int
}

func (c StreamConfig) withDefaults() (StreamConfig, error) {
	if c.Name == "" {
		c.Name = DefaultStreamName
	}
	if len(c.Subjects) == 0 {
		c.Subjects = []string{events.DefaultPrefix + ".>"}
	}
	if c.Duplicates == 0 {
		c.Duplicates = DefaultDuplicates
	}
	if c.MaxAge == 0 {
		c.MaxAge = DefaultMaxAge
	}
	if c.Replicas == 0 {
		c.Replicas = 1
	}
	var errs []error
	if c.Duplicates < 0 {
		errs = append(errs, fmt.Errorf("stream config: Duplicates %s is negative", c.Duplicates))
	}
	if c.MaxAge < 0 {
		errs = append(errs, fmt.Errorf("stream config: MaxAge %s is negative", c.MaxAge))
	}
	if c.Duplicates > c.MaxAge {
		errs = append(errs, fmt.Errorf("stream config: Duplicates %s exceeds MaxAge %s", c.Duplicates, c.MaxAge))
	}
	if c.MaxBytes < 0 {
		errs = append(errs, fmt.Errorf("stream config: MaxBytes %d is negative", c.MaxBytes))
	}
	if c.Replicas < 1 || c.Replicas > 5 {
		errs = append(errs, fmt.Errorf("stream config: Replicas %d is not between 1 and 5", c.Replicas))
	}
	return c, errors.Join(errs...)
}

// EnsureStream creates the stream with file storage, or updates it to cfg
// when it exists, and returns it. Calling it again with the same cfg
// changes nothing.
func EnsureStream(ctx context.Context, js jetstream.JetStream, cfg StreamConfig) (jetstream.Stream, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, fmt.Errorf("publish: stream %s: %w", cfg.Name, err)
	}
	maxBytes := cfg.MaxBytes
	if maxBytes == 0 {
		maxBytes = -1
	}
	s, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:       cfg.Name,
		Subjects:   cfg.Subjects,
		Storage:    jetstream.FileStorage,
		Retention:  jetstream.LimitsPolicy,
		Discard:    jetstream.DiscardOld,
		Duplicates: cfg.Duplicates,
		MaxAge:     cfg.MaxAge,
		MaxBytes:   maxBytes,
		MaxMsgs:    -1,
		Replicas:   cfg.Replicas,
	})
	if err != nil {
		return nil, fmt.Errorf("publish: create or update stream %s: %w", cfg.Name, err)
	}
	return s, nil
}
