package runnersim

import (
	"bufio"
	"fmt"
	"os"
	"strings"
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
}

// ParseCommands finds the workflow commands (::name k=v::data) in a log,
// with their data and properties unescaped as the runner does.
func ParseCommands(log string) []Command {
	var cmds []Command
	for _, line := range strings.Split(log, "\n") {
		line = strings.TrimSuffix(line, "\r")
		rest, ok := strings.CutPrefix(line, "::")
		if !ok {
			continue
		}
		head, data, ok := strings.Cut(rest, "::")
		if !ok {
			continue
		}
		name, props, _ := strings.Cut(head, " ")
		c := Command{Name: name, Properties: map[string]string{}, Data: unescapeData(data)}
		if props != "" {
			for _, kv := range strings.Split(props, ",") {
				k, v, _ := strings.Cut(kv, "=")
				c.Properties[k] = unescapeProperty(v)
			}
		}
		cmds = append(cmds, c)
	}
	return cmds
}

func unescapeData(s string) string {
	return strings.NewReplacer("%0D", "\r", "%0A", "\n", "%25", "%").Replace(s)
}

func unescapeProperty(s string) string {
	return strings.NewReplacer("%0D", "\r", "%0A", "\n", "%3A", ":", "%2C", ",", "%25", "%").Replace(s)
}
