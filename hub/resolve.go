package hub

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Resolve returns the local path of the model r names, downloading it into
// the cache when needed. For a split model every part is fetched and the
// first part's path returned (see SplitParts). A local path is checked and
// returned as is.
//
// A cached file is used without network access unless opts.Refresh is set.
// When the model is not cached and the Hub cannot be reached (or
// HF_HUB_OFFLINE=1), the error wraps ErrOffline.
func Resolve(ctx context.Context, r Ref, opts Options) (string, error) {
	if r.IsLocal() {
		p := expandHome(r.Path)
		st, err := os.Stat(p)
		if err != nil {
			return "", fmt.Errorf("model file: %w", err)
		}
		if st.IsDir() {
			return "", fmt.Errorf("model file %s is a directory", p)
		}
		return p, nil
	}
	if r.Repo == "" || r.File == "" {
		return "", fmt.Errorf("incomplete model reference %+v", r)
	}
	if r.Revision == "" {
		r.Revision = DefaultRevision
	}
	cache := opts.Cache()
	cached, haveCached := lookupCacheAll(cache, r)
	if opts.offline() {
		if haveCached {
			return cached, nil
		}
		return "", fmt.Errorf("%s: %w (HF_HUB_OFFLINE is set; cache %s)", r, ErrOffline, cache)
	}
	if haveCached && !opts.Refresh {
		return cached, nil
	}
	first := ""
	commit := ""
	for i, f := range splitFiles(r.File) {
		pr := r
		pr.File = f
		if f != r.File {
			pr.Size, pr.SHA256 = 0, ""
		}
		if commit != "" {
			// Every part from the same commit, even if the branch moves.
			pr.Revision = commit
		}
		p, c, err := fetch(ctx, pr, r.Revision, opts)
		if err != nil {
			if errors.Is(err, ErrOffline) && haveCached {
				return cached, nil // Hub unreachable: the cached copy will do
			}
			return "", err
		}
		if i == 0 {
			first, commit = p, c
		}
	}
	return first, nil
}

// fetch makes r's file present in the cache and returns its snapshot path
// and commit. refRev is the revision to record under refs/.
func fetch(ctx context.Context, r Ref, refRev string, opts Options) (string, string, error) {
	rf, err := opts.head(ctx, r)
	if err != nil {
		return "", "", err
	}
	if r.SHA256 != "" && sha256HexRE.MatchString(rf.etag) && !strings.EqualFold(rf.etag, r.SHA256) {
		return "", "", fmt.Errorf("%s (%s): the Hub's file has sha256 %s but the known-models list expects %s; use the hf: reference to take the Hub's version",
			r.Name, r, rf.etag, r.SHA256)
	}
	if r.Size > 0 && rf.size >= 0 && rf.size != r.Size {
		return "", "", fmt.Errorf("%s (%s): the Hub's file has %d bytes but the known-models list expects %d", r.Name, r, rf.size, r.Size)
	}
	if rf.size < 0 && r.Size > 0 {
		rf.size = r.Size
	}
	dir := repoDir(opts.Cache(), r.Repo)
	if err := writeRef(dir, refRev, rf.commit); err != nil {
		return "", "", fmt.Errorf("caching %s: %w", r, err)
	}
	snap := snapshotPath(dir, rf.commit, r.File)
	if st, err := os.Stat(snap); err == nil && st.Mode().IsRegular() && (rf.size < 0 || st.Size() == rf.size) {
		return snap, rf.commit, nil
	}
	blob := filepath.Join(dir, "blobs", rf.etag)
	if !haveBlob(blob, rf.size) {
		// One writer per blob, across processes; whoever waited finds the
		// blob done by the other.
		locks := filepath.Join(opts.Cache(), ".locks", filepath.Base(dir))
		if err := os.MkdirAll(locks, 0o755); err != nil {
			return "", "", err
		}
		unlock, err := lockFile(filepath.Join(locks, rf.etag+".lock"))
		if err != nil {
			return "", "", fmt.Errorf("locking %s: %w", r, err)
		}
		if !haveBlob(blob, rf.size) {
			err = opts.download(ctx, r.File, rf, strings.ToLower(r.SHA256), blob)
		}
		unlock()
		if err != nil {
			return "", "", err
		}
	}
	if err := linkSnapshot(blob, snap); err != nil {
		return "", "", err
	}
	return snap, rf.commit, nil
}

// DefaultTinyModel is the known model "gollama" uses when given no model
// and $GOLLAMA_MODEL is unset.
const DefaultTinyModel = "stories15m"

// defaultCandidates are tiny TinyStories models acceptable as the default,
// best first; any of them already cached is used before downloading.
var defaultCandidates = []string{DefaultTinyModel, "stories260k"}

// DefaultModel picks the model for "gollama" with no -m: $GOLLAMA_MODEL (a
// reference or path) if set, else a tiny TinyStories model from the cache,
// else that model downloaded now. source says where the model came from,
// for a log line. When nothing can be had without the network the error
// wraps ErrOffline, so the caller can fall back to a synthesized model.
func DefaultModel(ctx context.Context, opts Options) (path, source string, err error) {
	if v := strings.TrimSpace(opts.env("GOLLAMA_MODEL")); v != "" {
		r, err := ParseRef(v)
		if err != nil {
			return "", "", fmt.Errorf("$GOLLAMA_MODEL: %w", err)
		}
		p, err := Resolve(ctx, r, opts)
		if err != nil {
			return "", "", fmt.Errorf("$GOLLAMA_MODEL: %w", err)
		}
		return p, "$GOLLAMA_MODEL=" + v, nil
	}
	for _, name := range defaultCandidates {
		k, _ := LookupKnown(name)
		if p, ok := lookupCacheAll(opts.Cache(), k.Ref()); ok {
			return p, name + " (cached " + k.Ref().String() + ")", nil
		}
	}
	k, _ := LookupKnown(DefaultTinyModel)
	opts.Refresh = false
	p, err := Resolve(ctx, k.Ref(), opts)
	if err != nil {
		return "", "", err
	}
	return p, DefaultTinyModel + " (downloaded " + k.Ref().String() + ")", nil
}

func haveBlob(blob string, size int64) bool {
	st, err := os.Stat(blob)
	return err == nil && st.Mode().IsRegular() && (size < 0 || st.Size() == size)
}
