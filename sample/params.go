package sample

import (
	"fmt"
	"math"
)

// RandomSeed asks New for a fresh random seed; Sampler.Seed reports the
// concrete seed actually used so a run can be replayed. It is the uint64 form
// of llama.cpp's "-1" seed.
const RandomSeed = ^uint64(0)

// mirostatM is the number of top tokens mirostat v1 uses to estimate the Zipf
// exponent; llama.cpp's common sampler hard-codes 100.
const mirostatM = 100

// maxRepeatLastN bounds the penalty window (a ring buffer allocated up front).
const maxRepeatLastN = 1 << 24

// Params configures a Sampler. The zero value is NOT llama.cpp's default (its
// temperature 0 means greedy): start from DefaultParams and change fields.
//
// Defaults (DefaultParams) are those of llama.cpp's common_params_sampling.
type Params struct {
	// Temperature divides the logits before the final draw (default 0.8).
	// 0 or less selects greedily: the highest logit (after bias and
	// penalties) among the candidates the filters keep, lowest token id on
	// ties, without consuming randomness.
	Temperature float32

	// TopK keeps the K highest logits (default 40); 0 or less disables it.
	// Ties at the cut are broken by lower token id.
	TopK int
	// TopP keeps the smallest prefix of the candidates, by decreasing
	// probability, whose probability sum reaches TopP (default 0.95; 1 = off).
	TopP float32
	// MinP keeps tokens whose probability is at least MinP times that of the
	// most probable token (default 0.05; 0 = off). Like llama.cpp it runs
	// before temperature, on the unscaled logits.
	MinP float32
	// TypicalP is locally typical sampling's mass (default 1 = off).
	TypicalP float32
	// MinKeep is the minimum number of candidates top-p, min-p and typical
	// leave (default 0, i.e. effectively 1).
	MinKeep int

	// RepeatLastN is the size of the penalty window: the last N accepted
	// tokens (default 64; 0 disables penalties). llama.cpp's -1 ("context
	// size") must be resolved by the caller to a concrete size.
	RepeatLastN int
	// RepeatPenalty divides positive logits and multiplies non-positive ones
	// of tokens in the window (default 1 = off).
	RepeatPenalty float32
	// FrequencyPenalty is subtracted once per occurrence in the window
	// (default 0 = off).
	FrequencyPenalty float32
	// PresencePenalty is subtracted once for any occurrence in the window
	// (default 0 = off).
	PresencePenalty float32

	// LogitBias adds a delta to a token's logit before anything else;
	// math.Inf(-1) bans the token. +Inf and NaN are rejected.
	LogitBias map[int32]float32

	// Mirostat selects mirostat v1 (1) or v2 (2) instead of the filter chain
	// (default 0 = off). As in llama.cpp's common sampler, the mirostat chain
	// is logit bias → temperature → mirostat: penalties, top-k, top-p, min-p
	// and typical are not applied.
	Mirostat int
	// MirostatTau is the target surprise in bits (default 5); mu starts at
	// 2·tau.
	MirostatTau float32
	// MirostatEta is the learning rate of mu (default 0.1).
	MirostatEta float32

	// Seed seeds the sampler's own PCG generator (default RandomSeed).
	Seed uint64
}

// DefaultParams returns llama.cpp's default sampling parameters.
func DefaultParams() Params {
	return Params{
		Temperature:   0.8,
		TopK:          40,
		TopP:          0.95,
		MinP:          0.05,
		TypicalP:      1,
		RepeatLastN:   64,
		RepeatPenalty: 1,
		MirostatTau:   5,
		MirostatEta:   0.1,
		Seed:          RandomSeed,
	}
}

// penaltiesActive reports whether the penalty stage changes anything, which
// is also when accepted tokens need to be remembered.
func (p *Params) penaltiesActive() bool {
	return p.RepeatLastN > 0 && (p.RepeatPenalty != 1 || p.FrequencyPenalty != 0 || p.PresencePenalty != 0)
}

func finite32(f float32) bool {
	return !math.IsNaN(float64(f)) && !math.IsInf(float64(f), 0)
}

// validate checks every field against vocabSize and names the first bad one.
func (p *Params) validate(vocabSize int) error {
	if vocabSize <= 0 || vocabSize > math.MaxInt32 {
		return fmt.Errorf("sample: vocabulary size %d out of range (1..%d)", vocabSize, math.MaxInt32)
	}
	checkUnit := func(name string, v float32) error {
		if math.IsNaN(float64(v)) || v < 0 || v > 1 {
			return fmt.Errorf("sample: %s = %v, want a value in [0, 1]", name, v)
		}
		return nil
	}
	if !finite32(p.Temperature) {
		return fmt.Errorf("sample: Temperature = %v, want a finite value", p.Temperature)
	}
	if err := checkUnit("TopP", p.TopP); err != nil {
		return err
	}
	if err := checkUnit("MinP", p.MinP); err != nil {
		return err
	}
	if err := checkUnit("TypicalP", p.TypicalP); err != nil {
		return err
	}
	if p.MinKeep < 0 {
		return fmt.Errorf("sample: MinKeep = %d, want >= 0", p.MinKeep)
	}
	if p.RepeatLastN < 0 || p.RepeatLastN > maxRepeatLastN {
		return fmt.Errorf("sample: RepeatLastN = %d, want 0..%d (resolve llama.cpp's -1 to the context size)", p.RepeatLastN, maxRepeatLastN)
	}
	if !finite32(p.RepeatPenalty) || p.RepeatPenalty <= 0 {
		return fmt.Errorf("sample: RepeatPenalty = %v, want a finite value > 0 (1 = off)", p.RepeatPenalty)
	}
	if !finite32(p.FrequencyPenalty) {
		return fmt.Errorf("sample: FrequencyPenalty = %v, want a finite value", p.FrequencyPenalty)
	}
	if !finite32(p.PresencePenalty) {
		return fmt.Errorf("sample: PresencePenalty = %v, want a finite value", p.PresencePenalty)
	}
	for tok, d := range p.LogitBias {
		if tok < 0 || int(tok) >= vocabSize {
			return fmt.Errorf("sample: LogitBias token %d out of range (vocabulary size %d)", tok, vocabSize)
		}
		if math.IsNaN(float64(d)) || math.IsInf(float64(d), 1) {
			return fmt.Errorf("sample: LogitBias[%d] = %v, want a finite value or -Inf", tok, d)
		}
	}
	switch p.Mirostat {
	case 0, 1, 2:
	default:
		return fmt.Errorf("sample: Mirostat = %d, want 0 (off), 1 or 2", p.Mirostat)
	}
	if p.Mirostat != 0 {
		if !finite32(p.MirostatTau) || p.MirostatTau < 0 {
			return fmt.Errorf("sample: MirostatTau = %v, want a finite value >= 0", p.MirostatTau)
		}
		if !finite32(p.MirostatEta) || p.MirostatEta < 0 {
			return fmt.Errorf("sample: MirostatEta = %v, want a finite value >= 0", p.MirostatEta)
		}
	}
	return nil
}
