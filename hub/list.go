package hub

import (
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// CachedModel is a GGUF model found in the cache.
type CachedModel struct {
	Ref    Ref    // Revision is a ref name (main preferred) pointing at Commit, else Commit
	Name   string // the known short name for this file, if any
	Commit string
	Path   string   // snapshot path (the first part of a split model)
	Parts  []string // every part, in order (just Path when not split)
	Size   int64    // bytes over all parts present
	Refs   []string // revisions under refs/ pointing at Commit
}

// List returns the GGUF models in the cache, sorted by reference. Each
// split model appears once (under its first part); snapshots other tools
// left (non-GGUF files) are ignored.
func List(opts Options) ([]CachedModel, error) {
	cache := opts.Cache()
	entries, err := os.ReadDir(cache)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []CachedModel
	for _, e := range entries {
		rest, ok := strings.CutPrefix(e.Name(), "models--")
		if !ok || !e.IsDir() {
			continue
		}
		author, name, ok := strings.Cut(rest, "--")
		if !ok {
			continue
		}
		repo := author + "/" + name
		dir := filepath.Join(cache, e.Name())
		byCommit := map[string][]string{}
		for ref, c := range readRefs(dir) {
			byCommit[c] = append(byCommit[c], ref)
		}
		commits, _ := os.ReadDir(filepath.Join(dir, "snapshots"))
		for _, c := range commits {
			if !c.IsDir() {
				continue
			}
			out = append(out, listSnapshot(dir, repo, c.Name(), byCommit[c.Name()])...)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Ref.String() < out[j].Ref.String() })
	return out, nil
}

func listSnapshot(dir, repo, commit string, refs []string) []CachedModel {
	sort.Slice(refs, func(i, j int) bool {
		// main first, then alphabetical.
		if (refs[i] == DefaultRevision) != (refs[j] == DefaultRevision) {
			return refs[i] == DefaultRevision
		}
		return refs[i] < refs[j]
	})
	rev := commit
	if len(refs) > 0 {
		rev = refs[0]
	}
	root := filepath.Join(dir, "snapshots", commit)
	var out []CachedModel
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(strings.ToLower(d.Name()), ".gguf") {
			return nil
		}
		rel, _ := filepath.Rel(root, p)
		file := filepath.ToSlash(rel)
		if _, no, _, split := parseSplit(d.Name()); split && no != 1 {
			return nil // listed with its first part
		}
		m := CachedModel{
			Ref:    Ref{Repo: repo, Revision: rev, File: file},
			Name:   knownFor(repo, file),
			Commit: commit,
			Path:   p,
			Refs:   refs,
		}
		for _, f := range splitFiles(file) {
			pp := filepath.Join(root, filepath.FromSlash(f))
			if st, err := os.Stat(pp); err == nil {
				m.Parts = append(m.Parts, pp)
				m.Size += st.Size()
			}
		}
		if len(m.Parts) > 0 {
			out = append(out, m)
		}
		return nil
	})
	return out
}
