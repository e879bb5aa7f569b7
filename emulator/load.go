package emulator

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

//go:embed scenarios/*.yaml
var builtinFS embed.FS

// Builtins lists the names of the built-in scenarios.
func Builtins() []string {
	entries, _ := builtinFS.ReadDir("scenarios") // embedded: cannot fail
	var out []string
	for _, e := range entries {
		out = append(out, strings.TrimSuffix(e.Name(), ".yaml"))
	}
	return out
}

// BuiltinYAML returns the YAML of a built-in scenario, to print or to
// start a scenario file from.
func BuiltinYAML(name string) ([]byte, error) {
	b, err := builtinFS.ReadFile("scenarios/" + name + ".yaml")
	if err != nil {
		return nil, fmt.Errorf("emulator: scenario %q is not built in (have %v)", name, Builtins())
	}
	return b, nil
}

// Load returns the built-in scenario called name, or else the scenario in
// the file at that path.
func Load(name string) (Scenario, error) {
	if slices.Contains(Builtins(), name) {
		b, _ := BuiltinYAML(name)
		return Parse(b)
	}
	b, err := os.ReadFile(name)
	if err != nil {
		return Scenario{}, fmt.Errorf("emulator: scenario %q is neither built in (%v) nor a readable file: %w", name, Builtins(), err)
	}
	sc, err := Parse(b)
	if err != nil {
		return Scenario{}, fmt.Errorf("%s: %w", path.Base(name), err)
	}
	return sc, nil
}

// Parse reads and validates a scenario in YAML. Unknown fields are
// refused; every error names the field, as "systems[1].release: ...".
func Parse(b []byte) (Scenario, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(b, &root); err != nil {
		return Scenario{}, fmt.Errorf("emulator: scenario: %w", err)
	}
	var sc Scenario
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&sc); err != nil {
		if errors.Is(err, io.EOF) {
			return Scenario{}, errors.New("emulator: scenario: the file is empty")
		}
		return Scenario{}, fmt.Errorf("emulator: scenario: %w", namePaths(err, &root))
	}
	if err := sc.Validate(); err != nil {
		return Scenario{}, err
	}
	return sc, nil
}

var yamlLine = regexp.MustCompile(`line (\d+): `)

// namePaths rewrites the "line N: " of a YAML decoding error as the path
// of the field on that line, as "systems[0].licences.ip_user.used (line
// N): ".
func namePaths(err error, root *yaml.Node) error {
	paths := map[int]string{}
	walkPaths(root, "", paths)
	msg := yamlLine.ReplaceAllStringFunc(err.Error(), func(m string) string {
		n, _ := strconv.Atoi(yamlLine.FindStringSubmatch(m)[1])
		if p, ok := paths[n]; ok {
			return fmt.Sprintf("%s (line %d): ", p, n)
		}
		return m
	})
	msg = strings.TrimPrefix(msg, "yaml: unmarshal errors:\n  ")
	return errors.New(strings.ReplaceAll(msg, "\n  ", "; "))
}

// walkPaths records, for each line, the path of the first key on it, or
// else of the sequence item that starts on it.
func walkPaths(n *yaml.Node, p string, out map[int]string) {
	keys := map[int]bool{}
	var walk func(n *yaml.Node, p string)
	walk = func(n *yaml.Node, p string) {
		switch n.Kind {
		case yaml.DocumentNode:
			for _, c := range n.Content {
				walk(c, p)
			}
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				kp := k.Value
				if p != "" {
					kp = p + "." + k.Value
				}
				if !keys[k.Line] {
					out[k.Line], keys[k.Line] = kp, true
				}
				walk(v, kp)
			}
		case yaml.SequenceNode:
			for i, c := range n.Content {
				ip := p + "[" + strconv.Itoa(i) + "]"
				if _, seen := out[c.Line]; !seen {
					out[c.Line] = ip
				}
				walk(c, ip)
			}
		}
	}
	walk(n, p)
}
