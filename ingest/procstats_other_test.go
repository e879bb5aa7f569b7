//go:build !unix

package ingest

import (
	"testing"
	"time"
)

// processCPU is not measured here: benchmarks report no CPU per message.
func processCPU(*testing.B) time.Duration { return 0 }

// peakRSSMiB is not measured here.
func peakRSSMiB() float64 { return 0 }
