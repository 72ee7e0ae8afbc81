package main

import (
	"fmt"
	"io"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gollama/gollama/gguf"
	"github.com/gollama/gollama/tensor"
)

func init() {
	register(&command{name: "quantize", summary: "quantize a GGUF model (llama-quantize's mixtures, no imatrix)", run: runQuantize})
}

// fileType is one of llama.cpp's llama_ftype values (stored as
// general.file_type) and the type most weights get.
type fileType struct {
	id   tensor.FileType
	base tensor.Type
}

func (ft fileType) name() string { return ft.id.String() }

// fileTypes are the llama_ftype values whose tensor types gollama can
// produce. Q2_K_S and the IQ1/IQ2/IQ3 mixtures need an importance matrix
// or types gollama lacks, so they are not offered.
var fileTypes = []fileType{
	{0, tensor.F32}, {1, tensor.F16}, {32, tensor.BF16},
	{2, tensor.Q4_0}, {3, tensor.Q4_1}, {8, tensor.Q5_0}, {9, tensor.Q5_1}, {7, tensor.Q8_0},
	{10, tensor.Q2_K}, {11, tensor.Q3_K}, {12, tensor.Q3_K}, {13, tensor.Q3_K},
	{14, tensor.Q4_K}, {15, tensor.Q4_K}, {16, tensor.Q5_K}, {17, tensor.Q5_K}, {18, tensor.Q6_K},
	{25, tensor.IQ4_NL}, {30, tensor.IQ4_XS},
}

// fileTypeAliases are llama-quantize's short names.
var fileTypeAliases = map[string]string{"Q3_K": "Q3_K_M", "Q4_K": "Q4_K_M", "Q5_K": "Q5_K_M"}

func parseFileType(s string) (fileType, error) {
	name := strings.ToUpper(s)
	if a, ok := fileTypeAliases[name]; ok {
		name = a
	}
	var names []string
	for _, ft := range fileTypes {
		if ft.name() == name {
			return ft, nil
		}
		names = append(names, ft.name())
	}
	return fileType{}, fmt.Errorf("unknown or unsupported quantization type %q (have %s)", s, strings.Join(names, ", "))
}

func runQuantize(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("quantize", stderr)
	pure := fs.Bool("pure", false, "every 2-D weight in TYPE (no llama.cpp mixture rules)")
	threads := fs.Int("t", runtime.GOMAXPROCS(0), "quantize with `N` goroutines")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: gollama quantize IN.gguf OUT.gguf TYPE [--pure] [-t N]")
		names := make([]string, len(fileTypes))
		for i, ft := range fileTypes {
			names[i] = ft.name()
		}
		fmt.Fprintf(stderr, "TYPE: %s (Q3_K, Q4_K, Q5_K mean the _M mixtures)\n", strings.Join(names, " "))
		fs.PrintDefaults()
	}
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 3 {
		fs.Usage()
		return errUsage
	}
	ft, err := parseFileType(pos[2])
	if err != nil {
		return err
	}
	return quantizeFile(pos[0], pos[1], ft, quantizeOptions{pure: *pure, threads: max(1, *threads), progress: stderr})
}

type quantizeOptions struct {
	pure     bool
	threads  int
	progress io.Writer
}

func quantizeFile(in, out string, ft fileType, opt quantizeOptions) error {
	f, err := gguf.Open(in)
	if err != nil {
		return err
	}
	defer f.Close()
	plan, err := planMixture(f, ft, opt.pure)
	if err != nil {
		return err
	}
	for i, ti := range f.Tensors {
		if isQuantized(ti.Type) && plan[i] != ti.Type && opt.progress != nil {
			fmt.Fprintf(opt.progress, "warning: %s is already %s; requantizing loses more precision than quantizing the original\n", ti.Name, ti.Type)
			break
		}
	}
	w := gguf.NewWriter()
	for _, kv := range f.KV {
		if !strings.HasPrefix(kv.Key, "split.") {
			w.Set(kv.Key, kv.Value)
		}
	}
	w.Set("general.quantization_version", uint32(2))
	w.Set("general.file_type", uint32(ft.id))
	var inBytes, outBytes int64
	start := time.Now()
	for i := range f.Tensors {
		ti := &f.Tensors[i]
		typ := plan[i]
		src := f.TensorData(ti)
		nOut := rowsOf(ti.Shape) * int64(typ.RowSize(int(ti.Shape[0])))
		inBytes += int64(len(src))
		outBytes += nOut
		idx, n := i+1, len(f.Tensors)
		w.AddTensorFunc(ti.Name, typ, ti.Shape, func(dst io.Writer) error {
			t0 := time.Now()
			if err := convertTensor(dst, src, ti.Type, typ, int(ti.Shape[0]), opt.threads); err != nil {
				return err
			}
			if opt.progress != nil {
				fmt.Fprintf(opt.progress, "[%4d/%4d] %-32s %-7s -> %-7s %-14s %9.2f MiB -> %8.2f MiB  %5.2fs\n",
					idx, n, ti.Name, ti.Type, typ, shapeString(ti.Shape), float64(len(src))/(1<<20),
					float64(nOut)/(1<<20), time.Since(t0).Seconds())
			}
			return nil
		})
	}
	if err := w.WriteFile(out); err != nil {
		return err
	}
	if opt.progress != nil {
		fmt.Fprintf(opt.progress, "quantized %s (%.2f MiB) to %s %s (%.2f MiB) in %.1fs\n", in,
			float64(inBytes)/(1<<20), out, ft.name(), float64(outBytes)/(1<<20), time.Since(start).Seconds())
	}
	return nil
}

func rowsOf(shape []int64) int64 {
	n := int64(1)
	for _, d := range shape[1:] {
		n *= d
	}
	return n
}

func shapeString(shape []int64) string {
	s := make([]string, len(shape))
	for i, d := range shape {
		s[i] = strconv.FormatInt(d, 10)
	}
	return "[" + strings.Join(s, " x ") + "]"
}

// convertTensor writes src (rows of rowLen values in type from) as type
// to, a few rows at a time so memory stays bounded, spreading the rows of
// each chunk over the given number of goroutines.
func convertTensor(dst io.Writer, src []byte, from, to tensor.Type, rowLen, threads int) error {
	if from == to {
		_, err := dst.Write(src)
		return err
	}
	if !tensor.CanQuantize(from) {
		return fmt.Errorf("cannot convert from %s", from)
	}
	inRow, outRow := from.RowSize(rowLen), to.RowSize(rowLen)
	if inRow == 0 || len(src)%inRow != 0 {
		return fmt.Errorf("%d bytes is not a whole number of %s rows of %d", len(src), from, rowLen)
	}
	rows := len(src) / inRow
	chunkRows := max(1, (1<<22)/rowLen) // about 16 MiB of floats per chunk
	f32 := make([]float32, min(rows, chunkRows)*rowLen)
	out := make([]byte, min(rows, chunkRows)*outRow)
	for r0 := 0; r0 < rows; r0 += chunkRows {
		n := min(chunkRows, rows-r0)
		errs := make([]error, threads)
		var wg sync.WaitGroup
		for t := range threads {
			lo, hi := n*t/threads, n*(t+1)/threads
			if lo == hi {
				continue
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				x := f32[lo*rowLen : hi*rowLen]
				if err := tensor.Dequantize(x, src[(r0+lo)*inRow:(r0+hi)*inRow], from); err != nil {
					errs[t] = err
					return
				}
				errs[t] = tensor.Quantize(out[lo*outRow:hi*outRow], x, to)
			}()
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				return err
			}
		}
		if _, err := dst.Write(out[:n*outRow]); err != nil {
			return err
		}
	}
	return nil
}

// The rest of this file is llama.cpp's choice of a type per tensor
// (llama_tensor_get_type in src/llama-quant.cpp), for the file types above
// and no importance matrix. Differences: the 70B-only attn_v bump is not
// applied (it keys on llama.cpp's model-size guess, not on metadata).

type tensorCategory int

const (
	catOther tensorCategory = iota
	catTokenEmbd
	catOutput
	catAttnQ
	catAttnK
	catAttnV // also fused QKV and MLA's kv_b: llama.cpp treats all three as attn_v
	catAttnOutput
	catFFNUp
	catFFNGate
	catFFNDown
)

func categorize(name string) tensorCategory {
	switch {
	case name == "output.weight":
		return catOutput
	case name == "token_embd.weight" || name == "per_layer_token_embd.weight":
		return catTokenEmbd
	case strings.Contains(name, "attn_qkv.weight"), strings.Contains(name, "attn_kv_b.weight"),
		strings.Contains(name, "attn_v.weight"):
		return catAttnV
	case strings.Contains(name, "attn_k.weight"):
		return catAttnK
	case strings.Contains(name, "attn_q.weight"):
		return catAttnQ
	case strings.Contains(name, "attn_output.weight"):
		return catAttnOutput
	case strings.Contains(name, "ffn_up"):
		return catFFNUp
	case strings.Contains(name, "ffn_gate"):
		return catFFNGate
	case strings.Contains(name, "ffn_down"):
		return catFFNDown
	}
	return catOther
}

// notQuantized lists name fragments llama.cpp never quantizes (small or
// precision-critical tensors of various architectures).
var notQuantized = []string{
	"_norm.weight", "ffn_gate_inp.weight", "ffn_gate_tid2eid.weight", "altup", "laurel", "per_layer_model_proj",
	"ssm_conv1d", "shortconv.conv.weight", "indexer.k_proj.weight", "indexer.q_proj.weight",
	"time_mix_first.weight", "time_mix_w0.weight", "time_mix_w1.weight", "time_mix_w2.weight",
	"time_mix_v0.weight", "time_mix_v1.weight", "time_mix_v2.weight", "time_mix_a0.weight",
	"time_mix_a1.weight", "time_mix_a2.weight", "time_mix_g1.weight", "time_mix_g2.weight",
	"time_mix_decay_w1.weight", "time_mix_decay_w2.weight", "time_mix_lerp_fused.weight",
	"attn_rel_b.weight", ".position_embd", "sam.pos_embd", "sam.neck.", "sam.net_", ".rel_pos",
	".patch_embd", ".patch_merger", "a.rvq.codebook", "mm.a.code_embd",
}

// allowsQuantization is llama.cpp's tensor_allows_quantization: weights of
// two or more (non-unit) dimensions, minus the exceptions.
func allowsQuantization(name string, shape []int64) bool {
	dims := 0
	for i, d := range shape {
		if d > 1 {
			dims = i + 1
		}
	}
	if dims < 2 || !strings.HasSuffix(name, "weight") {
		return false
	}
	if name == "position_embd.weight" || name == "token_types.weight" {
		return false
	}
	for _, s := range notQuantized {
		if strings.Contains(name, s) {
			return false
		}
	}
	return true
}

// mixState carries what llama.cpp's quantize_state_impl counts.
type mixState struct {
	ft       fileType
	arch     string
	gqa      int // n_head / n_head_kv
	nExpert  int
	nLayer   int
	tied     bool // no output.weight: token_embd is also the output
	nAttnV   int
	iAttnV   int
	iFFNDown int
}

func planMixture(f *gguf.File, ft fileType, pure bool) ([]tensor.Type, error) {
	st := &mixState{ft: ft, arch: f.Architecture(), tied: true, gqa: 1}
	if n, err := f.Uint32(f.ArchKey("block_count")); err == nil {
		st.nLayer = int(n)
	}
	if h, err := f.Uint32(f.ArchKey("attention.head_count")); err == nil && h > 0 {
		if kv, err := f.Uint32(f.ArchKey("attention.head_count_kv")); err == nil && kv > 0 {
			st.gqa = int(h / kv)
		}
	}
	if e, err := f.Uint32(f.ArchKey("expert_count")); err == nil {
		st.nExpert = int(e)
	}
	for _, ti := range f.Tensors {
		switch categorize(ti.Name) {
		case catOutput:
			st.tied = false
		case catAttnV:
			st.nAttnV++
		}
	}
	plan := make([]tensor.Type, len(f.Tensors))
	for i, ti := range f.Tensors {
		if len(ti.Shape) == 0 || !allowsQuantization(ti.Name, ti.Shape) {
			plan[i] = ti.Type
			continue
		}
		typ := ft.base
		if isQuantized(typ) {
			if !pure {
				typ = st.pick(ti.Name, ti.Shape, typ)
			}
			var err error
			if typ, err = fallbackType(ti.Name, ti.Shape[0], typ); err != nil {
				return nil, err
			}
		}
		if ti.Type != typ && !tensor.CanQuantize(ti.Type) {
			return nil, fmt.Errorf("tensor %s: cannot convert from %s", ti.Name, ti.Type)
		}
		plan[i] = typ
	}
	return plan, nil
}

func isQuantized(t tensor.Type) bool { return t != tensor.F32 && t != tensor.F16 && t != tensor.BF16 }

func useMoreBits(i, n int) bool { return i < n/8 || i >= 7*n/8 || (i-n/8)%3 == 2 }

// layerOf reads N from "blk.N."; llama.cpp counts tensors instead, which
// agrees for files in layer order.
func layerOf(name string, counter int) int {
	if rest, ok := strings.CutPrefix(name, "blk."); ok {
		if j := strings.IndexByte(rest, '.'); j > 0 {
			if n, err := strconv.Atoi(rest[:j]); err == nil {
				return n
			}
		}
	}
	return counter
}

// pick is llama_tensor_get_type_impl restricted to the supported file types.
func (st *mixState) pick(name string, shape []int64, typ tensor.Type) tensor.Type {
	ft, falcon := st.ft.name(), st.arch == "falcon"
	cat := categorize(name)
	switch {
	case cat == catOutput || (st.tied && cat == catTokenEmbd):
		if falcon || shape[0]%int64(typ.BlockSize()) != 0 {
			return tensor.Q8_0
		}
		if typ != tensor.Q8_0 {
			return tensor.Q6_K
		}
	case cat == catAttnV:
		i := layerOf(name, st.iAttnV)
		st.iAttnV++
		switch {
		case ft == "Q2_K":
			typ = tensor.Q3_K
			if st.gqa >= 4 {
				typ = tensor.Q4_K
			}
		case ft == "Q3_K_M":
			typ = tensor.Q4_K
			if i < 2 {
				typ = tensor.Q5_K
			}
		case ft == "Q3_K_L":
			typ = tensor.Q5_K
		case (ft == "IQ4_NL" || ft == "IQ4_XS") && st.gqa >= 4:
			typ = tensor.Q5_K
		case (ft == "Q4_K_M" || ft == "Q5_K_M") && useMoreBits(i, st.nAttnV):
			typ = tensor.Q6_K
		case ft == "Q4_K_S" && i < 4:
			typ = tensor.Q5_K
		}
		if st.nExpert == 8 {
			typ = tensor.Q8_0
		}
	case cat == catAttnK:
		if st.nExpert == 8 {
			typ = tensor.Q8_0
		}
	case cat == catFFNDown:
		i, n := layerOf(name, st.iFFNDown), st.nLayer
		st.iFFNDown++
		switch {
		case ft == "Q2_K":
			typ = tensor.Q3_K
		case ft == "Q3_K_M":
			switch {
			case i < n/16:
				typ = tensor.Q5_K
			case !falcon || useMoreBits(i, n):
				typ = tensor.Q4_K
			default:
				typ = tensor.Q3_K
			}
		case ft == "Q3_K_L":
			typ = tensor.Q5_K
			if falcon {
				typ = tensor.Q4_K
			}
		case ft == "Q4_K_M":
			if falcon {
				switch {
				case i < n/16:
					typ = tensor.Q6_K
				case useMoreBits(i, n):
					typ = tensor.Q5_K
				default:
					typ = tensor.Q4_K
				}
			} else if useMoreBits(i, n) {
				typ = tensor.Q6_K
			}
		case i < n/8 && (ft == "IQ4_NL" || ft == "IQ4_XS"):
			typ = tensor.Q5_K
		case ft == "Q5_K_M" && useMoreBits(i, n):
			typ = tensor.Q6_K
		case ft == "Q4_K_S" && !falcon && i < n/8:
			typ = tensor.Q5_K
		}
	case cat == catAttnOutput:
		switch {
		case falcon:
			if ft == "Q3_K_L" {
				typ = tensor.Q4_K
			}
		case st.nExpert == 8:
			switch ft {
			case "Q2_K", "Q3_K_S", "Q3_K_M", "IQ4_NL", "Q4_K_S", "Q4_K_M", "IQ4_XS":
				typ = tensor.Q5_K
			}
		case ft == "Q2_K":
			typ = tensor.Q3_K
		case ft == "Q3_K_M":
			typ = tensor.Q4_K
		case ft == "Q3_K_L":
			typ = tensor.Q5_K
		}
	}
	return typ
}

// fallbackType is tensor.FallbackType with the tensor named in errors.
func fallbackType(name string, rowLen int64, typ tensor.Type) (tensor.Type, error) {
	fb, err := tensor.FallbackType(typ, rowLen)
	if err != nil {
		return 0, fmt.Errorf("tensor %s: %w", name, err)
	}
	return fb, nil
}
