package runnersim

import (
	"fmt"
	"os"
	"strings"
	"unicode"
)

// Pair is one NAME and VALUE of a file command, in the order written.
type Pair struct{ Name, Value string }

// ParseFileCommand parses a GITHUB_OUTPUT, GITHUB_STATE or GITHUB_ENV file
// with the runner's rules (FileCommandManager.cs, EnvFileKeyValuePairs):
// on Linux a line ends at \n only, so a value keeps any \r; each line is
// NAME=VALUE, or NAME<<DELIMITER followed by the value's lines and a line
// that is DELIMITER. The pairs come out as the runner applies them: those
// before a malformed line take effect, and the error then fails the step.
func ParseFileCommand(text string) ([]Pair, error) {
	var out []Pair
	r := &lineReader{text: text}
	for {
		line, _, ok := r.next()
		if !ok {
			return out, nil
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
			if key == "" || delim == "" {
				return out, fmt.Errorf("invalid format %q: name must not be empty and delimiter must not be empty", line)
			}
			var err error
			if value, err = r.heredoc(delim); err != nil {
				return out, err
			}
		default:
			return out, fmt.Errorf("invalid format %q", line)
		}
		if key == "" {
			return out, fmt.Errorf("invalid format %q: name must not be empty", line)
		}
		out = append(out, Pair{key, value})
	}
}

// lineReader reads text a line at a time, a line ending at \n only.
type lineReader struct {
	text string
	i    int // where the next line starts
}

// next is the next line, without its \n; newline says whether it had
// one, ok whether there was a line.
func (r *lineReader) next() (line string, newline bool, ok bool) {
	if r.i >= len(r.text) {
		return "", false, false
	}
	start := r.i
	lf := strings.IndexByte(r.text[r.i:], '\n')
	if lf < 0 {
		r.i = len(r.text)
		return r.text[start:], false, true
	}
	r.i += lf + 1
	return r.text[start : r.i-1], true, true
}

// heredoc reads a NAME<<DELIMITER value: the lines up to one that is
// delim, which each must end in a newline; the value is them without the
// last one's newline.
func (r *lineReader) heredoc(delim string) (string, error) {
	start, end := r.i, r.i
	for {
		l, nl, ok := r.next()
		if !ok {
			return "", fmt.Errorf("invalid value: matching delimiter not found %q", delim)
		}
		if l == delim {
			break
		}
		if !nl {
			return "", fmt.Errorf("invalid value: EOF marker missing new line")
		}
		end = r.i - 1
	}
	if end > start {
		return r.text[start:end], nil
	}
	return "", nil
}

// Map is the pairs as the runner ends up with them: later names win;
// with foldCase (GITHUB_STATE), names that differ only in case are one,
// under the name first written.
func Map(pairs []Pair, foldCase bool) map[string]string {
	out := map[string]string{}
	for _, p := range pairs {
		name := p.Name
		if foldCase {
			for k := range out {
				if strings.EqualFold(k, name) {
					name = k
					break
				}
			}
		}
		out[name] = p.Value
	}
	return out
}

func readFileCommand(path string) ([]Pair, error) {
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
