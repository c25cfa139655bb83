package compiler

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
)

// CheckOptions say how Check tests a package.
type CheckOptions struct {
	// Purego also runs the tests with the purego build tag (plain-Go
	// kernels only).
	Purego bool
	// Out receives what the go command prints; nil discards it.
	Out io.Writer
}

// Check vets and tests the generated package in dir with the go command:
// its tests compare it with the interpreter's golden and its kernel
// implementations with each other. A package outside any Go module is
// checked in a copy inside a scratch module that requires what it imports.
func Check(dir string, opt CheckOptions) error {
	out := opt.Out
	if out == nil {
		out = io.Discard
	}
	if _, err := os.Stat(filepath.Join(dir, "model.go")); err != nil {
		return fmt.Errorf("%s: not a package written by snnc compile (no model.go)", dir)
	}
	workDir, env := dir, os.Environ()
	if !InModule(dir) {
		scratch, cleanup, err := ScratchModule("snnccheck")
		if err != nil {
			return err
		}
		defer cleanup()
		workDir = filepath.Join(scratch, filepath.Base(filepath.Clean(dir)))
		if err := copyTree(dir, workDir); err != nil {
			return err
		}
		env = ScratchEnv()
		fmt.Fprintf(out, "%s is in no Go module: checking a copy in a scratch module that requires github.com/klauspost/cpuid/v2\n", dir)
	}
	steps := [][]string{{"vet", "."}, {"test", "-count=1", "."}}
	if opt.Purego {
		steps = append(steps, []string{"test", "-count=1", "-tags", "purego", "."})
	}
	for _, step := range steps {
		fmt.Fprintf(out, "go %s (in %s)\n", strings.Join(step, " "), dir)
		cmd := exec.Command("go", step...)
		cmd.Dir, cmd.Env = workDir, env
		cmd.Stdout, cmd.Stderr = out, out
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("%s: go %s: %w", dir, strings.Join(step, " "), err)
		}
	}
	return nil
}

// InModule reports whether the go command finds a go.mod (or go.work) for
// dir.
func InModule(dir string) bool {
	cmd := exec.Command("go", "env", "GOMOD")
	cmd.Dir = dir
	out, err := cmd.Output()
	gomod := strings.TrimSpace(string(out))
	return err == nil && gomod != "" && gomod != os.DevNull
}

// ScratchModule makes a temporary directory holding a go.mod of a module
// called name that requires what generated packages import besides the
// standard library: github.com/klauspost/cpuid/v2, at the version snnc
// was built with. The go command must run there with ScratchEnv, which
// lets it write go.sum. cleanup removes the directory.
func ScratchModule(name string) (dir string, cleanup func(), err error) {
	dir, err = os.MkdirTemp("", name+"-")
	if err != nil {
		return "", nil, err
	}
	cleanup = func() { os.RemoveAll(dir) }
	version := "v2.4.2" // snnc's go.mod, for builds without module information
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, d := range info.Deps {
			if d.Path == "github.com/klauspost/cpuid/v2" {
				version = d.Version
			}
		}
	}
	mod := fmt.Sprintf("module %s\n\ngo 1.26\n\nrequire github.com/klauspost/cpuid/v2 %s\n", name, version)
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte(mod), 0o644); err != nil {
		cleanup()
		return "", nil, err
	}
	return dir, cleanup, nil
}

// ScratchEnv is the environment for the go command in a scratch module:
// the user's, with -mod=mod added to GOFLAGS.
func ScratchEnv() []string {
	return append(os.Environ(), "GOFLAGS="+strings.TrimSpace(os.Getenv("GOFLAGS")+" -mod=mod"))
}

// copyTree copies the regular files under src into dst.
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		to := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(to, 0o755)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(to, data, 0o644)
	})
}
