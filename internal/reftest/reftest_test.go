package reftest

import (
	"os"
	"path/filepath"
	"testing"
)

// recorder is a testing.TB that records Skip and Fatal instead of stopping
// the goroutine, so the outcome of Dir can be checked.
type recorder struct {
	testing.TB
	skipped, failed bool
	msg             string
}

func (r *recorder) Helper() {}
func (r *recorder) Skipf(format string, args ...any) {
	r.skipped = true
	r.msg = format
}
func (r *recorder) Fatalf(format string, args ...any) {
	r.failed = true
	r.msg = format
}

func TestMissingFolderSkipsOrFails(t *testing.T) {
	set := Set{"SNNC_TEST_REF", "nothing-here", "test files"}
	t.Setenv("SNNC_TEST_REF", filepath.Join(t.TempDir(), "absent"))

	t.Setenv(RequireEnv, "")
	r := &recorder{TB: t}
	set.Dir(r)
	if !r.skipped || r.failed {
		t.Fatalf("missing folder without %s: skipped=%v failed=%v, want a skip", RequireEnv, r.skipped, r.failed)
	}
	if got := set.Optional(&recorder{TB: t}); got != "" {
		t.Fatalf("Optional of a missing folder = %q, want \"\"", got)
	}

	t.Setenv(RequireEnv, "1")
	r = &recorder{TB: t}
	set.Dir(r)
	if !r.failed || r.skipped {
		t.Fatalf("missing folder with %s=1: skipped=%v failed=%v, want a failure", RequireEnv, r.skipped, r.failed)
	}
	r = &recorder{TB: t}
	set.Optional(r)
	if !r.failed {
		t.Fatalf("Optional with %s=1 did not fail on a missing folder", RequireEnv)
	}
}

func TestFolderFromEnvironment(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "a.json"), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	set := Set{"SNNC_TEST_REF", "unused", "test files"}
	t.Setenv("SNNC_TEST_REF", dir)
	if got := set.Dir(t); got != dir {
		t.Fatalf("Dir = %q, want %q", got, dir)
	}
	if got := set.Glob(t, "*.json"); len(got) != 1 {
		t.Fatalf("Glob = %v, want one file", got)
	}
	r := &recorder{TB: t}
	t.Setenv(RequireEnv, "")
	set.Glob(r, "*.npy")
	if !r.skipped {
		t.Fatal("Glob with no match did not skip")
	}
}

func TestDefaultIsBesideTheModule(t *testing.T) {
	t.Setenv("SNNC_NORSE_REF", "")
	got := Norse.Path()
	want := filepath.Join("shared", "reference", "norse")
	if rel := got[len(got)-len(want):]; rel != want {
		t.Fatalf("default path %q does not end in %q", got, want)
	}
	root := moduleRoot()
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("moduleRoot %q has no go.mod", root)
	}
	if filepath.Dir(filepath.Dir(filepath.Dir(got))) != filepath.Dir(root) {
		t.Fatalf("default path %q is not beside the module root %q", got, root)
	}
}
