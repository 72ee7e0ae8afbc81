package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/gollama/gollama/bench"
	"github.com/gollama/gollama/gguf"
	"github.com/gollama/gollama/kernels"
	"github.com/gollama/gollama/model"
	"github.com/gollama/gollama/tensor"
)

func init() {
	register(&command{name: "bench", summary: "measure prompt and generation speed (llama-bench's method and table)", run: runBench})
}

// benchResult is one row of the table: llama-bench's JSON field names,
// plus the CPU path.
type benchResult struct {
	ModelFilename string    `json:"model_filename"`
	ModelType     string    `json:"model_type"`
	ModelSize     int64     `json:"model_size"`
	ModelNParams  int64     `json:"model_n_params"`
	Backend       string    `json:"backend"`
	NBatch        int       `json:"n_batch"`
	NThreads      int       `json:"n_threads"`
	NPrompt       int       `json:"n_prompt"`
	NGen          int       `json:"n_gen"`
	NDepth        int       `json:"n_depth"`
	TypeK         string    `json:"type_k"`
	AvgNs         int64     `json:"avg_ns"`
	StddevNs      int64     `json:"stddev_ns"`
	AvgTs         float64   `json:"avg_ts"`
	StddevTs      float64   `json:"stddev_ts"`
	SamplesNs     []int64   `json:"samples_ns"`
	SamplesTs     []float64 `json:"samples_ts"`
	// Tokens per CPU-second of the process (all threads), where the OS
	// reports CPU time: on a loaded machine it moves less than t/s.
	SamplesCPUNs []int64 `json:"samples_cpu_ns,omitempty"`
	AvgCPUTs     float64 `json:"avg_cpu_ts,omitempty"`
	StddevCPUTs  float64 `json:"stddev_cpu_ts,omitempty"`
}

type benchReport struct {
	Results      []benchResult `json:"results"`
	PeakRSSBytes int64         `json:"peak_rss_bytes,omitempty"`
}

type benchModelInfo struct {
	name, typ string
	size      int64
	params    int64
}

func runBench(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("bench", stderr)
	modelPath := fs.String("m", "", "model `file` (GGUF)")
	threadList := fs.String("t", strconv.Itoa(runtime.NumCPU()), "thread counts, comma-separated `LIST`")
	promptList := fs.String("p", "512", "prompt lengths to time (pp tests), comma-separated `LIST`; 0 for none")
	genList := fs.String("n", "128", "generation lengths to time (tg tests), comma-separated `LIST`; 0 for none")
	depthList := fs.String("d", "0", "context depths, comma-separated `LIST`: each test runs after this many tokens already in the cache (filled untimed)")
	batch := fs.Int("b", 2048, "most prompt tokens per forward pass (`N`)")
	reps := fs.Int("r", 5, "repetitions per test (`N`)")
	format := fs.String("o", "md", "output `FORMAT`: md or json")
	kvF32 := fs.Bool("kv-f32", false, "F32 KV cache instead of F16")
	noWarmup := fs.Bool("no-warmup", false, "skip the warm-up run before each test")
	seed := fs.Uint64("seed", 1, "seed of the random token ids")
	cpuCol := fs.Bool("cpu-ts", false, "add a column of tokens per CPU-second (all threads' CPU time; steadier than t/s on a busy machine)")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the timed runs to `file` (go tool pprof)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: gollama bench -m MODEL.gguf [-t 1,2] [-p 512] [-n 128] [-d 0] [-r 5] [-o md|json]")
		fmt.Fprintln(stderr, "Times prompt processing (ppN: one batch of N random tokens from an empty cache) and text")
		fmt.Fprintln(stderr, "generation (tgN: N tokens one at a time), tokens/s mean ± stddev over -r runs after a warm-up.")
		fmt.Fprintln(stderr, "GOLLAMA_CPU=generic|avx2|neon picks the kernel set.")
		fs.PrintDefaults()
	}
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if *modelPath == "" && len(pos) == 1 {
		*modelPath = pos[0]
	} else if len(pos) > 0 {
		fs.Usage()
		return errUsage
	}
	if *modelPath == "" {
		fs.Usage()
		return errUsage
	}
	threads, err := parseIntList("-t", *threadList, 1)
	if err != nil {
		return err
	}
	prompts, err := parseIntList("-p", *promptList, 0)
	if err != nil {
		return err
	}
	gens, err := parseIntList("-n", *genList, 0)
	if err != nil {
		return err
	}
	depths, err := parseIntList("-d", *depthList, 0)
	if err != nil {
		return err
	}
	if *batch < 1 || *reps < 1 {
		return fmt.Errorf("-b and -r must be at least 1 (got %d, %d)", *batch, *reps)
	}
	if *format != "md" && *format != "json" {
		return fmt.Errorf("-o %q: want md or json", *format)
	}
	if err := kernels.LevelError(); err != nil {
		fmt.Fprintf(stderr, "gollama bench: %v\n", err)
	}

	f, err := gguf.Open(*modelPath)
	if err != nil {
		return err
	}
	defer f.Close()
	m, err := model.Load(f)
	if err != nil {
		return err
	}
	info := describeModel(f, m)

	var tests [][2]int // {prompt, gen}, pp tests first as llama-bench lists them
	maxP, maxN := 0, 0
	for _, p := range prompts {
		if p > 0 {
			tests = append(tests, [2]int{p, 0})
			maxP = max(maxP, p)
		}
	}
	for _, n := range gens {
		if n > 0 {
			tests = append(tests, [2]int{0, n})
			maxN = max(maxN, n)
		}
	}
	if len(tests) == 0 {
		return fmt.Errorf("nothing to time: -p and -n are all 0")
	}
	maxD := 0
	for _, d := range depths {
		maxD = max(maxD, d)
	}
	maxBatch := max(min(*batch, max(maxP, maxD)), 1)
	cells := maxD + max(maxP, maxN)
	if cells > m.ContextLength {
		return fmt.Errorf("depth %d + %d tokens exceeds the model's context of %d", maxD, max(maxP, maxN), m.ContextLength)
	}
	typeK := "f16"
	if *kvF32 {
		typeK = "f32"
	}

	if *cpuProfile != "" {
		pf, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer pf.Close()
		if err := pprof.StartCPUProfile(pf); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	rep := benchReport{}
	for _, th := range threads {
		r, err := bench.NewRunner(m, maxBatch, cells, th, *kvF32)
		if err != nil {
			return err
		}
		for _, tc := range tests {
			for _, d := range depths {
				res, err := timeBenchTest(r, tc[0], tc[1], d, *reps, !*noWarmup, m.Vocab, *seed)
				if err != nil {
					r.Close()
					return err
				}
				res.ModelFilename, res.ModelType, res.ModelSize, res.ModelNParams = filepath.Base(*modelPath), info.typ, info.size, info.params
				res.Backend, res.NBatch, res.NThreads, res.TypeK = kernels.CPU().String(), *batch, th, typeK
				rep.Results = append(rep.Results, res)
			}
		}
		r.Close()
	}
	rss, rssErr := bench.PeakRSS()
	if rssErr == nil {
		rep.PeakRSSBytes = rss
	}

	if *format == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	writeBenchTable(stdout, rep.Results, *cpuCol)
	if rssErr != nil {
		fmt.Fprintf(stdout, "\npeak RSS: unknown (%v); model file %s\n", rssErr, sizeMiB(f.Size()))
	} else {
		fmt.Fprintf(stdout, "\npeak RSS: %s (model file %s)\n", sizeMiB(rss), sizeMiB(f.Size()))
	}
	return nil
}

// timeBenchTest runs one test reps times (after a warm-up, as llama-bench:
// the whole prompt, or one generated token) and collects the timings.
// Each run draws fresh tokens from the same seeded stream; with depth > 0
// it first fills that many tokens into the emptied cache, untimed.
func timeBenchTest(r *bench.Runner, prompt, gen, depth, reps int, warmup bool, vocab int, seed uint64) (benchResult, error) {
	res := benchResult{NPrompt: prompt, NGen: gen, NDepth: depth}
	toks := bench.Tokens((reps+1)*(prompt+gen), vocab, seed)
	fill := bench.Tokens(depth, vocab, seed^0xd1)
	prepare := func() error {
		if err := r.Reset(); err != nil {
			return err
		}
		if depth > 0 {
			if err := r.PromptFrom(fill, 0); err != nil {
				return fmt.Errorf("depth %d: %w", depth, err)
			}
		}
		return nil
	}
	run := func(t []int32) error {
		if prompt > 0 {
			return r.PromptFrom(t, depth)
		}
		return r.GenerateFrom(t, depth)
	}
	if warmup {
		w := toks[:prompt+gen]
		if gen > 0 {
			w = w[:1]
		}
		if err := prepare(); err != nil {
			return res, err
		}
		if err := run(w); err != nil {
			return res, fmt.Errorf("warm-up: %w", err)
		}
	}
	n := prompt + gen
	var cpuTs []float64
	for i := range reps {
		t := toks[(i+1)*n : (i+2)*n]
		if err := prepare(); err != nil {
			return res, err
		}
		cpu0, cpuOK := bench.CPUTime()
		start := time.Now()
		if err := run(t); err != nil {
			return res, err
		}
		ns := time.Since(start).Nanoseconds()
		res.SamplesNs = append(res.SamplesNs, ns)
		res.SamplesTs = append(res.SamplesTs, float64(n)*1e9/float64(max(ns, 1)))
		if cpu1, ok := bench.CPUTime(); ok && cpuOK {
			c := max((cpu1 - cpu0).Nanoseconds(), 1)
			res.SamplesCPUNs = append(res.SamplesCPUNs, c)
			cpuTs = append(cpuTs, float64(n)*1e9/float64(c))
		}
	}
	res.AvgCPUTs, res.StddevCPUTs = bench.MeanStd(cpuTs)
	samples := make([]float64, len(res.SamplesNs))
	for i, ns := range res.SamplesNs {
		samples[i] = float64(ns)
	}
	avgNs, stdNs := bench.MeanStd(samples)
	res.AvgNs, res.StddevNs = int64(avgNs), int64(stdNs)
	res.AvgTs, res.StddevTs = bench.MeanStd(res.SamplesTs)
	return res, r.Reset()
}

// describeModel gives llama-bench's model column ("llama 1.1B Q4_0"), the
// tensor bytes and the parameter count.
func describeModel(f *gguf.File, m *model.Model) benchModelInfo {
	var info benchModelInfo
	for _, ti := range f.Tensors {
		info.size += int64(ti.Size)
		n := int64(1)
		for _, d := range ti.Shape {
			n *= d
		}
		info.params += n
	}
	label, _ := f.String("general.size_label")
	if label == "" {
		label = paramLabel(info.params)
	}
	var ftype string
	if v, err := f.Uint32("general.file_type"); err == nil {
		ftype = tensor.FileType(v).String()
	} else {
		// As llama.cpp guesses: the type most 2-D weights have.
		count := map[tensor.Type]int{}
		best := tensor.F32
		for _, ti := range f.Tensors {
			if len(ti.Shape) == 2 {
				count[ti.Type]++
				if count[ti.Type] > count[best] {
					best = ti.Type
				}
			}
		}
		ftype = "all " + strings.ToUpper(best.String()) + " (guessed)"
	}
	info.typ = fmt.Sprintf("%s %s %s", f.Architecture(), label, ftype)
	return info
}

func paramLabel(n int64) string {
	switch {
	case n >= 1e9:
		return fmt.Sprintf("%.1fB", float64(n)/1e9)
	case n >= 1e6:
		return fmt.Sprintf("%.0fM", float64(n)/1e6)
	}
	return fmt.Sprintf("%.0fK", float64(n)/1e3)
}

// writeBenchTable prints llama-bench's markdown table.
func writeBenchTable(w io.Writer, rs []benchResult, cpuCol bool) {
	header := []string{"model", "size", "params", "backend", "threads", "test", "t/s"}
	if cpuCol {
		header = append(header, "t/CPU-s")
	}
	rows := [][]string{}
	for _, r := range rs {
		test := fmt.Sprintf("pp%d", r.NPrompt)
		if r.NGen > 0 {
			test = fmt.Sprintf("tg%d", r.NGen)
		}
		if r.NDepth > 0 {
			test += fmt.Sprintf(" @ d%d", r.NDepth)
		}
		rows = append(rows, []string{
			r.ModelType, sizeMiB(r.ModelSize), paramsCol(r.ModelNParams), r.Backend, strconv.Itoa(r.NThreads), test,
			fmt.Sprintf("%.2f ± %.2f", r.AvgTs, r.StddevTs),
		})
		if cpuCol {
			c := "n/a"
			if len(r.SamplesCPUNs) > 0 {
				c = fmt.Sprintf("%.2f ± %.2f", r.AvgCPUTs, r.StddevCPUTs)
			}
			rows[len(rows)-1] = append(rows[len(rows)-1], c)
		}
	}
	// llama-bench's minimum widths; text columns left-aligned, numbers right.
	width := []int{30, 10, 10, 10, 7, 15, 20, 20}
	right := []bool{false, true, true, false, true, true, true, true}
	for _, row := range append(rows, header) {
		for i, c := range row {
			width[i] = max(width[i], len([]rune(c)))
		}
	}
	cell := func(s string, i int) string {
		pad := strings.Repeat(" ", width[i]-len([]rune(s)))
		if right[i] {
			return pad + s
		}
		return s + pad
	}
	line := func(cols []string) {
		fmt.Fprint(w, "|")
		for i, c := range cols {
			fmt.Fprintf(w, " %s |", cell(c, i))
		}
		fmt.Fprintln(w)
	}
	line(header)
	fmt.Fprint(w, "|")
	for i := range header {
		d := strings.Repeat("-", width[i])
		if right[i] {
			d = d[:len(d)-1] + ":"
		}
		fmt.Fprintf(w, " %s |", d)
	}
	fmt.Fprintln(w)
	for _, row := range rows {
		line(row)
	}
}

func sizeMiB(b int64) string {
	if b < 1<<30 {
		return fmt.Sprintf("%.2f MiB", float64(b)/(1<<20))
	}
	return fmt.Sprintf("%.2f GiB", float64(b)/(1<<30))
}

func paramsCol(n int64) string {
	if n < 1e9 {
		return fmt.Sprintf("%.2f M", float64(n)/1e6)
	}
	return fmt.Sprintf("%.2f B", float64(n)/1e9)
}

// parseIntList parses "1,2,4" into ints of at least minVal.
func parseIntList(flag, s string, minVal int) ([]int, error) {
	var out []int
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		v, err := strconv.Atoi(part)
		if err != nil || v < minVal {
			return nil, fmt.Errorf("%s %q: want comma-separated integers of at least %d", flag, s, minVal)
		}
		out = append(out, v)
	}
	return out, nil
}
