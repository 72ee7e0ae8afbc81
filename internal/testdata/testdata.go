// Package testdata finds the shared test fixtures (../shared/testdata beside
// the repository) for tests. With GOLLAMA_REQUIRE_FIXTURES=1 a missing
// fixture fails the test; otherwise the test is skipped with a message, as
// for someone who has the repository but not our fixtures.
package testdata

import (
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
)

var (
	rootOnce sync.Once
	root     string
)

// Root returns the directory holding the shared fixtures ("" if none):
// $GOLLAMA_TESTDATA if set, else ../shared/testdata beside the module root.
func Root() string {
	rootOnce.Do(func() {
		if d := os.Getenv("GOLLAMA_TESTDATA"); d != "" {
			root = d
			return
		}
		_, file, _, ok := runtime.Caller(0)
		if !ok {
			return
		}
		// file is <module>/internal/testdata/testdata.go.
		module := filepath.Dir(filepath.Dir(filepath.Dir(file)))
		d := filepath.Join(filepath.Dir(module), "shared", "testdata")
		if st, err := os.Stat(d); err == nil && st.IsDir() {
			root = d
		}
	})
	return root
}

// Required reports whether missing fixtures must fail tests.
func Required() bool { return os.Getenv("GOLLAMA_REQUIRE_FIXTURES") == "1" }

// Path returns the absolute path of a fixture given relative to the shared
// testdata directory (e.g. "models/stories260K-F32.gguf"). When it is
// missing the test fails (fixtures required) or is skipped.
func Path(tb testing.TB, rel string) string {
	tb.Helper()
	r := Root()
	if r == "" {
		missing(tb, "shared test data directory ../shared/testdata")
		return ""
	}
	p := filepath.Join(r, rel)
	if _, err := os.Stat(p); err != nil {
		missing(tb, p)
	}
	return p
}

// Glob returns the fixtures matching pattern (relative to the shared
// testdata directory), failing or skipping when there are none.
func Glob(tb testing.TB, pattern string) []string {
	tb.Helper()
	r := Root()
	if r == "" {
		missing(tb, "shared test data directory ../shared/testdata")
		return nil
	}
	m, _ := filepath.Glob(filepath.Join(r, pattern))
	if len(m) == 0 {
		missing(tb, filepath.Join(r, pattern))
	}
	return m
}

func missing(tb testing.TB, what string) {
	tb.Helper()
	if Required() {
		tb.Fatalf("fixture missing: %s (GOLLAMA_REQUIRE_FIXTURES=1)", what)
	}
	tb.Skipf("fixture missing: %s; skipping (set GOLLAMA_REQUIRE_FIXTURES=1 to fail instead)", what)
}
