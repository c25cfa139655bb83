package cli

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/snnc/snnc/ir"
	"github.com/snnc/snnc/passes"
)

const mnist = "../testdata/models/mnist_lif.snn.json"

func TestDumpPasses(t *testing.T) {
	code, stdout, stderr := snnc("dump", "--passes")
	require.Equal(t, 0, code, stderr)
	lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
	require.Len(t, lines, len(passes.Pipeline))
	for i, p := range passes.Pipeline {
		fields := strings.Fields(lines[i])
		assert.Equal(t, p.Name, fields[0])
		assert.Equal(t, map[bool]string{true: "optional", false: "required"}[p.Optional], fields[1])
		assert.Contains(t, lines[i], p.Summary)
	}
	code, _, stderr = snnc("dump", "--passes", mnist)
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "dump --passes takes no MODEL")
}

func TestDumpAfter(t *testing.T) {
	// Without --after: the graph as built, parameters and all.
	code, raw, stderr := snnc("dump", mnist)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, raw, "param tau_mem_inv = 100")
	assert.Contains(t, raw, "v10 = mul v9 v8")

	for _, p := range passes.Pipeline {
		code, stdout, stderr := snnc("dump", mnist, "--after="+p.Name)
		require.Equal(t, 0, code, stderr)
		g, err := ir.ParseGraph(stdout)
		require.NoError(t, err, "the output of --after=%s parses", p.Name)
		assert.Equal(t, stdout, g.String())
	}

	// constant-fold turns the shared parameters into constants and
	// dt·tau_mem_inv into one factor.
	_, folded, _ := snnc("dump", mnist, "--after", "constant-fold")
	assert.NotContains(t, folded, "param tau_mem_inv")
	assert.Contains(t, folded, "const 0.1\n")

	// The last pass: the whole pipeline, which shortens the LIF step.
	_, all, _ := snnc("dump", mnist, "--after=dce")
	assert.Less(t, len(all), len(raw))
	assert.NotContains(t, all, "const 0.001\n")

	// Disabling constant-fold keeps the parameters.
	code, kept, stderr := snnc("dump", mnist, "--after=dce", "--disable=constant-fold,cse")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, kept, "param tau_mem_inv = 100")
	code, kept2, _ := snnc("dump", mnist, "--after=dce", "--disable=constant-fold", "--disable", "cse")
	require.Equal(t, 0, code)
	assert.Equal(t, kept, kept2, "a repeated --disable adds to the list")
}

func TestDumpFlagErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		msg  string
	}{
		{[]string{"dump", mnist, "--after=fold"}, `snnc: passes: unknown pass "fold" (the passes are ` + strings.Join(passes.Names(passes.Pipeline), ", ") + ")"},
		{[]string{"dump", mnist, "--after=dce", "--disable=cse,nope"}, `unknown pass "nope"`},
		{[]string{"dump", mnist, "--after=cse", "--disable=cse"}, "cannot stop after cse: it is disabled"},
		{[]string{"dump", mnist, "--disable=cse"}, "--disable needs --after"},
		{[]string{"dump"}, "dump needs one MODEL file"},
	} {
		code, stdout, stderr := snnc(tc.args...)
		assert.Equal(t, 2, code, tc.args)
		assert.Empty(t, stdout, tc.args)
		assert.Contains(t, stderr, tc.msg, tc.args)
	}
}

func TestDumpHelp(t *testing.T) {
	code, stdout, _ := snnc("dump", "--help")
	assert.Equal(t, 0, code)
	assert.Equal(t, 1, strings.Count(stdout, "Usage: snnc dump"), "the usage is printed once")
	for _, flag := range []string{"-after", "-disable", "-passes", "-dt"} {
		assert.Contains(t, stdout, flag)
	}
	_, help, _ := snnc("help")
	assert.Contains(t, help, "snnc "+dumpSynopsis)
}
