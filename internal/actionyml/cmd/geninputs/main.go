// Command geninputs writes internal/cli/inputs_gen.go, the table of
// action.yml's inputs that --help and local runs read
// (actionyml.CLIInputs). From the repository's root:
//
//	go generate ./internal/actionyml
//	go run ./internal/actionyml/cmd/geninputs action.yml internal/cli/inputs_gen.go
package main

import (
	"fmt"
	"os"

	"github.com/deploy-lifecycle/deployment-action/internal/actionyml"
)

func main() {
	src, dst := "action.yml", "internal/cli/inputs_gen.go"
	if len(os.Args) == 3 {
		src, dst = os.Args[1], os.Args[2]
	} else if len(os.Args) != 1 {
		fmt.Fprintln(os.Stderr, "usage: geninputs [ROOT_ACTION_YML INPUTS_GO]")
		os.Exit(2)
	}
	root, err := os.ReadFile(src)
	if err == nil {
		var out []byte
		if out, err = actionyml.CLIInputs(root); err == nil {
			err = os.WriteFile(dst, out, 0o644)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "geninputs:", err)
		os.Exit(1)
	}
}
