package compiler

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

// ManifestName is the file the compiler writes into a package directory,
// listing the files it wrote. A directory that has one is snnc's to
// replace; any other non-empty directory is refused, so that compile never
// mixes a generated package with files it does not know (a stray .go file
// would break the package).
const ManifestName = ".snnc-manifest"

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

// CheckDir returns nil when Package.Write may replace dir: it does
// not exist, is empty, or holds only what its manifest lists (and empty
// directories). Otherwise the error names a file that would be lost.
func CheckDir(dir string) error {
	fi, err := os.Stat(resolveDir(dir))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s: exists and is not a directory", dir)
	}
	listed, err := readManifest(filepath.Join(dir, ManifestName))
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
		if d.IsDir() || rel == ManifestName || listed[rel] {
			return nil
		}
		path = filepath.Join(dir, filepath.FromSlash(rel)) // as the user named it
		if len(listed) == 0 {
			return fmt.Errorf("%s: the directory is not empty and was not written by snnc compile (it holds %s); give a new or empty directory", dir, path)
		}
		return fmt.Errorf("%s: %s was not written by snnc compile (it is not in %s); move it away or give another directory", dir, path, ManifestName)
	})
}

// resolveDir is dir with symlinks resolved when it exists, so that the
// directory a link names is checked and replaced, not the link.
// It is absolute, so that "-o ." has a parent to write beside it in.
func resolveDir(dir string) string {
	if real, err := filepath.EvalSymlinks(dir); err == nil {
		dir = real
	}
	if abs, err := filepath.Abs(dir); err == nil {
		return abs
	}
	return filepath.Clean(dir)
}

// writeDir makes dir hold exactly files (slash-separated relative
// paths) and their manifest. Everything is written first into a new
// directory beside dir, so that a failure leaves the old package as it was.
// A new dir is that directory renamed into place; an existing one keeps
// its inode (a shell inside it stays there) and gets each file by rename,
// then loses the files its old manifest lists that are not written now.
// CheckDir must have passed.
func writeDir(dir string, files map[string][]byte) (err error) {
	dir = resolveDir(dir)
	parent := filepath.Dir(dir)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(dir)+".snnc-new-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp) // nothing is left there once renamed
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
	if err := os.WriteFile(filepath.Join(tmp, ManifestName), manifest(names), 0o644); err != nil {
		return err
	}
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		return os.Rename(tmp, dir)
	}

	old, err := readManifest(filepath.Join(dir, ManifestName))
	if errors.Is(err, fs.ErrNotExist) {
		old, err = map[string]bool{}, nil // an empty directory
	}
	if err != nil {
		return err
	}
	// Until the end the manifest lists old and new files, so that an
	// interrupted write leaves a directory the next compile replaces.
	union := slices.Clone(names)
	for name := range old {
		if !slices.Contains(names, name) {
			union = append(union, name)
		}
	}
	slices.Sort(union)
	if err := os.WriteFile(filepath.Join(dir, ManifestName), manifest(union), 0o644); err != nil {
		return err
	}
	for _, name := range names {
		to := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
			return err
		}
		if err := os.Rename(filepath.Join(tmp, filepath.FromSlash(name)), to); err != nil {
			return err
		}
	}
	for _, name := range union {
		if slices.Contains(names, name) {
			continue
		}
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		// Drop the directories the file leaves empty (Remove fails on others).
		for d := filepath.Dir(path); d != dir && strings.HasPrefix(d, dir); d = filepath.Dir(d) {
			if os.Remove(d) != nil {
				break
			}
		}
	}
	return os.Rename(filepath.Join(tmp, ManifestName), filepath.Join(dir, ManifestName))
}
