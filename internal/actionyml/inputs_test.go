package actionyml_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"iter"
	"maps"
	"math/rand"
	"reflect"
	"strconv"
	"testing"
	"testing/quick"

	"github.com/google/go-cmp/cmp"
	"gopkg.in/yaml.v3"

	"github.com/deploy-lifecycle/deployment-action/internal/actionyml"
)

// inputTable reads back the table CLIInputs generates: each element of
// actionInputs by its name, its strings unquoted as the compiler would.
func inputTable(t *testing.T, src []byte) map[string]actionyml.Input {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "inputs_gen.go", src, parser.ParseComments)
	if err != nil {
		t.Fatalf("the generated table is not Go: %v\n%s", err, src)
	}
	if f.Name.Name != "cli" || !ast.IsGenerated(f) {
		t.Fatalf("package %s, generated %t", f.Name.Name, ast.IsGenerated(f))
	}
	got := map[string]actionyml.Input{}
	ast.Inspect(f, func(n ast.Node) bool {
		lit, ok := n.(*ast.CompositeLit)
		if !ok || lit.Type != nil {
			return true
		}
		var name string
		var in actionyml.Input
		for _, e := range lit.Elts {
			kv := e.(*ast.KeyValueExpr)
			switch key := kv.Key.(*ast.Ident).Name; key {
			case "Required":
				in.Required = kv.Value.(*ast.Ident).Name == "true"
			default:
				s, err := strconv.Unquote(kv.Value.(*ast.BasicLit).Value)
				if err != nil {
					t.Fatalf("%s: %v", key, err)
				}
				*map[string]*string{"Name": &name, "Description": &in.Description, "Default": &in.Default}[key] = s
			}
		}
		if _, dup := got[name]; dup {
			t.Errorf("input %q twice", name)
		}
		got[name] = in
		return false
	})
	return got
}

// TestCLIInputsHoldsActionYMLsInputs: the table --help and local runs read
// holds exactly the inputs action.yml has (names, descriptions, defaults,
// required), whatever their text: quotes, backslashes, backticks, newlines,
// comment markers and any Unicode survive the trip into Go source.
func TestCLIInputsHoldsActionYMLsInputs(t *testing.T) {
	t.Parallel()
	check := func(inputs map[string]actionyml.Input) bool {
		root, err := yaml.Marshal(map[string]any{"name": "x", "inputs": inputs})
		if err != nil {
			t.Fatal(err)
		}
		want, err := actionyml.Parse(root)
		if err != nil {
			t.Fatal(err)
		}
		src, err := actionyml.CLIInputs(root)
		if err != nil {
			t.Fatalf("%v\n%s", err, root)
		}
		if d := cmp.Diff(want.Inputs, inputTable(t, src)); d != "" {
			t.Errorf("table (-action.yml +table):\n%s\n%s", d, src)
			return false
		}
		return true
	}
	hostile := []string{"", `"`, `\`, "`", "a\nb", "*/ /*", "// x", "\x00", "\u2028", "é ☃", "${{ github.token }}", "end\n"}
	gen := func(vals []reflect.Value, r *rand.Rand) {
		pick := func() string {
			if r.Intn(2) == 0 {
				return hostile[r.Intn(len(hostile))] + hostile[r.Intn(len(hostile))]
			}
			v, _ := quick.Value(reflect.TypeFor[string](), r)
			return v.String()
		}
		inputs := map[string]actionyml.Input{}
		for range 1 + r.Intn(6) {
			name := pick()
			// Two names YAML reads as one (it reads "\r\n" and "\n" alike)
			// cannot both be in an action.yml: one is left out.
			if representable(maps.Keys(inputs), name) {
				inputs[name] = actionyml.Input{Description: pick(), Default: pick(), Required: r.Intn(2) == 0}
			}
		}
		vals[0] = reflect.ValueOf(inputs)
	}
	if err := quick.Check(check, &quick.Config{MaxCount: 200, Values: gen, Rand: rand.New(rand.NewSource(24))}); err != nil {
		t.Error(err)
	}
	if _, err := actionyml.CLIInputs([]byte("name: x\n")); err == nil {
		t.Error("an action.yml without inputs gives a table")
	}
}

// representable reports whether name, beside names, still makes a
// mapping YAML reads back with every key: YAML normalises line breaks, so
// two keys that differ only there are one.
func representable(names iter.Seq[string], name string) bool {
	m := map[string]int{name: 0}
	for n := range names {
		m[n] = 0
	}
	out, err := yaml.Marshal(m)
	if err != nil {
		return false
	}
	var back map[string]int
	return yaml.Unmarshal(out, &back) == nil && len(back) == len(m)
}
