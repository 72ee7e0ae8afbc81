// Package tokenizer turns text into token ids and back exactly as llama.cpp
// does (src/llama-vocab.cpp, src/unicode.cpp), from a GGUF file's
// tokenizer.* metadata alone:
//
//   - "llama": SentencePiece BPE with scores (llm_tokenizer_spm), the "▁"
//     space escape and add_space_prefix, <0xXX> byte fallback; equal scores
//     (TinyStories-656K) fall back to the leftmost pair, as in llama.cpp.
//   - "gpt2": byte-level BPE with merge ranks, after the pre-tokenizer named
//     by tokenizer.ggml.pre (see PreTokenizers for the list: GPT-2, Llama 3,
//     Qwen2/2.5/3.5, DeepSeek LLM/Coder/V3, Falcon, MPT/NeoX, StarCoder,
//     Refact, Command-R, SmolLM, GPT-4o/Llama 4, Tekken, BLOOM and their
//     aliases). An unknown pre is an error; a missing one means llama.cpp's
//     "default" with a warning.
//   - "bert": WordPiece (llm_tokenizer_wpm) with BERT normalization.
//
// Special tokens follow llama.cpp: user-defined tokens are always split out
// of the text, control tokens only when parseSpecial is set; BOS/EOS are
// added per add_bos_token/add_eos_token or the model type's defaults; the
// end-of-generation set includes the end-of-turn tokens llama.cpp finds by
// text.
//
// Decode(Encode(s, false, false)) == s for valid UTF-8 s except where a
// vocabulary normalizes by design:
//   - vocabularies with clean_up_tokenization_spaces (GPT-2, MPT, Falcon,
//     StarCoder, ...) drop the space before , . ! ? and some contractions
//     on decoding (the pieces themselves concatenate back to s);
//   - byte-level BPE reads invalid UTF-8 as U+FFFD per bad byte (overlong
//     forms are re-encoded), and drops bytes whose byte-level token the
//     vocabulary lacks (Falcon has none for \v and a few control bytes);
//   - SentencePiece decodes a literal "▁" in the input as a space, and a
//     vocabulary without byte tokens (TinyStories-656K) encodes unknown
//     characters as <unk>; truncated vocabularies without "▁" itself
//     (the llama-spm1k fixtures) spell some spaces as "▁" bytes;
//   - tokens with the rstrip/lstrip attribute (Phi-3's user-defined tokens)
//     swallow the whitespace next to them, and SentencePiece starts the text
//     after any special token with a new space prefix;
//   - WordPiece lowercases, strips accents and drops whitespace.
//
// A Tokenizer is immutable after construction and safe for concurrent use.
package tokenizer
