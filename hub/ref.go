// Package hub finds GGUF models: it parses model references (hf:author/repo/
// file.gguf, local paths, short known names), keeps downloads in the standard
// Hugging Face cache layout so files fetched by other tools are reused, and
// downloads from the Hub with resume and checksum verification.
package hub

import (
	"fmt"
	"net/url"
	"path"
	"regexp"
	"strings"
)

// DefaultRevision is the branch used when a reference names none.
const DefaultRevision = "main"

// Ref is a parsed model reference: either a local file (Path) or a file in a
// Hub repository (Repo, Revision, File).
type Ref struct {
	Path     string // local file; empty for Hub references
	Repo     string // "author/name"
	Revision string // branch, tag or 40-hex commit; DefaultRevision if not given
	File     string // path of the file inside the repository, '/'-separated

	// Set for known short names: what the published file must be (zero/empty
	// when unknown; the Hub's ETag still verifies the download).
	Name   string // the short name the user typed, e.g. "qwen2.5:0.5b"
	Size   int64
	SHA256 string
}

// IsLocal reports whether r names a file on disk rather than on the Hub.
func (r Ref) IsLocal() bool { return r.Path != "" }

// String renders r in the form ParseRef accepts (hf:... or the path).
func (r Ref) String() string {
	if r.IsLocal() {
		return r.Path
	}
	if r.Revision == "" || r.Revision == DefaultRevision {
		return "hf:" + r.Repo + "/" + r.File
	}
	if isRevisionComponent(r.Revision) {
		return "hf:" + r.Repo + "/" + r.Revision + "/" + r.File
	}
	return "hf:" + r.Repo + "@" + r.Revision + "/" + r.File
}

// URL returns the Hub's resolve URL for r under endpoint.
func (r Ref) URL(endpoint string) string {
	rev := r.Revision
	if rev == "" {
		rev = DefaultRevision
	}
	return strings.TrimRight(endpoint, "/") + "/" + r.Repo + "/resolve/" + escapePath(rev) + "/" + escapePath(r.File)
}

func escapePath(p string) string {
	parts := strings.Split(p, "/")
	for i, s := range parts {
		parts[i] = url.PathEscape(s)
	}
	return strings.Join(parts, "/")
}

var (
	// Hub repo ids: letters, digits, '-', '_', '.'; at most 96 characters
	// per part (huggingface_hub's validate_repo_id).
	repoPartRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,95}$`)
	commitRE   = regexp.MustCompile(`^[0-9a-f]{40}$`)
	branchRE   = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._/-]{0,127}$`)
)

// isRevisionComponent reports whether the third component of an
// hf:author/repo/X/... reference is a revision rather than a directory.
// Branch names are indistinguishable from directories
// (ggml-org/models/tinyllamas/...), so only the unambiguous spellings count:
// HEAD, main, master and full commit hashes. Other branches and tags use
// hf:author/repo@branch/file.
func isRevisionComponent(s string) bool {
	return s == "HEAD" || s == "main" || s == "master" || commitRE.MatchString(s)
}

// ParseRef parses a model reference:
//
//	hf:author/repo/file.gguf           file on the default branch (main)
//	hf:author/repo/REV/file.gguf       REV = HEAD, main, master or a commit hash
//	hf:author/repo@REV/dir/file.gguf   any branch or tag
//	./model.gguf, /abs/model.gguf      a local file
//	qwen2.5:0.5b, stories260k, ...     a known short name (see Known)
//
// It does not touch the disk or the network.
func ParseRef(s string) (Ref, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Ref{}, fmt.Errorf("empty model reference")
	}
	if rest, ok := strings.CutPrefix(s, "hf:"); ok {
		return parseHF(s, rest)
	}
	for _, scheme := range []string{"hf://", "https://", "http://"} {
		if strings.HasPrefix(s, scheme) {
			return Ref{}, fmt.Errorf("model reference %q: URLs are not accepted; use hf:author/repo/file.gguf", s)
		}
	}
	if k, ok := LookupKnown(s); ok {
		return k.Ref(), nil
	}
	if looksLikePath(s) {
		return Ref{Path: s}, nil
	}
	return Ref{}, fmt.Errorf("model reference %q: not a known model name (%s), an hf:author/repo/file.gguf reference, nor a path to a .gguf file",
		s, strings.Join(KnownNames(), ", "))
}

func looksLikePath(s string) bool {
	return strings.ContainsAny(s, `/\`) || strings.HasSuffix(strings.ToLower(s), ".gguf") ||
		strings.HasPrefix(s, ".") || strings.HasPrefix(s, "~")
}

func parseHF(orig, rest string) (Ref, error) {
	bad := func(format string, a ...any) (Ref, error) {
		return Ref{}, fmt.Errorf("model reference %q: "+format, append([]any{orig}, a...)...)
	}
	parts := strings.Split(rest, "/")
	if len(parts) < 3 {
		return bad("want hf:author/repo/file.gguf or hf:author/repo/REV/file.gguf")
	}
	author, repo := parts[0], parts[1]
	rev, file := "", parts[2:]
	if name, r, ok := strings.Cut(repo, "@"); ok {
		repo, rev = name, r
		if rev == "" {
			return bad("empty revision after '@'")
		}
	} else if len(file) > 1 && isRevisionComponent(file[0]) {
		rev, file = file[0], file[1:]
	}
	for _, p := range []string{author, repo} {
		if !repoPartRE.MatchString(p) || strings.Contains(p, "--") || strings.Contains(p, "..") {
			return bad("invalid repository name part %q (letters, digits, '-', '_', '.'; no '--' or '..')", p)
		}
	}
	if rev == "HEAD" || rev == "" {
		// The cache names the default branch; HEAD is an alias for it.
		rev = DefaultRevision
	}
	if !branchRE.MatchString(rev) || strings.Contains(rev, "..") {
		return bad("invalid revision %q", rev)
	}
	f := strings.Join(file, "/")
	if err := validateFile(f); err != nil {
		return bad("%v", err)
	}
	return Ref{Repo: author + "/" + repo, Revision: rev, File: f}, nil
}

func validateFile(f string) error {
	if f == "" {
		return fmt.Errorf("missing file name")
	}
	for _, seg := range strings.Split(f, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return fmt.Errorf("invalid file path %q (empty, '.' or '..' component)", f)
		}
	}
	if strings.ContainsAny(f, "\\\x00") || path.Clean(f) != f {
		return fmt.Errorf("invalid file path %q", f)
	}
	if !strings.HasSuffix(strings.ToLower(f), ".gguf") {
		return fmt.Errorf("file %q is not a .gguf file", f)
	}
	return nil
}
