package runnersim

import (
	"bufio"
	"fmt"
	"os"
	"strings"
	"unicode"
)

// ParseFileCommand parses a GITHUB_OUTPUT, GITHUB_STATE or GITHUB_ENV file
// with the runner's rules (actions/runner FileCommandManager): each line is
// NAME=VALUE, or NAME<<DELIMITER followed by the value's lines and a line
// that is DELIMITER. A malformed file is an error: it fails the step.
func ParseFileCommand(data string) (map[string]string, error) {
	out := map[string]string{}
	// The runner reads lines with .NET's ReadLine: \r\n, \r and \n each end
	// a line.
	data = strings.NewReplacer("\r\n", "\n", "\r", "\n").Replace(data)
	sc := bufio.NewScanner(strings.NewReader(data))
	sc.Buffer(make([]byte, 1<<20), 1<<26)
	next := func() (string, bool) {
		if !sc.Scan() {
			return "", false
		}
		return sc.Text(), true
	}
	for {
		line, ok := next()
		if !ok {
			break
		}
		if line == "" {
			continue
		}
		eq := strings.Index(line, "=")
		hd := strings.Index(line, "<<")
		var key, value string
		switch {
		case eq >= 0 && (hd < 0 || eq < hd):
			key, value = line[:eq], line[eq+1:]
		case hd >= 0 && (eq < 0 || hd < eq):
			key = line[:hd]
			delim := line[hd+2:]
			if delim == "" {
				return nil, fmt.Errorf("invalid value: delimiter for %q is empty", key)
			}
			var lines []string
			found := false
			for {
				l, ok := next()
				if !ok {
					break
				}
				if l == delim {
					found = true
					break
				}
				lines = append(lines, l)
			}
			if !found {
				return nil, fmt.Errorf("invalid value: matching delimiter not found %q", delim)
			}
			value = strings.Join(lines, "\n")
		default:
			return nil, fmt.Errorf("invalid format %q", line)
		}
		if key == "" {
			return nil, fmt.Errorf("invalid format %q: empty name", line)
		}
		out[key] = value
	}
	return out, sc.Err()
}

func readFileCommand(path string) (map[string]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParseFileCommand(string(data))
}

// Command is a workflow command printed on standard output.
type Command struct {
	Name       string
	Properties map[string]string
	Data       string
	// Legacy is true for the ##[name]data form.
	Legacy bool
}

// ParseCommands finds the workflow commands in a log as the runner does
// (ActionCommandManager, ActionCommand.TryParseV2 and TryParse): a
// registered name as "::name k=v::data" after leading white space, else as
// "##[name k=v]data" anywhere in the line; data and properties unescaped.
func ParseCommands(log string) []Command {
	var cmds []Command
	// The runner reads the output with .NET's ReadLine: \n, \r\n and \r
	// end a line.
	for _, line := range strings.Split(strings.ReplaceAll(strings.ReplaceAll(log, "\r\n", "\n"), "\r", "\n"), "\n") {
		if c, ok := parseV2(line); ok {
			cmds = append(cmds, c)
		} else if c, ok := parseLegacy(line); ok {
			cmds = append(cmds, c)
		}
	}
	return cmds
}

// registered are the commands the runner knows (ActionCommandManager and
// its command extensions); a name not among them is no command.
var registered = map[string]bool{
	"add-mask": true, "add-matcher": true, "add-path": true, "debug": true, "echo": true, "endgroup": true,
	"error": true, "group": true, "internal-set-repo-path": true, "notice": true, "remove-matcher": true,
	"save-state": true, "set-env": true, "set-output": true, "warning": true, "stop-commands": true,
}

// parseV2 is ActionCommand.TryParseV2: "::name k=v,k=v::data" at the start
// of the line once leading white space is trimmed.
func parseV2(line string) (Command, bool) {
	rest, ok := strings.CutPrefix(strings.TrimLeftFunc(line, unicode.IsSpace), "::")
	if !ok {
		return Command{}, false
	}
	head, data, ok := strings.Cut(rest, "::")
	if !ok {
		return Command{}, false
	}
	name, props, _ := strings.Cut(head, " ")
	if !registered[strings.ToLower(name)] {
		return Command{}, false
	}
	c := Command{Name: name, Properties: map[string]string{}, Data: unescapeData(data)}
	for _, kv := range strings.Split(strings.TrimSpace(props), ",") {
		if k, v, ok := strings.Cut(kv, "="); ok && k != "" && v != "" {
			c.Properties[k] = unescapeProperty(v)
		}
	}
	return c, true
}

// parseLegacy is ActionCommand.TryParse: "##[name k=v;k=v]data" anywhere
// in the line.
func parseLegacy(line string) (Command, bool) {
	i := strings.Index(line, "##[")
	if i < 0 {
		return Command{}, false
	}
	head, data, ok := strings.Cut(line[i+3:], "]")
	if !ok {
		return Command{}, false
	}
	name, props, _ := strings.Cut(head, " ")
	if !registered[strings.ToLower(name)] {
		return Command{}, false
	}
	c := Command{Name: name, Properties: map[string]string{}, Legacy: true,
		Data: strings.NewReplacer("%3B", ";", "%0D", "\r", "%0A", "\n", "%5D", "]", "%25", "%").Replace(data)}
	for _, kv := range strings.Split(props, ";") {
		if k, v, ok := strings.Cut(kv, "="); ok && k != "" && v != "" {
			c.Properties[k] = v
		}
	}
	return c, true
}

func unescapeData(s string) string {
	return strings.NewReplacer("%0D", "\r", "%0A", "\n", "%25", "%").Replace(s)
}

func unescapeProperty(s string) string {
	return strings.NewReplacer("%0D", "\r", "%0A", "\n", "%3A", ":", "%2C", ",", "%25", "%").Replace(s)
}
