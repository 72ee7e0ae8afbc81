package hub

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// The Hugging Face cache layout (shared with huggingface_hub, llama.cpp's
// -hf and others):
//
//	<cache>/models--author--repo/
//	    blobs/<etag>                     file contents, named by ETag (LFS: sha256)
//	    blobs/<etag>.incomplete          a download in progress (resumable)
//	    refs/<revision>                  the commit hash the revision pointed at
//	    snapshots/<commit>/<file>        symlink to ../../blobs/<etag>

func repoDir(cache, repo string) string {
	return filepath.Join(cache, "models--"+strings.ReplaceAll(repo, "/", "--"))
}

func snapshotPath(dir, commit, file string) string {
	return filepath.Join(dir, "snapshots", commit, filepath.FromSlash(file))
}

// cachedCommit returns the commit rev stands for in the cache: rev itself
// when it is a commit hash, else the content of refs/<rev>.
func cachedCommit(dir, rev string) (string, bool) {
	if commitRE.MatchString(rev) {
		return rev, true
	}
	b, err := os.ReadFile(filepath.Join(dir, "refs", filepath.FromSlash(rev)))
	if err != nil {
		return "", false
	}
	c := strings.TrimSpace(string(b))
	return c, commitRE.MatchString(c)
}

// lookupCache returns the snapshot path of r's file when it is in the cache
// (a dangling symlink does not count).
func lookupCache(cache string, r Ref) (string, bool) {
	dir := repoDir(cache, r.Repo)
	commit, ok := cachedCommit(dir, r.Revision)
	if !ok {
		return "", false
	}
	p := snapshotPath(dir, commit, r.File)
	st, err := os.Stat(p)
	if err != nil || !st.Mode().IsRegular() {
		return "", false
	}
	if r.Size > 0 && st.Size() != r.Size {
		return "", false
	}
	return p, true
}

// lookupCacheAll is lookupCache for every part of a split model; it returns
// the first part's path only when all parts are present.
func lookupCacheAll(cache string, r Ref) (string, bool) {
	first := ""
	for i, f := range splitFiles(r.File) {
		pr := r
		if f != r.File {
			pr.Size, pr.SHA256 = 0, ""
		}
		pr.File = f
		p, ok := lookupCache(cache, pr)
		if !ok {
			return "", false
		}
		if i == 0 {
			first = p
		}
	}
	return first, true
}

// writeRef records that revision rev points at commit, atomically.
func writeRef(dir, rev, commit string) error {
	if rev == commit {
		return nil
	}
	p := filepath.Join(dir, "refs", filepath.FromSlash(rev))
	if b, err := os.ReadFile(p); err == nil && strings.TrimSpace(string(b)) == commit {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	return writeFileAtomic(p, []byte(commit))
}

func tempName(p string) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return p + ".tmp-" + hex.EncodeToString(b[:])
}

func writeFileAtomic(p string, data []byte) error {
	tmp := tempName(p)
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp, p); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

// linkSnapshot makes snap point at blob: a relative symlink as
// huggingface_hub makes, else (filesystems without symlinks) a hard link or
// a copy. The link appears atomically: nothing half-made under snapshots/.
func linkSnapshot(blob, snap string) error {
	if err := os.MkdirAll(filepath.Dir(snap), 0o755); err != nil {
		return err
	}
	tmp := tempName(snap)
	rel, err := filepath.Rel(filepath.Dir(snap), blob)
	if err != nil {
		return err
	}
	if err := os.Symlink(rel, tmp); err != nil {
		if err := os.Link(blob, tmp); err != nil {
			if err := copyFile(blob, tmp); err != nil {
				os.Remove(tmp)
				return fmt.Errorf("linking %s into the cache: %w", snap, err)
			}
		}
	}
	if err := os.Rename(tmp, snap); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// Remove deletes a Hub model (every part of a split model) from the cache:
// its snapshot entries, blobs no other snapshot uses, refs left pointing at
// an emptied snapshot, and the repository folder once nothing is left. It
// returns the snapshot paths removed.
func Remove(r Ref, opts Options) ([]string, error) {
	if r.IsLocal() {
		return nil, fmt.Errorf("%s is a local file, not a cached model; delete it yourself", r.Path)
	}
	cache := opts.Cache()
	dir := repoDir(cache, r.Repo)
	commit, ok := cachedCommit(dir, r.Revision)
	if !ok {
		return nil, fmt.Errorf("%s is not in the cache (%s)", r, cache)
	}
	var removed []string
	var blobs []string
	blobDir, err := filepath.EvalSymlinks(filepath.Join(dir, "blobs"))
	if err != nil {
		blobDir = filepath.Join(dir, "blobs")
	}
	for _, f := range splitFiles(r.File) {
		snap := snapshotPath(dir, commit, f)
		if _, err := os.Lstat(snap); err != nil {
			continue
		}
		if target, err := filepath.EvalSymlinks(snap); err == nil && filepath.Dir(target) == blobDir {
			blobs = append(blobs, target)
		}
		if err := os.Remove(snap); err != nil {
			return removed, err
		}
		removed = append(removed, snap)
		pruneEmpty(filepath.Dir(snap), filepath.Join(dir, "snapshots"))
	}
	if len(removed) == 0 {
		return nil, fmt.Errorf("%s is not in the cache (%s)", r, cache)
	}
	used := blobsInUse(dir)
	for _, b := range blobs {
		if !used[b] {
			if err := os.Remove(b); err != nil && !errors.Is(err, os.ErrNotExist) {
				return removed, err
			}
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "snapshots", commit)); errors.Is(err, os.ErrNotExist) {
		for name, c := range readRefs(dir) {
			if c == commit {
				p := filepath.Join(dir, "refs", filepath.FromSlash(name))
				os.Remove(p)
				pruneEmpty(filepath.Dir(p), filepath.Join(dir, "refs"))
			}
		}
	}
	if entries, err := os.ReadDir(filepath.Join(dir, "snapshots")); err == nil && len(entries) == 0 {
		os.RemoveAll(dir)
	}
	return removed, nil
}

// pruneEmpty removes dir and its empty parents up to, but not including, stop.
func pruneEmpty(dir, stop string) {
	for dir != stop && strings.HasPrefix(dir, stop) {
		if os.Remove(dir) != nil {
			return
		}
		dir = filepath.Dir(dir)
	}
}

// blobsInUse returns the blob paths some snapshot entry of dir resolves to.
func blobsInUse(dir string) map[string]bool {
	used := map[string]bool{}
	filepath.WalkDir(filepath.Join(dir, "snapshots"), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if t, err := filepath.EvalSymlinks(p); err == nil {
				used[t] = true
			}
		}
		return nil
	})
	return used
}

// readRefs maps each revision name under refs/ to its commit.
func readRefs(dir string) map[string]string {
	refs := map[string]string{}
	root := filepath.Join(dir, "refs")
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.Contains(d.Name(), ".tmp-") {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return nil
		}
		name, _ := filepath.Rel(root, p)
		refs[filepath.ToSlash(name)] = strings.TrimSpace(string(b))
		return nil
	})
	return refs
}
