package worker

import (
	"fmt"
	"sort"
	"strings"
)

// promptText is the prompt for system and the input lines: system, a
// newline, then the lines joined by newlines. It is plain text for
// completion; no chat template is applied (a hook can render one).
func promptText(system string, input []string) string {
	lines := strings.Join(input, "\n")
	switch {
	case system == "":
		return lines
	case len(input) == 0:
		return system
	}
	return system + "\n" + lines
}

// reserve is the room left in the context for generation: n_predict, or a
// quarter of the context when generating until the end (-1).
func reserve(nPredict, ctxLen int) int {
	if nPredict < 0 {
		return max(ctxLen/4, 1)
	}
	return nPredict
}

// fitPrompt tokenizes system and input, dropping input lines from the start
// until the tokens plus room to generate fit in ctxLen. It returns the
// tokens and the number of lines dropped.
func fitPrompt(tokenize func(string) ([]int32, error), system string, input []string, room, ctxLen int) ([]int32, int, error) {
	budget := ctxLen - room
	tokens := func(drop int) ([]int32, error) { return tokenize(promptText(system, input[drop:])) }
	toks, err := tokens(0)
	if err != nil {
		return nil, 0, err
	}
	if len(toks) <= budget {
		return toks, 0, nil
	}
	if len(input) == 0 {
		return nil, 0, fmt.Errorf("the system prompt is %d tokens; with %d to generate, the context of %d tokens cannot hold it", len(toks), room, ctxLen)
	}
	// Fewer lines, fewer tokens: binary-search the fewest lines to drop,
	// tokenizing each candidate whole since tokens can span a line break.
	var searchErr error
	drop := sort.Search(len(input), func(d int) bool {
		if d == 0 || searchErr != nil {
			return searchErr != nil
		}
		t, err := tokens(d)
		if err != nil {
			searchErr = err
			return true
		}
		return len(t) <= budget
	})
	if searchErr != nil {
		return nil, 0, searchErr
	}
	if drop == len(input) {
		// Even the last line does not fit: answering without any input
		// would be answering another question.
		last, err := tokens(len(input) - 1)
		if err != nil {
			return nil, 0, err
		}
		return nil, 0, fmt.Errorf("the prompt with only the system text and the last input line is %d tokens; with %d to generate, the context of %d tokens cannot hold it", len(last), room, ctxLen)
	}
	if toks, err = tokens(drop); err != nil {
		return nil, 0, err
	}
	return toks, drop, nil
}
