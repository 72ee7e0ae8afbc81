package model

// arch lists what one architecture does differently from the llama block.
// Everything else (pre-norm residual blocks, grouped-query attention over
// the KV cache, SwiGLU feed-forward) is shared; a new architecture is a new
// entry here plus, at most, a hook in the block functions.
type arch struct {
	name     string
	ropeNeoX bool // rotate (i, i+d/2) pairs (GPT-NeoX layout) instead of (2i, 2i+1)
	qkvBias  need // attn_q/k/v.bias
	qkNorm   bool // per-head RMS norm of Q and K before rope (attn_q_norm, attn_k_norm)
}

// need says whether an optional feature's tensors must be present.
type need int

const (
	optional need = iota
	required
	absent // not part of the architecture; not bound even if present
)

var archs = map[string]*arch{
	// Llama 1/2/3, Mistral, TinyLlama and other llama conversions.
	"llama": {name: "llama", qkvBias: optional},
	// Qwen2/2.5: biases on Q, K, V; NeoX rope.
	"qwen2": {name: "qwen2", ropeNeoX: true, qkvBias: required},
	// Qwen3: RMS-normed Q and K heads; NeoX rope; no biases.
	"qwen3": {name: "qwen3", ropeNeoX: true, qkvBias: absent, qkNorm: true},
}
