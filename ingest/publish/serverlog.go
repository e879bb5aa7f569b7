package publish

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
)

// serverLog adapts nats-server's logger to slog. Fatal messages are logged
// as errors and kept so that StartEmbedded can return them: the server's
// own logger would exit the process instead.
type serverLog struct {
	log *slog.Logger

	mu       sync.Mutex
	firstErr string
}

func (l *serverLog) fatal() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.firstErr
}

func (l *serverLog) emit(level slog.Level, format string, v []any) {
	if !l.log.Enabled(context.Background(), level) {
		return
	}
	l.log.Log(context.Background(), level, fmt.Sprintf(format, v...))
}

func (l *serverLog) Noticef(format string, v ...any) { l.emit(slog.LevelInfo, format, v) }
func (l *serverLog) Warnf(format string, v ...any)   { l.emit(slog.LevelWarn, format, v) }
func (l *serverLog) Errorf(format string, v ...any)  { l.emit(slog.LevelError, format, v) }
func (l *serverLog) Debugf(format string, v ...any)  { l.emit(slog.LevelDebug, format, v) }
func (l *serverLog) Tracef(format string, v ...any)  { l.emit(slog.LevelDebug-4, format, v) }

func (l *serverLog) Fatalf(format string, v ...any) {
	msg := fmt.Sprintf(format, v...)
	l.mu.Lock()
	if l.firstErr == "" {
		l.firstErr = msg
	}
	l.mu.Unlock()
	l.log.Error(msg, "fatal", true)
}
