package hub

import (
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeHub behaves like huggingface.co for resolve URLs: LFS files answer
// with a 302 to a CDN path carrying X-Repo-Commit, X-Linked-Etag and
// X-Linked-Size; small files are served directly with a git-blob ETag.
type fakeHub struct {
	t      *testing.T
	srv    *httptest.Server
	commit string

	mu        sync.Mutex
	files     map[string]fakeFile // "author/repo/file"
	private   map[string]bool     // repos needing the token
	token     string
	dropAfter int64 // >0: CDN GETs send this many bytes, then cut the connection
	drops     int   // how many GETs to cut (-1: all)
	corrupt   bool  // CDN serves one flipped byte
	ignoreRng bool  // CDN ignores Range

	heads, gets int
	ranges      []string // Range header of each CDN GET
	cdnAuth     bool     // a CDN request carried Authorization
}

type fakeFile struct {
	data []byte
	lfs  bool
}

func newFakeHub(t *testing.T) *fakeHub {
	h := &fakeHub{t: t, commit: strings.Repeat("c0ffee", 6) + "abcd",
		files: map[string]fakeFile{}, private: map[string]bool{}}
	h.srv = httptest.NewServer(http.HandlerFunc(h.serve))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *fakeHub) add(repo, file string, data []byte, lfs bool) string {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.files[repo+"/"+file] = fakeFile{data, lfs}
	return sha256Hex(data)
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func gitBlobID(b []byte) string {
	h := sha1.New()
	fmt.Fprintf(h, "blob %d\x00", len(b))
	h.Write(b)
	return hex.EncodeToString(h.Sum(nil))
}

func (h *fakeHub) counts() (heads, gets int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.heads, h.gets
}

func (h *fakeHub) serve(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if r.Header.Get("Accept-Encoding") != "identity" {
		h.t.Errorf("%s %s without Accept-Encoding: identity", r.Method, r.URL)
	}
	if r.Method == http.MethodHead {
		h.heads++
	} else {
		h.gets++
	}
	if sha, ok := strings.CutPrefix(r.URL.Path, "/cdn/"); ok {
		h.serveCDN(w, r, sha)
		return
	}
	// /author/repo/resolve/rev/file...
	parts := strings.SplitN(strings.TrimPrefix(r.URL.Path, "/"), "/", 5)
	if len(parts) < 5 || parts[2] != "resolve" {
		http.NotFound(w, r)
		return
	}
	repo, rev, file := parts[0]+"/"+parts[1], parts[3], parts[4]
	if h.private[repo] && r.Header.Get("Authorization") != "Bearer "+h.token {
		w.Header().Set("X-Error-Code", "GatedRepo")
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	f, ok := h.files[repo+"/"+file]
	if !ok || (rev != "main" && rev != h.commit) {
		w.Header().Set("X-Error-Code", "EntryNotFound")
		w.WriteHeader(http.StatusNotFound)
		return
	}
	w.Header().Set("X-Repo-Commit", h.commit)
	if f.lfs {
		sha := sha256Hex(f.data)
		w.Header().Set("ETag", `"`+gitBlobID([]byte("pointer "+sha))+`"`) // the pointer's id: must not be used
		w.Header().Set("X-Linked-Etag", `"`+sha+`"`)
		w.Header().Set("X-Linked-Size", strconv.Itoa(len(f.data)))
		w.Header().Set("Location", h.srv.URL+"/cdn/"+sha+"?X-Amz-Signature=x")
		w.WriteHeader(http.StatusFound)
		return
	}
	w.Header().Set("ETag", `"`+gitBlobID(f.data)+`"`)
	w.Header().Set("Content-Length", strconv.Itoa(len(f.data)))
	if r.Method == http.MethodGet {
		w.Write(f.data)
	}
}

func (h *fakeHub) serveCDN(w http.ResponseWriter, r *http.Request, sha string) {
	if r.Header.Get("Authorization") != "" {
		h.cdnAuth = true
	}
	var data []byte
	for _, f := range h.files {
		if f.lfs && sha256Hex(f.data) == sha {
			data = append([]byte(nil), f.data...)
		}
	}
	if data == nil {
		http.NotFound(w, r)
		return
	}
	if h.corrupt {
		data[len(data)/2] ^= 0xff
	}
	start := int64(0)
	rng := r.Header.Get("Range")
	if r.Method == http.MethodGet {
		h.ranges = append(h.ranges, rng)
	}
	if rng != "" && !h.ignoreRng {
		n, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimPrefix(rng, "bytes="), "-"), 10, 64)
		if err != nil || n > int64(len(data)) {
			h.t.Errorf("bad Range %q", rng)
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		if n == int64(len(data)) {
			w.WriteHeader(http.StatusRequestedRangeNotSatisfiable)
			return
		}
		start = n
		w.Header().Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", n, len(data)-1, len(data)))
	}
	body := data[start:]
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	if start > 0 {
		w.WriteHeader(http.StatusPartialContent)
	}
	if r.Method != http.MethodGet {
		return
	}
	if h.dropAfter > 0 && h.drops != 0 && int64(len(body)) > h.dropAfter {
		if h.drops > 0 {
			h.drops--
		}
		w.Write(body[:h.dropAfter])
		w.(http.Flusher).Flush()
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
		return
	}
	w.Write(body)
}

// opts returns Options pointing at the fake hub with a private cache and
// an empty environment.
func (h *fakeHub) opts(t *testing.T, env map[string]string) Options {
	return Options{
		CacheDir: t.TempDir(),
		Endpoint: h.srv.URL,
		Getenv:   func(k string) string { return env[k] },
	}
}

func init() {
	retryDelay = func(int) time.Duration { return time.Millisecond }
}
