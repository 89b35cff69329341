//go:build release

package main

// actionYAML is nil in a release build: its only reader, the demo, is left
// out (internal/cli's demo_release.go), and --help and local runs read
// internal/cli's table generated from action.yml.
var actionYAML []byte
