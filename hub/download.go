package hub

import (
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// ErrChecksum marks a download whose size or hash differs from what the Hub
// (or the known-models list) promised. The bytes stay in
// blobs/<etag>.incomplete and are never linked into snapshots/.
var ErrChecksum = errors.New("checksum mismatch")

// remoteFile is what the Hub's first (not followed) response to a resolve
// URL says about a file.
type remoteFile struct {
	commit   string // X-Repo-Commit
	etag     string // X-Linked-Etag or ETag, normalised
	size     int64  // X-Linked-Size or Content-Length; -1 if unknown
	location string // where to GET the bytes (the CDN URL after a redirect)
	// signed: location is a redirect target (pre-signed CDN URL) that must
	// not receive the token, as huggingface_hub does.
	signed bool
}

var (
	sha256HexRE = regexp.MustCompile(`^[0-9a-f]{64}$`)
	etagNameRE  = regexp.MustCompile(`^[A-Za-z0-9._-]{1,128}$`)
)

// normalizeETag strips the weak marker and quotes, as huggingface_hub does.
func normalizeETag(s string) string {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "W/")
	return strings.Trim(s, `"`)
}

// hubError is a failed Hub request: an HTTP status with the Hub's error code.
type hubError struct {
	what   string
	status int
	code   string // X-Error-Code: RepoNotFound, EntryNotFound, GatedRepo...
	msg    string // X-Error-Message
	token  bool
}

func (e *hubError) Error() string {
	s := fmt.Sprintf("%s: HTTP %d", e.what, e.status)
	if e.code != "" {
		s += " " + e.code
	}
	if e.msg != "" {
		s += ": " + e.msg
	}
	switch {
	case (e.status == 401 || e.status == 403) && !e.token:
		s += " (the repository may be private or gated: set HF_TOKEN to a Hugging Face access token)"
	case e.status == 401 || e.status == 403:
		s += " (HF_TOKEN was sent: check that it is valid and has access to this repository)"
	case e.status == 404:
		s += " (check the repository, revision and file name)"
	}
	return s
}

func newHubError(what string, resp *http.Response, token bool) error {
	return &hubError{what: what, status: resp.StatusCode, code: resp.Header.Get("X-Error-Code"),
		msg: resp.Header.Get("X-Error-Message"), token: token}
}

// unreachable wraps a transport failure (no HTTP response at all) so that
// callers can tell "the Hub is not reachable" from "the Hub said no".
func unreachable(what string, err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%s: %w", what, err)
	}
	return fmt.Errorf("%s: %w (%v)", what, ErrOffline, err)
}

func (o Options) newRequest(ctx context.Context, method, u string, auth bool) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, method, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("User-Agent", "gollama")
	// Sizes and hashes refer to the raw bytes: no transparent gzip.
	req.Header.Set("Accept-Encoding", "identity")
	if tok := o.token(); tok != "" && auth {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	return req, nil
}

// head asks the Hub about r's file without following the redirect to the
// CDN, whose response lacks the repository headers. Redirects to a
// relative location (a renamed repository) are followed.
func (o Options) head(ctx context.Context, r Ref) (remoteFile, error) {
	client := *o.client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	u := r.URL(o.endpoint())
	signed := false
	for hops := 0; ; hops++ {
		req, err := o.newRequest(ctx, http.MethodHead, u, true)
		if err != nil {
			return remoteFile{}, err
		}
		resp, err := client.Do(req)
		if err != nil {
			return remoteFile{}, unreachable(r.String(), err)
		}
		resp.Body.Close()
		h := resp.Header
		loc := h.Get("Location")
		if resp.StatusCode >= 300 && resp.StatusCode < 400 && loc != "" {
			next, err := resp.Request.URL.Parse(loc)
			if err != nil {
				return remoteFile{}, fmt.Errorf("%s: bad redirect %q: %v", r, loc, err)
			}
			if h.Get("X-Repo-Commit") == "" && !strings.Contains(loc, "://") && hops < 5 {
				u = next.String()
				continue
			}
			loc = next.String()
			signed = true
		} else if resp.StatusCode >= 200 && resp.StatusCode < 300 {
			loc = u
		} else {
			return remoteFile{}, newHubError(r.String(), resp, o.token() != "")
		}
		f := remoteFile{
			commit:   strings.TrimSpace(h.Get("X-Repo-Commit")),
			etag:     normalizeETag(h.Get("X-Linked-Etag")),
			size:     -1,
			location: loc,
			signed:   signed,
		}
		if f.etag == "" {
			f.etag = normalizeETag(h.Get("ETag"))
		}
		if s := h.Get("X-Linked-Size"); s != "" {
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil || n < 0 {
				return remoteFile{}, fmt.Errorf("%s: bad X-Linked-Size %q", r, s)
			}
			f.size = n
		} else if resp.StatusCode < 300 && resp.ContentLength >= 0 {
			f.size = resp.ContentLength
		}
		switch {
		case !commitRE.MatchString(f.commit):
			return remoteFile{}, fmt.Errorf("%s: the server sent no valid X-Repo-Commit header (got %q); is %s a Hugging Face Hub?", r, f.commit, o.endpoint())
		case !etagNameRE.MatchString(f.etag):
			return remoteFile{}, fmt.Errorf("%s: the server sent no usable ETag (got %q)", r, f.etag)
		}
		return f, nil
	}
}

// retryDelay is how long to wait before resuming a failed transfer; tests
// shorten it.
var retryDelay = func(attempt int) time.Duration { return time.Duration(attempt) * time.Second }

const maxAttempts = 4

// download fetches rf into blob (blobs/<etag>), resuming from and keeping
// blob.incomplete, verifying size and hash before the atomic rename.
func (o Options) download(ctx context.Context, label string, rf remoteFile, wantSHA256, blob string) error {
	if err := os.MkdirAll(filepath.Dir(blob), 0o755); err != nil {
		return err
	}
	inc := blob + ".incomplete"
	v := verifier{size: rf.size, sha256: wantSHA256}
	if v.sha256 == "" && sha256HexRE.MatchString(rf.etag) {
		v.sha256 = rf.etag // LFS files: the ETag is the sha256
	} else if len(rf.etag) == 40 {
		v.gitSHA1 = rf.etag // small files kept in git: the ETag is the git blob id
	}
	f, err := os.OpenFile(inc, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	defer f.Close()
	have, err := f.Seek(0, io.SeekEnd)
	if err != nil {
		return err
	}
	if rf.size >= 0 && have >= rf.size {
		// Complete but not renamed (interrupted, or rejected earlier):
		// use it only if it verifies, else start over.
		if have == rf.size && v.check(f) == nil {
			return finishBlob(f, inc, blob)
		}
		if err := truncate(f); err != nil {
			return err
		}
		have = 0
	}
	bar := newProgress(o.Progress, label, rf.size)
	defer bar.done()
	var lastErr error
	done := false
	for attempt := 0; attempt < maxAttempts && !done; attempt++ {
		if attempt > 0 {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(retryDelay(attempt)):
			}
		}
		done, lastErr = o.fetchRange(ctx, label, rf, f, bar)
		var he *hubError
		if errors.As(lastErr, &he) || ctx.Err() != nil {
			return lastErr // the Hub refused, or the caller gave up: retrying will not help
		}
	}
	if !done {
		have, _ = f.Seek(0, io.SeekEnd)
		return fmt.Errorf("downloading %s: %d attempts failed, %d bytes kept for resume: %w", label, maxAttempts, have, lastErr)
	}
	if err := v.check(f); err != nil {
		return fmt.Errorf("downloading %s: %w (the bytes are kept in %s but not used; the next pull downloads the file again)", label, err, inc)
	}
	return finishBlob(f, inc, blob)
}

// fetchRange appends the rest of the file to f. It reports done when the
// server has sent everything it had.
func (o Options) fetchRange(ctx context.Context, label string, rf remoteFile, f *os.File, bar *progress) (bool, error) {
	have, err := f.Seek(0, io.SeekEnd)
	if err != nil {
		return false, err
	}
	req, err := o.newRequest(ctx, http.MethodGet, rf.location, !rf.signed)
	if err != nil {
		return false, err
	}
	if have > 0 {
		req.Header.Set("Range", fmt.Sprintf("bytes=%d-", have))
	}
	resp, err := o.client().Do(req)
	if err != nil {
		return false, unreachable(label, err)
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
		if have > 0 { // the server ignored the range: start over
			if err := truncate(f); err != nil {
				return false, err
			}
			have = 0
		}
	case http.StatusPartialContent:
		start, ok := contentRangeStart(resp.Header.Get("Content-Range"))
		if !ok || start != have {
			// Not the bytes we asked for: drop the partial file and retry.
			if err := truncate(f); err != nil {
				return false, err
			}
			bar.set(0)
			return false, fmt.Errorf("%s: server answered range %d- with %q", label, have, resp.Header.Get("Content-Range"))
		}
	case http.StatusRequestedRangeNotSatisfiable:
		if rf.size >= 0 && have == rf.size {
			return true, nil
		}
		if err := truncate(f); err != nil {
			return false, err
		}
		bar.set(0)
		return false, fmt.Errorf("%s: server rejected range %d-", label, have)
	default:
		return false, newHubError(label, resp, o.token() != "")
	}
	bar.set(have)
	n, err := io.Copy(io.MultiWriter(f, bar), resp.Body)
	if err != nil {
		return false, fmt.Errorf("%s: transfer interrupted after %d bytes: %w", label, have+n, err)
	}
	if resp.ContentLength >= 0 && n < resp.ContentLength {
		return false, fmt.Errorf("%s: connection closed after %d of %d bytes", label, n, resp.ContentLength)
	}
	return true, nil
}

func truncate(f *os.File) error {
	if err := f.Truncate(0); err != nil {
		return err
	}
	_, err := f.Seek(0, io.SeekStart)
	return err
}

// contentRangeStart parses the first byte position of "bytes a-b/n".
func contentRangeStart(s string) (int64, bool) {
	rest, ok := strings.CutPrefix(s, "bytes ")
	if !ok {
		return 0, false
	}
	a, _, ok := strings.Cut(rest, "-")
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(a, 10, 64)
	return n, err == nil
}

func finishBlob(f *os.File, inc, blob string) error {
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(inc, blob)
}

// verifier checks a finished download against what was promised.
type verifier struct {
	size    int64  // -1 unknown
	sha256  string // hex; "" unknown
	gitSHA1 string // git blob id for non-LFS files; "" unknown
}

func (v verifier) check(f *os.File) error {
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if v.size >= 0 && st.Size() != v.size {
		return fmt.Errorf("%w: size %d, expected %d", ErrChecksum, st.Size(), v.size)
	}
	var h hash.Hash
	want := ""
	switch {
	case v.sha256 != "":
		h, want = sha256.New(), v.sha256
	case v.gitSHA1 != "":
		h, want = sha1.New(), v.gitSHA1
		fmt.Fprintf(h, "blob %d\x00", st.Size())
	default:
		return nil
	}
	if _, err := io.Copy(h, io.NewSectionReader(f, 0, st.Size())); err != nil {
		return err
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != want {
		return fmt.Errorf("%w: hash %s, expected %s", ErrChecksum, got, want)
	}
	return nil
}
