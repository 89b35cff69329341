package main

import _ "embed"

// actionYAML is action.yml: the local demo runs the action with its inputs
// and defaults, and --help lists them.
//
//go:embed action.yml
var actionYAML []byte
