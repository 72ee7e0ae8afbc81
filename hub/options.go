package hub

import (
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// DefaultEndpoint is the Hub's base URL when HF_ENDPOINT is unset.
const DefaultEndpoint = "https://huggingface.co"

// ErrOffline means the model is not in the cache and the Hub cannot be
// reached (HF_HUB_OFFLINE=1, Options.Offline, or a network failure).
var ErrOffline = errors.New("model not in the cache and the Hugging Face Hub is not reachable")

// Options configures Resolve, List and Remove. Zero fields take their value
// from the environment the way huggingface_hub does.
type Options struct {
	CacheDir string // $HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub
	Endpoint string // $HF_ENDPOINT, else DefaultEndpoint
	Token    string // $HF_TOKEN, else the token file under $HF_HOME
	Offline  bool   // also set by HF_HUB_OFFLINE=1: use only the cache
	// Refresh asks the Hub for the current commit even when the file is
	// cached (what "gollama pull" does); otherwise a cached file is used
	// without network access.
	Refresh bool
	Client  *http.Client // nil: a client with sane timeouts
	// Progress receives a progress bar (carriage-return redrawn) while
	// downloading; nil for silence.
	Progress io.Writer
	// Getenv reads the environment; nil means os.Getenv. Tests replace it.
	Getenv func(string) string
}

func (o Options) env(k string) string {
	if o.Getenv != nil {
		return o.Getenv(k)
	}
	return os.Getenv(k)
}

func envTrue(v string) bool {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "1", "true", "yes", "on":
		return true
	}
	return false
}

// hfHome is $HF_HOME, else $XDG_CACHE_HOME/huggingface, else
// ~/.cache/huggingface.
func (o Options) hfHome() string {
	if h := o.env("HF_HOME"); h != "" {
		return expandHome(h)
	}
	if x := o.env("XDG_CACHE_HOME"); x != "" {
		return filepath.Join(x, "huggingface")
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return filepath.Join(os.TempDir(), "huggingface")
	}
	return filepath.Join(home, ".cache", "huggingface")
}

// Cache returns the cache directory in use.
func (o Options) Cache() string {
	if o.CacheDir != "" {
		return expandHome(o.CacheDir)
	}
	if c := o.env("HF_HUB_CACHE"); c != "" {
		return expandHome(c)
	}
	return filepath.Join(o.hfHome(), "hub")
}

func (o Options) endpoint() string {
	if o.Endpoint != "" {
		return strings.TrimRight(o.Endpoint, "/")
	}
	if e := o.env("HF_ENDPOINT"); e != "" {
		return strings.TrimRight(e, "/")
	}
	return DefaultEndpoint
}

func (o Options) token() string {
	if o.Token != "" {
		return o.Token
	}
	if t := o.env("HF_TOKEN"); t != "" {
		return strings.TrimSpace(t)
	}
	p := o.env("HF_TOKEN_PATH")
	if p == "" {
		p = filepath.Join(o.hfHome(), "token")
	}
	if b, err := os.ReadFile(expandHome(p)); err == nil {
		return strings.TrimSpace(string(b))
	}
	return ""
}

func (o Options) offline() bool {
	return o.Offline || envTrue(o.env("HF_HUB_OFFLINE"))
}

func (o Options) client() *http.Client {
	if o.Client != nil {
		return o.Client
	}
	return defaultClient
}

// defaultClient has no overall timeout (downloads take long) but bounds
// connection setup and the wait for response headers.
var defaultClient = &http.Client{Transport: &http.Transport{
	Proxy:                 http.ProxyFromEnvironment,
	DialContext:           (&net.Dialer{Timeout: 15 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
	TLSHandshakeTimeout:   15 * time.Second,
	ResponseHeaderTimeout: 30 * time.Second,
	IdleConnTimeout:       90 * time.Second,
}}

func expandHome(p string) string {
	if p == "~" || strings.HasPrefix(p, "~/") {
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, p[1:])
		}
	}
	return p
}
