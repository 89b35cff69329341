package runnersim

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/rhysd/actionlint"
)

// Expressions are parsed with actionlint's parser (the one its users'
// workflows are checked with) and evaluated here with GitHub's rules for
// the parts the action's inputs and post-if use: contexts, property and
// index access, literals, !, ==, !=, <, <=, >, >=, &&, || and the functions
// always, success, failure, cancelled, format, contains, startsWith,
// endsWith and toJSON.

// exprContext is the contexts an expression sees, by lower-case name
// (github, env, job, steps, strategy, matrix, runner).
type exprContext map[string]any

var interpolation = regexp.MustCompile(`\$\{\{(.*?)\}\}`)

// interpolate replaces every ${{ … }} in s with its value as a string.
func interpolate(s string, ctx exprContext) (string, error) {
	var bad error
	out := interpolation.ReplaceAllStringFunc(s, func(m string) string {
		v, err := evalExpr(interpolation.FindStringSubmatch(m)[1], ctx)
		if err != nil {
			bad = err
			return ""
		}
		return toString(v)
	})
	return out, bad
}

// condition evaluates an if/post-if condition; like the runner, a
// condition without a status function is wrapped in success().
func condition(expr string, ctx exprContext) (bool, error) {
	e := strings.TrimSpace(expr)
	if inner, ok := strings.CutPrefix(e, "${{"); ok {
		e = strings.TrimSuffix(strings.TrimSpace(inner), "}}")
	}
	lower := strings.ToLower(e)
	if !strings.Contains(lower, "always()") && !strings.Contains(lower, "success()") &&
		!strings.Contains(lower, "failure()") && !strings.Contains(lower, "cancelled()") {
		e = "success() && (" + e + ")"
	}
	v, err := evalExpr(e, ctx)
	return truthy(v), err
}

func evalExpr(src string, ctx exprContext) (any, error) {
	node, perr := actionlint.NewExprParser().Parse(actionlint.NewExprLexer(src + "}}"))
	if perr != nil {
		return nil, fmt.Errorf("expression %q: %s", src, perr.Message)
	}
	return eval(node, ctx)
}

// eval evaluates expression node n in ctx. Its length is one switch over
// the node types.
func eval(n actionlint.ExprNode, ctx exprContext) (any, error) {
	switch n := n.(type) {
	case *actionlint.VariableNode:
		v, ok := ctx[n.Name]
		if !ok {
			return nil, fmt.Errorf("context %q is not available to the simulated runner", n.Name)
		}
		return v, nil
	case *actionlint.NullNode:
		return nil, nil
	case *actionlint.BoolNode:
		return n.Value, nil
	case *actionlint.IntNode:
		return float64(n.Value), nil
	case *actionlint.FloatNode:
		return n.Value, nil
	case *actionlint.StringNode:
		return n.Value, nil
	case *actionlint.ObjectDerefNode:
		recv, err := eval(n.Receiver, ctx)
		if err != nil {
			return nil, err
		}
		return property(recv, n.Property), nil
	case *actionlint.IndexAccessNode:
		recv, err := eval(n.Operand, ctx)
		if err != nil {
			return nil, err
		}
		idx, err := eval(n.Index, ctx)
		if err != nil {
			return nil, err
		}
		if list, ok := recv.([]any); ok {
			i := toNumber(idx)
			if i >= 0 && int(i) < len(list) {
				return list[int(i)], nil
			}
			return nil, nil
		}
		return property(recv, toString(idx)), nil
	case *actionlint.NotOpNode:
		v, err := eval(n.Operand, ctx)
		return !truthy(v), err
	case *actionlint.LogicalOpNode:
		l, err := eval(n.Left, ctx)
		if err != nil {
			return nil, err
		}
		if (n.Kind == actionlint.LogicalOpNodeKindAnd) != truthy(l) {
			return l, nil
		}
		return eval(n.Right, ctx)
	case *actionlint.CompareOpNode:
		l, err := eval(n.Left, ctx)
		if err != nil {
			return nil, err
		}
		r, err := eval(n.Right, ctx)
		if err != nil {
			return nil, err
		}
		return compare(n.Kind, l, r), nil
	case *actionlint.FuncCallNode:
		args := make([]any, len(n.Args))
		for i, a := range n.Args {
			v, err := eval(a, ctx)
			if err != nil {
				return nil, err
			}
			args[i] = v
		}
		return call(strings.ToLower(n.Callee), args, ctx)
	}
	return nil, fmt.Errorf("expression node %T is not supported by the simulated runner", n)
}

// property looks a property up, ignoring case as GitHub does.
func property(recv any, name string) any {
	switch m := recv.(type) {
	case map[string]any:
		if v, ok := m[name]; ok {
			return v
		}
		for k, v := range m {
			if strings.EqualFold(k, name) {
				return v
			}
		}
	case map[string]string:
		if v, ok := m[name]; ok {
			return v
		}
		for k, v := range m {
			if strings.EqualFold(k, name) {
				return v
			}
		}
	}
	return nil
}

func call(name string, args []any, ctx exprContext) (any, error) {
	status := toString(property(ctx["job"], "status"))
	switch name {
	case "always":
		return true, nil
	case "success":
		return status == "success", nil
	case "failure":
		return status == "failure", nil
	case "cancelled":
		return status == "cancelled", nil
	case "format":
		if len(args) == 0 {
			return nil, fmt.Errorf("format() needs a format string")
		}
		out := toString(args[0])
		for i, a := range args[1:] {
			out = strings.ReplaceAll(out, "{"+strconv.Itoa(i)+"}", toString(a))
		}
		return out, nil
	case "contains":
		if len(args) == 2 {
			if list, ok := args[0].([]any); ok {
				for _, x := range list {
					if compare(actionlint.CompareOpNodeKindEq, x, args[1]).(bool) {
						return true, nil
					}
				}
				return false, nil
			}
			return strings.Contains(strings.ToLower(toString(args[0])), strings.ToLower(toString(args[1]))), nil
		}
	case "startswith":
		if len(args) == 2 {
			return strings.HasPrefix(strings.ToLower(toString(args[0])), strings.ToLower(toString(args[1]))), nil
		}
	case "endswith":
		if len(args) == 2 {
			return strings.HasSuffix(strings.ToLower(toString(args[0])), strings.ToLower(toString(args[1]))), nil
		}
	case "tojson":
		if len(args) == 1 {
			b, _ := json.MarshalIndent(args[0], "", "  ")
			return string(b), nil
		}
	}
	return nil, fmt.Errorf("function %s() with %d arguments is not supported by the simulated runner", name, len(args))
}

// compare follows GitHub's rules: strings compare ignoring case; values of
// different types compare as numbers.
func compare(kind actionlint.CompareOpNodeKind, l, r any) any {
	ls, lok := l.(string)
	rs, rok := r.(string)
	if lok && rok {
		c := strings.Compare(strings.ToLower(ls), strings.ToLower(rs))
		return cmpResult(kind, c)
	}
	if l == nil && r == nil {
		return cmpResult(kind, 0)
	}
	ln, rn := toNumber(l), toNumber(r)
	if math.IsNaN(ln) || math.IsNaN(rn) {
		return kind == actionlint.CompareOpNodeKindNotEq
	}
	switch {
	case ln < rn:
		return cmpResult(kind, -1)
	case ln > rn:
		return cmpResult(kind, 1)
	}
	return cmpResult(kind, 0)
}

func cmpResult(kind actionlint.CompareOpNodeKind, c int) bool {
	switch kind {
	case actionlint.CompareOpNodeKindLess:
		return c < 0
	case actionlint.CompareOpNodeKindLessEq:
		return c <= 0
	case actionlint.CompareOpNodeKindGreater:
		return c > 0
	case actionlint.CompareOpNodeKindGreaterEq:
		return c >= 0
	case actionlint.CompareOpNodeKindEq:
		return c == 0
	case actionlint.CompareOpNodeKindNotEq:
		return c != 0
	}
	return false
}

func truthy(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case bool:
		return x
	case float64:
		return x != 0 && !math.IsNaN(x)
	case string:
		return x != ""
	}
	return true
}

func toNumber(v any) float64 {
	switch x := v.(type) {
	case nil:
		return 0
	case bool:
		if x {
			return 1
		}
		return 0
	case float64:
		return x
	case string:
		s := strings.TrimSpace(x)
		if s == "" {
			return 0
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return math.NaN()
		}
		return f
	}
	return math.NaN()
}

func toString(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	b, _ := json.MarshalIndent(v, "", "  ")
	return string(b)
}
