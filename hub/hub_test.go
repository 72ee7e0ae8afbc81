package hub

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
)

func payload(n int, seed byte) []byte {
	b := make([]byte, n)
	x := uint32(seed) + 1
	for i := range b {
		x = x*1664525 + 1013904223
		b[i] = byte(x >> 24)
	}
	return b
}

// noSnapshotLeftovers fails if anything under snapshots/ is not a complete
// entry (temp names, or links to missing or partial blobs).
func noSnapshotLeftovers(t *testing.T, cache string) {
	t.Helper()
	filepath.WalkDir(cache, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.Contains(p, string(filepath.Separator)+"snapshots"+string(filepath.Separator)) {
			return nil
		}
		if strings.Contains(d.Name(), ".tmp-") || strings.HasSuffix(d.Name(), ".incomplete") {
			t.Errorf("half-written entry under snapshots/: %s", p)
		}
		target, err := filepath.EvalSymlinks(p)
		if err != nil {
			t.Errorf("dangling snapshot entry %s: %v", p, err)
		} else if strings.HasSuffix(target, ".incomplete") {
			t.Errorf("snapshot %s points at a partial download", p)
		}
		return nil
	})
}

func mustRef(t *testing.T, s string) Ref {
	t.Helper()
	r, err := ParseRef(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestResolveDownloadsIntoHubLayout(t *testing.T) {
	h := newFakeHub(t)
	data := payload(10000, 1)
	sha := h.add("acme/tiny-GGUF", "sub/tiny-Q8_0.gguf", data, true)
	opts := h.opts(t, nil)
	r := mustRef(t, "hf:acme/tiny-GGUF/sub/tiny-Q8_0.gguf")

	p, err := Resolve(context.Background(), r, opts)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(opts.CacheDir, "models--acme--tiny-GGUF")
	wantSnap := filepath.Join(dir, "snapshots", h.commit, "sub", "tiny-Q8_0.gguf")
	if p != wantSnap {
		t.Errorf("path %s, want %s", p, wantSnap)
	}
	link, err := os.Readlink(p)
	if err != nil {
		t.Fatalf("snapshot entry is not a symlink: %v", err)
	}
	if want := filepath.Join("..", "..", "..", "blobs", sha); link != want {
		t.Errorf("symlink -> %s, want %s", link, want)
	}
	got, _ := os.ReadFile(p)
	if !bytes.Equal(got, data) {
		t.Error("downloaded bytes differ")
	}
	ref, _ := os.ReadFile(filepath.Join(dir, "refs", "main"))
	if string(ref) != h.commit {
		t.Errorf("refs/main = %q, want %q", ref, h.commit)
	}
	if _, err := os.Stat(filepath.Join(dir, "blobs", sha+".incomplete")); !os.IsNotExist(err) {
		t.Errorf(".incomplete left behind: %v", err)
	}
	noSnapshotLeftovers(t, opts.CacheDir)

	// Cached: no network at all.
	heads, gets := h.counts()
	if p2, err := Resolve(context.Background(), r, opts); err != nil || p2 != p {
		t.Fatalf("second Resolve: %s, %v", p2, err)
	}
	if h2, g2 := h.counts(); h2 != heads || g2 != gets {
		t.Errorf("cached Resolve made requests: %d HEAD, %d GET", h2-heads, g2-gets)
	}
	// Refresh asks for the commit but downloads nothing.
	opts.Refresh = true
	if _, err := Resolve(context.Background(), r, opts); err != nil {
		t.Fatal(err)
	}
	if h3, g3 := h.counts(); h3 != heads+1 || g3 != gets {
		t.Errorf("refresh made %d HEAD, %d GET; want 1, 0", h3-heads, g3-gets)
	}
}

func TestResolveByCommitAndSmallGitFile(t *testing.T) {
	h := newFakeHub(t)
	data := payload(300, 2)
	h.add("acme/small", "s.gguf", data, false) // not LFS: ETag is the git blob id
	opts := h.opts(t, nil)
	p, err := Resolve(context.Background(), mustRef(t, "hf:acme/small/"+h.commit+"/s.gguf"), opts)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(p); !bytes.Equal(got, data) {
		t.Error("bytes differ")
	}
	blob := filepath.Join(opts.CacheDir, "models--acme--small", "blobs", gitBlobID(data))
	if _, err := os.Stat(blob); err != nil {
		t.Errorf("blob not named by git ETag: %v", err)
	}
	if _, err := os.Stat(filepath.Join(opts.CacheDir, "models--acme--small", "refs", h.commit)); !os.IsNotExist(err) {
		t.Error("a ref was written for a commit revision")
	}
}

func TestResumeAfterDroppedConnection(t *testing.T) {
	h := newFakeHub(t)
	data := payload(64<<10, 3)
	sha := h.add("acme/m", "m.gguf", data, true)
	h.dropAfter, h.drops = 20000, 1
	opts := h.opts(t, nil)
	p, err := Resolve(context.Background(), mustRef(t, "hf:acme/m/m.gguf"), opts)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(p); !bytes.Equal(got, data) {
		t.Fatal("resumed download differs")
	}
	if len(h.ranges) != 2 || h.ranges[0] != "" || h.ranges[1] != "bytes=20000-" {
		t.Errorf("CDN saw ranges %q, want [\"\" \"bytes=20000-\"]", h.ranges)
	}
	if _, err := os.Stat(filepath.Join(opts.CacheDir, "models--acme--m", "blobs", sha)); err != nil {
		t.Error(err)
	}
}

func TestPartialKeptAcrossCallsAndNeverUsed(t *testing.T) {
	h := newFakeHub(t)
	data := payload(50000, 4)
	sha := h.add("acme/m", "m.gguf", data, true)
	h.dropAfter, h.drops = 12345, -1 // every attempt dies
	opts := h.opts(t, nil)
	r := mustRef(t, "hf:acme/m/m.gguf")
	_, err := Resolve(context.Background(), r, opts)
	if err == nil {
		t.Fatal("Resolve succeeded although every transfer was cut")
	}
	if errors.Is(err, ErrOffline) {
		t.Errorf("a cut transfer reported as offline: %v", err)
	}
	inc := filepath.Join(opts.CacheDir, "models--acme--m", "blobs", sha+".incomplete")
	st, err := os.Stat(inc)
	if err != nil || st.Size() == 0 {
		t.Fatalf("partial download not kept: %v", err)
	}
	kept := st.Size()
	if _, ok := lookupCache(opts.CacheDir, r); ok {
		t.Error("partial download visible in the cache")
	}
	noSnapshotLeftovers(t, opts.CacheDir)

	h.mu.Lock()
	h.drops, h.ranges = 0, nil
	h.mu.Unlock()
	p, err := Resolve(context.Background(), r, opts)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(p); !bytes.Equal(got, data) {
		t.Fatal("bytes differ after resume")
	}
	if want := "bytes=" + strconv.FormatInt(kept, 10) + "-"; len(h.ranges) != 1 || h.ranges[0] != want {
		t.Errorf("second call ranges %q, want [%q]", h.ranges, want)
	}
}

func TestServerIgnoringRangeRestarts(t *testing.T) {
	h := newFakeHub(t)
	data := payload(30000, 5)
	h.add("acme/m", "m.gguf", data, true)
	h.dropAfter, h.drops, h.ignoreRng = 10000, 1, true
	opts := h.opts(t, nil)
	p, err := Resolve(context.Background(), mustRef(t, "hf:acme/m/m.gguf"), opts)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(p); !bytes.Equal(got, data) {
		t.Fatal("bytes differ when the server ignores Range")
	}
}

func TestWrongChecksumRejected(t *testing.T) {
	h := newFakeHub(t)
	data := payload(20000, 6)
	sha := h.add("acme/m", "m.gguf", data, true)
	h.corrupt = true
	opts := h.opts(t, nil)
	r := mustRef(t, "hf:acme/m/m.gguf")
	_, err := Resolve(context.Background(), r, opts)
	if !errors.Is(err, ErrChecksum) {
		t.Fatalf("err = %v, want ErrChecksum", err)
	}
	blobs := filepath.Join(opts.CacheDir, "models--acme--m", "blobs")
	if _, err := os.Stat(filepath.Join(blobs, sha)); !os.IsNotExist(err) {
		t.Error("corrupt download became a blob")
	}
	if _, err := os.Stat(filepath.Join(blobs, sha+".incomplete")); err != nil {
		t.Error("rejected bytes not kept in .incomplete")
	}
	if _, err := os.Stat(filepath.Join(opts.CacheDir, "models--acme--m", "snapshots")); !os.IsNotExist(err) {
		t.Error("snapshots/ written for a rejected download")
	}
	// Offline, the rejected bytes are not used either.
	off := opts
	off.Offline = true
	if _, err := Resolve(context.Background(), r, off); !errors.Is(err, ErrOffline) {
		t.Errorf("offline after rejection: %v, want ErrOffline", err)
	}
	// The Hub serves good bytes again: the bad ones are discarded, not resumed.
	h.mu.Lock()
	h.corrupt, h.ranges = false, nil
	h.mu.Unlock()
	p, err := Resolve(context.Background(), r, opts)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(p); !bytes.Equal(got, data) {
		t.Fatal("bytes differ")
	}
	if len(h.ranges) != 1 || h.ranges[0] != "" {
		t.Errorf("ranges %q, want one full GET", h.ranges)
	}
	noSnapshotLeftovers(t, opts.CacheDir)
}

func TestKnownHashMismatchStopsBeforeDownload(t *testing.T) {
	h := newFakeHub(t)
	h.add("acme/m", "m.gguf", payload(1000, 7), true)
	opts := h.opts(t, nil)
	r := mustRef(t, "hf:acme/m/m.gguf")
	r.Name, r.SHA256 = "m", strings.Repeat("ab", 32)
	_, err := Resolve(context.Background(), r, opts)
	if err == nil || !strings.Contains(err.Error(), "known-models list expects") {
		t.Fatalf("err = %v", err)
	}
	if _, gets := h.counts(); gets != 0 {
		t.Errorf("%d GETs despite the mismatch", gets)
	}
}

func TestAuthAndNotFound(t *testing.T) {
	h := newFakeHub(t)
	data := payload(5000, 8)
	h.add("corp/secret", "s.gguf", data, true)
	h.private["corp/secret"] = true
	h.token = "hf_test"
	opts := h.opts(t, nil)
	r := mustRef(t, "hf:corp/secret/s.gguf")

	_, err := Resolve(context.Background(), r, opts)
	var he *hubError
	if !errors.As(err, &he) || he.status != 401 || !strings.Contains(err.Error(), "HF_TOKEN") {
		t.Fatalf("no token: err = %v, want a 401 naming HF_TOKEN", err)
	}
	if errors.Is(err, ErrOffline) {
		t.Error("401 reported as offline")
	}
	opts.Getenv = func(k string) string {
		if k == "HF_TOKEN" {
			return "hf_test"
		}
		return ""
	}
	p, err := Resolve(context.Background(), r, opts)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(p); !bytes.Equal(got, data) {
		t.Error("bytes differ")
	}
	if h.cdnAuth {
		t.Error("the token was sent to the CDN")
	}

	_, err = Resolve(context.Background(), mustRef(t, "hf:corp/secret/missing.gguf"), opts)
	if !errors.As(err, &he) || he.status != 404 || he.code != "EntryNotFound" {
		t.Fatalf("missing file: err = %v, want 404 EntryNotFound", err)
	}
}

// writeHandCache lays out a model the way huggingface_hub would.
func writeHandCache(t *testing.T, cache, repo, rev, commit, file string, data []byte) string {
	t.Helper()
	dir := repoDir(cache, repo)
	sha := sha256Hex(data)
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(dir, "blobs"), 0o755))
	must(os.WriteFile(filepath.Join(dir, "blobs", sha), data, 0o644))
	if rev != commit {
		must(os.MkdirAll(filepath.Join(dir, "refs"), 0o755))
		must(os.WriteFile(filepath.Join(dir, "refs", rev), []byte(commit), 0o644))
	}
	snap := filepath.Join(dir, "snapshots", commit, filepath.FromSlash(file))
	must(os.MkdirAll(filepath.Dir(snap), 0o755))
	rel, _ := filepath.Rel(filepath.Dir(snap), filepath.Join(dir, "blobs", sha))
	must(os.Symlink(rel, snap))
	return snap
}

func TestHandMadeCacheFoundWithoutNetwork(t *testing.T) {
	cache := t.TempDir()
	commit := strings.Repeat("1234abcd", 5)
	data := payload(777, 9)
	snap := writeHandCache(t, cache, "ggml-org/models", "main", commit, "tinyllamas/x.gguf", data)
	opts := Options{
		CacheDir: "",
		Endpoint: "http://127.0.0.1:1", // nothing listens: any request fails
		Getenv:   func(k string) string { return map[string]string{"HF_HUB_CACHE": cache}[k] },
	}
	p, err := Resolve(context.Background(), mustRef(t, "hf:ggml-org/models/tinyllamas/x.gguf"), opts)
	if err != nil || p != snap {
		t.Fatalf("Resolve = %s, %v; want %s", p, err, snap)
	}
	// The same through HF_HOME/hub, and offline.
	home := t.TempDir()
	snap = writeHandCache(t, filepath.Join(home, "hub"), "a/b", "main", commit, "c.gguf", data)
	opts.Getenv = func(k string) string {
		return map[string]string{"HF_HOME": home, "HF_HUB_OFFLINE": "1"}[k]
	}
	p, err = Resolve(context.Background(), mustRef(t, "hf:a/b/c.gguf"), opts)
	if err != nil || p != snap {
		t.Fatalf("Resolve via HF_HOME = %s, %v; want %s", p, err, snap)
	}
	_, err = Resolve(context.Background(), mustRef(t, "hf:a/b/other.gguf"), opts)
	if !errors.Is(err, ErrOffline) {
		t.Errorf("offline miss: %v, want ErrOffline", err)
	}
	// Unreachable Hub, not offline mode: also ErrOffline.
	opts.Getenv = func(string) string { return "" }
	opts.CacheDir = t.TempDir()
	_, err = Resolve(context.Background(), mustRef(t, "hf:a/b/c.gguf"), opts)
	if !errors.Is(err, ErrOffline) {
		t.Errorf("unreachable hub: %v, want ErrOffline", err)
	}
}

func TestSplitModel(t *testing.T) {
	h := newFakeHub(t)
	var parts [][]byte
	for i := range 3 {
		d := payload(2000+i, byte(10+i))
		parts = append(parts, d)
		h.add("acme/big", "big-Q4_0-0000"+string(rune('1'+i))+"-of-00003.gguf", d, true)
	}
	opts := h.opts(t, nil)
	// Naming any part fetches all and returns the first.
	p, err := Resolve(context.Background(), mustRef(t, "hf:acme/big/big-Q4_0-00002-of-00003.gguf"), opts)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(p) != "big-Q4_0-00001-of-00003.gguf" {
		t.Errorf("Resolve returned %s, want the first part", p)
	}
	files, err := SplitParts(p)
	if err != nil || len(files) != 3 {
		t.Fatalf("SplitParts = %v, %v", files, err)
	}
	for i, f := range files {
		if got, _ := os.ReadFile(f); !bytes.Equal(got, parts[i]) {
			t.Errorf("part %d differs", i+1)
		}
	}
	os.Remove(files[2])
	if _, err := SplitParts(files[1]); err == nil || !strings.Contains(err.Error(), "part 3 of 3") {
		t.Errorf("missing part: err = %v", err)
	}
	// Not split: the path itself.
	single := filepath.Join(t.TempDir(), "one.gguf")
	os.WriteFile(single, []byte("x"), 0o644)
	if got, err := SplitParts(single); err != nil || len(got) != 1 || got[0] != single {
		t.Errorf("SplitParts(single) = %v, %v", got, err)
	}
}

func TestListAndRemove(t *testing.T) {
	cache := t.TempDir()
	c1, c2 := strings.Repeat("a", 40), strings.Repeat("b", 40)
	writeHandCache(t, cache, "ggml-org/models", "main", c1, "tinyllamas/stories260K.gguf", payload(100, 1))
	writeHandCache(t, cache, "ggml-org/models", "main", c1, "tinyllamas/other.gguf", payload(50, 2))
	writeHandCache(t, cache, "x/y", c2, c2, "z.gguf", payload(10, 3))
	os.WriteFile(filepath.Join(repoDir(cache, "x/y"), "snapshots", c2, "README.md"), []byte("hi"), 0o644)
	opts := Options{CacheDir: cache}
	ms, err := List(opts)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range ms {
		got = append(got, m.Ref.String()+"|"+m.Name+"|"+strconv.FormatInt(m.Size, 10))
	}
	want := []string{
		"hf:ggml-org/models/tinyllamas/other.gguf||50",
		"hf:ggml-org/models/tinyllamas/stories260K.gguf|stories260k|100",
		"hf:x/y/" + c2 + "/z.gguf||10",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("List:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	if _, err := Remove(mustRef(t, "hf:ggml-org/models/tinyllamas/other.gguf"), opts); err != nil {
		t.Fatal(err)
	}
	dir := repoDir(cache, "ggml-org/models")
	if _, err := os.Stat(filepath.Join(dir, "blobs", sha256Hex(payload(50, 2)))); !os.IsNotExist(err) {
		t.Error("unused blob kept")
	}
	if _, err := os.Stat(filepath.Join(dir, "blobs", sha256Hex(payload(100, 1)))); err != nil {
		t.Error("blob still in use was removed")
	}
	if _, err := Remove(mustRef(t, "stories260k"), opts); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Error("empty repository folder kept")
	}
	if _, err := Remove(mustRef(t, "stories260k"), opts); err == nil {
		t.Error("removing a missing model succeeded")
	}
	if _, err := Remove(mustRef(t, "./local.gguf"), opts); err == nil {
		t.Error("Remove accepted a local path")
	}
	if ms, _ := List(opts); len(ms) != 1 {
		t.Errorf("after removals List has %d models, want 1", len(ms))
	}
}

func TestDefaultModel(t *testing.T) {
	h := newFakeHub(t)
	env := map[string]string{}
	opts := h.opts(t, env)
	ctx := context.Background()

	local := filepath.Join(t.TempDir(), "mine.gguf")
	os.WriteFile(local, []byte("gguf"), 0o644)
	env["GOLLAMA_MODEL"] = local
	if p, src, err := DefaultModel(ctx, opts); err != nil || p != local || !strings.Contains(src, "GOLLAMA_MODEL") {
		t.Errorf("GOLLAMA_MODEL path: %s, %s, %v", p, src, err)
	}
	env["GOLLAMA_MODEL"] = "no-such-model"
	if _, _, err := DefaultModel(ctx, opts); err == nil || !strings.Contains(err.Error(), "GOLLAMA_MODEL") {
		t.Errorf("bad GOLLAMA_MODEL: %v", err)
	}
	delete(env, "GOLLAMA_MODEL")

	// Offline and nothing cached: the sentinel.
	env["HF_HUB_OFFLINE"] = "1"
	if _, _, err := DefaultModel(ctx, opts); !errors.Is(err, ErrOffline) {
		t.Errorf("offline, empty cache: %v, want ErrOffline", err)
	}
	// A cached tiny model is used even offline.
	k, _ := LookupKnown("stories260k")
	data := payload(64, 1)
	snap := writeHandCache(t, opts.CacheDir, k.Repo, "main", strings.Repeat("d", 40), k.File, data)
	saved := known
	t.Cleanup(func() { known = saved })
	known = append([]KnownModel(nil), saved...)
	for i := range known { // the fake bytes cannot match the published size
		known[i].Size, known[i].SHA256 = 0, ""
	}
	if p, src, err := DefaultModel(ctx, opts); err != nil || p != snap || !strings.Contains(src, "stories260k") {
		t.Errorf("cached default: %s, %s, %v", p, src, err)
	}
	// Online with an empty cache: downloaded from the Hub.
	delete(env, "HF_HUB_OFFLINE")
	opts.CacheDir = t.TempDir()
	kd, _ := LookupKnown(DefaultTinyModel)
	h.add(kd.Repo, kd.File, payload(4096, 2), true)
	p, src, err := DefaultModel(ctx, opts)
	if err != nil || !strings.Contains(src, "downloaded") {
		t.Fatalf("download default: %s, %s, %v", p, src, err)
	}
	if got, _ := os.ReadFile(p); !bytes.Equal(got, payload(4096, 2)) {
		t.Error("default model bytes differ")
	}
}

func TestProgressOutput(t *testing.T) {
	h := newFakeHub(t)
	h.add("acme/m", "m.gguf", payload(3000, 1), true)
	opts := h.opts(t, nil)
	var buf bytes.Buffer
	opts.Progress = &buf
	if _, err := Resolve(context.Background(), mustRef(t, "hf:acme/m/m.gguf"), opts); err != nil {
		t.Fatal(err)
	}
	if s := buf.String(); !strings.Contains(s, "100%") || !strings.Contains(s, "m.gguf") || !strings.HasSuffix(s, "\n") {
		t.Errorf("progress output %q", s)
	}
}

func TestConcurrentPullsDownloadOnce(t *testing.T) {
	if !haveFlock {
		t.Skip("no file locking on this platform")
	}
	h := newFakeHub(t)
	data := payload(200000, 11)
	h.add("acme/m", "m.gguf", data, true)
	opts := h.opts(t, nil)
	r := mustRef(t, "hf:acme/m/m.gguf")
	const n = 4
	paths, errs := make([]string, n), make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			paths[i], errs[i] = Resolve(context.Background(), r, opts)
		}()
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if got, _ := os.ReadFile(paths[i]); !bytes.Equal(got, data) {
			t.Errorf("goroutine %d: bytes differ", i)
		}
	}
	if len(h.ranges) != 1 {
		t.Errorf("%d CDN GETs for %d concurrent pulls, want 1", len(h.ranges), n)
	}
	noSnapshotLeftovers(t, opts.CacheDir)
}
