// Package sample turns logits into tokens the way llama.cpp's common sampler
// does, and provides the pieces a generation loop needs around it: stop
// strings (StopMatcher) and beam search (BeamSearch). It knows nothing about
// models: everything works on []float32 rows of logits.
//
// # Sampler chain
//
// Sampler.Sample applies, in llama.cpp's default order (common/sampling.cpp):
//
//	logit bias → penalties (repeat, frequency, presence) → top-k → typical →
//	top-p → min-p → temperature → draw
//
// and, when Params.Mirostat is 1 or 2, logit bias → temperature → mirostat.
// Each stage follows src/llama-sampling.cpp, including its float32
// arithmetic, min_keep rules and the order-dependent float sums; defaults are
// those of common_params_sampling (see DefaultParams).
//
// Deliberate differences from llama.cpp:
//   - Randomness comes from a PCG-DXSM generator (math/rand/v2's PCG seeded
//     with (seed, seed XOR 0x9e3779b97f4a7c15)), not mt19937, so token streams
//     differ from llama.cpp's for the same seed. A draw takes one Uint64: its
//     top 53 bits give u in [0, 1).
//   - exp and log are computed by this package in plain float64 arithmetic
//     with no fused multiply-add, so the same seed and logits give the same
//     tokens on every architecture.
//   - Ties are broken by lower token id wherever llama.cpp's unstable sorts
//     leave the order unspecified.
//   - Greedy (Temperature <= 0) consumes no randomness.
//   - Mirostat v2 keeps tokens with p ≥ 2^−mu, the same set as llama.cpp's
//     −log2 p ≤ mu up to rounding at the boundary; mu is updated inside
//     Sample (as llama.cpp does in apply), not in Accept.
//   - Typical sampling skips zero probabilities in the entropy (llama.cpp
//     would produce NaN from 0·log 0).
//
// Not implemented: DRY, XTC, top-n-sigma, dynamic temperature (temp-ext),
// adaptive-p/power-law, grammar constraints, infill and the reasoning budget.
//
// # Performance
//
// Sample does not allocate after its first call. With top-k on (the
// default) it reads the logits once with a k-sized heap; with top-k off, or
// with mirostat, whole-vocabulary passes and sorts are needed, as in
// llama.cpp.
package sample
