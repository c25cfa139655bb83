// Package reftest finds the reference data that parity tests compare
// against: Norse's own runs, NIR files from other frameworks and the chip
// vendors' traces. The data lives outside the repository, in a folder named
// shared beside the clone (or wherever an environment variable says).
//
// A clone without that folder still passes its tests: each test that needs
// the data skips with one line naming what is missing and how to get it.
// With SNNC_REQUIRE_REF=1 (CI sets it) a missing folder fails the test
// instead, so the parity suites cannot silently stop running.
package reftest

import (
	"os"
	"path/filepath"
	"testing"
)

// A Set is one kind of reference data: the environment variable that names
// its folder and the folder's default place under shared/reference.
type Set struct {
	Env  string // e.g. SNNC_NORSE_REF
	Name string // folder under ../shared/reference, e.g. norse
	What string // what the folder holds, for the skip message
}

// The reference sets the tests use.
var (
	Norse = Set{"SNNC_NORSE_REF", "norse", "Norse reference runs"}
	NIR   = Set{"SNNC_NIR_REF", "nir", "NIR reference files"}
	Chip  = Set{"SNNC_CHIP_REF", "neuro", "chip reference traces"}
)

// RequireEnv is the environment variable that turns a missing reference
// folder from a skip into a failure.
const RequireEnv = "SNNC_REQUIRE_REF"

// Required reports whether missing reference data must fail the tests.
func Required() bool { return os.Getenv(RequireEnv) == "1" }

// Path returns the folder of the set: the environment variable if set,
// otherwise shared/reference/NAME beside the module's root. It does not
// check that the folder exists.
func (s Set) Path() string {
	if dir := os.Getenv(s.Env); dir != "" {
		return dir
	}
	return filepath.Join(filepath.Dir(moduleRoot()), "shared", "reference", s.Name)
}

// Dir returns the folder of the set, or skips the test (fails it under
// SNNC_REQUIRE_REF=1) when the folder does not exist.
func (s Set) Dir(t testing.TB) string {
	t.Helper()
	dir := s.Path()
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		s.missing(t, dir)
	}
	return dir
}

// Glob returns the set's files matching pattern (relative to its folder),
// skipping the test (failing it under SNNC_REQUIRE_REF=1) when there are
// none.
func (s Set) Glob(t testing.TB, pattern string) []string {
	t.Helper()
	dir := s.Dir(t)
	files, err := filepath.Glob(filepath.Join(dir, pattern))
	if err != nil {
		t.Fatalf("reftest: bad pattern %q: %v", pattern, err)
	}
	if len(files) == 0 {
		s.missing(t, filepath.Join(dir, pattern))
	}
	return files
}

// Optional returns the set's folder if it exists and "" otherwise, for
// callers that only add to what they test (fuzz seeds, extra models). Under
// SNNC_REQUIRE_REF=1 a missing folder fails the test.
func (s Set) Optional(t testing.TB) string {
	t.Helper()
	dir := s.Path()
	if st, err := os.Stat(dir); err == nil && st.IsDir() {
		return dir
	}
	if Required() {
		s.missing(t, dir)
	}
	return ""
}

func (s Set) missing(t testing.TB, what string) {
	t.Helper()
	if Required() {
		t.Fatalf("%s not found at %s (%s=1; set %s to their folder)", s.What, what, RequireEnv, s.Env)
		return
	}
	t.Skipf("%s not found at %s: set %s to their folder (see README, \"Parity suites\")", s.What, what, s.Env)
}

// moduleRoot returns the directory of the go.mod above the working
// directory (tests run in their package's directory), or the working
// directory itself if there is none.
func moduleRoot() string {
	wd, err := os.Getwd()
	if err != nil {
		return "."
	}
	for dir := wd; ; {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return wd
		}
		dir = parent
	}
}
