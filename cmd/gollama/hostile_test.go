package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/gollama/gollama/synth"
	"github.com/gollama/gollama/tensor"
)

// hostileFiles writes a small valid model and the bad files the CLI must
// refuse with one clear line: garbage, empty, truncated, a directory, a
// model whose metadata lies, and garbage sessions.
func hostileFiles(t *testing.T) map[string]string {
	t.Helper()
	dir := t.TempDir()
	p := func(name string) string { return filepath.Join(dir, name) }
	good := p("good.gguf")
	if err := synth.WriteFile(good, synth.Options{Shape: synth.Shape{Arch: "llama", Embd: 32, Layers: 1, Heads: 4, KVHeads: 2,
		FF: 64, Vocab: 1, Context: 64, RopeTheta: 10000, RMSEps: 1e-5}, Type: tensor.F32, Seed: 1, Threads: 1}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	lying := bytes.Replace(b, []byte("llama.block_count\x04\x00\x00\x00\x01\x00\x00\x00"), []byte("llama.block_count\x04\x00\x00\x00\xff\xff\xff\xff"), 1)
	if bytes.Equal(lying, b) {
		t.Fatal("block_count not found in the synthetic model")
	}
	files := map[string][]byte{
		"garbage.gguf":   []byte("this is not a gguf file at all\n"),
		"empty.gguf":     nil,
		"truncated.gguf": b[:len(b)/2],
		"header.gguf":    b[:64],
		"lying.gguf":     lying,
		"garbage.sess":   []byte("GGSN\x01\x00\x00\x00garbage garbage garbage"),
		"empty.sess":     nil,
		"model.sess":     b, // a GGUF is not a session
		"msgs.json":      []byte(`[{"role":"user","content":"hi"}`),
		"msgs-obj.json":  []byte(`{"role":"user"}`),
		"tmpl.jinja":     []byte("{% for m in messages %}{{ m.content }{% endfor %}"),
		"prompt.txt":     []byte(strings.Repeat("ab", 100)),
	}
	out := map[string]string{"good": good, "dir": dir, "missing": p("missing.gguf")}
	for name, data := range files {
		if err := os.WriteFile(p(name), data, 0o644); err != nil {
			t.Fatal(err)
		}
		out[name] = p(name)
	}
	// A session saved from the good model, then truncated.
	var o, e bytes.Buffer
	if code := runMain([]string{"run", "-m", good, "-p", "ab", "-n", "2", "--session", p("ok.sess"), "--quiet"}, &o, &e); code != 0 {
		t.Fatalf("saving a session: exit %d: %s", code, e.String())
	}
	sb, err := os.ReadFile(p("ok.sess"))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(p("truncated.sess"), sb[:len(sb)*2/3], 0o644)
	flipped := append([]byte(nil), sb...)
	flipped[len(flipped)/2] ^= 0x55
	os.WriteFile(p("flipped.sess"), flipped, 0o644)
	out["truncated.sess"], out["flipped.sess"] = p("truncated.sess"), p("flipped.sess")
	return out
}

// runHostile runs the CLI in-process and fails on a panic.
func runHostile(t *testing.T, args []string) (code int, stdout, stderr string) {
	t.Helper()
	var o, e bytes.Buffer
	func() {
		defer func() {
			if r := recover(); r != nil {
				t.Errorf("%q: PANIC %v\n%s", args, r, debug.Stack())
				code = -1
			}
		}()
		code = runMain(args, &o, &e)
	}()
	return code, o.String(), e.String()
}

// Every command refuses missing or invalid flags with exit 2 and bad files
// with exit 1 and one line naming the problem; none panics.
func TestHostileCLI(t *testing.T) {
	t.Setenv("HF_HUB_OFFLINE", "1")
	t.Setenv("HF_HUB_CACHE", t.TempDir())
	t.Setenv("NATS_URL", "nats://127.0.0.1:1") // nothing listens there
	f := hostileFiles(t)
	usage := [][]string{
		{"nosuchcommand"},
		{"run", "-m", f["good"], "--temp", "hot"},
		{"run", "-m", f["good"], "-n", "1e9"},
		{"run", "-m", f["good"], "--no-such-flag"},
		{"run", "-m"},
		{"run", "-m", f["good"], "-p", "x", "-c", "-5"},
		{"run", "-m", f["good"], "-p", "x", "-b", "-1"},
		{"chat", "-m", f["good"], "-t", "-2"},
		{"chat", "-m", f["good"], "--top-k", "x"},
		{"eval", "-m", f["good"], "-top", "-"},
		{"inspect"},
		{"inspect", f["good"], f["good"]},
		{"inspect", "--json=maybe", f["good"]},
		{"tokenize", "-m", f["good"], "a", "b"},
		{"tokenize", "-m", f["good"], "--file", f["prompt.txt"], "extra"},
		{"quantize", f["good"]},
		{"quantize", f["good"], "out.gguf", "q4_0", "extra"},
		{"synth", "-o", filepath.Join(f["dir"], "x.gguf")},
		{"synth", "--shape", "tiny", "--dims", "1,1,1,1,1", "-o", filepath.Join(f["dir"], "x.gguf")},
		{"chat-template", "-t", f["tmpl.jinja"]},
		{"serve", "--port", "http"},
		{"worker", "--parallel", "many"},
		{"ask"},
		{"bench", "-r", "x"},
		{"list", "extra"},
		{"rm"},
		{"pull"},
	}
	for _, args := range usage {
		code, _, stderr := runHostile(t, args)
		if code != 2 {
			t.Errorf("%q: exit %d, want 2 (usage); stderr %q", args, code, stderr)
		}
		checkStderr(t, args, stderr)
	}
	sessions := map[string][]byte{}
	for _, name := range []string{"garbage.sess", "empty.sess", "model.sess", "truncated.sess", "flipped.sess"} {
		sessions[name], _ = os.ReadFile(f[name])
	}
	bad := [][]string{
		{"run", "-m", f["missing"], "-p", "x"},
		{"run", "-m", f["garbage.gguf"], "-p", "x"},
		{"run", "-m", f["empty.gguf"], "-p", "x"},
		{"run", "-m", f["truncated.gguf"], "-p", "x"},
		{"run", "-m", f["header.gguf"], "-p", "x"},
		{"run", "-m", f["lying.gguf"], "-p", "x"},
		{"run", "-m", f["dir"], "-p", "x"},
		{"run", "-m", f["truncated.gguf"], "--no-mmap", "-p", "x"},
		{"run", "-m", f["good"], "-f", f["missing"]},
		{"run", "-m", f["good"], "-f", f["dir"]},
		{"run", "-m", f["good"], "-f", f["prompt.txt"], "--quiet"},
		{"run", "-m", f["good"], "-p", "x", "--top-p", "7"},
		{"run", "-m", f["good"], "-p", "x", "--logit-bias", "999999+1"},
		{"run", "-m", f["good"], "-p", "x", "--stop", ""},
		{"run", "-m", f["good"], "-p", "x", "--mirostat", "9"},
		{"run", "-m", f["good"], "-p", "x", "-c", "1099511627776"},
		{"run", "-m", f["good"], "--session", f["garbage.sess"], "-p", "x"},
		{"run", "-m", f["good"], "--session", f["empty.sess"], "-p", "x"},
		{"run", "-m", f["good"], "--session", f["model.sess"], "-p", "x"},
		{"run", "-m", f["good"], "--session", f["truncated.sess"], "-p", "x"},
		{"run", "-m", f["good"], "--session", f["flipped.sess"], "-p", "x"},
		{"run", "-m", f["good"], "--session", f["dir"], "-p", "x"},
		{"run", "-m", f["good"], "--session", filepath.Join(f["missing"], "x.sess"), "-p", "x", "-n", "1", "--quiet"},
		{"eval", "-m", f["garbage.gguf"], "-p", "x"},
		{"eval", "-m", f["good"], "--tokens", "1,2,99999999"},
		{"eval", "-m", f["good"], "--tokens", "1,x"},
		{"eval", "-m", f["good"], "--tokens", "-1"},
		{"eval", "-m", f["good"], "-p", "x", "-n", "100000"},
		{"inspect", f["garbage.gguf"]},
		{"inspect", f["truncated.gguf"]},
		{"inspect", f["dir"]},
		{"inspect", f["missing"]},
		{"tokenize", "-m", f["garbage.gguf"], "x"},
		{"tokenize", "-m", f["good"], "--file", f["missing"]},
		{"quantize", f["garbage.gguf"], filepath.Join(f["dir"], "q.gguf"), "q4_0"},
		{"quantize", f["good"], filepath.Join(f["dir"], "q.gguf"), "nosuchtype"},
		{"quantize", f["good"], filepath.Join(f["dir"], "q.gguf"), "iq2_xxs"},
		{"quantize", f["good"], filepath.Join(f["missing"], "q.gguf"), "q4_0"},
		{"synth", "--dims", "0,0,0,0,0", "-o", filepath.Join(f["dir"], "x.gguf")},
		{"synth", "--dims", "a,b", "-o", filepath.Join(f["dir"], "x.gguf")},
		{"synth", "--shape", "nope", "-o", filepath.Join(f["dir"], "x.gguf")},
		{"synth", "--shape", "tiny", "--type", "iq2_xxs", "-o", filepath.Join(f["dir"], "x.gguf")},
		{"synth", "--shape", "tiny", "--vocab", f["garbage.gguf"], "-o", filepath.Join(f["dir"], "x.gguf")},
		{"chat-template", "-t", f["tmpl.jinja"], "--messages", f["msgs.json"]},
		{"chat-template", "-t", f["missing"], "--messages", f["msgs.json"]},
		{"chat-template", "-t", f["good"], "--messages", f["msgs-obj.json"]},
		{"chat-template", "-t", f["tmpl.jinja"], "--messages", f["msgs-obj.json"], "--date", "yesterday"},
		{"serve", "-m", f["garbage.gguf"], "--port", "0"},
		{"serve", "-m", f["good"], "--port", "-1"},
		{"serve", "-m", f["good"], "--host", "256.256.256.256", "--port", "0"},
		{"worker", "-m", f["garbage.gguf"]},
		{"bench", "-m", f["garbage.gguf"]},
		{"bench", "-m", f["good"], "-p", "x,y"},
		{"rm", "hf:nobody/nothing/none.gguf"},
	}
	for _, args := range bad {
		code, _, stderr := runHostile(t, args)
		if code != 1 {
			t.Errorf("%q: exit %d, want 1; stderr %q", args, code, stderr)
		}
		checkStderr(t, args, stderr)
		if code == 1 && !strings.HasPrefix(stderr, "gollama") {
			t.Errorf("%q: stderr %q does not start with \"gollama\"", args, stderr)
		}
	}
	// The session files that failed to load are untouched.
	for name, was := range sessions {
		if now, err := os.ReadFile(f[name]); err != nil || !bytes.Equal(now, was) {
			t.Errorf("%s changed by the failed runs (%v)", name, err)
		}
	}
}

func checkStderr(t *testing.T, args []string, stderr string) {
	t.Helper()
	if strings.Contains(stderr, "goroutine ") || strings.Contains(stderr, "panic") {
		t.Errorf("%q: a Go trace on stderr: %q", args, stderr)
	}
	if len(stderr) > 4000 {
		t.Errorf("%q: %d bytes of stderr", args, len(stderr))
	}
	_ = fmt.Sprint()
}

// In chat, a message that does not fit the context is dropped with an
// error line; the conversation goes on.
func TestHostileChatOverlongMessage(t *testing.T) {
	f := hostileFiles(t)
	chatInput = strings.NewReader(strings.Repeat("ab ", 60) + "\nhi\n/exit\n")
	defer func() { chatInput = os.Stdin }()
	code, stdout, stderr := runHostile(t, []string{"chat", "-m", f["good"], "-c", "32", "-n", "2", "--temp", "0", "--quiet"})
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stderr, "message dropped") {
		t.Errorf("no error line for the overlong message: %q", stderr)
	}
	if strings.Count(stdout, "> ") < 3 {
		t.Errorf("the conversation did not go on: %q", stdout)
	}
}
