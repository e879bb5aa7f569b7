package testlog

import (
	"log/slog"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestBuffer_ConcurrentWritesAllKept(t *testing.T) {
	var b Buffer
	log := b.Logger(slog.LevelInfo)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				log.Info("hello", "k", "v")
			}
		})
	}
	wg.Wait()
	assert.Equal(t, 800, b.Count("msg=hello"))
}

func TestBuffer_LoggerHonoursLevel(t *testing.T) {
	var b Buffer
	log := b.Logger(slog.LevelWarn)
	log.Info("quiet")
	log.Warn("loud")
	assert.Equal(t, 0, b.Count("quiet"))
	assert.Equal(t, 1, b.Count("loud"))
}
