package hub

import (
	"sort"
	"strings"
)

// KnownModel is a short name for a popular GGUF file on the Hub.
type KnownModel struct {
	Names    []string // first is canonical; matched case-insensitively
	Repo     string
	Revision string // "" = DefaultRevision
	File     string
	Size     int64  // bytes, 0 if not published
	SHA256   string // hex, "" if not published
	About    string
}

// Ref returns the reference the known name stands for.
func (k KnownModel) Ref() Ref {
	rev := k.Revision
	if rev == "" {
		rev = DefaultRevision
	}
	return Ref{Repo: k.Repo, Revision: rev, File: k.File, Name: k.Names[0], Size: k.Size, SHA256: k.SHA256}
}

// known lists the built-in short names. Sizes and hashes are filled only
// where the publisher's values were found; otherwise the Hub's ETag (the
// LFS sha256) verifies the download.
var known = []KnownModel{
	{
		Names: []string{"stories260k", "tinyllamas:260k"},
		Repo:  "ggml-org/models", File: "tinyllamas/stories260K.gguf",
		Size: 1185376, SHA256: "270cba1bd5109f42d03350f60406024560464db173c0e387d91f0426d3bd256d",
		About: "Karpathy's 260K-parameter TinyStories llama (F32, 1.2 MB)",
	},
	{
		Names: []string{"stories15m", "tinystories", "tinyllamas:15m"},
		Repo:  "ggml-org/models", File: "tinyllamas/stories15M-q4_0.gguf",
		Size: 19077344, SHA256: "6151b1929d7f5aa3385d9ddef3393e55587c0a55de661562322bc51dfda93a04",
		About: "Karpathy's 15M-parameter TinyStories llama (Q4_0, 19 MB)",
	},
	{
		Names: []string{"smollm2:135m", "smollm2:135m-q4_k_m", "smollm2"},
		Repo:  "bartowski/SmolLM2-135M-Instruct-GGUF", Revision: "09816acd5d99df7be770d85ea30822623dab342c",
		File:   "SmolLM2-135M-Instruct-Q4_K_M.gguf",
		SHA256: "2e8040ceae7815abe0dcb3540b9995eaa1fa0d2ca9e797d0a635ae4433c68c2d",
		About:  "SmolLM2 135M Instruct (Q4_K_M, ~100 MB)",
	},
	{
		Names: []string{"qwen2.5:0.5b", "qwen2.5:0.5b-q4_k_m", "qwen2.5"},
		Repo:  "Qwen/Qwen2.5-0.5B-Instruct-GGUF", File: "qwen2.5-0.5b-instruct-q4_k_m.gguf",
		About: "Qwen2.5 0.5B Instruct (Q4_K_M, ~400 MB)",
	},
	{
		Names: []string{"llama3.2:1b", "llama3.2:1b-q4_k_m", "llama3.2"},
		Repo:  "bartowski/Llama-3.2-1B-Instruct-GGUF", File: "Llama-3.2-1B-Instruct-Q4_K_M.gguf",
		Size: 807694464, SHA256: "6f85a640a97cf2bf5b8e764087b1e83da0fdb51d7c9fab7d0fece9385611df83",
		About: "Llama 3.2 1B Instruct (Q4_K_M, 808 MB)",
	},
	{
		Names: []string{"tinyllama:1.1b", "tinyllama:1.1b-q4_k_m", "tinyllama"},
		Repo:  "TheBloke/TinyLlama-1.1B-Chat-v1.0-GGUF", File: "tinyllama-1.1b-chat-v1.0.Q4_K_M.gguf",
		About: "TinyLlama 1.1B Chat v1.0 (Q4_K_M, ~670 MB)",
	},
}

// Known returns the built-in known models.
func Known() []KnownModel { return append([]KnownModel(nil), known...) }

// LookupKnown finds a known model by any of its names (case-insensitive).
func LookupKnown(name string) (KnownModel, bool) {
	for _, k := range known {
		for _, n := range k.Names {
			if strings.EqualFold(n, name) {
				return k, true
			}
		}
	}
	return KnownModel{}, false
}

// KnownNames returns the canonical known names, sorted.
func KnownNames() []string {
	names := make([]string, len(known))
	for i, k := range known {
		names[i] = k.Names[0]
	}
	sort.Strings(names)
	return names
}

// knownFor returns the canonical short name of the known model stored at
// repo/file, if any.
func knownFor(repo, file string) string {
	for _, k := range known {
		if strings.EqualFold(k.Repo, repo) && k.File == file {
			return k.Names[0]
		}
	}
	return ""
}
