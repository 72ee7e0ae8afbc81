package bench

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/gollama/gollama/gguf"
	"github.com/gollama/gollama/model"
	"github.com/gollama/gollama/synth"
	"github.com/gollama/gollama/tensor"
)

// benchModel is a model file to benchmark, written by synth on first use
// and kept in a cache directory across runs (tinyllama Q8_0 takes a while
// to generate and is a gigabyte).
type benchModel struct {
	shape string
	ftype string // Q4_0, Q8_0 (synth) or Q4_K_M (gollama quantize of the Q8_0 file)
}

func (bm benchModel) name() string { return bm.shape + "-" + bm.ftype }

// benchModels are the models benchmarked: tinyllama-1.1b normally, the
// "tiny" shape under -short (qemu CI), or the shapes in
// GOLLAMA_BENCH_SHAPES (comma-separated synth shape names).
func benchModels() []benchModel {
	shapes := []string{"tinyllama-1.1b"}
	if testing.Short() {
		shapes = []string{"tiny"}
	}
	if s := os.Getenv("GOLLAMA_BENCH_SHAPES"); s != "" {
		shapes = strings.Split(s, ",")
	}
	var ms []benchModel
	for _, s := range shapes {
		for _, ft := range []string{"Q4_0", "Q8_0", "Q4_K_M"} {
			ms = append(ms, benchModel{shape: strings.TrimSpace(s), ftype: ft})
		}
	}
	return ms
}

// cacheDir holds synthesized models: GOLLAMA_BENCH_CACHE, else the user
// cache directory.
func cacheDir(tb testing.TB) string {
	dir := os.Getenv("GOLLAMA_BENCH_CACHE")
	if dir == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			base = os.TempDir()
		}
		dir = filepath.Join(base, "gollama", "bench-models")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.Fatalf("bench model cache: %v", err)
	}
	return dir
}

// synthMu serialises model generation: two benchmarks wanting the same
// file should not write it twice.
var synthMu sync.Mutex

const synthSeed = 42

// path returns the model's file, writing it first if absent. The name
// carries the seed, so a cached file is the one the seed would write.
func (bm benchModel) path(tb testing.TB) string { return bm.pathIn(tb, cacheDir(tb)) }

// pathIn is path with the cache in dir (tests use a temporary one).
func (bm benchModel) pathIn(tb testing.TB, dir string) string {
	synthMu.Lock()
	defer synthMu.Unlock()
	p := filepath.Join(dir, fmt.Sprintf("%s-seed%d.gguf", bm.name(), synthSeed))
	if _, err := os.Stat(p); err == nil {
		return p
	}
	shape, err := synth.LookupShape(bm.shape)
	if err != nil {
		tb.Fatal(err)
	}
	switch bm.ftype {
	case "Q4_0", "Q8_0":
		typ, err := tensor.ParseType(bm.ftype)
		if err != nil {
			tb.Fatal(err)
		}
		tb.Logf("writing %s (once; cached in %s)", filepath.Base(p), dir)
		if err := synth.WriteFile(p, synth.Options{Shape: shape, Type: typ, Seed: synthSeed}); err != nil {
			tb.Fatalf("synth %s: %v", bm.name(), err)
		}
	case "Q4_K_M":
		// synth writes one type throughout; llama-quantize's Q4_K_M
		// mixture (Q6_K output and some attn_v/ffn_down) lives in the
		// CLI, so run it on the Q8_0 file.
		src := benchModel{shape: bm.shape, ftype: "Q8_0"}
		synthMu.Unlock()
		srcPath := src.pathIn(tb, dir)
		synthMu.Lock()
		if _, err := os.Stat(p); err == nil {
			return p
		}
		goTool := filepath.Join(runtime.GOROOT(), "bin", "go")
		if _, err := os.Stat(goTool); err != nil {
			tb.Skipf("Q4_K_M needs the go tool to run gollama quantize: %v", err)
		}
		tb.Logf("writing %s with gollama quantize (once; cached in %s)", filepath.Base(p), dir)
		cmd := exec.Command(goTool, "run", "github.com/gollama/gollama/cmd/gollama", "quantize", srcPath, p, "Q4_K_M")
		if out, err := cmd.CombinedOutput(); err != nil {
			tb.Skipf("gollama quantize to Q4_K_M failed: %v\n%s", err, lastLines(out, 5))
		}
	default:
		tb.Fatalf("unknown bench file type %q", bm.ftype)
	}
	return p
}

func lastLines(b []byte, n int) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// loaded is an open model file and its bound model.
type loaded struct {
	f *gguf.File
	m *model.Model
	// bytesPerToken is the weight bytes a decode step reads: every tensor
	// but the embedding table (one row of it), plus the output projection.
	bytesPerToken int64
}

func load(tb testing.TB, path string) *loaded {
	f, err := gguf.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { f.Close() })
	m, err := model.Load(f)
	if err != nil {
		tb.Fatal(err)
	}
	l := &loaded{f: f, m: m}
	tied := true
	for _, ti := range f.Tensors {
		switch ti.Name {
		case "token_embd.weight":
		case "output.weight":
			tied = false
			l.bytesPerToken += int64(ti.Size)
		default:
			l.bytesPerToken += int64(ti.Size)
		}
	}
	if tied {
		if ti, ok := f.TensorInfo("token_embd.weight"); ok {
			l.bytesPerToken += int64(ti.Size)
		}
	}
	return l
}
