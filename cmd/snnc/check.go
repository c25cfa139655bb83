package main

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

const checkSynopsis = "check DIR [--purego]"

// cmdCheck vets and tests a generated package with the go command: its
// tests compare it with the interpreter's goldens and its kernel variants
// with each other. A package outside any Go module is checked in a copy
// inside a scratch module that requires what it imports.
func cmdCheck(args []string, stdout io.Writer) error {
	fs := newFlags("check", checkSynopsis, stdout)
	purego := fs.Bool("purego", false, "also test with the purego build tag (plain-Go kernels only)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError{"check needs one DIR holding a package written by snnc compile"}
	}
	dir := pos[0]
	if _, err := os.Stat(filepath.Join(dir, "model.go")); err != nil {
		return fmt.Errorf("%s: not a package written by snnc compile (no model.go)", dir)
	}
	workDir, env := dir, os.Environ()
	if !inModule(dir) {
		scratch, cleanup, err := scratchModule("snnccheck")
		if err != nil {
			return err
		}
		defer cleanup()
		workDir = filepath.Join(scratch, filepath.Base(filepath.Clean(dir)))
		if err := copyTree(dir, workDir); err != nil {
			return err
		}
		env = goFlags()
		fmt.Fprintf(stdout, "%s is in no Go module: checking a copy in a scratch module that requires github.com/klauspost/cpuid/v2\n", dir)
	}
	steps := [][]string{{"vet", "."}, {"test", "-count=1", "."}}
	if *purego {
		steps = append(steps, []string{"test", "-count=1", "-tags", "purego", "."})
	}
	for _, step := range steps {
		fmt.Fprintf(stdout, "go %s (in %s)\n", join(step), dir)
		cmd := exec.Command("go", step...)
		cmd.Dir, cmd.Env = workDir, env
		cmd.Stdout, cmd.Stderr = stdout, stdout
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("%s: go %s: %w", dir, join(step), err)
		}
	}
	return nil
}

// inModule reports whether the go command finds a go.mod (or go.work) for
// dir.
func inModule(dir string) bool {
	cmd := exec.Command("go", "env", "GOMOD")
	cmd.Dir = dir
	out, err := cmd.Output()
	gomod := strings.TrimSpace(string(out))
	return err == nil && gomod != "" && gomod != os.DevNull
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

func join(s []string) string { return strings.Join(s, " ") }
