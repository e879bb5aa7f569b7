package main

import (
	"fmt"
	"io"
	"log/slog"
	"strings"
)

type logConfig struct {
	level  string
	format string
}

func defaultLogConfig() logConfig { return logConfig{level: "info", format: "text"} }

func logFlags(o *options, lc *logConfig) {
	o.fs.StringVar(&lc.level, "log-level", lc.level, "debug, info, warn or error")
	o.fs.StringVar(&lc.format, "log-format", lc.format, "text or json")
}

func (lc logConfig) logger(w io.Writer) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(lc.level)); err != nil {
		return nil, fmt.Errorf("log-level: %q is not debug, info, warn or error", lc.level)
	}
	opts := &slog.HandlerOptions{Level: level}
	switch strings.ToLower(lc.format) {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	default:
		return nil, fmt.Errorf("log-format: %q is not text or json", lc.format)
	}
}

// discardLogger is for commands whose own output is the point.
func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }
