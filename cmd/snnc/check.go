package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

const checkSynopsis = "check DIR [--purego]"

// cmdCheck vets and tests a generated package with the go command: its
// tests compare it with the interpreter's goldens and its kernel variants
// with each other.
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
	steps := [][]string{{"vet", "."}, {"test", "-count=1", "."}}
	if *purego {
		steps = append(steps, []string{"test", "-count=1", "-tags", "purego", "."})
	}
	for _, step := range steps {
		fmt.Fprintf(stdout, "go %s (in %s)\n", join(step), dir)
		cmd := exec.Command("go", step...)
		cmd.Dir = dir
		cmd.Stdout, cmd.Stderr = stdout, stdout
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("%s: go %s: %w", dir, join(step), err)
		}
	}
	return nil
}

func join(s []string) string { return strings.Join(s, " ") }
