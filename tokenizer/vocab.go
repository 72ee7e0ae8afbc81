package tokenizer

import (
	"fmt"
	"sort"
	"strings"
	"sync"
)

// Kind is the tokenizer algorithm (llama.cpp's llama_vocab_type).
type Kind int

const (
	SPM Kind = iota + 1 // SentencePiece BPE with scores, byte fallback
	BPE                 // byte-level BPE with merge ranks
	WPM                 // WordPiece (BERT)
)

func (k Kind) String() string {
	switch k {
	case SPM:
		return "SPM"
	case BPE:
		return "BPE"
	case WPM:
		return "WPM"
	}
	return "unknown"
}

// Token types as stored in tokenizer.ggml.token_type.
const (
	TypeUndefined   = 0
	TypeNormal      = 1
	TypeUnknown     = 2
	TypeControl     = 3
	TypeUserDefined = 4
	TypeUnused      = 5
	TypeByte        = 6
)

// Attr holds llama.cpp's per-token attribute bits (llama_token_attr).
type Attr uint16

const (
	AttrUnknown Attr = 1 << iota
	AttrUnused
	AttrNormal
	AttrControl
	AttrUserDefined
	AttrByte
	AttrNormalized
	AttrLStrip
	AttrRStrip
	AttrSingleWord
)

// Config is the tokenizer's input in plain form: what a GGUF file's
// tokenizer.* keys hold. Optional keys use llama.cpp's defaults when absent.
type Config struct {
	Model  string    // tokenizer.ggml.model: "llama", "gpt2" or "bert"
	Pre    string    // tokenizer.ggml.pre (BPE only; "" means llama.cpp's "default" with a warning)
	Tokens []string  // tokenizer.ggml.tokens
	Scores []float32 // tokenizer.ggml.scores (nil: all 0)
	Types  []int32   // tokenizer.ggml.token_type (nil: all normal)
	Merges []string  // tokenizer.ggml.merges ("left right", rank = index)

	// IDs holds the special token ids present in the metadata, keyed by
	// the key without "tokenizer.ggml." ("bos_token_id", "eos_token_id",
	// "eot_token_id", "eom_token_id", "unknown_token_id",
	// "seperator_token_id", "padding_token_id", "mask_token_id",
	// "fim_pre_token_id", ..., "prefix_token_id", ...).
	IDs map[string]uint32
	// Flags holds the boolean keys present: "add_bos_token",
	// "add_eos_token", "add_sep_token", "add_space_prefix",
	// "normalizer.lowercase", "normalizer.strip_accents".
	Flags map[string]bool

	Name string // general.name; llama.cpp keys a few token attributes on it (phi-3)
}

// Tokenizer encodes and decodes text for one vocabulary.
type Tokenizer struct {
	kind Kind
	pre  string
	tex  []string // token texts
	attr []Attr
	scr  []float32
	ids  map[string]int32

	bos, eos, eot, eom, unk, sep, pad, mask int32
	fimPre, fimSuf, fimMid, fimPad, fimRep  int32
	fimSep                                  int32
	eog                                     map[int32]bool

	addBOS, addEOS, addSep bool
	addSpacePrefix         bool
	cleanSpaces            bool
	ignoreMerges           bool

	specials []int32 // control, user-defined and unknown tokens, longest first
	pieces   []string

	bpe          *bpeModel
	wpm          *wpmModel
	spmPairsOnce sync.Once
	spmPairs     spmPairs // see encodeSPM
	spmCache     *wordCache

	name     string
	warnings []string
}

const null = -1 // llama.cpp's LLAMA_TOKEN_NULL

// New builds a tokenizer from plain inputs, applying llama.cpp's defaults
// and fix-ups (llama_vocab::impl::load).
func New(c Config) (*Tokenizer, error) {
	t := &Tokenizer{
		eot: null, eom: null, sep: null, pad: null, mask: null,
		fimPre: null, fimSuf: null, fimMid: null, fimPad: null, fimRep: null, fimSep: null,
	}
	switch c.Model {
	case "llama":
		t.kind = SPM
		t.bos, t.eos, t.unk = 1, 2, 0
		t.addSpacePrefix, t.addBOS = true, true
	case "gpt2":
		t.kind = BPE
		t.bos, t.eos, t.unk = 11, 11, null
		t.cleanSpaces = true
		if err := t.setPre(c.Pre); err != nil {
			return nil, err
		}
	case "bert":
		t.kind = WPM
		t.bos, t.eos, t.unk, t.sep, t.pad, t.mask = 101, null, 100, 102, 0, 103
		t.addBOS, t.addSep, t.cleanSpaces = true, true, true
	case "":
		return nil, fmt.Errorf("tokenizer: no tokenizer model (tokenizer.ggml.model)")
	default:
		return nil, fmt.Errorf("tokenizer: unsupported tokenizer model %q (want llama, gpt2 or bert)", c.Model)
	}
	if v, ok := c.Flags["add_space_prefix"]; ok {
		t.addSpacePrefix = v
	}

	n := len(c.Tokens)
	if n == 0 {
		return nil, fmt.Errorf("tokenizer: empty vocabulary")
	}
	if c.Scores != nil && len(c.Scores) < n {
		return nil, fmt.Errorf("tokenizer: %d scores for %d tokens", len(c.Scores), n)
	}
	if c.Types != nil && len(c.Types) < n {
		return nil, fmt.Errorf("tokenizer: %d token types for %d tokens", len(c.Types), n)
	}
	t.tex = make([]string, n)
	t.attr = make([]Attr, n)
	t.scr = make([]float32, n)
	t.ids = make(map[string]int32, n)
	for i, w := range c.Tokens {
		if w == "" {
			t.warnf("empty token at index %d", i)
			w = fmt.Sprintf("[EMPTY_%d]", i)
		}
		if j, dup := t.ids[w]; dup {
			return nil, fmt.Errorf("tokenizer: duplicate token %q has ids %d and %d", w, j, i)
		}
		t.ids[w] = int32(i)
		t.tex[i] = w
		if c.Scores != nil {
			t.scr[i] = c.Scores[i]
		}
		t.attr[i] = AttrNormal
		if c.Types != nil {
			t.attr[i] = typeAttr(c.Types[i])
		}
	}

	if t.kind == BPE {
		t.bpe = newBPEModel(t, c.Merges)
	}
	if t.kind == WPM {
		t.wpm = newWPMModel(t, c.Flags)
	}
	if t.kind == SPM {
		t.spmCache = new(wordCache)
	}

	t.loadSpecialIDs(c.IDs)
	if v, ok := c.Flags["add_bos_token"]; ok {
		t.addBOS = v
	}
	if v, ok := c.Flags["add_eos_token"]; ok {
		t.addEOS = v
	}
	if v, ok := c.Flags["add_sep_token"]; ok {
		t.addSep = v
	}
	if t.addBOS && t.bos == null {
		return nil, fmt.Errorf("tokenizer: add_bos_token is true, but bos_token_id is not set")
	}
	if t.addEOS && t.eos == null {
		return nil, fmt.Errorf("tokenizer: add_eos_token is true, but eos_token_id is not set")
	}
	if t.addSep && t.sep == null {
		return nil, fmt.Errorf("tokenizer: add_sep_token is true, but seperator_token_id is not set")
	}
	t.detectSpecials()
	t.name = c.Name
	t.applyNameAttrs(c.Name)

	for id := range t.attr {
		if t.attr[id]&(AttrControl|AttrUserDefined|AttrUnknown) != 0 {
			t.specials = append(t.specials, int32(id))
		}
	}
	sort.SliceStable(t.specials, func(a, b int) bool {
		return len(t.tex[t.specials[a]]) > len(t.tex[t.specials[b]])
	})
	t.pieces = make([]string, n)
	for id := range t.pieces {
		t.pieces[id] = t.renderPiece(int32(id))
	}
	return t, nil
}

func typeAttr(typ int32) Attr {
	switch typ {
	case TypeUnknown:
		return AttrUnknown
	case TypeUnused:
		return AttrUnused
	case TypeNormal:
		return AttrNormal
	case TypeControl:
		return AttrControl
	case TypeUserDefined:
		return AttrUserDefined
	case TypeByte:
		return AttrByte
	}
	return 0
}

func (t *Tokenizer) warnf(format string, args ...any) {
	t.warnings = append(t.warnings, fmt.Sprintf(format, args...))
}

// loadSpecialIDs overrides the model-type defaults with metadata ids; out
// of range defaults are disabled and out of range metadata ignored.
func (t *Tokenizer) loadSpecialIDs(ids map[string]uint32) {
	n := len(t.tex)
	slots := []struct {
		key string
		id  *int32
	}{
		{"bos_token_id", &t.bos}, {"eos_token_id", &t.eos}, {"eot_token_id", &t.eot},
		{"eom_token_id", &t.eom}, {"unknown_token_id", &t.unk}, {"seperator_token_id", &t.sep},
		{"padding_token_id", &t.pad}, {"mask_token_id", &t.mask},
		{"fim_pre_token_id", &t.fimPre}, {"fim_suf_token_id", &t.fimSuf}, {"fim_mid_token_id", &t.fimMid},
		{"fim_pad_token_id", &t.fimPad}, {"fim_rep_token_id", &t.fimRep}, {"fim_sep_token_id", &t.fimSep},
		{"prefix_token_id", &t.fimPre}, {"suffix_token_id", &t.fimSuf}, {"middle_token_id", &t.fimMid},
	}
	for _, s := range slots {
		if *s.id >= 0 && int(*s.id) >= n {
			t.warnf("default special token %s = %d out of vocab range, disabling", s.key, *s.id)
			*s.id = null
		}
		v, ok := ids[s.key]
		if !ok {
			continue
		}
		if int64(v) >= int64(n) {
			t.warnf("bad special token %s = %d, using default id %d", s.key, v, *s.id)
			continue
		}
		*s.id = int32(v)
	}
}

var (
	eotTexts = []string{"<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>",
		"<|end_of_text|>", "<EOT>", "_<EOT>", "[EOT]", "<｜end▁of▁sentence｜>", "<end_of_utterance>"}
	fimPreTexts = []string{"<|fim_prefix|>", "<fim-prefix>", "<fim_prefix>", "<｜fim▁begin｜>", "<PRE>", "▁<PRE>", "<|code_prefix|>", "<|prefix|>"}
	fimSufTexts = []string{"<|fim_suffix|>", "<fim-suffix>", "<fim_suffix>", "<｜fim▁hole｜>", "<SUF>", "▁<SUF>", "<|code_suffix|>", "<|suffix|>"}
	fimMidTexts = []string{"<|fim_middle|>", "<fim-middle>", "<fim_middle>", "<｜fim▁end｜>", "<MID>", "▁<MID>", "<|code_middle|>", "<|middle|>"}
	fimPadTexts = []string{"<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>", "[PAD]"}
	fimRepTexts = []string{"<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>", "<reponame>"}
	fimSepTexts = []string{"<|file_sep|>"}
	eogTexts    = []string{"<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>", "<|call|>", "<|flush|>",
		"<|calls|>", "<end_of_turn>", "<|endoftext|>", "</s>", "<|eom_id|>", "<EOT>", "_<EOT>", "[EOT]",
		"[EOS]", "<|end_of_text|>", "<end_of_utterance>", "<eos>", "<turn|>", "<|tool_response>",
		"<｜end▁of▁sentence｜>", "[e~["}
)

// detectSpecials finds EOT/EOM/FIM tokens by their text where the metadata
// names none, marks them control, and builds the end-of-generation set —
// llama.cpp's text-based workarounds, in the same order.
func (t *Tokenizer) detectSpecials() {
	find := func(slot *int32, texts []string) {
		if *slot != null {
			return
		}
		// llama.cpp walks an unordered map, so with several candidates
		// present the pick is arbitrary there; take the lowest id.
		best := int32(null)
		for _, s := range texts {
			if id, ok := t.ids[s]; ok && (best == null || id < best) {
				best = id
			}
		}
		if best != null {
			*slot = best
			t.attr[best] |= AttrControl
		}
	}
	find(&t.eot, eotTexts)
	find(&t.eom, []string{"<|eom_id|>"})
	find(&t.fimPre, fimPreTexts)
	find(&t.fimSuf, fimSufTexts)
	find(&t.fimMid, fimMidTexts)
	find(&t.fimPad, fimPadTexts)
	find(&t.fimRep, fimRepTexts)
	find(&t.fimSep, fimSepTexts)

	for id, a := range t.attr {
		if a&AttrControl != 0 && a&AttrUnused == 0 && strings.Contains(t.tex[id], "unused") {
			t.attr[id] |= AttrUnused
		}
	}

	t.eog = map[int32]bool{}
	for _, id := range []int32{t.fimPad, t.fimRep, t.fimSep} {
		if id != null {
			t.eog[id] = true
		}
	}
	for _, s := range eogTexts {
		if id, ok := t.ids[s]; ok {
			t.eog[id] = true
			t.attr[id] |= AttrControl
		}
	}
	for _, s := range []string{"<|channel|>", "<|message|>", "<|start|>", "<|constrain|>"} {
		if id, ok := t.ids[s]; ok {
			t.attr[id] = AttrUserDefined
		}
	}
	for _, id := range []int32{t.eos, t.eot, t.eom} {
		if id != null {
			t.eog[id] = true
		}
	}
	// gpt-oss and solar-open: "<|end|>" ends a message, not the generation.
	has := func(s string) bool { id, ok := t.ids[s]; return ok && t.eog[id] }
	if end, ok := t.ids["<|end|>"]; ok && t.eog[end] &&
		((has("<|return|>") && (has("<|call|>") || has("<|calls|>"))) || (has("<|flush|>") && (has("<|call|>") || has("<|calls|>")))) {
		delete(t.eog, end)
		t.attr[end] = AttrUserDefined
	}
	// gemma4 and paddleocr: "</s>" is not an end of generation there.
	if s, ok := t.ids["</s>"]; ok && t.eog[s] && has("<|tool_response>") {
		delete(t.eog, s)
		t.attr[s] = AttrNormal
	}
}

// applyNameAttrs mirrors llama.cpp's per-model attribute fix-ups keyed on
// the model and pre-tokenizer names.
func (t *Tokenizer) applyNameAttrs(name string) {
	lname := strings.ToLower(name)
	setAttr := func(text string, a Attr, on bool) {
		id, ok := t.ids[text]
		if !ok {
			return
		}
		if on {
			t.attr[id] |= a
		} else {
			t.attr[id] &^= a
		}
	}
	switch {
	case containsAny(t.pre, "jina-v2-de", "jina-v2-es", "jina-v2-code"):
		setAttr("<mask>", AttrLStrip, true)
	case containsAny(lname, "phi-3", "phi3"):
		for id, a := range t.attr {
			if a&(AttrControl|AttrUserDefined|AttrUnknown) != 0 {
				t.attr[id] |= AttrRStrip
			}
		}
		setAttr("</s>", AttrRStrip, true)
		for _, s := range []string{"<unk>", "<s>", "<|endoftext|>"} {
			setAttr(s, AttrRStrip, false)
		}
	case containsAny(lname, "modern-bert"):
		setAttr("[MASK]", AttrLStrip, true)
	}
}

func containsAny(s string, subs ...string) bool {
	for _, x := range subs {
		if strings.Contains(s, x) {
			return true
		}
	}
	return false
}

// Kind returns the tokenizer algorithm.
func (t *Tokenizer) Kind() Kind { return t.kind }

// Pre returns the pre-tokenizer name in effect (BPE only).
func (t *Tokenizer) Pre() string { return t.pre }

// Warnings lists what llama.cpp would log as warnings while loading.
func (t *Tokenizer) Warnings() []string { return t.warnings }

// VocabSize returns the number of tokens.
func (t *Tokenizer) VocabSize() int { return len(t.tex) }

// Token returns the raw text of token id as stored in the vocabulary
// ("" when out of range).
func (t *Tokenizer) Token(id int32) string {
	if !t.valid(id) {
		return ""
	}
	return t.tex[id]
}

// Lookup returns the id of the token whose raw text is s.
func (t *Tokenizer) Lookup(s string) (int32, bool) {
	id, ok := t.ids[s]
	return id, ok
}

// Score returns the SentencePiece score of token id.
func (t *Tokenizer) Score(id int32) float32 {
	if !t.valid(id) {
		return 0
	}
	return t.scr[id]
}

// Attr returns the attribute bits of token id.
func (t *Tokenizer) Attr(id int32) Attr {
	if !t.valid(id) {
		return 0
	}
	return t.attr[id]
}

func (t *Tokenizer) valid(id int32) bool { return id >= 0 && int(id) < len(t.tex) }

// BOS, EOS, EOT, UNK, PAD and SEP return the special token ids, -1 when
// the vocabulary has none.
func (t *Tokenizer) BOS() int32 { return t.bos }
func (t *Tokenizer) EOS() int32 { return t.eos }
func (t *Tokenizer) EOT() int32 { return t.eot }
func (t *Tokenizer) UNK() int32 { return t.unk }
func (t *Tokenizer) PAD() int32 { return t.pad }
func (t *Tokenizer) SEP() int32 { return t.sep }

// AddBOS and AddEOS report whether Encode with addSpecial adds them.
func (t *Tokenizer) AddBOS() bool { return t.addBOS }
func (t *Tokenizer) AddEOS() bool { return t.addEOS }

// IsEOG reports whether id ends generation (EOS, EOT, EOM and the
// end-of-turn tokens llama.cpp recognizes by text).
func (t *Tokenizer) IsEOG(id int32) bool { return t.eog[id] }

// EOGs returns the end-of-generation ids in increasing order.
func (t *Tokenizer) EOGs() []int32 {
	out := make([]int32, 0, len(t.eog))
	for id := range t.eog {
		out = append(out, id)
	}
	sort.Slice(out, func(a, b int) bool { return out[a] < out[b] })
	return out
}

// IsControl reports whether id is a control token (not rendered as text
// unless asked).
func (t *Tokenizer) IsControl(id int32) bool { return t.Attr(id)&AttrControl != 0 }

// Name returns general.name as given in the Config.
func (t *Tokenizer) Name() string { return t.name }
