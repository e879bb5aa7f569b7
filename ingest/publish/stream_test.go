package publish

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"
)

func TestEnsureStream_CreatesThenUpdatesIdempotently(t *testing.T) {
	srv := startServer(t, -1, t.TempDir())
	_, js := connect(t, srv.ClientURL())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	steps := []struct {
		name string
		cfg  StreamConfig
		want jetstream.StreamConfig
	}{
		{
			name: "create with defaults",
			cfg:  StreamConfig{},
			want: jetstream.StreamConfig{Name: "PBX_EVENTS", Subjects: []string{"pbx.>"}, Duplicates: 2 * time.Minute, MaxAge: 30 * 24 * time.Hour},
		},
		{
			name: "update MaxAge",
			cfg:  StreamConfig{MaxAge: 48 * time.Hour},
			want: jetstream.StreamConfig{Name: "PBX_EVENTS", Subjects: []string{"pbx.>"}, Duplicates: 2 * time.Minute, MaxAge: 48 * time.Hour},
		},
		{
			name: "same config again changes nothing",
			cfg:  StreamConfig{MaxAge: 48 * time.Hour},
			want: jetstream.StreamConfig{Name: "PBX_EVENTS", Subjects: []string{"pbx.>"}, Duplicates: 2 * time.Minute, MaxAge: 48 * time.Hour},
		},
	}
	var created time.Time
	for i, step := range steps {
		s, err := EnsureStream(ctx, js, step.cfg)
		require.NoError(t, err, step.name)
		info, err := s.Info(ctx)
		require.NoError(t, err, step.name)
		got := info.Config
		require.Equal(t, step.want.Name, got.Name, step.name)
		require.Equal(t, step.want.Subjects, got.Subjects, step.name)
		require.Equal(t, step.want.Duplicates, got.Duplicates, step.name)
		require.Equal(t, step.want.MaxAge, got.MaxAge, step.name)
		require.Equal(t, jetstream.FileStorage, got.Storage, step.name)
		require.Equal(t, 1, got.Replicas, step.name)
		if i == 0 {
			created = info.Created
			_, err := js.Publish(ctx, "pbx.pbx1.log.info", []byte("kept"), jetstream.WithMsgID("kept"))
			require.NoError(t, err)
		}
		require.Equal(t, created, info.Created, "%s: the stream was recreated", step.name)
		if i > 0 {
			require.EqualValues(t, 1, info.State.Msgs, "%s: stored messages lost", step.name)
		}
	}
}

func TestEnsureStream_RejectsBadConfig(t *testing.T) {
	cases := []struct {
		name    string
		cfg     StreamConfig
		wantErr string
	}{
		{"negative duplicates", StreamConfig{Duplicates: -time.Second}, "Duplicates -1s is negative"},
		{"duplicate window beyond max age", StreamConfig{Duplicates: time.Hour, MaxAge: time.Minute}, "Duplicates 1h0m0s exceeds MaxAge 1m0s"},
		{"too many replicas", StreamConfig{Replicas: 7}, "Replicas 7"},
		{"negative max bytes", StreamConfig{MaxBytes: -5}, "MaxBytes -5"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// Validation fails before any request, so no server is needed;
			// a nil JetStream would panic if it were used.
			_, err := EnsureStream(context.Background(), nil, tc.cfg)
			require.ErrorContains(t, err, tc.wantErr)
		})
	}
}
