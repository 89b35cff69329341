// Command generate writes what is made from action.yml: native/action.yml
// (actionyml.Native) and internal/cli/inputs_gen.go, the table of inputs
// --help and local runs read (actionyml.CLIInputs). From the repository's
// root:
//
//	go generate ./internal/actionyml
//	go run ./internal/actionyml/cmd/generate [ROOT]
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/deploy-lifecycle/deployment-action/internal/actionyml"
)

// outputs are the files made from action.yml, relative to the root, and
// what makes each.
var outputs = []struct {
	path string
	make func([]byte) ([]byte, error)
}{
	{"native/action.yml", actionyml.Native},
	{"internal/cli/inputs_gen.go", actionyml.CLIInputs},
}

func main() {
	root := "."
	if len(os.Args) == 2 {
		root = os.Args[1]
	} else if len(os.Args) != 1 {
		fmt.Fprintln(os.Stderr, "usage: generate [ROOT]")
		os.Exit(2)
	}
	src, err := os.ReadFile(filepath.Join(root, "action.yml"))
	for _, o := range outputs {
		if err != nil {
			break
		}
		var out []byte
		if out, err = o.make(src); err == nil {
			err = os.WriteFile(filepath.Join(root, filepath.FromSlash(o.path)), out, 0o644)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "generate:", err)
		os.Exit(1)
	}
}
