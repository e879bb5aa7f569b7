// Command pbxalarm receives MiVoice Business alarms and licence violations
// by syslog and SNMP, normalises them and publishes them to NATS JetStream.
//
// Usage:
//
//	pbxalarm serve [flags]    run the ingester (embedded NATS unless --nats-url)
//	pbxalarm demo             serve + embedded NATS + an emulated fleet, events shown live
//	pbxalarm emulate [flags]  run a fleet of virtual MiVB systems
//	pbxalarm status [--json]  every PBX's licence state, soonest System Lock first
//	pbxalarm tail [flags]     print events from the stream as they arrive
//	pbxalarm track [flags]    run the licence-state tracker on its own
//	pbxalarm watch            the status table, live
//	pbxalarm bench [flags]    send load to a pbxalarm, count what arrives on NATS
//	pbxalarm health [--live]  exit 0 if a running serve is ready (alive), else 1
//	pbxalarm version
//
// Run "pbxalarm <command> -h" for a command's flags.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	// The container image is FROM scratch, with no zoneinfo: --timezone
	// and timezones: would name no zone there without Go's own copy.
	_ "time/tzdata"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

type command struct {
	name, summary string
	run           func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

func commands() []command {
	return []command{
		{"serve", "receive syslog and SNMP, publish events to NATS JetStream", runServe},
		{"demo", "run serve, the embedded NATS and an emulated fleet together, showing the events live", runDemo},
		{"emulate", "run a fleet of virtual MiVB systems against syslog and SNMP receivers", runEmulate},
		{"status", "print every PBX's licence state, soonest System Lock first", runStatus},
		{"tail", "print events from the stream as they arrive", runTail},
		{"track", "run the licence-state tracker on its own", runTrack},
		{"watch", "the status table, live", runWatch},
		{"bench", "send syslog, traps or informs to a pbxalarm and count what arrives on NATS", runBench},
		{"health", "ask a running serve whether it is ready (exit 0) or not (exit 1), for container health checks", runHealth},
		{"version", "print the version", func(_ context.Context, _ []string, stdout, _ io.Writer) error {
			_, err := fmt.Fprintln(stdout, "pbxalarm", version)
			return err
		}},
	}
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: pbxalarm <command> [flags]\n\ncommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	switch {
	case err == nil:
	case errors.Is(err, flag.ErrHelp):
		os.Exit(0)
	default:
		fmt.Fprintln(os.Stderr, "pbxalarm:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stdout)
		return nil
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(ctx, args[1:], stdout, stderr)
		}
	}
	usage(stderr)
	return fmt.Errorf("unknown command %q", args[0])
}
