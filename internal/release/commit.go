package release

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
)

// Git runs git on the repository at Dir (any directory in it).
type Git struct {
	Dir string
	// Env is added to git's environment (author, committer).
	Env []string
}

func (g Git) run(ctx context.Context, env []string, stdin []byte, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "git", append([]string{"-c", "core.autocrlf=false", "-c", "core.safecrlf=false"}, args...)...)
	cmd.Dir = g.Dir
	cmd.Env = append(append(os.Environ(), g.Env...), env...)
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("git %s: %v\n%s", strings.Join(args, " "), err, errOut.String())
	}
	return strings.TrimSpace(out.String()), nil
}

// revParse resolves rev to a commit SHA.
func (g Git) revParse(ctx context.Context, rev string) (string, error) {
	return g.run(ctx, nil, nil, "rev-parse", "--verify", "--end-of-options", rev+"^{commit}")
}

// Export writes the tree of commit into dir (git archive | tar -x): the
// source exactly as committed, whatever the checkout holds.
func (g Git) Export(ctx context.Context, commit, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	archive := exec.CommandContext(ctx, "git", "archive", "--format=tar", commit)
	archive.Dir = g.Dir
	tar := exec.CommandContext(ctx, "tar", "-x", "-C", dir)
	pipe, err := archive.StdoutPipe()
	if err != nil {
		return err
	}
	tar.Stdin = pipe
	var errA, errT bytes.Buffer
	archive.Stderr, tar.Stderr = &errA, &errT
	if err := tar.Start(); err != nil {
		return err
	}
	if err := archive.Run(); err != nil {
		tar.Wait()
		return fmt.Errorf("git archive %s: %v\n%s", commit, err, errA.String())
	}
	if err := tar.Wait(); err != nil {
		return fmt.Errorf("tar -x: %v\n%s", err, errT.String())
	}
	return nil
}

// commitTree commits the files in workTree, exactly those, as a commit
// whose parent is parent, and returns its SHA. It uses a temporary index
// and workTree as the work tree, so the repository's checkout, index and
// refs stay as they are; only objects are added.
func (g Git) commitTree(ctx context.Context, workTree, parent, message string) (string, error) {
	gitDir, err := g.run(ctx, nil, nil, "rev-parse", "--path-format=absolute", "--git-common-dir")
	if err != nil {
		return "", err
	}
	index, err := os.CreateTemp("", "release-index-")
	if err != nil {
		return "", err
	}
	index.Close()
	os.Remove(index.Name()) // git wants to create it
	defer os.Remove(index.Name())
	env := []string{"GIT_INDEX_FILE=" + index.Name(), "GIT_DIR=" + gitDir, "GIT_WORK_TREE=" + workTree}
	if _, err := g.run(ctx, env, nil, "-c", "core.filemode=true", "add", "--all", "--force", "--", "."); err != nil {
		return "", err
	}
	tree, err := g.run(ctx, env, nil, "write-tree")
	if err != nil {
		return "", err
	}
	return g.run(ctx, env, []byte(message), "commit-tree", tree, "-p", parent, "-F", "-")
}

// tarballSize is the size of `git archive --format=tar.gz commit`: about
// what the runner downloads for `uses: OWNER/REPO@ref` (GitHub's tarball of
// the ref, also gzipped tar).
func (g Git) tarballSize(ctx context.Context, commit string) (int64, error) {
	cmd := exec.CommandContext(ctx, "git", "archive", "--format=tar.gz", commit)
	cmd.Dir = g.Dir
	var n countWriter
	var errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &n, &errOut
	if err := cmd.Run(); err != nil {
		return 0, fmt.Errorf("git archive: %v\n%s", err, errOut.String())
	}
	return int64(n), nil
}

type countWriter int64

func (c *countWriter) Write(p []byte) (int, error) { *c += countWriter(len(p)); return len(p), nil }

// The files of main's tree a release commit takes as they are: the
// container entry's docs, the folders of pages the README links, and the
// native entry (NativeEntry), whose files must be there. (action.yml and
// native/launch.js are taken too, rewritten.)
var (
	NativeEntry  = []string{"native/action.yml", "native/main.js", "native/post.js", "native/launch.js", "native/fetch.js", "native/cache.js"}
	OptionalDocs = []string{"README.md", "SECURITY.md", "LICENSE", "LICENSE.md", "LICENSE.txt"}
	DocDirs      = []string{"docs"}
)

// keepNative reports whether a file under native/ goes into a release:
// not binaries (a mirror commit's are the release's own), not tests or
// Go sources.
func keepNative(rel string) bool {
	base := filepath.Base(rel)
	switch {
	case strings.HasPrefix(rel, "native/bin/"), strings.HasSuffix(base, ".go"),
		strings.Contains(base, ".test."), strings.Contains(base, "_test."), strings.HasSuffix(base, ".spec.js"),
		strings.Contains("/"+rel+"/", "/testdata/"), strings.Contains("/"+rel+"/", "/test/"), strings.Contains("/"+rel+"/", "/node_modules/"):
		return false
	}
	return true
}

// releaseTree lays out a release commit's tree in dst from the source tree
// src (main's commit, exported): the docs, native/ (its files, not its
// tests), the files of written (action.yml and native/launch.js,
// rewritten) and, for a mirror commit, the binaries from binDir as
// native/bin (none when binDir is ""). It returns the paths it wrote,
// sorted.
func releaseTree(src, dst string, written map[string][]byte, binDir string) ([]string, error) {
	files, err := releaseFiles(src, binDir)
	if err != nil {
		return nil, err
	}
	for rel := range written {
		files[rel] = ""
	}
	for _, rel := range sortedKeys(files) {
		if err := writeReleaseFile(filepath.Join(dst, filepath.FromSlash(rel)), rel, files[rel], written[rel]); err != nil {
			return nil, err
		}
	}
	return sortedKeys(files), nil
}

// docDirFiles adds every file under src's DocDirs (those it has) to
// files, by its slash-separated path in the tree.
func docDirFiles(src string, files map[string]string) error {
	for _, dir := range DocDirs {
		root := filepath.Join(src, dir)
		if _, err := os.Stat(root); errors.Is(err, fs.ErrNotExist) {
			continue
		}
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			rel, _ := filepath.Rel(src, p)
			files[filepath.ToSlash(rel)] = p
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// releaseFiles maps each path of a release commit's tree to the file it
// comes from: the docs and native/ from src (whose native entry must be
// complete), native/bin from binDir when it is not "".
func releaseFiles(src, binDir string) (map[string]string, error) {
	files := map[string]string{}
	for _, p := range NativeEntry {
		if _, err := os.Stat(filepath.Join(src, filepath.FromSlash(p))); err != nil {
			return nil, fmt.Errorf("the release needs %s from main, and main's commit has none (%v): the native entry is %s", p, err, strings.Join(NativeEntry, ", "))
		}
	}
	for _, p := range OptionalDocs {
		if _, err := os.Stat(filepath.Join(src, p)); err == nil {
			files[p] = filepath.Join(src, p)
		}
	}
	if err := docDirFiles(src, files); err != nil {
		return nil, err
	}
	err := filepath.WalkDir(filepath.Join(src, "native"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		rel = filepath.ToSlash(rel)
		if keepNative(rel) {
			files[rel] = p
		}
		return nil
	})
	if err != nil || binDir == "" {
		return files, err
	}
	err = filepath.WalkDir(binDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(binDir, p)
		files["native/bin/"+filepath.ToSlash(rel)] = p
		return nil
	})
	return files, err
}

// writeReleaseFile writes the release tree's file rel at out: data when
// from is "", else a copy of from. Its mode is 755 for the binaries and
// for what is executable in from, else 644.
func writeReleaseFile(out, rel, from string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return err
	}
	mode := fs.FileMode(0o644)
	if from != "" {
		fi, err := os.Stat(from)
		if err != nil {
			return err
		}
		if data, err = os.ReadFile(from); err != nil {
			return err
		}
		if fi.Mode()&0o111 != 0 || strings.HasPrefix(rel, "native/bin/") && rel != "native/bin/SHA256SUMS" {
			mode = 0o755
		}
	}
	if err := os.WriteFile(out, data, mode); err != nil {
		return err
	}
	return os.Chmod(out, mode)
}

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }
