package hub

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
)

// splitRE matches llama.cpp's split naming, name-00001-of-00003.gguf
// (llama_split_path's "%s-%05d-of-%05d.gguf").
var splitRE = regexp.MustCompile(`^(.*)-(\d{5})-of-(\d{5})\.gguf$`)

// parseSplit returns the prefix, part number (1-based) and part count of a
// split file name, ok=false when name is not one.
func parseSplit(name string) (prefix string, no, count int, ok bool) {
	m := splitRE.FindStringSubmatch(name)
	if m == nil {
		return "", 0, 0, false
	}
	no, _ = strconv.Atoi(m[2])
	count, _ = strconv.Atoi(m[3])
	if count < 1 || no < 1 || no > count {
		return "", 0, 0, false
	}
	return m[1], no, count, true
}

func splitName(prefix string, no, count int) string {
	return fmt.Sprintf("%s-%05d-of-%05d.gguf", prefix, no, count)
}

// splitFiles returns every part of the split file f, first part first, or
// just f when it is not split. It works on '/'-separated repository paths
// and on OS paths alike (only the base name is rewritten).
func splitFiles(f string) []string {
	prefix, _, count, ok := parseSplit(f)
	if !ok {
		return []string{f}
	}
	parts := make([]string, count)
	for i := range parts {
		parts[i] = splitName(prefix, i+1, count)
	}
	return parts
}

// SplitParts returns the files making up the model at path: every part,
// in order, when path is one part of a split GGUF
// (name-00002-of-00003.gguf), else just path. It fails, naming the file,
// when a part is missing. The loader checks each part's split.no,
// split.count and split.tensors.count keys against this list.
func SplitParts(path string) ([]string, error) {
	dir, base := filepath.Split(path)
	prefix, _, count, ok := parseSplit(base)
	if !ok {
		if _, err := os.Stat(path); err != nil {
			return nil, err
		}
		return []string{path}, nil
	}
	parts := make([]string, count)
	for i := range parts {
		p := filepath.Join(dir, splitName(prefix, i+1, count))
		st, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("split model %s: part %d of %d missing: %w", path, i+1, count, err)
		}
		if !st.Mode().IsRegular() {
			return nil, fmt.Errorf("split model %s: part %s is not a regular file", path, p)
		}
		parts[i] = p
	}
	return parts, nil
}
