//go:build !release

package main

import _ "embed"

// actionYAML is action.yml, which the demo runs with its inputs and
// defaults. --help and local runs read internal/cli's table generated from
// it, so a release build, which has no demo, leaves it out
// (action_release.go).
//
//go:embed action.yml
var actionYAML []byte
