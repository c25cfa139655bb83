package cli

import (
	"flag"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// helpCommands are the command lines whose --help prints one flag set.
var helpCommands = [][]string{{"run"}, {"compile"}, {"bench"}, {"check"}, {"dump"}, {"plot"}, {"nir", "export"}, {"nir", "info"}, {"models"}}

// TestHelpListsEveryFlag checks that each command's --help names every
// flag the command defines, in the synopsis and in the Flags section, and
// that the top-level help names every command.
func TestHelpListsEveryFlag(t *testing.T) {
	var made *flagSet
	flagSetMade = func(f *flagSet) { made = f }
	defer func() { flagSetMade = nil }()
	for _, cmd := range helpCommands {
		t.Run(strings.Join(cmd, " "), func(t *testing.T) {
			made = nil
			code, stdout, stderr := snnc(append(cmd, "--help")...)
			require.Equal(t, 0, code, stderr)
			assert.Empty(t, stderr)
			require.NotNil(t, made)
			synopsis, _, _ := strings.Cut(stdout, "\n")
			assert.Equal(t, "Usage: snnc "+made.synopsis, synopsis)
			n := 0
			made.VisitAll(func(f *flag.Flag) {
				n++
				assert.Regexp(t, `(^|[\s\[(|])--?`+regexp.QuoteMeta(f.Name)+`\b`, made.synopsis, "synopsis lacks -%s", f.Name)
				assert.Regexp(t, `(?m)^  -`+regexp.QuoteMeta(f.Name)+`\b`, stdout, "flags section lacks -%s", f.Name)
			})
			if n == 0 {
				assert.Contains(t, stdout, "No flags.")
				assert.NotContains(t, stdout, "Flags:")
			}
		})
	}
	code, stdout, _ := snnc("help")
	require.Equal(t, 0, code)
	for _, c := range commands {
		assert.Regexp(t, `(?m)^  snnc `+c.name+`( |$)`, stdout, c.name)
		assert.Regexp(t, `(?m)^  `+c.name+` +\S`, stdout, c.name)
	}
	assert.Contains(t, stdout, "run a model (*.snn.json or *.nir)")

	// Flag types are named: --disable takes passes, not a "value".
	_, stdout, _ = snnc("dump", "--help")
	assert.Contains(t, stdout, "  -disable passes\n")
	_, stdout, _ = snnc("help", "compile")
	assert.Contains(t, stdout, "-golden-steps")
}

// TestUsageErrors checks that every kind of usage error prints the error
// and a one-line hint to stderr, nothing to stdout, and exits 2.
func TestUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args       []string
		msg, usage string
	}{
		{[]string{"compile", "--bogus"}, "flag provided but not defined: -bogus", "compile --help"},
		{[]string{"plot", "--neurons", "many"}, `invalid value "many" for flag -neurons`, "plot --help"},
		{[]string{"nir", "export", "-x"}, "flag provided but not defined: -x", "nir export --help"},
		{[]string{"models", "extra"}, `models takes no arguments, got "extra"`, "models --help"},
		{[]string{"check", "a", "b"}, "check needs one DIR", "check --help"},
		{[]string{"compile", mnist, "-o", "x", "--dt", "0"}, "--dt 0: must be a positive number of seconds", "compile --help"},
		{[]string{"dump", mnist, "--dt=-1"}, "--dt -1: must be a positive number", "dump --help"},
		{[]string{"plot", mnist, "--input", "x.npy", "-o", "x.png", "--dt", "NaN"}, "--dt NaN: must be a positive number", "plot --help"},
		{[]string{"nir", "info", "x.nir", "--dt", "+Inf"}, "--dt +Inf: must be a positive number", "nir info --help"},
		{[]string{"bench", "--neuron", "lif", "--dt", "-0.001"}, "--dt -0.001: must be a positive number", "bench --help"},
		{[]string{"frobnicate"}, `unknown command "frobnicate"`, "help"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, stdout, stderr := snnc(tc.args...)
			assert.Equal(t, 2, code)
			assert.Empty(t, stdout)
			assert.True(t, strings.HasPrefix(stderr, "snnc: "+tc.msg), "stderr: %s", stderr)
			assert.Contains(t, stderr, "\nRun \"snnc "+tc.usage+"\" for usage.\n")
			assert.Equal(t, 2, strings.Count(stderr, "\n"), "two lines: the error and the hint")
		})
	}
}
