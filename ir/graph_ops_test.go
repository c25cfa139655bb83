package ir

import (
	"fmt"
	"strings"
	"testing"
)

// TestGraphOpTable: every op is declared once, with a distinct name the
// parser finds it by and a type rule.
func TestGraphOpTable(t *testing.T) {
	seen := map[string]GraphOp{}
	for op := GraphOp(0); op < numGraphOps; op++ {
		info := graphOps[op]
		if info.name == "" || info.infer == nil {
			t.Errorf("op %d has no name or no type rule", op)
		}
		if prev, ok := seen[info.name]; ok {
			t.Errorf("ops %d and %d are both called %q", prev, op, info.name)
		}
		seen[info.name] = op
		if op != GInvalid && graphOpByName[info.name] != op {
			t.Errorf("the parser does not find %q", info.name)
		}
	}
	if got, want := numGraphOps.String(), fmt.Sprintf("graphop(%d)", numGraphOps); got != want {
		t.Errorf("String of an unknown op = %q, want %q", got, want)
	}
}

// TestGraphOpsListsEveryOp: GraphOps gives each op of the table once, in
// order, without GInvalid, so backends can check their rules against it.
func TestGraphOpsListsEveryOp(t *testing.T) {
	ops := GraphOps()
	if len(ops) != int(numGraphOps)-1 {
		t.Fatalf("GraphOps has %d ops, want %d", len(ops), numGraphOps-1)
	}
	for i, op := range ops {
		if want := GraphOp(i + 1); op != want {
			t.Errorf("GraphOps()[%d] = %v, want %v", i, op, want)
		}
	}
	ops[0] = GInvalid // a copy: the next call is unchanged
	if GraphOps()[0] != GInput {
		t.Error("GraphOps returns a shared slice")
	}
}

// TestAttributesFollowTable: the parser takes an attribute only on the ops
// that declare it.
func TestAttributesFollowTable(t *testing.T) {
	for _, tc := range []struct {
		src, want string
	}{
		{"graph g {\n  n1 = input x : seq[1,4,4]\n  n2 = sum_pool2d groups=1 n1 : seq[1,4,4]\n  output y = n2\n}\n", `sum_pool2d has no attribute "groups"`},
		{"graph g {\n  n1 = input x : seq[1,4,4]\n  n2 = param w : [1,1,1,1]\n  n3 = conv2d kernel=1x1 n1 n2 : seq[1,4,4]\n  output y = n3\n}\n", `conv2d has no attribute "kernel"`},
		{"graph g {\n  n1 = input x : seq[4]\n  n2 = flatten autapses=true n1 : seq[4]\n  output y = n2\n}\n", `flatten has no attribute "autapses"`},
	} {
		_, err := ParseGraph(tc.src)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: got %v, want %q", tc.src, err, tc.want)
		}
	}
}
