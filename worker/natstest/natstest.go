// Package natstest runs an embedded NATS server for tests, on loopback and
// a random port, like net/http/httptest does for HTTP.
package natstest

import (
	"net"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
)

// Server is a running embedded NATS server.
type Server struct {
	*server.Server
	URL string
}

// Start starts a server on 127.0.0.1 (port 0: a random free one; pass a
// port to restart a server where clients expect it) and stops it when
// the test ends.
func Start(t testing.TB, port int) *Server {
	t.Helper()
	if port == 0 {
		port = server.RANDOM_PORT
	}
	opts := &server.Options{Host: "127.0.0.1", Port: port, NoLog: true, NoSigs: true, MaxPayload: 8 << 20}
	s, err := server.NewServer(opts)
	if err != nil {
		t.Fatalf("natstest: %v", err)
	}
	go s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		s.Shutdown()
		t.Fatalf("natstest: the server did not start within 10s")
	}
	t.Cleanup(func() { s.Shutdown(); s.WaitForShutdown() })
	return &Server{Server: s, URL: s.ClientURL()}
}

// Port is the port the server listens on.
func (s *Server) Port() int { return s.Addr().(*net.TCPAddr).Port }

// Connect connects to the server, closing the connection when the test
// ends. Reconnection is fast so tests that restart the server stay short.
func (s *Server) Connect(t testing.TB, opts ...nats.Option) *nats.Conn {
	t.Helper()
	opts = append([]nats.Option{nats.ReconnectWait(20 * time.Millisecond), nats.MaxReconnects(-1), nats.Timeout(5 * time.Second)}, opts...)
	nc, err := nats.Connect(s.URL, opts...)
	if err != nil {
		t.Fatalf("natstest: connecting to %s: %v", s.URL, err)
	}
	t.Cleanup(nc.Close)
	return nc
}
