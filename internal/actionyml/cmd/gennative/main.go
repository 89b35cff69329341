// Command gennative writes native/action.yml from action.yml
// (actionyml.Native). From the repository's root:
//
//	go generate ./internal/actionyml
//	go run ./internal/actionyml/cmd/gennative action.yml native/action.yml
package main

import (
	"fmt"
	"os"

	"github.com/deploy-lifecycle/deployment-action/internal/actionyml"
)

func main() {
	src, dst := "action.yml", "native/action.yml"
	if len(os.Args) == 3 {
		src, dst = os.Args[1], os.Args[2]
	} else if len(os.Args) != 1 {
		fmt.Fprintln(os.Stderr, "usage: gennative [ROOT_ACTION_YML NATIVE_ACTION_YML]")
		os.Exit(2)
	}
	root, err := os.ReadFile(src)
	if err == nil {
		var out []byte
		if out, err = actionyml.Native(root); err == nil {
			err = os.WriteFile(dst, out, 0o644)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gennative:", err)
		os.Exit(1)
	}
}
