package cli

// actionInput is one of action.yml's inputs, as --help lists it and a local
// run takes it as a flag. The table of them, actionInputs, is generated
// from action.yml (inputs_gen.go: go generate ./internal/actionyml), so the
// binary carries no YAML parser.
type actionInput struct {
	Name        string
	Description string
	Default     string
	Required    bool
}
