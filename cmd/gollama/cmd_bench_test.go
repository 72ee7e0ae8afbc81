package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/gollama/gollama/internal/testdata"
	"github.com/gollama/gollama/kernels"
)

func TestBenchTable(t *testing.T) {
	path := testdata.Path(t, "models/stories260K-F32.gguf")
	var out, errOut bytes.Buffer
	if code := runMain([]string{"bench", "-m", path, "-t", "1,2", "-p", "8", "-n", "4", "-r", "2", "--cpu-ts"}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	lines := strings.Split(strings.TrimRight(out.String(), "\n"), "\n")
	// header, rule, 2 threads × {pp8, tg4}, blank, peak RSS
	if len(lines) != 8 {
		t.Fatalf("want 8 lines, got %d:\n%s", len(lines), out.String())
	}
	head := regexp.MustCompile(`^\| model +\| +size \| +params \| backend +\| threads \| +test \| +t/s \| +t/CPU-s \|$`)
	if !head.MatchString(lines[0]) {
		t.Errorf("header %q", lines[0])
	}
	if !regexp.MustCompile(`^\| -+ \| -+: \| -+: \| -+ \| -+: \| -+: \| -+: \| -+: \|$`).MatchString(lines[1]) {
		t.Errorf("rule %q", lines[1])
	}
	backend := kernels.CPU().String()
	row := regexp.MustCompile(`^\| llama \S+ [^|]+\| +1\.12 MiB \| +0\.29 M \| ` + backend + ` +\| +([12]) \| +(pp8|tg4) \| +([0-9.]+) ± ([0-9.]+) \| +([0-9.]+ ± [0-9.]+|n/a) \|$`)
	want := []string{"1 pp8", "1 tg4", "2 pp8", "2 tg4"}
	for i, w := range want {
		m := row.FindStringSubmatch(lines[2+i])
		if m == nil {
			t.Errorf("row %d %q does not match the table layout", i, lines[2+i])
			continue
		}
		if got := m[1] + " " + m[2]; got != w {
			t.Errorf("row %d is %q, want %q", i, got, w)
		}
		if m[3] == "0.00" {
			t.Errorf("row %d: zero tokens/s", i)
		}
		if len(lines[2+i]) != len(lines[0]) && len([]rune(lines[2+i])) != len([]rune(lines[0])) {
			t.Errorf("row %d width differs from the header's", i)
		}
	}
	if lines[6] != "" || !regexp.MustCompile(`^peak RSS: [0-9.]+ MiB \(model file 1\.1\d MiB\)$`).MatchString(lines[7]) {
		if runtime.GOOS == "linux" {
			t.Errorf("peak RSS line %q", lines[7])
		}
	}
}

func TestBenchJSON(t *testing.T) {
	path := testdata.Path(t, "models/stories260K-F32.gguf")
	var out, errOut bytes.Buffer
	if code := runMain([]string{"bench", path, "-t", "1", "-p", "4,8", "-n", "3", "-r", "3", "-o", "json"}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	var rep benchReport
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("%v in\n%s", err, out.String())
	}
	if len(rep.Results) != 3 {
		t.Fatalf("%d results, want pp4, pp8, tg3", len(rep.Results))
	}
	for i, w := range [][2]int{{4, 0}, {8, 0}, {0, 3}} {
		r := rep.Results[i]
		if r.NPrompt != w[0] || r.NGen != w[1] || r.NThreads != 1 {
			t.Errorf("result %d: p=%d n=%d t=%d, want %v t=1", i, r.NPrompt, r.NGen, r.NThreads, w)
		}
		if len(r.SamplesNs) != 3 || len(r.SamplesTs) != 3 || r.AvgTs <= 0 || r.AvgNs <= 0 {
			t.Errorf("result %d: samples %v / %v, avg %v t/s", i, r.SamplesNs, r.SamplesTs, r.AvgTs)
		}
		// t/s is tokens over time for each sample.
		for j := range r.SamplesNs {
			want := float64(w[0]+w[1]) * 1e9 / float64(r.SamplesNs[j])
			if d := r.SamplesTs[j] - want; d > want*1e-9 || d < -want*1e-9 {
				t.Errorf("result %d sample %d: %v t/s for %d ns", i, j, r.SamplesTs[j], r.SamplesNs[j])
			}
		}
		if runtime.GOOS == "linux" && (len(r.SamplesCPUNs) != 3 || r.AvgCPUTs <= 0) {
			t.Errorf("result %d: CPU samples %v, %v t/CPU-s", i, r.SamplesCPUNs, r.AvgCPUTs)
		}
		if r.ModelSize <= 0 || r.ModelNParams < 250000 || r.ModelNParams > 350000 || r.Backend != kernels.CPU().String() {
			t.Errorf("result %d: size %d params %d backend %q", i, r.ModelSize, r.ModelNParams, r.Backend)
		}
	}
	if runtime.GOOS == "linux" && rep.PeakRSSBytes < int64(rep.Results[0].ModelSize) {
		t.Errorf("peak RSS %d below the model's %d bytes", rep.PeakRSSBytes, rep.Results[0].ModelSize)
	}
}

// TestBenchDepth: -d runs each test after that many tokens in the cache,
// labelled as llama-bench labels it, and a depth past the context fails.
func TestBenchDepth(t *testing.T) {
	path := testdata.Path(t, "models/stories260K-F32.gguf")
	var out, errOut bytes.Buffer
	if code := runMain([]string{"bench", "-m", path, "-t", "1", "-p", "4", "-n", "3", "-d", "0,16", "-r", "1", "-o", "json"}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	var rep benchReport
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("%v in\n%s", err, out.String())
	}
	var got []string
	for _, r := range rep.Results {
		got = append(got, fmt.Sprintf("p%d n%d d%d", r.NPrompt, r.NGen, r.NDepth))
		if r.AvgTs <= 0 {
			t.Errorf("%v: %v t/s", got[len(got)-1], r.AvgTs)
		}
	}
	if want := "p4 n0 d0,p4 n0 d16,p0 n3 d0,p0 n3 d16"; strings.Join(got, ",") != want {
		t.Errorf("results %v, want %s", got, want)
	}
	out.Reset()
	if code := runMain([]string{"bench", "-m", path, "-t", "1", "-p", "0", "-n", "2", "-d", "8", "-r", "1"}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	if !strings.Contains(out.String(), "tg2 @ d8") {
		t.Errorf("no tg2 @ d8 row in\n%s", out.String())
	}
	errOut.Reset()
	if code := runMain([]string{"bench", "-m", path, "-n", "4", "-p", "0", "-d", "100000"}, &out, &errOut); code == 0 || !strings.Contains(errOut.String(), "context") {
		t.Errorf("depth past the context: exit %d, %q", code, errOut.String())
	}
}

func TestBenchBadArgs(t *testing.T) {
	path := testdata.Path(t, "models/stories260K-F32.gguf")
	for _, args := range [][]string{
		{"bench"},
		{"bench", "-m", path, "-t", "0"},
		{"bench", "-m", path, "-p", "x"},
		{"bench", "-m", path, "-o", "csv"},
		{"bench", "-m", path, "-p", "0", "-n", "0"},
		{"bench", "-m", path, "-r", "0"},
		{"bench", "-m", "/nonexistent.gguf"},
	} {
		var out, errOut bytes.Buffer
		if code := runMain(args, &out, &errOut); code == 0 {
			t.Errorf("%v: exit 0", args[1:])
		} else if errOut.Len() == 0 {
			t.Errorf("%v: no message", args[1:])
		}
	}
}
