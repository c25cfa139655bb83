package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// manifestName is the file snnc compile writes into a package directory,
// listing the files it wrote. A directory that has one is snnc's to
// replace; any other non-empty directory is refused, so that compile never
// mixes a generated package with files it does not know (a stray .go file
// would break the package).
const manifestName = ".snnc-manifest"

const manifestHeader = "# Written by snnc compile: the files of this generated package, one a line.\n" +
	"# snnc compile replaces the directory whole and refuses one holding other files.\n"

// manifest returns the manifest listing names (sorted, slash-separated).
func manifest(names []string) []byte {
	var b bytes.Buffer
	b.WriteString(manifestHeader)
	for _, n := range names {
		b.WriteString(n)
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// readManifest returns the files a manifest lists.
func readManifest(path string) (map[string]bool, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if !bytes.HasPrefix(data, []byte("# Written by snnc compile")) {
		return nil, fmt.Errorf("%s: not a manifest written by snnc compile", path)
	}
	listed := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		if line := sc.Text(); line != "" && !strings.HasPrefix(line, "#") {
			listed[line] = true
		}
	}
	return listed, sc.Err()
}

// checkOutputDir returns nil when writeOutputDir may replace dir: it does
// not exist, is empty, or holds only what its manifest lists (and empty
// directories). Otherwise the error names a file that would be lost.
func checkOutputDir(dir string) error {
	fi, err := os.Stat(resolveDir(dir))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return fmt.Errorf("-o %s: exists and is not a directory", dir)
	}
	listed, err := readManifest(filepath.Join(dir, manifestName))
	if errors.Is(err, fs.ErrNotExist) {
		listed, err = map[string]bool{}, nil
	}
	if err != nil {
		return err
	}
	root := resolveDir(dir)
	return filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		if d.IsDir() || rel == manifestName || listed[rel] {
			return nil
		}
		path = filepath.Join(dir, filepath.FromSlash(rel)) // as the user named it
		if len(listed) == 0 {
			return fmt.Errorf("-o %s: the directory is not empty and was not written by snnc compile (it holds %s); give a new or empty directory", dir, path)
		}
		return fmt.Errorf("-o %s: %s was not written by snnc compile (it is not in %s); move it away or give another directory", dir, path, manifestName)
	})
}

// resolveDir is dir with symlinks resolved when it exists, so that the
// directory a link names is checked and replaced, not the link.
func resolveDir(dir string) string {
	if real, err := filepath.EvalSymlinks(dir); err == nil {
		return real
	}
	return filepath.Clean(dir)
}

// writeOutputDir replaces dir with a directory holding exactly files
// (slash-separated relative paths) and their manifest. It writes a new
// directory beside dir and renames it into place, so that an error or an
// interrupt leaves either the old package or the new one, never a mix.
// checkOutputDir must have passed.
func writeOutputDir(dir string, files map[string][]byte) (err error) {
	dir = resolveDir(dir)
	parent := filepath.Dir(dir)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(dir)+".snnc-new-")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			os.RemoveAll(tmp)
		}
	}()
	if err := os.Chmod(tmp, 0o755); err != nil {
		return err
	}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		path := filepath.Join(tmp, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, files[name], 0o644); err != nil {
			return err
		}
	}
	if err := os.WriteFile(filepath.Join(tmp, manifestName), manifest(names), 0o644); err != nil {
		return err
	}
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		return os.Rename(tmp, dir)
	}
	// Move the old directory aside, the new one in, then drop the old one.
	old := strings.Replace(tmp, ".snnc-new-", ".snnc-old-", 1)
	if err := os.Rename(dir, old); err != nil {
		return fmt.Errorf("-o %s: replacing it: %w", dir, err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		if back := os.Rename(old, dir); back != nil {
			return fmt.Errorf("-o %s: %w (the old directory is now %s)", dir, err, old)
		}
		return fmt.Errorf("-o %s: %w", dir, err)
	}
	return os.RemoveAll(old)
}
