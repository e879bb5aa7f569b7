package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"

	"go.yaml.in/yaml/v3"
)

// options loads one subcommand's settings from, in rising precedence,
// defaults, a YAML --config file, PBXALARM_<NAME> environment variables and
// command-line flags. Every flag name is also its YAML key and, upper-cased
// with '-' as '_', its environment variable. Keys that have no flag form
// (maps, lists of records) are decoded by the structured hooks. Flags that
// ask for an action rather than a setting are command-line only.
type options struct {
	fs          *flag.FlagSet
	configFile  string
	structured  map[string]func(*yaml.Node) error
	commandOnly map[string]bool
}

func newOptions(name string) *options {
	o := &options{fs: flag.NewFlagSet(name, flag.ContinueOnError), structured: map[string]func(*yaml.Node) error{},
		commandOnly: map[string]bool{}}
	o.fs.StringVar(&o.configFile, "config", "", "YAML configuration file; its keys are the flag names")
	return o
}

// commandLineBool registers a flag that is read from the command line only,
// never from the environment or the file: one that asks serve to do
// something else (--check) must not linger in either.
func (o *options) commandLineBool(p *bool, name string, value bool, usage string) {
	o.fs.BoolVar(p, name, value, usage)
	o.commandOnly[name] = true
}

// structuredKey registers a YAML-only key.
func (o *options) structuredKey(key string, decode func(*yaml.Node) error) {
	o.structured[key] = decode
}

// envName is the environment variable for a flag.
func envName(flagName string) string {
	return "PBXALARM_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// load parses args and applies the config file and environment beneath them.
func (o *options) load(args []string) error {
	if err := o.fs.Parse(args); err != nil {
		return err
	}
	if o.fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %q", o.fs.Args())
	}
	onCommandLine := map[string]bool{}
	o.fs.Visit(func(f *flag.Flag) { onCommandLine[f.Name] = true })

	fromEnv := map[string]string{}
	o.fs.VisitAll(func(f *flag.Flag) {
		if o.commandOnly[f.Name] {
			return
		}
		if v, ok := os.LookupEnv(envName(f.Name)); ok && !onCommandLine[f.Name] {
			fromEnv[f.Name] = v
		}
	})
	if v, ok := fromEnv["config"]; ok {
		o.configFile = v
	}
	if o.configFile != "" {
		if err := o.applyFile(o.configFile, func(name string) bool { _, inEnv := fromEnv[name]; return onCommandLine[name] || inEnv }); err != nil {
			return err
		}
	}
	var errs []error
	for name, v := range fromEnv {
		if err := o.setFromText(name, v); err != nil {
			errs = append(errs, fmt.Errorf("%s (from %s): %w", name, envName(name), err))
		}
	}
	return errors.Join(errs...)
}

// setFromText sets a flag; a repeatable flag takes a comma-separated list.
func (o *options) setFromText(name, v string) error {
	f := o.fs.Lookup(name)
	if _, ok := f.Value.(*listFlag); ok {
		for _, item := range strings.Split(v, ",") {
			if item = strings.TrimSpace(item); item != "" {
				if err := f.Value.Set(item); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return o.fs.Set(name, v)
}

func (o *options) applyFile(path string, overridden func(string) bool) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return fmt.Errorf("config %s: %w", path, err)
	}
	if len(doc.Content) == 0 {
		return nil // empty file
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return fmt.Errorf("config %s: top level must be a mapping of flag names to values", path)
	}
	var errs []error
	for i := 0; i+1 < len(root.Content); i += 2 {
		key, val := root.Content[i].Value, root.Content[i+1]
		where := fmt.Sprintf("config %s line %d: %s", path, root.Content[i].Line, key)
		if decode, ok := o.structured[key]; ok {
			if err := decode(val); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", where, err))
			}
			continue
		}
		f := o.fs.Lookup(key)
		if f == nil || key == "config" || o.commandOnly[key] {
			errs = append(errs, fmt.Errorf("%s: unknown field", where))
			continue
		}
		if overridden(key) {
			continue
		}
		if err := setFromNode(f, val); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", where, err))
		}
	}
	return errors.Join(errs...)
}

func setFromNode(f *flag.Flag, val *yaml.Node) error {
	switch val.Kind {
	case yaml.ScalarNode:
		return f.Value.Set(val.Value)
	case yaml.SequenceNode:
		if _, ok := f.Value.(*listFlag); !ok {
			return fmt.Errorf("takes one value, not a list")
		}
		for _, item := range val.Content {
			if item.Kind != yaml.ScalarNode {
				return fmt.Errorf("list items must be plain values")
			}
			if err := f.Value.Set(item.Value); err != nil {
				return err
			}
		}
		return nil
	default:
		return fmt.Errorf("takes a plain value")
	}
}

// listFlag is a repeatable string flag; with split, one value may also
// hold several, comma-separated.
type listFlag struct {
	values *[]string
	set    bool
	split  bool
}

func (l *listFlag) String() string {
	if l == nil || l.values == nil {
		return ""
	}
	return strings.Join(*l.values, ",")
}

func (l *listFlag) Set(v string) error {
	if !l.set { // the first explicit value replaces the default
		*l.values, l.set = nil, true
	}
	if !l.split {
		*l.values = append(*l.values, v)
		return nil
	}
	for _, item := range strings.Split(v, ",") {
		if item = strings.TrimSpace(item); item != "" {
			*l.values = append(*l.values, item)
		}
	}
	return nil
}

func (o *options) listVar(p *[]string, name, usage string) {
	o.fs.Var(&listFlag{values: p}, name, usage+" (repeatable)")
}

// csvListVar is listVar whose values may also be comma-separated.
func (o *options) csvListVar(p *[]string, name, usage string) {
	o.fs.Var(&listFlag{values: p, split: true}, name, usage+" (repeatable)")
}
