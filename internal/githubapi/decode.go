package githubapi

// Decoding a GraphQL answer's data, and naming in words the field that
// does not fit: encoding/json says which value failed (its offset in the
// data) and what type it wanted; the data's own tokens give the value's
// path, list indices included.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// decodeData decodes data into out. When it does not fit, the error names
// the field's path in data and the problem in words, never in Go's.
func decodeData(data json.RawMessage, out any) error {
	err := json.Unmarshal(data, out)
	var inv *json.InvalidUnmarshalError
	var ute *json.UnmarshalTypeError
	var pe *time.ParseError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &inv):
		return fmt.Errorf("githubapi: a GraphQL answer is decoded into a non-nil pointer, not %T", out)
	case errors.As(err, &ute):
		path, tok, ok := findValue(data, func(tok json.Token, end int64) bool { return end == ute.Offset })
		if ok {
			return &BadAnswerError{What: fieldProblem(path, typeProblem(tok, ute.Type))}
		}
		return &BadAnswerError{What: misfit(bound(ute.Field, maxGraphQLMessageLen), valueWords(ute.Value), kindWords(ute.Type))}
	case errors.As(err, &pe):
		path, _, ok := findValue(data, func(tok json.Token, _ int64) bool { s, isStr := tok.(string); return isStr && s == pe.Value })
		if ok {
			return &BadAnswerError{What: fieldProblem(path, "holds a string that does not read as a date and time")}
		}
	}
	return &BadAnswerError{What: "the GraphQL answer's data does not have the form the action reads"}
}

// typeProblem says why the value tok does not fit where a value of type
// want belongs.
func typeProblem(tok json.Token, want reflect.Type) string {
	for want != nil && want.Kind() == reflect.Pointer {
		want = want.Elem()
	}
	n, isNumber := tok.(json.Number)
	if !isNumber || !isNumeric(want) {
		return "holds " + tokenWords(tok) + " where " + kindWords(want) + " belongs"
	}
	k := want.Kind()
	if strings.ContainsAny(string(n), ".eE") && k != reflect.Float32 && k != reflect.Float64 {
		return "holds " + tokenWords(tok) + " where a whole number belongs"
	}
	return "holds " + tokenWords(tok) + ", out of range there"
}

// findValue walks data's tokens to the first value (a scalar, or the
// opening of an object or array) that is reports true for, given the
// token and the offset just past it, and returns the value's path in
// data: names and list indices joined with "." ("" for data itself).
func findValue(data []byte, is func(tok json.Token, end int64) bool) (path string, tok json.Token, ok bool) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	// Each open object or array: its place in the path, and for an
	// object whether its next token is a key.
	type open struct {
		place   string
		index   int
		array   bool
		wantKey bool
	}
	var stack []*open
	next := func() { // a value ended: the array counts it, the object wants a key
		if len(stack) > 0 {
			top := stack[len(stack)-1]
			top.index++
			top.wantKey = !top.array
		}
	}
	for {
		t, err := dec.Token()
		if err != nil {
			return "", nil, false
		}
		var top *open
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if d, isDelim := t.(json.Delim); isDelim && (d == '}' || d == ']') {
			stack = stack[:len(stack)-1]
			next()
			continue
		}
		if top != nil && top.wantKey {
			top.place, top.wantKey = fmt.Sprint(t), false
			continue
		}
		if top != nil && top.array {
			top.place = strconv.Itoa(top.index)
		}
		if is(t, dec.InputOffset()) {
			parts := make([]string, len(stack))
			for i, o := range stack {
				parts[i] = o.place
			}
			return bound(strings.Join(parts, "."), maxGraphQLMessageLen), t, true
		}
		if d, isDelim := t.(json.Delim); isDelim {
			stack = append(stack, &open{array: d == '[', wantKey: d == '{'})
			continue
		}
		next()
	}
}
